"""Which shift's call to action applies, by the Europe/London clock: dayside on a working day in
business hours, after hours on a working day outside them, the named team at weekends and on UK
bank holidays; right on both sides of both clock changes."""

from datetime import UTC, datetime

import pytest

from faults.exceptions.models import CallToAction, Shift
from faults.exceptions.shifts import shift_at, shift_label, with_calls_to_action


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("instant", "shift"),
    [
        # Tuesday 24 Nov 2026 (GMT): 10:00 and 20:00 London.
        (utc(2026, 11, 24, 10, 0), Shift.DAYSIDE),
        (utc(2026, 11, 24, 20, 0), Shift.AFTER_HOURS),
        (utc(2026, 11, 24, 7, 59), Shift.AFTER_HOURS),
        (utc(2026, 11, 24, 8, 0), Shift.DAYSIDE),
        (utc(2026, 11, 24, 18, 0), Shift.AFTER_HOURS),
        # Saturday 28 Nov 2026, at 10:00.
        (utc(2026, 11, 28, 10, 0), Shift.TEAM),
        # Christmas Day and Boxing Day (observed Monday 28 Dec) 2026, at 10:00.
        (utc(2026, 12, 25, 10, 0), Shift.TEAM),
        (utc(2026, 12, 28, 10, 0), Shift.TEAM),
        # Spring change, Sunday 29 Mar 2026: on Monday 30 Mar 07:30 UTC is 08:30 BST.
        (utc(2026, 3, 30, 7, 30), Shift.DAYSIDE),
        (utc(2026, 3, 27, 7, 30), Shift.AFTER_HOURS),  # Friday before: 07:30 GMT
        (utc(2026, 3, 30, 17, 30), Shift.AFTER_HOURS),  # 18:30 BST
        # Autumn change, Sunday 25 Oct 2026: Friday 23 Oct 17:30 UTC is 18:30 BST, Monday 26
        # Oct 17:30 UTC is 17:30 GMT.
        (utc(2026, 10, 23, 17, 30), Shift.AFTER_HOURS),
        (utc(2026, 10, 26, 17, 30), Shift.DAYSIDE),
        (utc(2026, 10, 23, 7, 30), Shift.DAYSIDE),  # 08:30 BST
        (utc(2026, 10, 26, 7, 30), Shift.AFTER_HOURS),  # 07:30 GMT
    ],
)
def test_the_shift_on_at(instant, shift):
    assert shift_at(instant) == shift


def test_the_team_is_named_by_the_setting(settings):
    settings.EXCEPTION_TEAM_NAME = "Northgate"
    assert shift_label(Shift.TEAM) == "Northgate team"
    assert shift_label(Shift.DAYSIDE) == "Dayside"


def test_the_business_day_is_a_setting(settings):
    from datetime import time

    settings.EXCEPTION_DAYSIDE_START = time(7, 0)
    assert shift_at(utc(2026, 11, 24, 7, 30)) == Shift.DAYSIDE


@pytest.mark.django_db
def test_each_exception_gets_the_text_for_the_shift_on_now():
    from datetime import timedelta

    from faults.choices import FaultStatus
    from faults.exceptions.models import TicketException
    from faults.exceptions.services import exceptions_sweep
    from tests.factories import FaultFactory

    fault = FaultFactory(status=FaultStatus.IN_PROGRESS, last_supplier_message_at=utc(2026, 11, 1))
    exceptions_sweep(now=utc(2026, 11, 24, 10, 0))
    call = CallToAction.objects.get(rule__type_name="NO_SUPPLIER_UPDATE")
    rows = TicketException.objects.filter(fault=fault).select_related("rule__call_to_action")

    (day,) = with_calls_to_action(rows.all(), utc(2026, 11, 24, 10, 0))
    (night,) = with_calls_to_action(rows.all(), utc(2026, 11, 24, 22, 0))
    (weekend,) = with_calls_to_action(rows.all(), utc(2026, 11, 28, 10, 0) + timedelta(hours=1))

    assert day.call_to_action == call.template_dayside
    assert night.call_to_action == call.template_after_hours
    assert weekend.call_to_action == call.template_team
    assert day.priority == call.priority == 3
