"""The supplier's webhook, `POST /integrations/cityfibre/<slug>/notify/`: what it acknowledges,
what it stores, and what it refuses (issue 4, "Hostile input at the webhook").

Every refusal is a well-formed `receivedNotifyFaultReportUpdate` with the HTTP status as its
responseCode (except 405, which DRF answers before the endpoint runs), stores nothing and leaves
the fault as it was. Who may call, how much and which partner (403, 413, 404, 405) are the
partner-security contract every protocol package passes, this one included:
tests/spine/contract/test_partner_edge.py.
"""

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rest_framework.throttling import SimpleRateThrottle

from faults.choices import EventKind, FaultStatus
from faults.models import Fault, FaultComment, FaultEvent, FaultUpdate
from integrations.choices import InboundStatus
from integrations.inbox import inbox_apply
from integrations.models import InboundMessage
from tests.cityfibre.conftest import in_soap, read_answer, sample
from tests.factories import BuyerIdentifierFactory, FaultFactory
from tests.helpers import bring_to

pytestmark = pytest.mark.django_db

ACCEPTED = 12  # notify-Fault-Report-Accepted: messageId CF-00001, maintainer reference CF-XYZZY
REJECTED = 22  # notify-Fault-Report-Rejected: the same messageId CF-00001, another message
ADD_FAULT_REPORT = 4
SUBMITTED = datetime(2018, 6, 1, tzinfo=UTC)  # before the samples' sentAt (2018-06-09)

PASSWD = Path("/etc/passwd")
PASSWD_LINES = [line for line in PASSWD.read_text().splitlines() if line] if PASSWD.exists() else []

