"""Which shift is on now, for the calls to action: by the Europe/London clock (BST and GMT alike)
with the business-hours calendar and the UK bank holidays the SLA uses.

- dayside: a working day (Monday to Friday, not a bank holiday) between EXCEPTION_DAYSIDE_START
  and EXCEPTION_DAYSIDE_END (08:00 to 18:00 by default);
- after hours: a working day outside those hours;
- the named team (EXCEPTION_TEAM_NAME, "Westpark" by default): weekends and bank holidays."""

from datetime import datetime

from django.conf import settings

from faults.exceptions.models import Shift
from faults.sla.calendars import LONDON, BusinessHoursCalendar


def shift_at(instant: datetime) -> Shift:
    local = instant.astimezone(LONDON)
    calendar = BusinessHoursCalendar(
        day_start=settings.EXCEPTION_DAYSIDE_START, day_end=settings.EXCEPTION_DAYSIDE_END
    )
    if not calendar.is_working_day(local.date()):
        return Shift.TEAM
    if settings.EXCEPTION_DAYSIDE_START <= local.time() < settings.EXCEPTION_DAYSIDE_END:
        return Shift.DAYSIDE
    return Shift.AFTER_HOURS


def shift_label(shift: Shift) -> str:
    if shift == Shift.TEAM:
        return f"{settings.EXCEPTION_TEAM_NAME} team"
    return shift.label


def with_calls_to_action(exceptions, now: datetime) -> list:
    """The exceptions, each with `call_to_action` set to its rule's text for the shift on at
    `now` ("" when the rule has none)."""
    shift = shift_at(now)
    rows = list(exceptions)
    for exception in rows:
        call = getattr(exception.rule, "call_to_action", None)
        exception.call_to_action = call.text_for(shift) if call else ""
        exception.priority = call.priority if call else None
    return rows
