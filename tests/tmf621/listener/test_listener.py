"""The TMF621 listener, `POST /integrations/tmf621/<slug>/listener/<eventType>`: what it takes
and how it answers (v4: 201 with `{id, callback}`), and the hostile set — each refusal a 4xx in
TMF's error shape (`code`, `reason`, `message`, `status`) that stores nothing and changes no
fault."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from faults.models import Fault
from integrations import partner_cache
from integrations.choices import InboundStatus
from integrations.models import InboundMessage, Partner
from integrations.tmf621.events import EVENT_TYPES
from tests.factories import BuyerIdentifierFactory, FaultFactory, PartnerFactory
from tests.tmf621.listener.conftest import (
    BUYER,
    SLUG,
    TOKEN,
    apply_received,
    assert_tmf_error,
    listener_url,
    post_event,
    status_event,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def fault(raise_fault) -> Fault:
    return raise_fault("in-progress", ticket="TT-1001")


def snapshot(fault: Fault) -> tuple:
    fault.refresh_from_db()
    return (
        fault.status,
        fault.status_reason,
        fault.maintainer_fault_reference,
        fault.events.count(),
        fault.comments.count(),
        fault.updates.count(),
    )


def refused(response, status: int, fault: Fault, before: tuple, *, code: str | None = None):
    """A refusal in TMF's shape that stored nothing and left the fault as it was."""
    error = assert_tmf_error(response, status, code=code)
    assert not InboundMessage.objects.exists()
    apply_received()
    assert snapshot(fault) == before
    return error


# --- what it takes ------------------------------------------------------------------------------
def test_an_event_is_stored_against_its_fault_and_answered_as_v4_says(client, fault):
    body = status_event(fault, "resolved", reason="Card replaced", event_id="EV-42")

    response = post_event(client, body)

    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json;charset=utf-8"
    assert response.json() == {
        "id": "EV-42",
        "callback": f"http://testserver{listener_url('troubleTicketStatusChangeEvent')}",
    }
    stored = InboundMessage.objects.get()
    assert (stored.fault, stored.message_type, stored.message_id, stored.status) == (
        fault,
        "troubleTicketStatusChangeEvent",
        "EV-42",
        InboundStatus.RECEIVED,
    )
    assert bytes(stored.body) == json.dumps(body).encode()
    assert stored.deviations == []  # what our tests send is v4 with the profile


def test_nothing_is_applied_before_the_answer_and_the_inbox_applies_it(client, fault):
    post_event(client, status_event(fault, "resolved", reason="Card replaced"))
    fault.refresh_from_db()
    assert fault.status == "in-progress"

    (applied,) = apply_received()

    assert applied.status == InboundStatus.APPLIED, applied.last_error
    fault.refresh_from_db()
    assert (fault.status, fault.status_reason) == ("resolved", "Card replaced")


@pytest.mark.parametrize("event_type", EVENT_TYPES)
@pytest.mark.parametrize("spelling", ["v4", "seed"])
@pytest.mark.parametrize("suffix", ["", "/"], ids=["no-slash", "slash"])
def test_each_event_in_either_spelling_with_or_without_a_slash_is_taken_never_redirected(
    client, fault, event_type, spelling, suffix
):
    name = event_type if spelling == "v4" else event_type[0].upper() + event_type[1:]
    body = status_event(fault, "inProgress", event_type=name)

    response = post_event(client, body, event_type=name, suffix=suffix)

    assert response.status_code == 201, response.content
    assert InboundMessage.objects.get().message_type == event_type


def test_a_callback_registered_with_a_trailing_slash_still_reaches_the_listener(client, fault):
    body = json.dumps(status_event(fault)).encode()

    response = client.post(
        f"/integrations/tmf621/{SLUG}//listener/troubleTicketStatusChangeEvent",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {TOKEN}", "X-Forwarded-For": "127.0.0.1"},
        REMOTE_ADDR="127.0.0.1",
    )

    assert response.status_code == 201, response.content


