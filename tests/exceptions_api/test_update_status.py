"""The helpdesk's status webhook over HTTP, as Zendesk's trigger sends it (PATCH, a bearer token,
Zendesk's signature over the raw body): a good signature solves the linked exception (204); a bad
or stale signature, a missing token, a bad body or an unknown ticket is refused in the seed's
envelope and changes nothing; the same request delivered again is answered 204 and recorded
once; `open` reopens what the helpdesk solved."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from faults.choices import EventKind, FaultStatus
from faults.exceptions.api.auth import access_token_for
from faults.exceptions.helpdesk import external_reference_link
from faults.exceptions.models import CallToAction, TicketException, TicketExceptionRule
from faults.exceptions.shipped import ship_rules
from faults.exceptions.zendesk import zendesk_signed_headers
from faults.models import FaultEvent
from faults.services import Actor
from tests.factories import FaultFactory

pytestmark = pytest.mark.django_db

URL = "/ticketExceptions/public/v1/ticketExceptions/commands/updateStatus"
SECRET = "zendesk-signing-secret"
OLD_SECRET = "zendesk-signing-secret-before-rotation"


@pytest.fixture(autouse=True)
def zendesk_secrets(settings):
    settings.ZENDESK_WEBHOOK_SECRETS = [SECRET, OLD_SECRET]


@pytest.fixture
def service_account(django_user_model):
    return django_user_model.objects.create_user(username="zendesk-webhook")


@pytest.fixture
def helpdesk(service_account) -> APIClient:
    """The client Zendesk's webhook is: a long-lived bearer token of a service account."""
    client = APIClient()
    token = access_token_for(service_account, persona="", lifetime=timedelta(days=365))
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def exception(agent_user) -> TicketException:
    ship_rules(TicketExceptionRule, CallToAction)  # a transactional test's flush may have emptied
    raised = TicketException.objects.create(
        fault=FaultFactory(status=FaultStatus.IN_PROGRESS),
        rule=TicketExceptionRule.objects.get(type_name="NO_SUPPLIER_UPDATE"),
        subject="No update from the supplier for more than 24 hours",
        raised_at=timezone.now() - timedelta(hours=1),
    )
    external_reference_link(
        exception_id=raised.pk, identifier="12345", actor=Actor.for_user(agent_user)
    )
    return raised


def body(status: str = "solved", **fields) -> bytes:
    """As the trigger's JSON template renders it."""
    return json.dumps(
        {
            "externalSystemIdentifier": "zendesk",
            "externalReferenceId": "12345",
            "status": status,
            "comment": "Supplier confirmed the repair at 14:10",
            **fields,
        }
    ).encode()


def environ(headers: dict[str, str]) -> dict[str, str]:
    return {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}


def send(client: APIClient, raw: bytes, *, secret: str = SECRET, at=None, headers=None, url=URL):
    signed = zendesk_signed_headers(secret=secret, body=raw, at=at) if headers is None else headers
    return client.generic("PATCH", url, raw, content_type="application/json", **environ(signed))


def events(exception: TicketException) -> list[FaultEvent]:
    return list(
        FaultEvent.objects.filter(
            fault=exception.fault, kind=EventKind.EXCEPTION, data__exception_id=exception.pk
        )
        .exclude(data__action="helpdesk-linked")
        .order_by("id")
    )


def assert_envelope(answer, status: int, code: str) -> dict:
    assert answer.status_code == status, answer.content
    assert answer["Content-Type"] == "application/json"
    envelope = answer.json()
    assert set(envelope) == {"errorCode", "message", "errors"}
    assert envelope["errorCode"] == code
    return envelope


def test_a_signed_solved_update_solves_the_linked_exception(helpdesk, exception):
    answer = send(helpdesk, body("solved"))

    assert answer.status_code == 204, answer.content
    assert answer.content == b""
    exception.refresh_from_db()
    assert exception.solved_at is not None and not exception.solved_automatically
    assert exception.solved_reason == "Supplier confirmed the repair at 14:10"
    (event,) = events(exception)
    assert event.actor_ref == "helpdesk:zendesk via zendesk-webhook"
    assert event.data["action"] == "helpdesk-solved"


