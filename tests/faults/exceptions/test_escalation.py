"""Suppliers to escalate with: over the admin's threshold (count or age of the oldest open
exception), on a manager's page and through the API in the seed's shape."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from faults.choices import FaultStatus
from faults.exceptions.escalation import escalation_candidates
from faults.exceptions.models import EscalationThreshold, TicketException, TicketExceptionRule
from tests.factories import FaultFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def open_exception(supplier, *, hours_ago: float, rule="NO_SUPPLIER_UPDATE"):
    fault = FaultFactory(supplier=supplier, status=FaultStatus.IN_PROGRESS)
    return TicketException.objects.create(
        fault=fault,
        rule=TicketExceptionRule.objects.get(type_name=rule),
        subject="s",
        raised_at=timezone.now() - timedelta(hours=hours_ago),
    )


@pytest.fixture
def suppliers():
    many = PartnerFactory(name="Many Open Ltd")
    old = PartnerFactory(name="Slow Old Ltd")
    fine = PartnerFactory(name="Fine Fibre Ltd")
    for hours in (1, 2, 3):
        open_exception(many, hours_ago=hours)
    open_exception(old, hours_ago=50)
    open_exception(fine, hours_ago=5)
    solved = open_exception(fine, hours_ago=100)
    TicketException.objects.filter(pk=solved.pk).update(solved_at=timezone.now())
    return many, old, fine


def test_over_either_threshold_the_most_open_first(suppliers):
    candidates = escalation_candidates()

    assert [(c.supplier_name, c.open_exceptions) for c in candidates] == [
        ("Many Open Ltd", 3),
        ("Slow Old Ltd", 1),
    ]
    assert candidates[1].oldest_raised_at < timezone.now() - timedelta(hours=49)


def test_the_admins_threshold_is_the_one_used(suppliers):
    EscalationThreshold.objects.update_or_create(
        pk=1, defaults={"min_open_exceptions": 1, "oldest_open_hours": 1000}
    )
    assert [c.supplier_name for c in escalation_candidates()] == [
        "Many Open Ltd",
        "Slow Old Ltd",  # one open, the older first
        "Fine Fibre Ltd",  # its solved exception does not count; its open one does
    ]


def test_the_managers_page_lists_them(manager_client, agent_client, suppliers):
    page = manager_client.get("/exceptions/escalations/").content.decode()

    assert "Suppliers to escalate with" in page
    assert "Many Open Ltd" in page and "Slow Old Ltd" in page
    assert "Fine Fibre Ltd" not in page
    assert agent_client.get("/exceptions/escalations/").status_code == 403


def test_the_api_answers_in_the_seeds_shape(manager_user, suppliers):
    many, _, _ = suppliers
    api = APIClient()
    api.force_authenticate(manager_user)

    answer = api.get("/api/v1/exceptions/escalation-candidates/")

    assert answer.status_code == 200
    first = answer.json()[0]
    assert set(first) == {
        "serviceProviderId",
        "serviceProviderName",
        "openExceptionCount",
        "oldestExceptionDate",
    }
    assert (first["serviceProviderId"], first["openExceptionCount"]) == (many.pk, 3)
    assert APIClient().get("/api/v1/exceptions/escalation-candidates/").status_code == 401