XXE_DOCTYPE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE notifyFaultReportUpdate [
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
"""
LAUGHS_DOCTYPE = b"""<?xml version="1.0"?>
<!DOCTYPE notifyFaultReportUpdate [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""


def with_message_id(body: bytes, message_id: bytes) -> bytes:
    old = b"<messageId>CF-00001</messageId>"
    return body.replace(old, b"<messageId>" + message_id + b"</messageId>", 1)


def xxe_notification() -> bytes:
    """Sample 12 for a known fault, with the external entity where it would be echoed back
    (messageId) and where it would be stored (an update)."""
    body = with_message_id(sample(ACCEPTED), b"&xxe;")
    body = body.replace(
        b"</faultDetails>",
        b"</faultDetails><updates><update><description>&xxe;</description>"
        b"<updatedBy>seller</updatedBy></update></updates>",
    )
    return XXE_DOCTYPE + body


@pytest.fixture
def fault(cityfibre_partner, spdev1):
    draft = FaultFactory(
        supplier=cityfibre_partner, buyer_identifier=spdev1, buyer_fault_reference="SP-123ABC"
    )
    return bring_to(draft, "pending", start=SUBMITTED)


def fault_snapshot(fault: Fault) -> tuple:
    fresh = Fault.objects.get(pk=fault.pk)
    return (
        fresh.status,
        fresh.maintainer_fault_reference,
        fresh.updated_at,
        FaultEvent.objects.filter(fault=fault).count(),
        FaultUpdate.objects.filter(fault=fault).count(),
    )


def assert_refused(response, status: int, *, fault: Fault, before: tuple) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("text/xml")
    answer = read_answer(response)
    assert answer.response_code == status
    assert answer.error_message
    assert InboundMessage.objects.count() == 0
    assert fault_snapshot(fault) == before


def assert_nothing_from_passwd_in(answer: str) -> None:
    stored = [
        *(
            bytes(body).decode("utf-8", "replace")
            for body in InboundMessage.objects.values_list("body", flat=True)
        ),
        *FaultEvent.objects.values_list("message", flat=True),
        *(json.dumps(data) for data in FaultEvent.objects.values_list("data", flat=True)),
        *FaultUpdate.objects.values_list("description", flat=True),
        *FaultComment.objects.values_list("text", flat=True),
    ]
    for line in PASSWD_LINES:
        assert line not in answer
        assert not any(line in text for text in stored)


# --- acknowledged ------------------------------------------------------------------------------
@pytest.mark.parametrize("wrap", [False, True], ids=["bare", "soap"])
def test_a_good_notification_is_acknowledged_and_stored_raw(
    client, post_notification, fault, pki, wrap
):
    body = in_soap(sample(ACCEPTED)) if wrap else sample(ACCEPTED)

    response = post_notification(client, body)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    answer = read_answer(response)
    assert answer.response_code == 200
    assert answer.message_id == "CF-00001"
    assert answer.buyer_identifier == "SPDEV1"
    assert answer.error_message == ""
    stored = InboundMessage.objects.get()
    assert bytes(stored.body) == body
    assert stored.fault == fault
    assert stored.message_type == "notifyFaultReportUpdate"
    assert stored.message_id == "CF-00001"
    assert stored.sent_at == datetime(2018, 6, 9, 11, 15, 17, 100, UTC)
    assert stored.status == InboundStatus.RECEIVED
    assert stored.remote_addr == "127.0.0.1"
    assert stored.client_cert_fingerprint == pki.supplier_client.fingerprint
    assert any("Element 'faultDetails': Missing child element(s)" in d for d in stored.deviations)
    # Acknowledged, not applied yet: the fault waits for the inbox task.
    assert Fault.objects.get(pk=fault.pk).status == FaultStatus.PENDING


def test_the_inbox_applies_a_stored_notification_once(client, post_notification, fault):
    post_notification(client, sample(ACCEPTED))
    stored = InboundMessage.objects.get()

    first = inbox_apply(inbound_id=stored.pk)
    events_after_first = FaultEvent.objects.filter(fault=fault).count()
    second = inbox_apply(inbound_id=stored.pk)

    assert first == InboundStatus.APPLIED
    assert second is None
    stored.refresh_from_db()
    assert stored.status == InboundStatus.APPLIED
    assert stored.applied_at is not None
    assert stored.attempts == 1
    fault.refresh_from_db()
    assert fault.status == FaultStatus.ACCEPTED
    assert fault.maintainer_fault_reference == "CF-XYZZY"
    assert FaultEvent.objects.filter(fault=fault).count() == events_after_first


def test_a_duplicate_is_acknowledged_again_and_applied_once(client, post_notification, fault):
    post_notification(client, sample(ACCEPTED))
    inbox_apply(inbound_id=InboundMessage.objects.get().pk)

    again = post_notification(client, sample(ACCEPTED))
    and_again = post_notification(client, sample(ACCEPTED))

    for response in (again, and_again):
        assert response.status_code == 200
        assert read_answer(response).message_id == "CF-00001"
    stored = InboundMessage.objects.get()
    assert stored.duplicates_received == 2
    assert stored.status == InboundStatus.APPLIED
    assert inbox_apply(inbound_id=stored.pk) is None
    accepted = FaultEvent.objects.filter(
        fault=fault, kind=EventKind.STATUS, to_status=FaultStatus.ACCEPTED
    )
    assert accepted.count() == 1


def test_a_suppliers_burst_is_stored_in_full_not_throttled_like_the_api(
    client, post_notification, fault, monkeypatch
):
    # A mass outage: more notifications from the supplier's one address within a minute than
    # the API lets an anonymous caller make (its shipped 60 a minute); none may be answered 429.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "60/min", "user": None})
    burst = 65

    responses = [
        post_notification(client, with_message_id(sample(ACCEPTED), f"CF-B{n:03d}".encode()))
        for n in range(burst)
    ]

    assert [response.status_code for response in responses] == [200] * burst
    assert InboundMessage.objects.filter(fault=fault).count() == burst


def test_the_same_message_id_with_another_body_is_another_message(client, post_notification, fault):
    # The supplier's own samples 12 (accepted) and 22 (rejected) both carry messageId CF-00001.
    post_notification(client, sample(ACCEPTED))

    response = post_notification(client, sample(REJECTED))

    assert response.status_code == 200
    rows = InboundMessage.objects.order_by("id")
    assert [row.message_id for row in rows] == ["CF-00001", "CF-00001"]
    assert [bytes(row.body) for row in rows] == [sample(ACCEPTED), sample(REJECTED)]
    assert all(row.duplicates_received == 0 for row in rows)


def test_an_extra_active_buyer_identifier_of_the_partner_is_accepted(
    client, post_notification, fault, cityfibre_partner
):
    other = BuyerIdentifierFactory(partner=cityfibre_partner, code="SPOTHER")
    raised_under_other = bring_to(
        FaultFactory(
            supplier=cityfibre_partner, buyer_identifier=other, buyer_fault_reference="SP-OTHER1"
        ),
        "pending",
        start=SUBMITTED,
    )
    body = sample(ACCEPTED).replace(b">SPDEV1<", b">SPOTHER<")
    body = body.replace(b">SP-123ABC<", b">SP-OTHER1<")

    response = post_notification(client, body)

    assert response.status_code == 200
    assert read_answer(response).buyer_identifier == "SPOTHER"
    assert InboundMessage.objects.get().fault_id == raised_under_other.pk


def test_a_notification_under_another_buyer_identifier_than_the_faults_is_refused(
    client, post_notification, cityfibre_partner, spdev1
):
    """Issue 10 #2: with a second buyer identifier HOLDOUT2, a fault raised under it is not
    moved by a notification addressed to SPDEV1 (answered like an unknown reference)."""
    holdout2 = BuyerIdentifierFactory(partner=cityfibre_partner, code="HOLDOUT2")
    fault = bring_to(
        FaultFactory(
            supplier=cityfibre_partner, buyer_identifier=holdout2, buyer_fault_reference="SP-123ABC"
        ),
        "pending",
        start=SUBMITTED,
    )
    before = fault_snapshot(fault)

    response = post_notification(client, sample(ACCEPTED))  # buyerIdentifier SPDEV1

    assert_refused(response, 400, fault=fault, before=before)
    answer = read_answer(response)
    assert json.loads(answer.error_message) == {
        "buyerIdentifier": "No fault with that reference under that buyer identifier"
    }
    assert (answer.message_id, answer.buyer_identifier) == ("CF-00001", "SPDEV1")
    assert Fault.objects.get(pk=fault.pk).maintainer_fault_reference == ""


# --- refused: the body ---------------------------------------------------------------------------
def test_xml_that_is_not_well_formed_is_refused(client, post_notification, fault):
    before = fault_snapshot(fault)
    body = sample(ACCEPTED).replace(b"</notifyFaultReportUpdate>", b"")

    response = post_notification(client, body)

    assert_refused(response, 400, fault=fault, before=before)
    assert "not well-formed" in read_answer(response).error_message


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"   \n", id="blank"),
        pytest.param(b"\xff\xfe<\x00x", id="garbage-bytes"),
        pytest.param(b'<?xml version="1.0" encoding="klingon"?><x/>', id="unknown-encoding"),
    ],
)
def test_bodies_that_are_no_xml_at_all_are_refused(client, post_notification, fault, body):
    before = fault_snapshot(fault)

    response = post_notification(client, body)

    assert_refused(response, 400, fault=fault, before=before)


