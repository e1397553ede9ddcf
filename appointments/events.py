"""What a supplier's notification says about an appointment, in domain terms (filled by the
protocol packages, applied by `appointments.services`)."""

# Postponed annotations: the field named `date` would otherwise shadow the type `date` in the
# annotations that follow it (`date: date | None = None` evaluates `None | None`).
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class MissedFlags:
    seller_missed: bool = False
    amended: bool = False
    cancelled: bool = False
    end_user_missed: bool = False
    end_user_pre_agreed: bool = False
    mborc: bool = False


@dataclass(frozen=True)
class SupplierAppointmentEvent:
    reservation_key: str
    date: date | None = None
    start_time: str = ""  # "HH:MM"
    end_time: str = ""
    confirmation_status: str = ""  # "Confirmed" or "Failed"
    cancelled: bool = False
    closure_code: str = ""
    missed: MissedFlags | None = None
    sent_at: datetime | None = None
    message_ref: str = ""
