"""Bad input to the REST API: every case answers a 4xx in the one error shape, with a message a
person can act on, and changes nothing (status, timeline, comments, attachments, fault count)."""

import sys
from datetime import timedelta
from datetime import timezone as timezone_offset

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.http import Http404
from django.utils import timezone
from rest_framework.test import APIClient

from faults.api.errors import exception_handler
from faults.errors import FaultValidationError
from faults.models import Fault, FaultAttachment, FaultComment, FaultEvent
from faults.validators import NotBlankValidator, is_blank
from tests.factories import FaultFactory, PartnerFactory
from tests.helpers import bring_to

pytestmark = pytest.mark.django_db

FAULTS = "/api/v1/faults/"
ACTIONS = ["submit/", "cancel/", "accept-resolution/", "reject-resolution/", "request-update/"]


@pytest.fixture
def agent(agent_api) -> APIClient:
    return agent_api


def url(fault: Fault | str, suffix: str = "") -> str:
    reference = fault if isinstance(fault, str) else fault.buyer_fault_reference
    return f"{FAULTS}{reference}/{suffix}"


def state() -> tuple:
    """Everything a refused request must leave as it was."""
    faults = tuple(Fault.objects.order_by("pk").values_list("pk", "status", "updated_at"))
    return (
        faults,
        FaultEvent.objects.count(),
        FaultComment.objects.count(),
        FaultAttachment.objects.count(),
    )


def refused(response, status: int, code: str, *, field: str | None = None, says: str = "") -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code
    assert error["message"]
    if field:
        assert error["fields"][field], error
    if says:
        assert says.lower() in error["message"].lower() + str(error["fields"]).lower()
    return error


def create_payload(supplier, **extra) -> dict:
    return {
        "partner": supplier.slug,
        "service_id": "S21709",
        "fault_type": "Impaired Service",
        **extra,
    }


# --- transitions the status does not allow (409) ---------------------------------------------
@pytest.mark.parametrize(
    ("status", "suffix", "body"),
    [
        ("pending", "accept-resolution/", {}),
        ("pending", "reject-resolution/", {"reason": "Not fixed"}),
        ("pending", "submit/", {}),
        ("closed", "cancel/", {"reason": "Too late"}),
        ("closed", "comments/", {"text": "Hello?"}),
        ("cancelled", "submit/", {}),
        ("rejected", "accept-resolution/", {}),
        ("draft", "request-update/", {}),
        ("draft", "accept-resolution/", {}),
    ],
)
def test_action_not_allowed_from_the_status(agent, draft, status, suffix, body):
    fault = bring_to(draft, status)
    before = state()
    response = agent.post(url(fault, suffix), body, format="json")
    refused(response, 409, "transition_not_allowed", says=f"is {status}")
    assert state() == before


def test_submit_twice(agent, draft):
    assert agent.post(url(draft, "submit/")).status_code == 200
    before = state()
    refused(agent.post(url(draft, "submit/")), 409, "transition_not_allowed", says="submit")
    assert state() == before


def test_amend_a_finished_fault(agent, draft):
    fault = bring_to(draft, "closed")
    before = state()
    response = agent.patch(url(fault), {"description": "x"}, format="json")
    refused(response, 409, "transition_not_allowed", says="amend")
    assert state() == before


def test_attach_to_a_cancelled_fault(agent, draft):
    fault = bring_to(draft, "cancelled")
    before = state()
    upload = SimpleUploadedFile("notes.txt", b"hello")
    refused(agent.post(url(fault, "attachments/"), {"file": upload}), 409, "transition_not_allowed")
    assert state() == before


# --- over-long fields ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("buyer_fault_reference", "R" * 37),
        ("description", "d" * 4001),
        ("service_id", "s" * 256),
        ("fault_location", "l" * 1001),
        ("reporter_email", "not-an-email"),
    ],
)
def test_create_with_an_over_long_or_malformed_field(
    agent, partner, buyer_identifier, field, value
):
    before = state()
    response = agent.post(FAULTS, create_payload(partner, **{field: value}), format="json")
    refused(response, 400, "invalid", field=field)
    assert state() == before


def test_amend_with_an_over_long_description(agent, draft):
    fault = bring_to(draft, "pending")
    before = state()
    response = agent.patch(url(fault), {"description": "d" * 4001}, format="json")
    refused(response, 400, "invalid", field="description", says="4000")
    assert state() == before


