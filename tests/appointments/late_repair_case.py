"""The issue's late repair, worked through the real services (March 2026: London is on GMT, so
local and UTC times agree). A 24x7 policy of 8 hours; accepted Mon 2 Mar 09:00, so due 17:00 that
day. The supplier misses its visit of Wed 4 Mar 08:00, puts the fault on hold from 14:00 to Thu
5 Mar 14:00 ("awaiting a new appointment"), visits Fri 6 Mar 08:00 and resolves at 17:00.
Late: Mon 17:00 to Fri 17:00 = 4 days. The hold lies inside the wait after the supplier's own
missed visit (Wed 08:00 to Fri 08:00), so it is not excluded: we count 4 days, 4 seller-caused,
0 not. The supplier says 4 days, 3 seller-caused, 1 not (it excluded its hold day)."""

from datetime import UTC, date, datetime

from appointments.events import MissedFlags, SupplierAppointmentEvent
from appointments.services import appointment_apply_supplier_event
from faults.models import Fault
from faults.services import (
    Actor,
    LateRepair,
    SupplierReport,
    fault_apply_supplier_report,
    fault_submit,
)
from tests.factories import FaultFactory


def utc(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


DUE = utc(2, 17)  # Mon 2 Mar 17:00


SUPPLIER = Actor.partner("SUPPLIER-MSG")
AGENT = Actor.system("test-agent")


def supplier_says(fault: Fault, at: datetime, **report) -> Fault:
    return fault_apply_supplier_report(
        fault_id=fault.pk, report=SupplierReport(sent_at=at, **report), actor=SUPPLIER
    )


def appointment_news(fault: Fault, key: str, day: date, at: datetime, **news) -> None:
    event = SupplierAppointmentEvent(
        reservation_key=key, date=day, start_time="08:00", end_time="13:00", sent_at=at, **news
    )
    appointment_apply_supplier_event(fault_id=fault.pk, event=event, actor=SUPPLIER)


def late_repair(total, seller, non_seller) -> LateRepair:
    return LateRepair(
        total_days=total,
        seller_days=seller,
        non_seller_days=non_seller,
        exclusions=[
            {
                "reason": "=HOLD",  # a spreadsheet would run this: the CSV must quote it
                "days": 1,
                "start": "2026-03-04T14:00:00+00:00",
                "end": "2026-03-05T14:00:00+00:00",
            }
        ],
    )


def issue_case(partner, buyer_identifier) -> Fault:
    """The issue's case (module docstring), without the supplier's late repair figures yet. The
    partner must have the 8-hour 24x7 policy of tests/conftest.py's `sla_policy`."""
    fault = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)
    fault_submit(fault_id=fault.pk, actor=AGENT, at=utc(2, 8, 30))
    supplier_says(fault, utc(2, 9), status="accepted")
    supplier_says(fault, utc(2, 10), status="in-progress")
    appointment_news(
        fault, "VISIT-1", date(2026, 3, 4), utc(4, 13, 30), missed=MissedFlags(seller_missed=True)
    )
    supplier_says(fault, utc(4, 14), status="on-hold", status_reason="Awaiting a new appointment")
    appointment_news(
        fault, "VISIT-2", date(2026, 3, 6), utc(5, 13), confirmation_status="Confirmed"
    )
    supplier_says(fault, utc(5, 14), status="in-progress")
    appointment_news(fault, "VISIT-2", date(2026, 3, 6), utc(6, 12), closure_code="FR")
    supplier_says(fault, utc(6, 17), status="resolved", status_reason="Fibre spliced")
    fault.refresh_from_db()
    assert (fault.sla_state, fault.sla_due_at) == ("missed", DUE)
    return fault
