"""The appointment admin: the list with its filters and search, the read-only change page with
the history inline."""

import pytest
from django.contrib.auth import get_user_model

from appointments.events import MissedFlags, SupplierAppointmentEvent
from appointments.services import appointment_apply_supplier_event
from faults.models import Fault
from tests.helpers import SUPPLIER, bring_to

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/appointments/appointment/"


@pytest.fixture
def superuser_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.test", "pw-123-root")
    client.force_login(user)
    return client


@pytest.fixture
def missed(tlos_draft, booked):
    fault = bring_to(Fault.objects.get(pk=tlos_draft.pk), "accepted")
    appointment_apply_supplier_event(
        fault_id=fault.pk,
        event=SupplierAppointmentEvent(
            reservation_key=booked.reservation_key, missed=MissedFlags(seller_missed=True)
        ),
        actor=SUPPLIER,
    )
    booked.refresh_from_db()
    return booked


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"state__exact": "missed"},
        {"missed_side__exact": "seller"},
        {"closure_code__exact": "FR"},
        {"missed__exact": "1"},
        {"q": "RES0001KEY"},
    ],
)
def test_the_list_answers_with_filters_and_search(superuser_client, missed, params):
    response = superuser_client.get(CHANGELIST, params)

    assert response.status_code == 200
    if "closure_code__exact" not in params:
        assert missed.reservation_key in response.text


def test_the_list_is_searched_by_fault_reference(superuser_client, missed, tlos_draft):
    response = superuser_client.get(CHANGELIST, {"q": tlos_draft.buyer_fault_reference})

    assert missed.reservation_key in response.text


def test_the_change_page_shows_the_history_read_only(superuser_client, missed):
    response = superuser_client.get(f"{CHANGELIST}{missed.pk}/change/")

    assert response.status_code == 200
    assert "missed (seller (supplier); flags: seller missed)" in response.text.lower()
    assert response.context["has_change_permission"] is False
    assert superuser_client.get(f"{CHANGELIST}add/").status_code == 403