@pytest.mark.parametrize(
    ("suffix", "body", "field"),
    [
        ("comments/", {"text": "c" * 4001}, "text"),
        ("cancel/", {"reason": "r" * 4001}, "reason"),
        ("reject-resolution/", {"reason": "r" * 4001}, "reason"),
    ],
)
def test_over_long_action_text(agent, draft, suffix, body, field):
    fault = bring_to(draft, "resolved")
    before = state()
    refused(agent.post(url(fault, suffix), body, format="json"), 400, "invalid", field=field)
    assert state() == before


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_comment(agent, draft, text):
    before = state()
    response = agent.post(url(draft, "comments/"), {"text": text}, format="json")
    refused(response, 400, "invalid", field="text")
    assert state() == before


# --- attachments -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["setup.exe", "page.html", "noextension"])
def test_attachment_with_a_refused_extension(agent, draft, settings, tmp_path, name):
    settings.MEDIA_ROOT = tmp_path
    before = state()
    upload = SimpleUploadedFile(name, b"MZ payload")
    response = agent.post(url(draft, "attachments/"), {"file": upload})
    refused(response, 400, "invalid", field="file", says="accepted")
    assert state() == before
    assert not any(tmp_path.rglob("*.*"))


def test_attachment_over_the_size_limit(agent, draft, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ATTACHMENT_MAX_BYTES = 10
    before = state()
    upload = SimpleUploadedFile("big.txt", b"x" * 11)
    response = agent.post(url(draft, "attachments/"), {"file": upload})
    refused(response, 400, "invalid", field="file", says="limit is 10 bytes")
    assert state() == before


def test_attachment_body_far_over_the_limit_is_refused_before_reading(
    agent, draft, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.ATTACHMENT_MAX_BYTES = 10
    before = state()
    upload = SimpleUploadedFile("huge.txt", b"x" * 200_000)
    response = agent.post(url(draft, "attachments/"), {"file": upload})
    refused(response, 413, "payload_too_large", says="larger than the 10 bytes limit")
    assert state() == before


def test_attachment_without_a_file(agent, draft):
    before = state()
    refused(agent.post(url(draft, "attachments/"), {}), 400, "invalid", field="file")
    refused(
        agent.post(url(draft, "attachments/"), {"file": "x"}, format="json"),
        415,
        "unsupported_media_type",
    )
    assert state() == before


def test_unknown_attachment(agent, draft):
    refused(agent.get(url(draft, "attachments/999/")), 404, "not_found", says="no attachment 999")


# --- reasons ---------------------------------------------------------------------------------
@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_reject_resolution_needs_a_reason(agent, draft, body):
    fault = bring_to(draft, "resolved")
    before = state()
    response = agent.post(url(fault, "reject-resolution/"), body, format="json")
    refused(response, 400, "invalid", field="reason")
    assert state() == before


# --- unknown references ----------------------------------------------------------------------
@pytest.mark.parametrize("reference", ["NOC-NOPE", "X" * 200, "%00", "a%20b"])
def test_unknown_reference_on_detail(agent, draft, reference):
    response = agent.get(f"{FAULTS}{reference}/")
    refused(response, 404, "not_found", says="No fault with buyer reference")


def test_unknown_reference_names_the_reference(agent, draft):
    error = refused(agent.get(url("NOC-NOPE")), 404, "not_found")
    assert error["message"] == "No fault with buyer reference NOC-NOPE."


@pytest.mark.parametrize("suffix", [*ACTIONS, "comments/", "attachments/"])
def test_unknown_reference_on_every_action(agent, draft, suffix):
    before = state()
    refused(agent.post(url("NOC-NOPE", suffix), {}), 404, "not_found", says="NOC-NOPE")
    if suffix in ("comments/", "attachments/"):
        refused(agent.get(url("NOC-NOPE", suffix)), 404, "not_found")
    refused(agent.patch(url("NOC-NOPE"), {"description": "x"}), 404, "not_found")
    assert state() == before


# --- create: references and types -----------------------------------------------------------
@pytest.mark.parametrize(
    ("extra", "field", "says"),
    [
        ({"partner": "no-such-supplier"}, "partner", "no partner with slug 'no-such-supplier'"),
        ({"buyer_identifier": "NOPE"}, "buyer_identifier", "no buyer identifier 'nope'"),
        ({"parent": "NOC-NOPE"}, "parent", "no fault with buyer reference noc-nope"),
        ({"priority": "high"}, "priority", "valid integer"),
        ({"priority": 9}, "priority", "less than or equal to 5"),
        ({"priority": 0}, "priority", "greater than or equal to 1"),
        ({"priority": 2.5}, "priority", "valid integer"),
        ({"triage_complete": "perhaps"}, "triage_complete", "valid boolean"),
        ({"fault_start_time": "yesterday"}, "fault_start_time", "datetime"),
        ({"service_id": "   "}, "service_id", "blank"),
        ({"submit": "sometimes"}, "submit", "valid boolean"),
        ({"colour": "red"}, "colour", "unknown field"),
        ({"status": "closed"}, "status", "unknown field"),
    ],
)
def test_create_refuses(agent, partner, buyer_identifier, extra, field, says):
    before = state()
    response = agent.post(FAULTS, create_payload(partner, **extra), format="json")
    refused(response, 400, "invalid", field=field, says=says)
    assert state() == before


def test_create_without_required_fields(agent, partner, buyer_identifier):
    before = state()
    error = refused(agent.post(FAULTS, {}, format="json"), 400, "invalid")
    assert {"partner", "service_id", "fault_type"} <= set(error["fields"])
    assert state() == before


def test_create_with_a_taken_reference(agent, partner, buyer_identifier, draft):
    before = state()
    payload = create_payload(partner, buyer_fault_reference=draft.buyer_fault_reference)
    refused(
        agent.post(FAULTS, payload, format="json"), 400, "invalid", field="buyer_fault_reference"
    )
    assert state() == before


def test_create_with_an_inactive_partner(agent, partner, buyer_identifier):
    partner.is_active = False
    partner.save()
    before = state()
    response = agent.post(FAULTS, create_payload(partner), format="json")
    refused(response, 400, "invalid", field="partner", says="not active")
    assert state() == before


def test_create_with_a_buyer_identifier_of_another_partner(agent, partner, buyer_identifier):
    PartnerFactory(slug="elsewhere")
    before = state()
    payload = create_payload(partner, partner="elsewhere", buyer_identifier="SPTEST1")
    refused(agent.post(FAULTS, payload, format="json"), 400, "invalid", field="buyer_identifier")
    assert state() == before


def test_create_and_submit_without_what_the_supplier_needs_creates_nothing(
    agent, partner, buyer_identifier
):
    before = state()
    response = agent.post(FAULTS, create_payload(partner, submit=True), format="json")
    error = refused(response, 400, "invalid", field="fault_location", says="supplier")
    assert "triage_findings" in error["fields"]
    assert state() == before


# --- malformed bodies ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("post", None),
        ("patch", ""),
        ("post", "comments/"),
        ("post", "cancel/"),
        ("post", "submit/"),
    ],
)
def test_malformed_json(agent, draft, method, suffix):
    target = FAULTS if suffix is None else url(draft, suffix)
    before = state()
    response = getattr(agent, method)(
        target, data='{"description": "unterminated', content_type="application/json"
    )
    refused(response, 400, "parse_error", says="JSON parse error")
    assert state() == before


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "null", "42"])
def test_json_that_is_not_an_object(agent, draft, body):
    before = state()
    response = agent.patch(url(draft), data=body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in {"invalid", "parse_error"}
    assert state() == before


def test_unsupported_content_type(agent, partner, buyer_identifier):
    before = state()
    response = agent.post(FAULTS, data="partner=x", content_type="text/plain")
    refused(response, 415, "unsupported_media_type")
    assert state() == before


@pytest.mark.parametrize("method", ["put", "delete"])
def test_methods_that_are_not_offered(agent, draft, method):
    before = state()
    refused(getattr(agent, method)(url(draft), {}, format="json"), 405, "method_not_allowed")
    assert state() == before


# --- amend: types and fields that may not change ---------------------------------------------
@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"priority": "high"}, "priority", "valid integer"),
        ({"priority": 9}, "priority", "less than or equal to 5"),
        ({"priority": None}, "priority", "may not be null"),
        ({"service_id": "OTHER"}, "service_id", "cannot be changed once the fault is raised"),
        ({"fault_type": "Service Outage"}, "fault_type", "cannot be changed"),
        ({"status": "closed"}, "status", "unknown field"),
        ({"maintainer_fault_reference": "X"}, "maintainer_fault_reference", "unknown field"),
        ({"buyer_fault_reference": "NEW"}, "buyer_fault_reference", "unknown field"),
        ({"sla_state": "met"}, "sla_state", "unknown field"),
    ],
)
def test_amend_a_submitted_fault_refuses(agent, draft, body, field, says):
    fault = bring_to(draft, "in-progress")
    before = state()
    response = agent.patch(url(fault), body, format="json")
    refused(response, 400, "invalid", field=field, says=says)
    assert state() == before


