"""Real tokens over real HTTP (DRF's APIClient through Django's whole stack), the shipped rules,
and exceptions raised on faults as the sweep raises them."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from faults.exceptions.api.auth import access_token_for
from faults.exceptions.models import (
    CallToAction,
    ExternalReference,
    TicketException,
    TicketExceptionRule,
)
from faults.exceptions.shipped import ship_rules
from tests.factories import FaultFactory

PARTNER = "DirectSupplyPartner"


@pytest.fixture(autouse=True)
def shipped_rules(db):
    """The shipped rules, as the migration writes them (a transactional test's flush before this
    one may have emptied the table)."""
    ship_rules(TicketExceptionRule, CallToAction)


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def token_for():
    def issue(user, persona: str = PARTNER, **kwargs) -> str:
        return str(access_token_for(user, persona=persona, **kwargs))

    return issue


@pytest.fixture
def api(agent_user, token_for) -> APIClient:
    """An agent's client with a DirectSupplyPartner token."""
    return bearer(token_for(agent_user))


@pytest.fixture
def admin_api(admin_user, token_for) -> APIClient:
    return bearer(token_for(admin_user))


def rule(type_name: str) -> TicketExceptionRule:
    return TicketExceptionRule.objects.get(type_name=type_name)


@pytest.fixture
def raise_exception(partner, buyer_identifier):
    """An open exception of `type_name` on a new fault (or on `fault`), raised `ago` before now."""

    def make(type_name="ETA_MISSING", *, fault=None, ago=timedelta(hours=1), solved=None, **kw):
        fault = fault or FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)
        exception = TicketException.objects.create(
            fault=fault,
            rule=rule(type_name),
            subject=kw.pop("subject", f"{type_name} on {fault.buyer_fault_reference}"),
            comment=kw.pop("comment", "The condition holds."),
            raised_at=timezone.now() - ago,
            **kw,
        )
        if solved is not None:
            exception.solved_at = timezone.now()
            exception.solved_automatically = solved
            exception.save()
        return exception

    return make


def link(exception: TicketException, identifier: str, domain: str = "zendesk") -> None:
    ExternalReference.objects.create(
        exception=exception, domain=domain, type="ticket", identifier=identifier
    )