@pytest.mark.parametrize("wrap", [False, True], ids=["bare", "soap"])
def test_an_xxe_payload_is_refused_and_the_file_is_never_read(
    client, post_notification, fault, wrap
):
    before = fault_snapshot(fault)
    body = xxe_notification()
    if wrap:
        body = body.replace(
            b"<notifyFaultReportUpdate",
            b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
            b"<soap:Body><notifyFaultReportUpdate",
            1,
        ) + (b"</soap:Body></soap:Envelope>")

    response = post_notification(client, body)

    assert_refused(response, 400, fault=fault, before=before)
    assert "DOCTYPE" in read_answer(response).error_message
    assert_nothing_from_passwd_in(response.content.decode())


def test_an_xxe_payload_in_utf16_is_refused(client, post_notification, fault):
    # The raw-bytes check cannot see "<!DOCTYPE" in UTF-16; the parser's own check must.
    before = fault_snapshot(fault)
    text = xxe_notification().decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')

    response = post_notification(client, text.encode("utf-16"))

    assert_refused(response, 400, fault=fault, before=before)
    assert_nothing_from_passwd_in(response.content.decode())


def test_a_billion_laughs_payload_is_refused_fast(client, post_notification, fault):
    before = fault_snapshot(fault)
    body = LAUGHS_DOCTYPE + with_message_id(sample(ACCEPTED), b"&lol9;")

    started = time.perf_counter()
    response = post_notification(client, body)
    elapsed = time.perf_counter() - started

    assert_refused(response, 400, fault=fault, before=before)
    assert elapsed < 1.0
    assert len(response.content) < 2000  # nothing was expanded into the answer


def test_a_plain_doctype_is_refused(client, post_notification, fault):
    before = fault_snapshot(fault)
    body = b"<!DOCTYPE notifyFaultReportUpdate>\n" + sample(ACCEPTED)

    response = post_notification(client, body)

    assert_refused(response, 400, fault=fault, before=before)
    assert "DOCTYPE" in read_answer(response).error_message


@pytest.mark.parametrize("wrap", [False, True], ids=["bare", "soap"])
def test_a_wrong_root_element_is_refused(client, post_notification, fault, wrap):
    before = fault_snapshot(fault)
    body = sample(ADD_FAULT_REPORT)

    response = post_notification(client, in_soap(body) if wrap else body)

    assert_refused(response, 400, fault=fault, before=before)
    assert read_answer(response).error_message == (
        "Expected notifyFaultReportUpdate, received addFaultReport."
    )