# --- list filters ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "status=pending,bogus",
        "priority=9",
        "priority=high",
        "sla_state=late",
        "created_after=not-a-date",
        "created_before=2024-13-45",
        "q=%00",
        "partner=%00",
    ],
)
def test_list_with_bad_filter_values(agent, draft, query):
    refused(agent.get(f"{FAULTS}?{query}"), 400, "invalid")


@pytest.mark.parametrize("query", ["page=999", "page=abc"])
def test_list_page_out_of_range(agent, draft, query):
    refused(agent.get(f"{FAULTS}?{query}"), 404, "not_found", says="invalid page")


@pytest.mark.parametrize("path", [FAULTS, "/api/v1/appointments/missed-summary/"])
def test_an_unknown_format_is_ignored_like_any_unknown_parameter(agent, draft, path):
    # DRF answered 404, as if the resource did not exist (found by fuzzing the schema).
    response = agent.get(path, {"format": "E4"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert agent.get(path, {"format": "json"}).status_code == 200


def test_unknown_ordering_is_ignored(agent, draft):
    response = agent.get(FAULTS, {"ordering": "password"})
    assert response.status_code == 200


def test_action_with_unknown_fields(agent, draft):
    before = state()
    response = agent.post(url(draft, "submit/"), {"force": True}, format="json")
    refused(response, 400, "invalid", field="force", says="unknown field")
    assert state() == before


def test_a_date_time_offset_the_database_cannot_store_is_read_as_its_instant(agent, draft):
    # ISO 8601 allows offsets up to 24 h; PostgreSQL refuses one beyond 15:59 (it answered 500).
    far_west = timezone_offset(-timedelta(hours=20, minutes=13))
    just_before = (draft.created_at - timedelta(seconds=1)).astimezone(far_west)

    after = agent.get(FAULTS, {"created_after": just_before.isoformat()})
    before = agent.get(FAULTS, {"created_before": just_before.isoformat()})

    assert after.status_code == before.status_code == 200
    assert [row["buyer_fault_reference"] for row in after.json()["results"]] == [
        draft.buyer_fault_reference
    ]
    assert before.json()["count"] == 0


def test_a_date_time_beyond_the_calendar_in_utc_is_refused(agent, draft):
    refused(agent.get(FAULTS, {"created_after": "0001-01-01T00:00:00+20:00"}), 400, "invalid")


def test_dates_in_the_future_are_not_an_error(agent, draft):
    later = (timezone.now() + timedelta(days=1)).isoformat()
    assert agent.get(FAULTS, {"created_after": later}).json()["count"] == 0


def test_json_body_over_the_request_size_limit(agent, draft):
    before = state()
    body = '{"description": "' + "x" * 3_000_000 + '"}'
    response = agent.patch(url(draft), data=body, content_type="application/json")
    refused(response, 413, "payload_too_large")
    assert state() == before


# --- the exception handler itself ------------------------------------------------------------
@pytest.mark.parametrize(
    ("exc", "status", "code", "fields"),
    [
        (
            DjangoValidationError({"priority": ["Too high."]}),
            400,
            "invalid",
            {"priority": ["Too high."]},
        ),
        (DjangoValidationError("Broken."), 400, "invalid", {"non_field_errors": ["Broken."]}),
        (Http404("No such thing."), 404, "not_found", {}),
        (IntegrityError("duplicate key"), 409, "conflict", {}),
        (DjangoPermissionDenied(), 403, "permission_denied", {}),
        (SuspiciousOperation("Too many fields."), 400, "bad_request", {}),
        (
            FaultValidationError("Bad.", errors={"__all__": ["Whole."], "supplier": ["Off."]}),
            400,
            "invalid",
            {"non_field_errors": ["Whole."], "partner": ["Off."]},
        ),
    ],
)
def test_exception_handler_answers_the_one_shape(exc, status, code, fields):
    response = exception_handler(exc, {})
    assert response.status_code == status
    assert response.data["error"]["code"] == code
    assert response.data["error"]["message"]
    assert response.data["error"]["fields"] == fields


def test_exception_handler_leaves_bugs_to_django():
    assert exception_handler(RuntimeError("bug"), {}) is None


# --- found by fuzzing the schema (tests/api/test_api_schema.py): each answered 500 ----------------
def test_a_partner_slug_with_a_nul_character_is_unknown(agent, partner):
    # PostgreSQL refuses a NUL in a query; the lookup must not reach it.
    before = state()
    response = agent.post(FAULTS, {"partner": "test\x00", "service_id": "S1"}, format="json")
    refused(response, 400, "invalid", field="partner")
    assert state() == before


@pytest.mark.parametrize("field", ["triage_complete", "fault_start_time"])
def test_an_amend_cannot_take_away_what_the_supplier_requires(agent, draft, field):
    raised = bring_to(draft, "in-progress")
    before = state()

    response = agent.patch(url(raised), {field: None}, format="json")

    refused(response, 400, "invalid", field=field)
    assert state() == before


# Nothing a supplier would receive: XML cannot carry the control character, so it is dropped.
CONTROL = " \x18 "


@pytest.mark.parametrize(
    ("status", "suffix", "body", "field"),
    [
        ("in-progress", "comments/", {"text": CONTROL}, "text"),
        ("draft", "comments/", {"text": CONTROL}, "text"),
        ("resolved", "reject-resolution/", {"reason": CONTROL}, "reason"),
    ],
)
def test_text_that_is_blank_once_sent_is_refused_as_blank(
    agent, draft, status, suffix, body, field
):
    fault = bring_to(draft, status)
    before = state()

    response = agent.post(url(fault, suffix), body, format="json")

    refused(response, 400, "invalid", field=field)
    assert state() == before


# What the supplier requires to raise a fault (SUBMIT_RULES) and the not-blank text fields.
REQUIRED_TEXT = ["service_id", "fault_type", "fault_location", "triage_findings"]


@pytest.mark.parametrize("field", REQUIRED_TEXT)
def test_create_and_submit_with_required_text_blank_once_sent_is_refused(
    agent, partner, buyer_identifier, sla_policy, field
):
    ready = FaultFactory.build()
    details = {name: getattr(ready, name) for name in [*REQUIRED_TEXT, "site_access_details"]}
    payload = create_payload(
        partner,
        submit=True,
        **details,
        fault_start_time=ready.fault_start_time.isoformat(),
        triage_complete=True,
        site_access_contact_phone="01632 960000",
    )
    payload[field] = CONTROL
    before = state()

    response = agent.post(FAULTS, payload, format="json")

    refused(response, 400, "invalid", field=field)
    assert state() == before


@pytest.mark.parametrize("field", ["fault_location", "triage_findings", "site_access_details"])
def test_submit_of_a_draft_with_required_text_blank_once_sent_is_refused(agent, draft, field):
    # A draft may leave these empty, so the draft is saved; the supplier would receive nothing.
    saved = agent.patch(url(draft), {field: CONTROL}, format="json")
    assert saved.status_code == 200, saved.content
    before = state()

    response = agent.post(url(draft, "submit/"), format="json")

    refused(response, 400, "invalid", field=field, says="supplier")
    assert state() == before


def test_submit_of_a_draft_saved_before_the_check_with_a_blank_service_id(agent, draft):
    Fault.objects.filter(pk=draft.pk).update(service_id=CONTROL)
    before = state()

    response = agent.post(url(draft, "submit/"), format="json")

    refused(response, 400, "invalid", field="service_id", says="blank")
    assert state() == before


@pytest.mark.parametrize("field", ["service_id", "fault_type"])
def test_a_draft_cannot_be_given_not_blank_text_that_is_blank_once_sent(agent, draft, field):
    before = state()
    response = agent.patch(url(draft), {field: CONTROL}, format="json")
    refused(response, 400, "invalid", field=field, says="blank")
    assert state() == before


@pytest.mark.parametrize(
    "body",
    [
        {"fault_location": CONTROL},
        {"triage_findings": CONTROL},
        {"site_access_contact_name": CONTROL, "site_access_contact_phone": ""},
    ],
)
def test_an_amend_cannot_take_away_required_text_by_leaving_only_what_xml_drops(agent, draft, body):
    raised = bring_to(draft, "in-progress")
    before = state()

    response = agent.patch(url(raised), body, format="json")

    refused(response, 400, "invalid", says="cannot take away")
    assert state() == before


def test_the_published_not_blank_pattern_says_what_the_check_does():
    # The OpenAPI schema publishes the pattern; the API refuses by `is_blank`. Character by
    # character (blankness is a property of each character), they agree on every code point.
    pattern = NotBlankValidator().regex
    disagree = [
        hex(point)
        for point in range(sys.maxunicode + 1)
        if (pattern.search(chr(point)) is None) != is_blank(chr(point))
    ]
    assert disagree == []
