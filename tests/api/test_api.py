"""The REST API at /api/v1/: authentication, roles, the fault list and its filters, the detail,
create, amend and every action (the allowed paths; refusals are in test_api_bad_input.py)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import HttpRequest
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from faults.choices import EventKind, FaultStatus, PartnerOperation, SlaState
from faults.models import Fault, FaultAttachment, FaultComment
from faults.services import (
    Actor,
    SupplierReport,
    UpdateEntry,
    fault_apply_supplier_report,
    fault_apply_supplier_status,
)
from tests.conftest import TEST_PASSWORD
from tests.factories import BuyerIdentifierFactory, FaultFactory, PartnerFactory
from tests.helpers import SUPPLIER, bring_to, client_for, events

pytestmark = pytest.mark.django_db

FAULTS = "/api/v1/faults/"


def detail_url(fault: Fault, suffix: str = "") -> str:
    return f"{FAULTS}{fault.buyer_fault_reference}/{suffix}"


@pytest.fixture
def agent(agent_api) -> APIClient:
    return agent_api


@pytest.fixture
def manager(manager_api) -> APIClient:
    return manager_api


def create_payload(partner, **extra) -> dict:
    return {
        "partner": partner.slug,
        "service_id": "S21709",
        "fault_type": "Impaired Service",
        "priority": 2,
        "description": "Loss of sync since 09:00.",
        "fault_start_time": (timezone.now() - timedelta(hours=2)).isoformat(),
        "fault_location": "Cabinet 12",
        "site_access_details": "Key at reception",
        "site_access_contact_phone": "01632 960001",
        "triage_complete": True,
        "triage_findings": "ONT shows LOS.",
        **extra,
    }


# --- authentication --------------------------------------------------------------------------
def test_token_is_issued_for_a_good_password_and_authenticates(agent_user):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": agent_user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    token = response.json()["token"]

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(FAULTS).status_code == 200


def test_token_is_refused_for_a_bad_password(agent_user):
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": agent_user.username, "password": "wrong"},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "Unable to log in" in error["message"]


def test_session_authentication_works(agent_user):
    client = APIClient()
    assert client.login(username=agent_user.username, password=TEST_PASSWORD, request=HttpRequest())
    assert client.get(FAULTS).status_code == 200


def test_session_writes_need_the_csrf_token(agent_user, draft):
    client = APIClient(enforce_csrf_checks=True)
    client.login(username=agent_user.username, password=TEST_PASSWORD, request=HttpRequest())
    response = client.post(detail_url(draft, "submit/"))
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    draft.refresh_from_db()
    assert draft.status == FaultStatus.DRAFT


def test_anonymous_is_told_to_authenticate(draft):
    response = APIClient().get(FAULTS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"
    assert APIClient().post(detail_url(draft, "submit/")).status_code == 401


# --- roles -----------------------------------------------------------------------------------
WRITE_CALLS = [
    ("post", "submit/", {}),
    ("post", "cancel/", {}),
    ("post", "accept-resolution/", {}),
    ("post", "reject-resolution/", {"reason": "No"}),
    ("post", "request-update/", {}),
    ("post", "comments/", {"text": "Hello"}),
    ("patch", "", {"description": "Changed"}),
]


def test_manager_reads_everything(manager, draft):
    assert manager.get(FAULTS).status_code == 200
    assert manager.get(detail_url(draft)).status_code == 200
    assert manager.get(detail_url(draft, "comments/")).status_code == 200
    assert manager.get(detail_url(draft, "attachments/")).status_code == 200


@pytest.mark.parametrize(("method", "suffix", "body"), WRITE_CALLS)
def test_manager_may_not_write(manager, draft, method, suffix, body):
    before = Fault.objects.get(pk=draft.pk)
    response = getattr(manager, method)(detail_url(draft, suffix), body, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    after = Fault.objects.get(pk=draft.pk)
    assert (after.status, after.description) == (before.status, before.description)


def test_manager_may_not_create_or_attach(manager, partner, buyer_identifier, draft):
    count = Fault.objects.count()
    assert manager.post(FAULTS, create_payload(partner), format="json").status_code == 403
    upload = SimpleUploadedFile("a.txt", b"x")
    response = manager.post(detail_url(draft, "attachments/"), {"file": upload})
    assert response.status_code == 403
    assert Fault.objects.count() == count
    assert not FaultAttachment.objects.exists()


def test_user_without_a_role_is_refused(draft):
    nobody = get_user_model().objects.create_user(username="nobody", password=TEST_PASSWORD)
    client = client_for(nobody)
    for response in (client.get(FAULTS), client.get(detail_url(draft))):
        assert response.status_code == 403
        assert "no role" in response.json()["error"]["message"]
    assert client.post(detail_url(draft, "submit/")).status_code == 403


def test_admin_role_and_superuser_may_act(admin_user, draft):
    assert client_for(admin_user).post(detail_url(draft, "submit/")).status_code == 200
    root = get_user_model().objects.create_superuser(username="root", password=TEST_PASSWORD)
    response = client_for(root).post(detail_url(draft, "cancel/"), {"reason": "dup"})
    assert response.status_code == 200
    assert response.json()["status"] == FaultStatus.CANCELLED


# --- the list and its filters ----------------------------------------------------------------
@pytest.fixture
def population(partner, buyer_identifier, sla_policy):
    """Five faults that differ in every filtered attribute."""
    other = PartnerFactory(slug="other-supplier")
    other_bi = BuyerIdentifierFactory(partner=other, code="OTHER1", is_default=True)
    outage = FaultFactory(
        supplier=partner,
        buyer_identifier=buyer_identifier,
        buyer_fault_reference="NOC-OUTAGE-1",
        fault_type="Service Outage",
        appointment_reservation_key="KEY-ALPHA-1",  # a TLOS raise needs its appointment
        priority=1,
        service_id="SVC-ALPHA",
        description="Fibre cut by roadworks",
    )
    bring_to(outage, "accepted")  # SLA running (the partner has a policy)
    child = FaultFactory(
        supplier=partner,
        buyer_identifier=buyer_identifier,
        buyer_fault_reference="NOC-CHILD-1",
        parent=outage,
        priority=5,
        fault_location="Street cabinet 77",
    )
    bring_to(child, "resolved")  # SLA met
    draft = FaultFactory(
        supplier=other, buyer_identifier=other_bi, buyer_fault_reference="NOC-DRAFT-1"
    )
    pending = FaultFactory(
        supplier=other, buyer_identifier=other_bi, buyer_fault_reference="NOC-PENDING-1"
    )
    bring_to(pending, "pending")
    old = FaultFactory(
        supplier=partner, buyer_identifier=buyer_identifier, buyer_fault_reference="NOC-OLD-1"
    )
    Fault.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    fault_apply_supplier_status(
        fault_id=outage.pk, status=None, actor=SUPPLIER, maintainer_fault_reference="CF-XYZ-42"
    )
    return {"outage": outage, "child": child, "draft": draft, "pending": pending, "old": old}


def refs(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["buyer_fault_reference"] for row in response.json()["results"]}


def test_list_is_paginated_with_light_rows(agent, population):
    body = agent.get(FAULTS, {"page_size": 2}).json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["next"]
    row = body["results"][0]
    assert {"url", "buyer_fault_reference", "status", "supplier", "sla_state"} <= set(row)
    assert "events" not in row


REF_SETS = {
    "status=accepted": {"NOC-OUTAGE-1"},
    "status=pending,draft": {"NOC-PENDING-1", "NOC-DRAFT-1", "NOC-OLD-1"},
    "status=draft&status=resolved": {"NOC-DRAFT-1", "NOC-OLD-1", "NOC-CHILD-1"},
    "partner=other-supplier": {"NOC-DRAFT-1", "NOC-PENDING-1"},
    "priority=1": {"NOC-OUTAGE-1"},
    "priority=1,5": {"NOC-OUTAGE-1", "NOC-CHILD-1"},
    "sla_state=running": {"NOC-OUTAGE-1"},
    "sla_state=met": {"NOC-CHILD-1"},
    "fault_type=service outage": {"NOC-OUTAGE-1"},
    "parent=NOC-OUTAGE-1": {"NOC-CHILD-1"},
    "q=roadworks": {"NOC-OUTAGE-1"},
    "q=svc-alpha": {"NOC-OUTAGE-1"},
    "q=cf-xyz": {"NOC-OUTAGE-1"},
    "q=cabinet 77": {"NOC-CHILD-1"},
    "q=pending-1": {"NOC-PENDING-1"},
    "status=draft&partner=other-supplier": {"NOC-DRAFT-1"},
}


@pytest.mark.parametrize(("query", "expected"), REF_SETS.items(), ids=list(REF_SETS))
def test_list_filters(agent, population, query, expected):
    assert refs(agent.get(f"{FAULTS}?{query}")) == expected


def test_list_filters_on_creation_time(agent, population):
    cutoff = (timezone.now() - timedelta(days=1)).isoformat()
    assert refs(agent.get(FAULTS, {"created_before": cutoff})) == {"NOC-OLD-1"}
    assert "NOC-OLD-1" not in refs(agent.get(FAULTS, {"created_after": cutoff}))
    assert len(refs(agent.get(FAULTS, {"created_after": cutoff}))) == 4


def test_list_ordering(agent, population):
    rows = agent.get(FAULTS, {"ordering": "priority", "status": "accepted,resolved"}).json()
    assert [r["buyer_fault_reference"] for r in rows["results"]] == ["NOC-OUTAGE-1", "NOC-CHILD-1"]
    rows = agent.get(FAULTS, {"ordering": "-priority", "status": "accepted,resolved"}).json()
    assert [r["buyer_fault_reference"] for r in rows["results"]] == ["NOC-CHILD-1", "NOC-OUTAGE-1"]
    oldest_first = agent.get(FAULTS, {"ordering": "created_at"}).json()["results"]
    assert oldest_first[0]["buyer_fault_reference"] == "NOC-OLD-1"


def test_list_costs_the_same_number_of_queries_for_more_faults(
    agent, partner, buyer_identifier, django_assert_num_queries
):
    FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)
    agent.get(FAULTS)  # the test client keeps the user object, and with it its roles
    with CaptureQueriesContext(connection) as few:
        assert agent.get(FAULTS).status_code == 200
    for _ in range(6):
        parent = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)
        FaultFactory(supplier=partner, buyer_identifier=buyer_identifier, parent=parent)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(agent.get(FAULTS).json()["results"]) == 13


# --- the detail ------------------------------------------------------------------------------
def test_detail_shows_the_whole_fault(agent, draft, agent_user):
    fault = bring_to(draft, "pending")
    child = FaultFactory(
        supplier=draft.supplier, buyer_identifier=draft.buyer_identifier, parent=fault
    )
    # A status that skips a step (accepted) is applied and recorded as an anomaly.
    fault_apply_supplier_status(
        fault_id=fault.pk,
        status="in-progress",
        actor=SUPPLIER,
        maintainer_fault_reference="CS0001",
        sent_at=timezone.now() - timedelta(minutes=30),
    )
    fault_apply_supplier_status(
        fault_id=fault.pk,
        status="resolved",
        actor=Actor.partner("MSG-9"),
        updates=[UpdateEntry("Engineer replaced the ONT", "seller", timezone.now())],
    )
    agent.post(detail_url(fault, "comments/"), {"text": "Customer confirms it works"})
    agent.post(detail_url(fault, "attachments/"), {"file": SimpleUploadedFile("log.txt", b"ok")})

    response = agent.get(detail_url(fault), {"status": "draft"})  # list filters do not apply
    assert response.status_code == 200
    body = response.json()
    for key in (
        "buyer_fault_reference",
        "maintainer_fault_reference",
        "status",
        "status_reason",
        "status_display",
        "supplier",
        "buyer_identifier",
        "parent",
        "children",
        "service_id",
        "fault_type",
        "priority",
        "description",
        "fault_location",
        "triage_findings",
        "submitted_at",
        "accepted_at",
        "resolved_at",
        "closed_at",
        "auto_close_due_at",
        "sla",
        "allowed_actions",
        "updates",
        "comments",
        "attachments",
        "anomalies",
        "events",
    ):
        assert key in body, key
    assert body["maintainer_fault_reference"] == "CS0001"
    assert body["supplier"] == {"slug": "test-supplier", "name": "Test Supplier"}
    assert body["buyer_identifier"] == {"code": "SPTEST1"}
    assert body["children"] == [child.buyer_fault_reference]
    assert body["status"] == "resolved"
    assert body["status_display"] == "Resolved"
    assert body["auto_close_due_at"]
    assert body["allowed_actions"] == ["accept-resolution", "reject-resolution", "cancel"]
    sla = body["sla"]
    assert sla["state"] == SlaState.MET
    assert sla["elapsed_seconds"] > 0
    assert sla["paused_seconds"] == 0
    assert sla["due_at"]
    assert sla["policy"]["target_seconds"] == 8 * 3600
    assert body["updates"] == [
        {
            "description": "Engineer replaced the ONT",
            "updated_by": "seller",
            "updated_time": body["updates"][0]["updated_time"],
        }
    ]
    assert [c["text"] for c in body["comments"]] == ["Customer confirms it works"]
    assert body["comments"][0]["author"] == agent_user.username
    attachment = body["attachments"][0]
    assert (attachment["filename"], attachment["size_bytes"]) == ("log.txt", 2)
    assert attachment["url"].startswith("http://testserver/api/v1/faults/")
    assert len(body["anomalies"]) == 1
    assert "skipped" in body["anomalies"][0]["message"]
    kinds = [event["kind"] for event in body["events"]]
    assert {EventKind.STATUS, EventKind.ANOMALY, EventKind.COMMENT} <= set(kinds)
    status_event = next(e for e in body["events"] if e["to_status"] == "pending")
    assert status_event["from_status"] == "draft"
    assert status_event["actor"]


def test_detail_gives_the_suppliers_expected_resolution_in_utc(agent, draft):
    fault = bring_to(draft, "in-progress")
    assert agent.get(detail_url(fault)).json()["supplier_expected_resolution_at"] is None

    # A summer time: stored and shown in London as 16:00, answered as its instant in UTC.
    expected = datetime(2030, 7, 1, 15, 0, tzinfo=UTC)
    report = SupplierReport(expected_resolution_at=expected)
    fault_apply_supplier_report(fault_id=fault.pk, report=report, actor=SUPPLIER)

    body = agent.get(detail_url(fault)).json()
    assert body["supplier_expected_resolution_at"] == "2030-07-01T15:00:00Z"
    supplier_data = [e["message"] for e in body["events"] if e["kind"] == EventKind.SUPPLIER_DATA]
    assert "Expected resolution from the supplier: 2030-07-01 15:00 UTC" in supplier_data


def test_detail_offers_only_allowed_actions(agent, manager, draft):
    assert agent.get(detail_url(draft)).json()["allowed_actions"] == ["submit", "cancel"]
    bring_to(draft, "resolved")
    actions = agent.get(detail_url(draft)).json()["allowed_actions"]
    assert actions == ["accept-resolution", "reject-resolution", "cancel"]
    assert manager.get(detail_url(draft)).json()["allowed_actions"] == []


def test_detail_costs_a_fixed_number_of_queries(agent, draft, django_assert_max_num_queries):
    bring_to(draft, "resolved")
    with django_assert_max_num_queries(12):
        assert agent.get(detail_url(draft)).status_code == 200


# --- create and amend ------------------------------------------------------------------------
def test_create_makes_a_draft(agent, agent_user, partner, buyer_identifier, sla_policy):
    response = agent.post(FAULTS, create_payload(partner), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    fault = Fault.objects.get(buyer_fault_reference=body["buyer_fault_reference"])
    assert response["Location"] == f"{FAULTS}{fault.buyer_fault_reference}/"
    assert fault.status == FaultStatus.DRAFT
    assert fault.created_by == agent_user
    assert fault.buyer_identifier == buyer_identifier
    assert (fault.priority, fault.service_id) == (2, "S21709")
    assert body["allowed_actions"] == ["submit", "cancel"]
    assert [e.kind for e in fault.events.all()] == [EventKind.CREATED]


def test_create_and_submit_at_once(agent, partner, buyer_identifier, sla_policy):
    parent = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)
    second = BuyerIdentifierFactory(partner=partner, code="SPTEST2")
    payload = create_payload(
        partner,
        buyer_fault_reference="NOC-API-0001",
        buyer_identifier="SPTEST2",
        parent=parent.buyer_fault_reference,
        submit=True,
    )
    response = agent.post(FAULTS, payload, format="json")
    assert response.status_code == 201, response.content
    fault = Fault.objects.get(buyer_fault_reference="NOC-API-0001")
    assert fault.status == FaultStatus.PENDING
    assert (fault.buyer_identifier, fault.parent) == (second, parent)
    assert response.json()["submitted_at"]
    calls = [e.data["operation"] for e in events(fault, EventKind.PARTNER_CALL)]
    assert calls == [PartnerOperation.RAISE]


def test_amend_a_draft_changes_draft_only_fields(agent, draft):
    response = agent.patch(detail_url(draft), {"service_id": "NEW-SVC"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["service_id"] == "NEW-SVC"
    draft.refresh_from_db()
    assert draft.service_id == "NEW-SVC"
    assert not events(draft, EventKind.PARTNER_CALL)


def test_amend_records_and_sends_only_the_changed_fields(agent, draft):
    fault = bring_to(draft, "in-progress")
    response = agent.patch(
        detail_url(fault),
        {"description": "Now a total loss", "priority": fault.priority},
        format="json",
    )
    assert response.status_code == 200, response.content
    (amended,) = events(fault, EventKind.AMENDED)
    assert amended.data["changes"] == {
        "description": ["Intermittent loss of sync.", "Now a total loss"]
    }
    amend_call = events(fault, EventKind.PARTNER_CALL)[-1]
    assert amend_call.data["operation"] == PartnerOperation.AMEND
    assert amend_call.data["payload"] == {"changes": {"description": "Now a total loss"}}


def test_amend_with_nothing_changed_records_nothing(agent, draft):
    fault = bring_to(draft, "pending")
    count = fault.events.count()
    response = agent.patch(detail_url(fault), {"priority": fault.priority}, format="json")
    assert response.status_code == 200
    assert fault.events.count() == count


# --- actions ---------------------------------------------------------------------------------
def test_submit(agent, draft):
    response = agent.post(detail_url(draft, "submit/"))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == FaultStatus.PENDING
    draft.refresh_from_db()
    assert draft.status == FaultStatus.PENDING


@pytest.mark.parametrize("status", ["draft", "pending", "in-progress", "resolved"])
def test_cancel_with_a_reason(agent, draft, status):
    fault = bring_to(draft, status)
    response = agent.post(detail_url(fault, "cancel/"), {"reason": "Raised twice"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == FaultStatus.CANCELLED
    assert response.json()["status_reason"] == "Raised twice"


def test_cancel_without_a_reason(agent, draft):
    response = agent.post(detail_url(draft, "cancel/"))
    assert response.status_code == 200
    assert response.json()["status"] == FaultStatus.CANCELLED


def test_accept_resolution(agent, draft):
    fault = bring_to(draft, "resolved")
    response = agent.post(detail_url(fault, "accept-resolution/"))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == FaultStatus.CLOSED
    assert response.json()["closed_at"]


def test_reject_resolution(agent, draft):
    fault = bring_to(draft, "resolved")
    response = agent.post(
        detail_url(fault, "reject-resolution/"), {"reason": "Still down"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["status_reason"]) == (FaultStatus.REOPENED, "Still down")


def test_request_update(agent, draft):
    fault = bring_to(draft, "accepted")
    response = agent.post(detail_url(fault, "request-update/"))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == FaultStatus.ACCEPTED
    call = events(fault, EventKind.PARTNER_CALL)[-1]
    assert call.data["operation"] == PartnerOperation.REQUEST_UPDATE


def test_comments_add_and_list(agent, agent_user, draft):
    fault = bring_to(draft, "pending")
    response = agent.post(detail_url(fault, "comments/"), {"text": "Any news?"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["text"] == "Any news?"
    assert response.json()["author"] == agent_user.username
    assert FaultComment.objects.filter(fault=fault).count() == 1
    listed = agent.get(detail_url(fault, "comments/")).json()
    assert [c["text"] for c in listed] == ["Any news?"]


def test_attachments_upload_list_and_download(agent, draft, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    content = b"\xd4\xc3\xb2\xa1 capture"
    upload = SimpleUploadedFile("trace.pcap", content)
    response = agent.post(detail_url(draft, "attachments/"), {"file": upload})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["filename"], body["size_bytes"]) == ("trace.pcap", len(content))
    listed = agent.get(detail_url(draft, "attachments/")).json()
    assert [a["filename"] for a in listed] == ["trace.pcap"]

    download = agent.get(body["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert "attachment" in download["Content-Disposition"]


# --- schema and docs -------------------------------------------------------------------------
def test_openapi_schema_and_docs_are_served_to_users_only(client, agent_user):
    assert client.get("/api/schema/").status_code in (401, 403)
    assert client.get("/api/docs/").status_code in (401, 403)

    client.force_login(agent_user)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/faults/{buyer_fault_reference}/" in text
    assert "/api/v1/faults/{buyer_fault_reference}/reject-resolution/" in text
    assert client.get("/api/docs/").status_code == 200