def test_an_event_naming_only_the_suppliers_ticket_id_finds_the_fault(client, fault):
    body = status_event(fault, by_external_id=False)

    assert post_event(client, body).status_code == 201
    assert InboundMessage.objects.get().fault == fault


@pytest.mark.parametrize(
    "payload", [{"id": "TT-1001"}, {"troubleTicket": {"id": "TT-1001", "href": "https://x"}}]
)
def test_an_event_carrying_only_the_ticket_id_is_stored_for_its_fault(client, fault, payload):
    """No buyer named (MEF 124): the fault is looked up under the partner's buyer ids."""
    body = {
        "eventId": "E1",
        "eventType": "troubleTicketResolvedEvent",
        "eventTime": "2024-03-01T10:00:00Z",
        "event": payload,
    }

    assert post_event(client, body).status_code == 201
    assert InboundMessage.objects.get().fault == fault


def test_the_same_event_twice_is_acknowledged_twice_stored_and_applied_once(client, fault):
    body = status_event(fault, "resolved", notes=[{"id": "n1", "text": "Card replaced"}])

    first, again = post_event(client, body), post_event(client, body)
    apply_received()

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    stored = InboundMessage.objects.get()
    assert (stored.duplicates_received, stored.status) == (1, InboundStatus.APPLIED)
    assert fault.events.filter(to_status="resolved").count() == 1
    assert fault.comments.count() == 1


def test_a_whole_ticket_event_is_stored_in_one_statement(client, fault, settings):
    """The hot path: with the partner cached, authenticating, reading the event once and
    storing it take the inbox's one INSERT … SELECT."""
    settings.PARTNER_CACHE_SECONDS = 60
    partner_cache._cache.clear()
    post_event(client, status_event(fault, event_id="EV-WARM"))

    with CaptureQueriesContext(connection) as queries:
        response = post_event(client, status_event(fault, event_id="EV-HOT"))

    partner_cache._cache.clear()
    assert response.status_code == 201
    assert len(queries) == 1, [query["sql"] for query in queries]
    assert queries[0]["sql"].lstrip().startswith("INSERT")


# --- the hostile set ----------------------------------------------------------------------------
def test_malformed_json_is_refused(client, fault):
    before = snapshot(fault)

    error = refused(
        post_event(client, b'{"eventType": ', event_type=EVENT_TYPES[1]),
        400,
        fault,
        before,
        code="invalidBody",
    )

    assert error["reason"].startswith("The body is not JSON")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "application/x-www-form-urlencoded"]
)
def test_a_content_type_other_than_json_is_refused(client, fault, content_type):
    before = snapshot(fault)

    error = refused(
        post_event(client, status_event(fault), content_type=content_type), 415, fault, before
    )

    assert error["code"] == "unsupportedMediaType"
    assert f"Content type {content_type} is not accepted" in error["reason"]


@pytest.mark.parametrize(
    "event_type",
    [
        "troubleTicketCreateEvent",
        "troubleTicketDeleteEvent",
        "somethingElse",
        "TROUBLETICKETRESOLVEDEVENT",
    ],
)
def test_an_event_type_we_do_not_take_is_not_found_in_tmfs_shape(client, fault, event_type):
    before = snapshot(fault)
    body = status_event(fault, event_type=event_type)

    error = refused(post_event(client, body), 404, fault, before, code="notFound")

    assert error["reason"] == f"No listener for the event type {event_type!r}."


def test_the_listener_without_an_event_type_is_not_found_in_tmfs_shape(client, fault):
    before = snapshot(fault)

    response = client.post(
        f"/integrations/tmf621/{SLUG}/listener/",
        data=json.dumps(status_event(fault)),
        content_type="application/json",
        headers={"Authorization": f"Bearer {TOKEN}", "X-Forwarded-For": "127.0.0.1"},
        REMOTE_ADDR="127.0.0.1",
    )

    refused(response, 404, fault, before, code="notFound")


