"""Issue 10 #4: a partner whose protocol has no enabled package (one stored before its package was
removed from INTEGRATION_PACKAGES, or written straight to the database) is refused with a clear
message before anything is stored, wherever a fault is created, submitted or worked; `faults`
asks through its port, the integration side answers from the enabled packages' adapters."""

import ast
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from faults import ports
from faults.choices import FaultStatus, PartnerOperation
from faults.errors import FaultValidationError
from faults.models import Fault, FaultAttachment, FaultComment, FaultEvent
from faults.ports import partner_call_refusal, request_partner_call
from integrations.models import OutboundMessage, Partner
from tests.factories import BuyerIdentifierFactory, FaultFactory, PartnerFactory
from tests.helpers import bring_to
from tests.spine.throwaway_packages import enable, write_package

pytestmark = pytest.mark.django_db

FAULTS_API = "/api/v1/faults/"
NO_ADAPTER = "cannot send faults in yet"


@pytest.fixture(params=["future-protocol", "ebonding"])
def unsupported(request, db):
    partner = PartnerFactory(slug=f"{request.param}-supplier", name="Future Supplier")
    Partner.objects.filter(pk=partner.pk).update(protocol=request.param)
    partner.refresh_from_db()
    BuyerIdentifierFactory(partner=partner, code="FUT1", is_default=True)
    return partner


def stored() -> tuple:
    return (
        Fault.objects.count(),
        FaultEvent.objects.count(),
        OutboundMessage.objects.count(),
        FaultComment.objects.count(),
        FaultAttachment.objects.count(),
    )


def test_the_port_answers_from_the_adapters(partner, unsupported):
    assert partner_call_refusal(supplier=partner, operation=PartnerOperation.RAISE) is None
    reason = partner_call_refusal(supplier=unsupported, operation=PartnerOperation.RAISE)
    assert reason.startswith("Future Supplier uses the ")
    assert NO_ADAPTER in reason


# --- creating and submitting ---------------------------------------------------------------------
@pytest.mark.parametrize("submit", [False, True], ids=["draft", "raise"])
def test_the_api_refuses_to_create_a_fault_for_it(agent_api, unsupported, submit):
    before = stored()
    body = {"partner": unsupported.slug, "service_id": "S1", "fault_type": "Impaired Service"}

    response = agent_api.post(FAULTS_API, {**body, "submit": submit}, format="json")

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert NO_ADAPTER in error["fields"]["partner"][0]
    assert NO_ADAPTER in error["message"]
    assert stored() == before


def test_the_api_refuses_to_submit_a_draft_made_for_it(agent_api, unsupported):
    draft = FaultFactory(supplier=unsupported, buyer_identifier=unsupported.buyer_identifiers.get())
    before = stored()

    response = agent_api.post(f"{FAULTS_API}{draft.buyer_fault_reference}/submit/", format="json")

    assert response.status_code == 400, response.content
    assert NO_ADAPTER in response.json()["error"]["message"]
    assert stored() == before
    assert Fault.objects.get(pk=draft.pk).status == FaultStatus.DRAFT


@pytest.mark.parametrize("intent", ["draft", "submit"])
def test_the_raise_form_shows_it_on_the_supplier_field(agent_client, unsupported, intent):
    from tests.ui.test_raise import form_data

    before = stored()

    answer = agent_client.post("/faults/new/", {**form_data(unsupported), "intent": intent})

    assert answer.status_code == 400
    errors = answer.content.decode().split('id="errors-supplier"', 1)[1].split("</div>", 1)[0]
    assert NO_ADAPTER in errors
    assert stored() == before


def test_the_raise_forms_live_check_says_it_as_the_supplier_is_chosen(agent_client, unsupported):
    from tests.ui.test_raise import form_data

    answer = agent_client.post("/faults/new/validate/", form_data(unsupported))

    assert NO_ADAPTER in answer.content.decode()
    assert not Fault.objects.exists()


# --- working a fault whose partner lost its adapter ----------------------------------------------
@pytest.fixture
def stranded(partner, buyer_identifier, sla_policy):
    """Faults raised through the supplier Ticketing API, whose partner an admin then switched to
    a protocol without an adapter."""
    make = lambda status: bring_to(  # noqa: E731
        FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), status
    )
    faults = {"in-progress": make("in-progress"), "resolved": make("resolved")}
    Partner.objects.filter(pk=partner.pk).update(protocol="future-protocol")
    return faults


