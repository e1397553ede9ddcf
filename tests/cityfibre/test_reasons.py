"""The supplier's reasons in words (issue 10 #16): its errorMessage is a JSON object naming the
element it refuses; the cityfibre package turns that into "Label: text" when it records the
reason (a refused raise, a refused amend or resolveResponse, a rejected notification), and the
rows stored before that are rewritten by a data migration."""

import importlib
import importlib.util

import lxml.html
import pytest
from django.apps import apps
from django.utils import timezone

from faults.choices import ActorKind, EventKind, FaultStatus
from faults.models import FaultEvent
from faults.services import (
    Actor,
    SupplierReport,
    fault_apply_supplier_report,
    fault_apply_supplier_status,
    fault_comment_add,
    fault_submit,
)
from faults.services.merge import CommentEntry
from integrations.choices import OutboundStatus
from integrations.cityfibre.reasons import reason_text
from integrations.cityfibre.simulator import CityFibreSimulator
from integrations.models import OutboundMessage, Partner
from integrations.outbox import outbox_deliver
from tests.cityfibre.conftest import sample
from tests.factories import FaultFactory
from tests.helpers import bring_to

SERVICE = "SIM-REJECT-0001"
IN_WORDS = f"Service ID: Service '{SERVICE}' is not valid"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (f'{{"serviceAffected": "Service \'{SERVICE}\' is not valid"}}', IN_WORDS),
        (
            '{"maintainerFaultReference": "No workflow found with that reference"}',
            "Supplier's reference: No workflow found with that reference",
        ),
        (
            '{"priorityLevel": "Missing mandatory field", "faultStartTime": "Not a date"}',
            "Priority: Missing mandatory field; Fault start time: Not a date",
        ),
        ('{"faultDetails/type": "Unknown type"}', "Fault type: Unknown type"),
        ('{"appointmentReservationKey": "Expired"}', "Appointment reservation key: Expired"),
        ('{"message": "Try later"}', "Try later"),
        ('{"someNewThing": ["first", "second"]}', "Some new thing: first; Some new thing: second"),
        ("Missing data", "Missing data"),  # plain text, as sample 22 sends it
        ("  {not json at all  ", "{not json at all"),
        ('"just a string"', '"just a string"'),
        ("", ""),
    ],
)
def test_the_suppliers_error_message_reads_as_a_sentence(raw, words):
    assert reason_text(raw) == words


# --- recorded in words, from the real simulator and from a notification ---------------------


@pytest.fixture
def simulator(pki, partner):
    """The supplier simulator over mutual TLS, with the partner pointed at it."""
    sim = CityFibreSimulator(
        port=0,
        notify_url="http://127.0.0.1:9/notify/",  # nothing is notified in these tests
        buyer_identifiers={"SPTEST1"},
        step_delay=60,
        supplier_client_cert=pki.supplier_client,
        tls=pki,
    ).start()
    Partner.objects.filter(pk=partner.pk).update(
        base_url=sim.url,
        client_cert_path=str(pki.buyer_client.cert_path),
        client_key_path=str(pki.buyer_client.key_path),
        ca_bundle_path=str(pki.ca_cert_path),
    )
    yield sim
    sim.stop()


@pytest.mark.django_db
def test_a_raise_the_simulator_refuses_rejects_the_fault_with_its_reason_in_words(
    simulator, partner, buyer_identifier, sla_policy, client, agent_user
):
    fault = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier, service_id=SERVICE)
    fault_submit(fault_id=fault.pk, actor=Actor.system("test"))
    message = OutboundMessage.objects.get(fault=fault)

    assert outbox_deliver(outbound_id=message.pk) == OutboundStatus.REFUSED

    fault.refresh_from_db()
    message.refresh_from_db()
    assert (fault.status, fault.status_reason) == (FaultStatus.REJECTED, IN_WORDS)
    assert message.last_error == IN_WORDS
    assert '{"serviceAffected"' in message.response_body  # the wire keeps what was said
    client.force_login(agent_user)
    page = client.get(f"/faults/{fault.buyer_fault_reference}/").content.decode()
    assert "Service ID: Service &#x27;SIM-REJECT-0001&#x27; is not valid" in page
    assert "serviceAffected" not in page


@pytest.mark.django_db
def test_a_refused_raise_is_the_suppliers_doing_on_the_timeline_with_our_message_as_detail(
    simulator, partner, buyer_identifier, sla_policy, client, agent_user
):
    fault = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier, service_id=SERVICE)
    fault_submit(fault_id=fault.pk, actor=Actor.system("test"))
    message = OutboundMessage.objects.get(fault=fault)
    outbox_deliver(outbound_id=message.pk)
    client.force_login(agent_user)

    page = lxml.html.fromstring(client.get(f"/faults/{fault.buyer_fault_reference}/").content)

    (rejected,) = page.xpath("//li[@data-kind='status'][contains(., 'Rejected')]")
    meta = rejected.xpath(".//*[contains(@class, 'timeline-meta')]")[0]
    who = " ".join(meta.text_content().split())
    assert partner.name in who
    assert f"in answer to our Raise fault, message {message.message_id}" in who
    assert "Partner message" not in page.text_content()


