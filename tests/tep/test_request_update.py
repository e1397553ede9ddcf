"""TEP has no call that reads a ticket back: a fault with a TEP partner offers no "Request
update", and a request made anyway (a crafted form post, the API) is refused and sends
nothing."""

import pytest

from faults.choices import FaultStatus
from integrations.models import OutboundMessage
from tests.factories import FaultFactory
from tests.tep.edge.conftest import make_tep_partner

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted_tep_fault(pki):
    partner = make_tep_partner(pki)
    return FaultFactory(
        supplier=partner,
        buyer_identifier=partner.buyer_identifiers.get(),
        status=FaultStatus.ACCEPTED,
        maintainer_fault_reference="SUP-1234",
    )


def test_the_fault_page_offers_no_request_update(agent_client, accepted_tep_fault):
    page = agent_client.get(f"/faults/{accepted_tep_fault.buyer_fault_reference}/")

    assert page.status_code == 200
    assert "Add comment" in page.content.decode()
    assert "Request update" not in page.content.decode()


def test_a_crafted_request_is_refused_and_sends_nothing(agent_client, accepted_tep_fault):
    reference = accepted_tep_fault.buyer_fault_reference
    answer = agent_client.post(f"/faults/{reference}/request-update/")

    assert answer.status_code == 400
    assert "has no message for &#x27;Request full update&#x27;" in answer.content.decode()
    assert not OutboundMessage.objects.filter(fault=accepted_tep_fault).exists()


def test_the_api_refuses_it_too(accepted_tep_fault, agent_user):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(agent_user)
    reference = accepted_tep_fault.buyer_fault_reference
    answer = api.post(f"/api/v1/faults/{reference}/request-update/")

    assert answer.status_code == 400
    assert "has no message for 'Request full update'" in answer.content.decode()
    assert not OutboundMessage.objects.filter(fault=accepted_tep_fault).exists()