@pytest.mark.parametrize(
    ("status", "suffix", "body"),
    [
        ("in-progress", "comments/", {"text": "Any news?"}),
        ("in-progress", "cancel/", {"reason": "Fixed itself"}),
        ("in-progress", "request-update/", {}),
        ("resolved", "accept-resolution/", {}),
        ("resolved", "reject-resolution/", {"reason": "Still down"}),
    ],
)
def test_every_call_to_it_is_refused_and_changes_nothing(agent_api, stranded, status, suffix, body):
    fault = stranded[status]
    before = stored()

    response = agent_api.post(
        f"{FAULTS_API}{fault.buyer_fault_reference}/{suffix}", body, format="json"
    )

    assert response.status_code == 400, response.content
    assert NO_ADAPTER in response.json()["error"]["message"]
    assert stored() == before
    assert Fault.objects.get(pk=fault.pk).status == status


def test_an_amend_to_it_is_refused(agent_api, stranded):
    fault = stranded["in-progress"]

    response = agent_api.patch(
        f"{FAULTS_API}{fault.buyer_fault_reference}/", {"description": "Worse"}, format="json"
    )

    assert response.status_code == 400, response.content
    assert NO_ADAPTER in response.json()["error"]["message"]
    assert Fault.objects.get(pk=fault.pk).description == fault.description


def test_an_attachment_to_it_is_refused_before_the_file_is_stored(agent_api, stranded, settings):
    fault = stranded["in-progress"]
    upload = SimpleUploadedFile("trace.txt", b"ping loss 40%", content_type="text/plain")

    response = agent_api.post(
        f"{FAULTS_API}{fault.buyer_fault_reference}/attachments/", {"file": upload}
    )

    assert response.status_code == 400
    assert not FaultAttachment.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


def test_the_detail_page_action_says_why(agent_client, stranded):
    fault = stranded["in-progress"]

    answer = agent_client.post(f"/faults/{fault.buyer_fault_reference}/comment/", {"text": "Hi"})

    assert answer.status_code == 400
    assert NO_ADAPTER in answer.content.decode()
    assert not FaultComment.objects.exists()


# --- an adapter without a message for one operation ----------------------------------------------
RAISE_ONLY_PACKAGE = """
from integrations.packages import ProtocolPackage

PACKAGE = ProtocolPackage(
    protocol="{protocol}", label="Raise only", adapter="{pkg}.adapter.RaiseOnly"
)
"""
RAISE_ONLY_ADAPTER = """
from faults.choices import PartnerOperation
from integrations.adapters import PartnerAdapter


class RaiseOnly(PartnerAdapter):
    operations = frozenset({PartnerOperation.RAISE})
"""


def test_an_operation_the_adapter_has_no_message_for_is_refused_by_name(
    settings, tmp_path, monkeypatch, unsupported, sla_policy
):
    package = RAISE_ONLY_PACKAGE.replace("{protocol}", unsupported.protocol)
    enable(
        settings,
        write_package(
            tmp_path, monkeypatch, package_py=package, modules={"adapter": RAISE_ONLY_ADAPTER}
        ),
    )
    fault = FaultFactory(supplier=unsupported, buyer_identifier=unsupported.buyer_identifiers.get())

    assert partner_call_refusal(supplier=unsupported, operation=PartnerOperation.RAISE) is None
    with pytest.raises(FaultValidationError) as refused:
        request_partner_call(
            fault=fault, operation=PartnerOperation.COMMENT, payload={}, at=fault.created_at
        )
    assert "has no message for 'Send comment'" in refused.value.message


@pytest.fixture
def port_unconnected():
    """The port as `faults` has it before the integrations app connects it."""
    connected = ports.connect_partner_calls(ports.RECORD_ONLY)
    yield
    ports.connect_partner_calls(connected)


def test_without_the_integration_layer_a_call_is_recorded_on_the_fault(
    port_unconnected, agent_api, unsupported, sla_policy
):
    # The port's own pair: nothing is sent anywhere, and nothing is refused for want of an
    # adapter; the fault's audit trail says which call was asked for.
    draft = FaultFactory(supplier=unsupported, buyer_identifier=unsupported.buyer_identifiers.get())

    response = agent_api.post(f"{FAULTS_API}{draft.buyer_fault_reference}/submit/", format="json")

    assert response.status_code == 200, response.content
    assert Fault.objects.get(pk=draft.pk).status == FaultStatus.PENDING
    (call,) = FaultEvent.objects.filter(fault=draft, kind="partner-call")
    assert (call.message, call.data["operation"]) == ("Raise fault requested", "raise")
    assert not OutboundMessage.objects.exists()


def test_the_port_imports_nothing_of_the_integration_layer():
    # `faults` reaches its partners only through this port, connected by the integrations app:
    # not even a type import.
    tree = ast.parse(Path(ports.__file__).read_text())
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert [name for name in imported if name.split(".")[0] == "integrations"] == []