def test_an_event_whose_type_is_not_its_urls_is_refused(client, fault):
    before = snapshot(fault)
    body = status_event(fault, "resolved", event_type="troubleTicketResolvedEvent")

    error = refused(
        post_event(client, body, event_type="troubleTicketStatusChangeEvent"), 400, fault, before
    )

    assert "is not the event of this listener URL" in error["reason"]


@pytest.mark.parametrize("field", ["eventType", "event"])
def test_an_event_missing_a_mandatory_field_is_refused(client, fault, field):
    before = snapshot(fault)
    body = status_event(fault, "resolved")
    del body[field]

    error = refused(
        post_event(client, body, event_type="troubleTicketStatusChangeEvent"), 400, fault, before
    )

    assert repr(field) in error["reason"]


def test_an_event_whose_ticket_has_no_id_is_refused(client, fault):
    before = snapshot(fault)
    body = status_event(fault, "resolved")
    del body["event"]["troubleTicket"]["id"]

    error = refused(post_event(client, body), 400, fault, before)

    assert error["reason"] == "The ticket's 'id' is missing or empty."


def test_an_event_for_a_ticket_we_do_not_know_is_refused(client, fault):
    before = snapshot(fault)
    body = status_event(fault, "resolved", by_external_id=False)
    body["event"]["troubleTicket"]["id"] = "TT-9999"

    error = refused(post_event(client, body), 400, fault, before, code="referenceNotFound")

    assert error["reason"] == (
        "No fault of ours has that ticket: neither its externalId nor its id is known."
    )


def test_an_event_naming_a_reference_of_ours_we_do_not_have_is_refused(client, fault):
    before = snapshot(fault)
    body = status_event(fault, "resolved")
    body["event"]["troubleTicket"]["externalId"] = "NOC-NO-SUCH"

    refused(post_event(client, body), 400, fault, before, code="referenceNotFound")


def test_an_event_for_another_buyers_ticket_is_refused(client, fault):
    """The buyer it names is none of ours with this supplier."""
    before = snapshot(fault)
    body = status_event(fault, "resolved")
    body["event"]["troubleTicket"]["relatedParty"][0]["id"] = "SOMEONE-ELSE"

    error = refused(post_event(client, body), 400, fault, before, code="referenceNotFound")

    assert error["reason"] == (
        "The ticket's buyer (relatedParty, role buyer) is not one of our buyer ids."
    )


@pytest.mark.parametrize("by_external_id", [True, False], ids=["externalId", "ticket-id"])
def test_an_event_naming_our_other_buyer_id_for_a_fault_raised_under_one_is_refused(
    client, tmf_supplier, fault, by_external_id
):
    BuyerIdentifierFactory(partner=tmf_supplier, code="NOC-TMF-2")
    before = snapshot(fault)
    body = status_event(fault, "resolved", by_external_id=by_external_id)
    body["event"]["troubleTicket"]["relatedParty"][0]["id"] = "NOC-TMF-2"

    error = refused(post_event(client, body), 400, fault, before, code="referenceNotFound")

    assert error["reason"] == "That ticket is not ours under the buyer it names."


def test_an_event_for_another_suppliers_ticket_is_refused(client, fault):
    other = PartnerFactory(protocol="tmf621")
    theirs = FaultFactory(supplier=other, maintainer_fault_reference="TT-7777")
    before = snapshot(fault)
    body = status_event(fault, "resolved", by_external_id=False)
    body["event"]["troubleTicket"]["id"] = "TT-7777"
    body["event"]["troubleTicket"]["relatedParty"] = []

    refused(post_event(client, body), 400, fault, before)
    assert Fault.objects.get(pk=theirs.pk).status == "draft"


