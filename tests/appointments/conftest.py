"""Fixtures for the appointment services: an in-memory stand-in for the supplier's appointment
service, put in place of the gateway of the test partner's protocol package (the real gateway is
tested against the simulator elsewhere), and Service Outage faults to book visits for."""

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.utils import timezone

from appointments.gateways import (
    Reservation,
    ReservationRefused,
    Slot,
    SlotQuery,
    SupplierUnavailable,
)
from appointments.models import Appointment
from appointments.services import appointment_reserve
from faults.choices import FaultType
from faults.models import Fault
from faults.services import Actor
from integrations import packages
from tests.factories import FaultFactory

UPRN = "10002491172"
PRODUCT = "ftthl2r"
AGENT = Actor.system("test-agent")


def tomorrow() -> date:
    return timezone.localdate() + timedelta(days=1)


def query(**changes) -> SlotQuery:
    return SlotQuery(
        **{"address_key": UPRN, "from_date": tomorrow(), "product_name": PRODUCT, **changes}
    )


def first_slot() -> Slot:
    """The first slot the fake supplier offers for `query()`."""
    return Slot(date=tomorrow() + timedelta(days=1), start_time="08:00", end_time="13:00")


def second_slot() -> Slot:
    return Slot(date=tomorrow() + timedelta(days=2), start_time="08:00", end_time="13:00")


@dataclass
class FakeSupplier:
    """The supplier's appointment service in memory: three slots from the day after the
    query's first day (the afternoon one full), a new key per reservation, held two hours."""

    down: bool = False
    refuse: str = ""
    key_override: str = ""
    valid_for: timedelta = timedelta(hours=2)
    calls: list[tuple] = field(default_factory=list)
    reserved: int = 0

    def query_availability(self, partner, query: SlotQuery) -> list[Slot]:
        self.calls.append(("query", partner.slug, query))
        self._fail_if_asked_to()
        day = query.from_date + timedelta(days=1)
        return [
            Slot(date=day, start_time="08:00", end_time="13:00"),
            Slot(date=day, start_time="13:00", end_time="18:00", available=False),
            Slot(date=day + timedelta(days=1), start_time="08:00", end_time="13:00"),
        ]

    def reserve(self, partner, query: SlotQuery, slot: Slot) -> Reservation:
        self.calls.append(("reserve", partner.slug, query, slot))
        self._fail_if_asked_to()
        self.reserved += 1
        return Reservation(
            reservation_key=self.key_override or f"RES{self.reserved:04d}KEY",
            slot=slot,
            valid_until=timezone.now() + self.valid_for,
        )

    def _fail_if_asked_to(self) -> None:
        if self.down:
            raise SupplierUnavailable("connection refused by 127.0.0.1:9")
        if self.refuse:
            raise ReservationRefused(self.refuse)


@pytest.fixture
def supplier(partner, monkeypatch) -> FakeSupplier:
    fake = FakeSupplier()
    gateway_path = packages.package_for(partner.protocol).appointment_gateway
    monkeypatch.setitem(packages._instances, gateway_path, fake)
    return fake


@pytest.fixture
def make_fault(partner, buyer_identifier, sla_policy):
    def make(**fields) -> Fault:
        fields = {
            "fault_type": FaultType.SERVICE_OUTAGE,
            "address_key": UPRN,
            "product_name": PRODUCT,
            **fields,
        }
        return FaultFactory(supplier=partner, buyer_identifier=buyer_identifier, **fields)

    return make


@pytest.fixture
def tlos_draft(make_fault) -> Fault:
    return make_fault()


@pytest.fixture
def booked(partner, supplier, tlos_draft) -> Appointment:
    """A reservation attached to the draft TLOS fault."""
    return appointment_reserve(
        partner=partner, actor=AGENT, query=query(), slot=first_slot(), fault_id=tlos_draft.pk
    )
