"""factory_boy factories. A fault is always made as a draft: `Fault.status` is a protected FSM
field, so tests move faults with the services, never by assigning `status`."""

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from faults.choices import FaultType, SlaCalendar
from faults.models import Fault, SlaPolicy
from integrations.choices import Environment
from integrations.models import BuyerIdentifier, Partner


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = Partner
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Supplier {n}")
    slug = factory.Sequence(lambda n: f"supplier-{n}")
    protocol = "cityfibre"
    environment = Environment.SIMULATOR
    # Port 9 (discard) on loopback: nothing answers, and nothing leaves the machine.
    base_url = "http://127.0.0.1:9/"


class BuyerIdentifierFactory(DjangoModelFactory):
    class Meta:
        model = BuyerIdentifier

    partner = factory.SubFactory(PartnerFactory)
    code = factory.Sequence(lambda n: f"SPF{n:05d}")
    is_default = False


class FaultFactory(DjangoModelFactory):
    """A draft fault with everything the supplier needs for it to be submitted."""

    class Meta:
        model = Fault

    buyer_fault_reference = factory.Sequence(lambda n: f"TEST-{n:06d}")
    supplier = factory.SubFactory(PartnerFactory)
    buyer_identifier = factory.SubFactory(
        BuyerIdentifierFactory, partner=factory.SelfAttribute("..supplier")
    )
    service_id = factory.Sequence(lambda n: f"SVC{n:08d}")
    fault_type = FaultType.IMPAIRED_SERVICE
    priority = 3
    description = "Intermittent loss of sync."
    fault_start_time = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    fault_location = "Cabinet 12, Example Street"
    site_access_details = "Ring the bell at reception."
    site_access_contact_name = "Site Contact"
    site_access_contact_phone = "01632 960000"
    triage_complete = True
    triage_findings = "Light levels low at the ONT."


class SlaPolicyFactory(DjangoModelFactory):
    """A catch-all policy (any fault type, any priority) unless told otherwise."""

    class Meta:
        model = SlaPolicy

    partner = factory.SubFactory(PartnerFactory)
    fault_type = ""
    priority = None
    target = timedelta(hours=8)
    calendar = SlaCalendar.ALWAYS
    at_risk_percent = 80


def tep_simulator_partner(url: str, pki, *, max_attempts: int) -> Partner:
    """A TEP supplier played by its simulator at `url` (SOAP over mutual TLS with the test PKI's
    buyer client certificate), with the TEP connection the simulator expects."""
    from integrations.tep.models import TepConnection

    partner = PartnerFactory(
        slug="tep-sim",
        name="TEP (simulator)",
        protocol="tep",
        environment=Environment.SIMULATOR,
        base_url=url,
        client_cert_path=str(pki.buyer_client.cert_path),
        client_key_path=str(pki.buyer_client.key_path),
        ca_bundle_path=str(pki.ca_cert_path),
        max_attempts=max_attempts,
    )
    TepConnection.objects.create(
        partner=partner, our_partner_id=1001, their_partner_id=2002, conversation_role_id=10
    )
    return partner
