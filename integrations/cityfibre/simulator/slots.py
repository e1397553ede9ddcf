"""The supplier's appointment diary: which slots it offers, which of them are full, and the
reservations it has issued. Pure data and rules (no locking, no HTTP): `appointments` serves them
under the state lock.

Slots: the supplier works Monday to Friday in two windows, 08:00-13:00 and 13:00-18:00 (the
samples' slot, and its afternoon twin). An availability query is answered with the 10 working
days from `appointmentsFrom`, never today (no same-day appointments) — so 20 slots. Whether a slot
is full is a fixed rule on hashes of the address key and the date, so the same query always gets
the same answer: a slot is full when a hash of (address key, date, window) falls in one quarter,
and one slot of each week (picked by a hash of address key and ISO week) is always full. Ten
working days always hold a whole week, so every answer has a full slot; about a third are. A
reservation does not use capacity up (many engineers share a window). Full slots are listed,
marked `availability` false, rather than left out, so the agent sees the whole diary.

Reservations: a key of 32 uppercase letters and digits (like sample 03's, within the XSD's 36),
valid for `reservation_ttl` seconds. A key is spent once a fault report carries it; a
re-appointment replaces it with a new one.
"""

import hashlib
import secrets
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

__all__ = [
    "MAX_DAYS_AHEAD",
    "SLOT_DAYS",
    "WINDOWS",
    "SimReservation",
    "Slot",
    "first_offered_day",
    "is_full",
    "new_reservation_key",
    "offered_slots",
    "prune_reservations",
    "slot_problem",
]

WINDOWS = (("08:00", "13:00"), ("13:00", "18:00"))
SLOT_DAYS = 10  # working days an availability answer covers
MAX_DAYS_AHEAD = 90  # a slot further out than this cannot be reserved
FULL_ONE_IN = 4  # a quarter of the slots are full by the hash, besides one a week
KEY_LENGTH = 32
_KEY_ALPHABET = string.ascii_uppercase + string.digits


@dataclass(frozen=True, order=True)
class Slot:
    date: date
    start_time: str  # HH:MM
    end_time: str  # HH:MM

    def as_json(self) -> dict[str, str]:
        return {
            "date": self.date.isoformat(),
            "start_time": self.start_time,
            "end_time": self.end_time,
        }


def is_working_day(day: date) -> bool:
    return day.weekday() < 5


def _hash(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:4], "big")


def is_full(address_key: str, slot: Slot) -> bool:
    """The fixed rule: full when a hash of (address key, date, window start) says so, or when the
    slot is its week's full one."""
    address_key = address_key.strip()
    if _hash(address_key, slot.date.isoformat(), slot.start_time) % FULL_ONE_IN == 0:
        return True
    year, week, weekday = slot.date.isocalendar()
    windows = [start for start, _ in WINDOWS]
    if weekday > 5 or slot.start_time not in windows:
        return False
    index = (weekday - 1) * len(windows) + windows.index(slot.start_time)
    return _hash(address_key, year, week) % (5 * len(windows)) == index


def first_offered_day(appointments_from: date, today: date) -> date:
    """The first working day on or after `appointments_from`, and after today."""
    day = max(appointments_from, today + timedelta(days=1))
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _working_days(start: date, count: int) -> Iterator[date]:
    day = start
    while count > 0:
        if is_working_day(day):
            yield day
            count -= 1
        day += timedelta(days=1)


def offered_slots(
    address_key: str, appointments_from: date, today: date
) -> list[tuple[Slot, bool]]:
    """Every slot of the 10 working days from `appointments_from`, each with whether it is
    available (not full), in date and time order."""
    start = first_offered_day(appointments_from, today)
    slots = []
    for day in _working_days(start, SLOT_DAYS):
        for begin, end in WINDOWS:
            slot = Slot(day, begin, end)
            slots.append((slot, not is_full(address_key, slot)))
    return slots


def slot_problem(address_key: str, slot: Slot, today: date) -> tuple[str, str] | None:
    """Why `slot` cannot be reserved for the address — (reason code, reason) — or None."""
    if slot.date <= today:
        if slot.date == today:
            return "DATE_IN_PAST", "Same-day appointments cannot be reserved"
        return "DATE_IN_PAST", f"The appointment date {slot.date.isoformat()} is in the past"
    if (slot.start_time, slot.end_time) not in WINDOWS:
        windows = ", ".join(f"{a}-{b}" for a, b in WINDOWS)
        return "SLOT_UNKNOWN", f"No such appointment slot: the slots are {windows}"
    if not is_working_day(slot.date):
        return "SLOT_UNKNOWN", f"No appointments on {slot.date.strftime('%A')}s"
    if slot.date > today + timedelta(days=MAX_DAYS_AHEAD):
        return "SLOT_UNKNOWN", f"Appointments are offered up to {MAX_DAYS_AHEAD} days ahead"
    if is_full(address_key, slot):
        return "SLOT_FULL", "The appointment slot is full"
    return None


def new_reservation_key(taken: set[str] | dict[str, Any]) -> str:
    while True:
        key = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(KEY_LENGTH))
        if key not in taken:
            return key


@dataclass
class SimReservation:
    """A reserved slot (the supplier's booking, named by its key) and, once a fault report carries
    it, the appointment's life: confirmation, cancellation, completion, a miss."""

    key: str
    slot: Slot
    address_key: str
    buyer_identifier: str
    product_name: str
    appointment_type: str  # fault or order
    reappointment: bool
    created_at: datetime
    valid_until: datetime
    status: str = "reserved"  # reserved → used (by a fault report) → replaced (re-appointment)
    used_by: str = ""  # the buyer fault reference
    used_at: datetime | None = None
    confirmation_status: str = ""  # Confirmed / Failed
    cancelled: bool = False
    closure_code: str = ""
    missed: dict[str, str] = field(default_factory=dict)  # the missedAppointment flags, Y/N
    events: list[dict[str, Any]] = field(default_factory=list)

    def expired(self, now: datetime) -> bool:
        return self.status == "reserved" and now > self.valid_until

    def as_json(self, now: datetime) -> dict[str, Any]:
        return {
            "key": self.key,
            **self.slot.as_json(),
            "address_key": self.address_key,
            "buyer_identifier": self.buyer_identifier,
            "product_name": self.product_name,
            "appointment_type": self.appointment_type,
            "reappointment": self.reappointment,
            "created_at": self.created_at.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "expired": self.expired(now),
            "status": self.status,
            "used_by": self.used_by,
            "used_at": self.used_at.isoformat() if self.used_at else None,
            "confirmation_status": self.confirmation_status,
            "cancelled": self.cancelled,
            "closure_code": self.closure_code,
            "missed": dict(self.missed),
            "events": [dict(event) for event in self.events],
        }


def prune_reservations(reservations: dict[str, SimReservation], now: datetime, limit: int) -> None:
    """Keep a long demo run bounded: past `limit`, forget the oldest reservations never used and
    already expired (a key that is forgotten is then "unknown", as it would be to the supplier)."""
    excess = len(reservations) - limit
    if excess <= 0:
        return
    stale = [key for key, item in reservations.items() if item.expired(now)]
    for key in stale[:excess]:
        del reservations[key]