def test_the_same_request_delivered_again_is_204_and_recorded_once(helpdesk, exception):
    raw = body("solved")
    headers = zendesk_signed_headers(secret=SECRET, body=raw)
    assert send(helpdesk, raw, headers=headers).status_code == 204
    exception.refresh_from_db()
    solved_at = exception.solved_at

    again = send(helpdesk, raw, headers=headers)  # Zendesk's retry: the very same request

    assert again.status_code == 204
    exception.refresh_from_db()
    assert exception.solved_at == solved_at
    assert len(events(exception)) == 1


def test_the_old_secret_is_accepted_while_it_is_rotated(helpdesk, exception):
    assert send(helpdesk, body(), secret=OLD_SECRET).status_code == 204


def test_open_reopens_what_the_helpdesk_solved(helpdesk, exception):
    send(helpdesk, body("solved"))

    answer = send(helpdesk, body("open", comment="Customer says it is down again"))

    assert answer.status_code == 204
    exception.refresh_from_db()
    assert exception.solved_at is None
    assert [event.data["action"] for event in events(exception)] == [
        "helpdesk-solved",
        "helpdesk-reopened",
    ]


def test_a_reopen_that_would_make_two_open_is_refused_on_the_timeline_not_the_wire(
    helpdesk, exception
):
    send(helpdesk, body("solved"))
    TicketException.objects.create(
        fault=exception.fault, rule=exception.rule, subject="Raised again", raised_at=timezone.now()
    )

    answer = send(helpdesk, body("pending"))

    assert answer.status_code == 204  # the helpdesk did nothing wrong
    exception.refresh_from_db()
    assert exception.solved_at is not None
    assert events(exception)[-1].message.startswith(
        "Not reopened although zendesk ticket 12345 is pending: another"
    )


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda h: {**h, "X-Zendesk-Webhook-Signature": "AAAA"}, id="wrong"),
        pytest.param(
            lambda h: {k: v for k, v in h.items() if k != "X-Zendesk-Webhook-Signature"},
            id="missing",
        ),
        pytest.param(lambda h: {}, id="unsigned"),
    ],
)
def test_a_bad_signature_is_401_in_the_envelope_and_changes_nothing(helpdesk, exception, tamper):
    raw = body("solved")

    answer = send(helpdesk, raw, headers=tamper(zendesk_signed_headers(secret=SECRET, body=raw)))

    envelope = assert_envelope(answer, 401, "Unauthorized")
    assert envelope["message"].startswith("Zendesk signature refused")
    exception.refresh_from_db()
    assert exception.solved_at is None and events(exception) == []


def test_a_body_changed_after_signing_is_refused(helpdesk, exception):
    headers = zendesk_signed_headers(secret=SECRET, body=body("open"))

    answer = send(helpdesk, body("solved"), headers=headers)

    assert_envelope(answer, 401, "Unauthorized")
    exception.refresh_from_db()
    assert exception.solved_at is None


@pytest.mark.parametrize("age", [timedelta(minutes=6), timedelta(minutes=-6)])
def test_a_stale_signature_is_refused_and_changes_nothing(helpdesk, exception, age):
    answer = send(helpdesk, body("solved"), at=timezone.now() - age)

    envelope = assert_envelope(answer, 401, "Unauthorized")
    assert "stale" in envelope["message"]
    exception.refresh_from_db()
    assert exception.solved_at is None and events(exception) == []


def test_without_a_bearer_token_it_is_401(exception):
    answer = send(APIClient(), body("solved"))

    assert_envelope(answer, 401, "Unauthorized")
    exception.refresh_from_db()
    assert exception.solved_at is None


def test_an_unknown_ticket_is_404_not_found(helpdesk, exception):
    answer = send(helpdesk, body("solved", externalReferenceId="54321"))

    envelope = assert_envelope(answer, 404, "NotFound")
    assert envelope["message"] == "No exception is linked to zendesk ticket 54321."


def test_a_bad_body_is_400_with_its_errors_by_field(helpdesk, exception):
    raw = json.dumps({"externalSystemIdentifier": "zendesk", "status": 5}).encode()

    envelope = assert_envelope(send(helpdesk, raw), 400, "ValidationFailed")

    assert set(envelope["errors"]) == {"externalReferenceId"}
    assert envelope["errors"]["externalReferenceId"] == ["This field is required."]
    exception.refresh_from_db()
    assert exception.solved_at is None