def test_a_body_over_the_limit_is_refused_unread(client, tmf_supplier, fault):
    Partner.objects.filter(pk=tmf_supplier.pk).update(max_inbound_bytes=500)
    before = snapshot(fault)
    body = status_event(fault, "resolved", reason="x" * 600)

    error = refused(post_event(client, body), 413, fault, before, code="payloadTooLarge")

    assert error["reason"] == "Body over 500 bytes."


@pytest.mark.parametrize(
    "authorization", ["", "Bearer wrong-token-0123456789-abcdefgh", "Basic eDp5"]
)
def test_a_missing_or_wrong_token_is_refused_with_a_bearer_challenge(client, fault, authorization):
    before = snapshot(fault)
    body = status_event(fault, "resolved")

    response = post_event(client, body, token=None, Authorization=authorization)

    refused(response, 401, fault, before)
    assert response["WWW-Authenticate"].startswith("Bearer ")


def test_a_call_from_outside_the_partners_networks_is_forbidden(client, fault):
    before = snapshot(fault)

    response = post_event(client, status_event(fault), **{"X-Forwarded-For": "203.0.113.9"})

    refused(response, 403, fault, before, code="accessDenied")


@pytest.mark.parametrize("slug", ["no-such-supplier", "inactive", "cityfibre-supplier"])
def test_a_slug_that_is_no_active_tmf621_supplier_is_not_found(client, fault, slug):
    PartnerFactory(slug="inactive", protocol="tmf621", is_active=False)
    PartnerFactory(slug="cityfibre-supplier", protocol="cityfibre")
    before = snapshot(fault)

    error = refused(post_event(client, status_event(fault), slug=slug), 404, fault, before)

    assert error["reason"] == "No such partner."


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_only_post_is_allowed_and_said_in_tmfs_shape(client, fault, method):
    before = snapshot(fault)

    response = getattr(client, method)(
        listener_url("troubleTicketStatusChangeEvent"), REMOTE_ADDR="127.0.0.1"
    )

    refused(response, 405, fault, before, code="methodNotAllowed")
    assert "POST" in response["Allow"]


@pytest.mark.parametrize(
    ("where", "value"),
    [("eventId", "EV\x00NUL"), ("eventId", "EV-\ud800"), ("ticket", "TT\x00NUL")],
)
def test_an_identity_the_database_cannot_hold_is_refused_not_an_error(client, fault, where, value):
    """Valid JSON escapes (\\u0000, a lone surrogate), but no PostgreSQL text."""
    before = snapshot(fault)
    body = status_event(fault, "resolved", by_external_id=where != "ticket")
    if where == "ticket":
        body["event"]["troubleTicket"]["id"] = value
    else:
        body[where] = value

    refused(post_event(client, body), 400, fault, before)


def test_a_ticket_id_longer_than_we_can_keep_is_refused(client, fault):
    before = snapshot(fault)
    body = status_event(fault, "resolved")
    body["event"]["troubleTicket"]["id"] = "T" * 37

    refused(post_event(client, body), 400, fault, before)


def test_a_buyer_party_without_a_usable_id_is_refused(client, fault):
    before = snapshot(fault)
    body = status_event(fault, "resolved")
    body["event"]["troubleTicket"]["relatedParty"] = [{"role": "buyer", "id": {"code": BUYER}}]

    refused(post_event(client, body), 400, fault, before)


def test_a_status_the_mapping_does_not_know_is_taken_and_shown_never_a_500(client, fault):
    """Not refused: what the supplier said is recorded as an anomaly when applied."""
    body = status_event(fault, "frozen", reason="??")

    assert post_event(client, body).status_code == 201
    (applied,) = apply_received()

    assert applied.status == InboundStatus.APPLIED
    fault.refresh_from_db()
    assert fault.status == "in-progress"
    anomaly = fault.events.filter(kind="anomaly").latest("id")
    assert "'frozen'" in anomaly.message