@pytest.mark.django_db
def test_a_rejected_notification_with_a_json_reason_is_recorded_in_words(
    client, post_notification, cityfibre_partner, spdev1
):
    from integrations.inbox import inbox_apply
    from integrations.models import InboundMessage

    fault = bring_to(
        FaultFactory(
            supplier=cityfibre_partner, buyer_identifier=spdev1, buyer_fault_reference="SP-123ABC"
        ),
        "pending",
        start=timezone.now().replace(year=2018, month=6, day=1),
    )
    body = sample(22).replace(
        b"<statusReason>Missing data</statusReason>",
        b'<statusReason>{"serviceAffected": "Service S18650 is not ours"}</statusReason>',
    )

    assert post_notification(client, body).status_code == 200
    inbox_apply(inbound_id=InboundMessage.objects.get().pk)

    fault.refresh_from_db()
    assert fault.status == FaultStatus.REJECTED
    assert fault.status_reason == "Service ID: Service S18650 is not ours"


# --- rows stored before: the data migration ----------------------------------------------------

RAW = f'{{"serviceAffected": "Service \'{SERVICE}\' is not valid"}}'
TYPED = 'Customer pasted the router log: {"error": "LOS", "port": 3}'


def run_migration() -> None:
    migration = importlib.import_module("integrations.migrations.0002_supplier_reasons_in_words")
    migration.reasons_in_words(apps, None)


@pytest.fixture
def stored_as_json(partner, buyer_identifier, sla_policy, agent_user):
    """A fault the supplier rejected, an amend it refused and the texts people typed beside
    them, each stored as the code before reasons were put into words stored it."""
    rejected = bring_to(
        FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "pending"
    )
    fault_apply_supplier_status(
        fault_id=rejected.pk, status="rejected", actor=Actor.partner("MSG-REJ"), reason=RAW
    )
    OutboundMessage.objects.filter(fault=rejected).update(
        status=OutboundStatus.REFUSED, last_error=RAW
    )
    worked = bring_to(
        FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "in-progress"
    )
    amend = OutboundMessage.objects.filter(fault=worked).first()
    refused = FaultEvent.objects.create(
        fault=worked,
        kind=EventKind.ANOMALY,
        at=timezone.now(),
        actor_kind=ActorKind.PARTNER,
        actor_ref="MSG-AMEND",
        message=f"The supplier refused our amendFaultReport: {RAW}",
        data={"outbound_id": amend.pk, "http_status": 400},
    )
    fault_comment_add(fault_id=worked.pk, actor=Actor.for_user(agent_user), text=TYPED)
    fault_apply_supplier_report(
        fault_id=worked.pk,
        report=SupplierReport(comments=(CommentEntry(text=TYPED, commented_by="seller"),)),
        actor=Actor.partner("MSG-COMMENT"),
    )
    fault_apply_supplier_status(
        fault_id=worked.pk, status="on-hold", actor=Actor.partner("MSG-HOLD"), reason=TYPED
    )
    return rejected, worked, refused


@pytest.mark.django_db
def test_the_migration_puts_the_suppliers_recorded_refusals_into_words(stored_as_json):
    rejected, _worked, refused = stored_as_json

    run_migration()
    run_migration()  # a second run changes nothing

    rejected.refresh_from_db()
    assert rejected.status_reason == IN_WORDS
    (rejection,) = FaultEvent.objects.filter(fault=rejected, to_status=FaultStatus.REJECTED)
    assert rejection.message == IN_WORDS
    assert OutboundMessage.objects.get(fault=rejected).last_error == IN_WORDS
    refused.refresh_from_db()
    assert refused.message == f"The supplier refused our amendFaultReport: {IN_WORDS}"


@pytest.mark.django_db
def test_the_migration_leaves_what_people_typed_untouched(stored_as_json):
    """An agent's comment, a supplier's comment and a hold reason may hold JSON too: they are
    not the supplier's recorded refusal, and stay as typed."""
    _rejected, worked, _refused = stored_as_json

    run_migration()

    worked.refresh_from_db()
    assert worked.status_reason == TYPED
    typed = FaultEvent.objects.filter(fault=worked, message=TYPED)
    assert sorted(typed.values_list("kind", flat=True)) == [
        EventKind.COMMENT,
        EventKind.COMMENT,
        EventKind.STATUS,
    ]


def test_the_migration_converts_with_its_own_frozen_copy():
    """Later edits to the live converter or the form labels cannot change what it does."""
    source = importlib.util.find_spec(
        "integrations.migrations.0002_supplier_reasons_in_words"
    ).loader.get_source("integrations.migrations.0002_supplier_reasons_in_words")

    assert "import integrations" not in source and "from integrations" not in source
    assert "from faults" not in source and "import faults" not in source