def test_an_unknown_status_is_400_naming_the_status(helpdesk, exception):
    envelope = assert_envelope(send(helpdesk, body("archived")), 400, "ValidationFailed")

    assert envelope["errors"] == {
        "status": ["Unknown status; one of: closed, hold, new, open, pending, solved."]
    }
    exception.refresh_from_db()
    assert exception.solved_at is None


def test_a_body_that_is_not_json_is_400(helpdesk, exception):
    envelope = assert_envelope(send(helpdesk, b"{not json"), 400, "ValidationFailed")

    assert list(envelope["errors"]) == ["body"]


def test_a_numeric_ticket_id_is_taken(helpdesk, exception):
    assert send(helpdesk, body(externalReferenceId=12345)).status_code == 204


def test_the_status_category_may_come_in_any_case(helpdesk, exception):
    assert send(helpdesk, body("Solved")).status_code == 204
    exception.refresh_from_db()
    assert exception.solved_at is not None


def test_another_helpdesk_needs_only_the_token(helpdesk, agent_user):
    ship_rules(TicketExceptionRule, CallToAction)
    raised = TicketException.objects.create(
        fault=FaultFactory(status=FaultStatus.IN_PROGRESS),
        rule=TicketExceptionRule.objects.get(type_name="SLA_BREACHED"),
        subject="SLA breached",
        raised_at=timezone.now(),
    )
    external_reference_link(
        exception_id=raised.pk,
        identifier="INC0012",
        domain="servicenow",
        actor=Actor.for_user(agent_user),
    )

    answer = send(
        helpdesk,
        body("closed", externalSystemIdentifier="servicenow", externalReferenceId="INC0012"),
        headers={},
    )

    assert answer.status_code == 204
    raised.refresh_from_db()
    assert raised.solved_at is not None


def test_without_a_signing_secret_zendesk_is_refused_outside_debug(helpdesk, exception, settings):
    settings.ZENDESK_WEBHOOK_SECRETS = []
    settings.DEBUG = False

    envelope = assert_envelope(send(helpdesk, body(), headers={}), 403, "Forbidden")

    assert "no webhook signing secret is configured" in envelope["message"]
    exception.refresh_from_db()
    assert exception.solved_at is None


def test_without_a_signing_secret_debug_accepts_zendesk_unsigned(helpdesk, exception, settings):
    settings.ZENDESK_WEBHOOK_SECRETS = []
    settings.DEBUG = True

    assert send(helpdesk, body(), headers={}).status_code == 204


def test_the_signature_is_checked_over_the_raw_bytes(helpdesk, exception):
    # Same JSON, other spacing: Zendesk signed these bytes, not the parsed object.
    raw = (
        b'{ "externalSystemIdentifier": "zendesk", "externalReferenceId": "12345", '
        b'"status": "solved" }'
    )
    headers = zendesk_signed_headers(secret=SECRET, body=raw)

    assert send(helpdesk, raw, headers=headers).status_code == 204
    assert send(helpdesk, raw.replace(b" ", b""), headers=headers).status_code == 401


def test_a_persona_set_for_the_public_routes_is_required(helpdesk, exception, settings):
    settings.EXCEPTIONS_PUBLIC_API_PERSONA = "ZendeskIntegration"

    assert_envelope(send(helpdesk, body()), 403, "Forbidden")
    exception.refresh_from_db()
    assert exception.solved_at is None


def test_the_route_takes_a_trailing_slash_too(helpdesk, exception):
    assert send(helpdesk, body(), url=f"{URL}/").status_code == 204


def test_a_signature_header_that_is_not_base64_is_401(helpdesk, exception):
    raw = body()
    headers = zendesk_signed_headers(secret=SECRET, body=raw)
    headers["X-Zendesk-Webhook-Signature"] = "not base64!"

    assert_envelope(send(helpdesk, raw, headers=headers), 401, "Unauthorized")
    exception.refresh_from_db()
    assert exception.solved_at is None