def test_a_soap_fault_instead_of_a_notification_is_refused(client, post_notification, fault):
    before = fault_snapshot(fault)
    body = (
        b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        b"<soap:Fault><faultcode>soap:Server</faultcode><faultstring>oops</faultstring>"
        b"</soap:Fault></soap:Body></soap:Envelope>"
    )

    response = post_notification(client, body)

    assert_refused(response, 400, fault=fault, before=before)


@pytest.mark.parametrize("element", [b"messageId", b"buyerIdentifier", b"buyerFaultReference"])
def test_a_notification_that_cannot_be_tied_to_anything_is_refused(
    client, post_notification, fault, element
):
    before = fault_snapshot(fault)
    body = sample(ACCEPTED)
    start = body.index(b"<" + element + b">")
    end = body.index(b"</" + element + b">") + len(element) + 3

    response = post_notification(client, body[:start] + body[end:])

    assert_refused(response, 400, fault=fault, before=before)
    assert read_answer(response).error_message == f"missing {element.decode()}"


def test_an_unknown_buyer_identifier_is_refused(client, post_notification, fault):
    before = fault_snapshot(fault)
    body = sample(ACCEPTED).replace(b">SPDEV1<", b">SPNOBODY<")

    response = post_notification(client, body)

    assert_refused(response, 400, fault=fault, before=before)
    answer = read_answer(response)
    assert json.loads(answer.error_message) == {"buyerIdentifier": "Unknown buyer identifier"}
    assert answer.message_id == "CF-00001"
    assert answer.buyer_identifier == "SPNOBODY"


def test_an_inactive_buyer_identifier_is_refused(client, post_notification, fault, spdev1):
    before = fault_snapshot(fault)
    spdev1.is_active = False
    spdev1.save()

    response = post_notification(client, sample(ACCEPTED))

    assert_refused(response, 400, fault=fault, before=before)


def test_an_unknown_fault_reference_is_refused_like_the_suppliers_sample_23(
    client, post_notification, fault
):
    before = fault_snapshot(fault)
    body = sample(ACCEPTED).replace(b">SP-123ABC<", b">SP-NOSUCH<")

    response = post_notification(client, body)

    assert_refused(response, 400, fault=fault, before=before)
    answer = read_answer(response)
    # Sample 23: {"maintainerFaultReference": "No workflow found with that reference"}
    assert json.loads(answer.error_message) == {
        "buyerFaultReference": "No fault found with that reference"
    }
    assert answer.message_id == "CF-00001"
    assert answer.buyer_identifier == "SPDEV1"


@pytest.mark.parametrize("reference", [b"SP/123ABC", b"SP 123ABC", b"..", b"-SP-123ABC"])
def test_a_reference_outside_the_rule_is_refused_like_an_unknown_one(
    client, post_notification, fault, reference
):
    """Issue 10 #1: a reference no fault of ours can have is an unknown reference, even when a
    row stored before the rule has it."""
    Fault.objects.filter(pk=fault.pk).update(buyer_fault_reference=reference.decode())
    before = fault_snapshot(fault)
    body = sample(ACCEPTED).replace(b">SP-123ABC<", b">" + reference + b"<")

    response = post_notification(client, body)

    assert_refused(response, 400, fault=fault, before=before)
    assert json.loads(read_answer(response).error_message) == {
        "buyerFaultReference": "No fault found with that reference"
    }


# --- refused: the size (the partner-security contract, run for every package, has the rest) ----
def test_a_lying_content_length_only_gets_its_declared_bytes_read(client, post_notification, fault):
    # Claims 200 bytes, sends more than the limit: only 200 are ever read, and those are not a
    # whole document.
    before = fault_snapshot(fault)
    body = sample(ACCEPTED) + b" " * (256 * 1024)

    response = post_notification(client, body, CONTENT_LENGTH="200")

    assert_refused(response, 400, fault=fault, before=before)


def test_an_absent_content_length_reads_no_body(client, post_notification, fault):
    before = fault_snapshot(fault)

    response = post_notification(client, sample(ACCEPTED), CONTENT_LENGTH="")

    assert_refused(response, 400, fault=fault, before=before)
    assert "empty body" in read_answer(response).error_message


# --- where and how: the schema published for the webhook -----------------------------------
def test_the_published_schema_does_not_promise_the_apis_json_for_an_unknown_slug(agent_api):
    schema = agent_api.get("/api/schema/", {"format": "json"}).json()
    responses = schema["paths"]["/integrations/cityfibre/{partner_slug}/notify/"]["post"][
        "responses"
    ]

    assert "content" not in responses["404"]  # answered like every other refusal: XML
