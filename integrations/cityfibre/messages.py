"""Plain data for the supplier's messages: what builders take in besides the fault, and what
parsers hand back. No XML, no database here.

Inbound dataclasses are read tolerantly: a value that could not be read is None (or "") and the
reason is in the message's `problems`; text is trimmed, inner newlines of long text are kept.
"""

import datetime as dt
from dataclasses import dataclass, field

from faults.services import UpdateEntry

__all__ = [
    "Contact",
    "GenericResponse",
    "LateRepairExclusion",
    "LateRepairNotification",
    "MissedAppointment",
    "Notification",
    "NotifiedAppointment",
    "NotifiedAttachment",
    "NotifiedComment",
    "NotifiedFaultDetails",
    "OutboundAppointment",
    "UpdateEntry",
]


# --- outbound ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class OutboundAppointment:
    """The reserved slot an addFaultReport / amendFaultReport carries (the XSD's appointmentType).

    A TLOS fault must carry one and any other type must not; that rule is checked by the
    appointments services before a message is built, not here."""

    reservation_key: str
    date: dt.date | None = None
    start_time: dt.time | None = None
    end_time: dt.time | None = None


# --- shared --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Contact:
    name: str = ""
    phone: str = ""
    email: str = ""


# --- synchronous responses -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class GenericResponse:
    """The supplier's answer to any of our calls (`root` says which).

    `status` and `buyer_fault_reference` are present in receivedFaultReport and
    receivedAmendFaultReport only."""

    root: str
    message_id: str
    response_code: int | None
    error_message: str = ""
    buyer_identifier: str = ""
    sent_at: dt.datetime | None = None
    status: str | None = None
    buyer_fault_reference: str = ""
    problems: list[str] = field(default_factory=list)


# --- notifyFaultReportUpdate ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class NotifiedFaultDetails:
    description: str = ""
    type: str = ""
    status: str | None = None
    status_reason: str = ""
    fault_start_time: dt.datetime | None = None
    fault_location: str = ""
    site_access_details: str = ""
    site_access_contact: Contact | None = None
    triage_complete: bool | None = None
    triage_findings: str = ""


@dataclass(frozen=True, slots=True)
class MissedAppointment:
    """faultDetails/missedAppointment: the supplier's Y/N flags as booleans (None if unreadable)."""

    reservation_key: str = ""
    date: dt.date | None = None
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    seller_missed: bool | None = None
    amended: bool | None = None
    cancelled: bool | None = None
    end_user_missed: bool | None = None
    end_user_pre_agreed: bool | None = None
    mborc: bool | None = None


@dataclass(frozen=True, slots=True)
class NotifiedAppointment:
    reservation_key: str = ""
    date: dt.date | None = None
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    confirmation_status: str | None = None  # "Confirmed" or "Failed"
    cancelled: bool | None = None
    closure_code: str = ""


@dataclass(frozen=True, slots=True)
class NotifiedComment:
    value: str
    commented_by: str = ""
    commented_time: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class NotifiedAttachment:
    filename: str
    url: str = ""
    uploaded: bool | None = None


@dataclass(frozen=True, slots=True)
class LateRepairExclusion:
    reason: str = ""
    days: int | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class LateRepairNotification:
    total_delay_days: int | None = None
    seller_delay_days: int | None = None
    non_seller_delay_days: int | None = None
    exclusions: list[LateRepairExclusion] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Notification:
    """A notifyFaultReportUpdate: the supplier's full view of one fault at `sent_at`."""

    message_id: str
    buyer_identifier: str
    buyer_fault_reference: str
    api_version: str = ""
    sent_at: dt.datetime | None = None
    report_date_time: dt.datetime | None = None
    maintainer_fault_reference: str = ""
    parent_fault_reference: str = ""
    service_affected: str = ""
    priority: int | None = None
    reporter_contact: Contact | None = None
    end_user_contact: Contact | None = None
    details: NotifiedFaultDetails = field(default_factory=NotifiedFaultDetails)
    missed_appointment: MissedAppointment | None = None
    updates: list[UpdateEntry] = field(default_factory=list)
    comment: NotifiedComment | None = None
    attachments: list[NotifiedAttachment] = field(default_factory=list)
    late_repair_notification: LateRepairNotification | None = None
    appointments: list[NotifiedAppointment] = field(default_factory=list)
    resolve_accepted: bool | None = None
    error_message: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def status(self) -> str | None:
        return self.details.status

    @property
    def as_of(self) -> dt.datetime | None:
        """When the supplier says this view was taken: sentAt, or reportDateTime without it
        (sample 20 has no sentAt)."""
        return self.sent_at or self.report_date_time
