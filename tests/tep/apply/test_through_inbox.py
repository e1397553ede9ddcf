"""The spine's path: the inbox applies a stored TEP ticket through the TEP adapter
(`TepAdapter.apply_inbound` → `apply_ticket`), in its own transaction, once; a partner whose
stored profile is broken gets the profile's errors on the inbox row, not a guess."""

import pytest
from django.utils import timezone

from faults.choices import OpenedBy
from faults.models import Fault
from integrations.choices import InboundStatus
from integrations.inbox import inbox_apply
from integrations.tep.models import TepConnection
from tests.factories import BuyerIdentifierFactory, PartnerFactory
from tests.tep.apply.tickets import detail, stored, ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def tep_partner():
    partner = PartnerFactory(slug="tep-partner", name="TEP Partner", protocol="tep")
    BuyerIdentifierFactory(partner=partner, code="TEP1", is_default=True)
    return partner


def new_ticket():
    return ticket(
        "New",
        theirs="INC-5",
        at=timezone.now(),
        details=[detail("ServiceId", "SVC-5"), detail("Severity", "Low")],
    )


def test_the_inbox_applies_a_partners_new_ticket_once(tep_partner):
    row = stored(tep_partner, new_ticket())

    assert inbox_apply(inbound_id=row.pk) == InboundStatus.APPLIED
    assert inbox_apply(inbound_id=row.pk) is None  # applied already: nothing again

    fault = Fault.objects.get(supplier=tep_partner, opened_by=OpenedBy.SUPPLIER)
    assert (fault.maintainer_fault_reference, fault.service_id, fault.priority) == (
        "INC-5",
        "SVC-5",
        4,
    )


def test_a_broken_stored_profile_is_said_on_the_inbox_row(tep_partner):
    TepConnection.objects.create(
        partner=tep_partner,
        our_partner_id=1,
        their_partner_id=2,
        conversation_role_id=3,
        profile={"severity": {"Low": 9}},
    )
    row = stored(tep_partner, new_ticket())

    assert inbox_apply(inbound_id=row.pk) == InboundStatus.RECEIVED  # tried again later
    row.refresh_from_db()
    assert row.last_error.startswith("ProfileError: 'severity': 'Low' maps to 9")
    assert not Fault.objects.filter(supplier=tep_partner).exists()
