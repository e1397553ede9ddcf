"""The SLA calendars, against hand-computed expectations.

Business hours are 08:00-18:00 (10 h a day) Europe/London unless a test says otherwise. Dates
used (2026): Jan 9 Fri, Jan 12 Mon; BST starts Sun Mar 29 and ends Sun Oct 25; England bank
holidays Good Friday Apr 3, Easter Monday Apr 6, Aug 31 (Mon), Christmas Fri Dec 25 and Boxing
Day observed Mon Dec 28; New Year's Day 2027 is a Friday.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from faults.choices import SlaCalendar
from faults.models import SlaPolicy
from faults.sla import AlwaysCalendar, BusinessHoursCalendar, calendar_for

LONDON = ZoneInfo("Europe/London")
HOUR = 3600


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def office() -> BusinessHoursCalendar:
    return BusinessHoursCalendar(day_start=time(8), day_end=time(18))


# --- 24x7 ------------------------------------------------------------------------------------


class TestAlwaysCalendar:
    cal = AlwaysCalendar()

    def test_plain_span(self):
        # 09:00 -> 17:30 the next day = 24 h + 8.5 h = 32.5 h
        assert self.cal.working_seconds(utc(2026, 1, 9, 9), utc(2026, 1, 10, 17, 30)) == 32.5 * HOUR

    def test_empty_or_backwards_span_is_zero(self):
        t = utc(2026, 1, 9, 9)
        assert self.cal.working_seconds(t, t) == 0
        assert self.cal.working_seconds(t, t - timedelta(hours=1)) == 0

    def test_spring_forward_day_has_23_hours(self):
        # Sat 12:00 GMT (12:00Z) -> Sun 12:00 BST (11:00Z) = 23 h, not 24 h of wall clock.
        assert self.cal.working_seconds(london(2026, 3, 28, 12), london(2026, 3, 29, 12)) == (
            23 * HOUR
        )

    def test_fall_back_day_has_25_hours(self):
        # Sat 12:00 BST (11:00Z) -> Sun 12:00 GMT (12:00Z) = 25 h.
        assert self.cal.working_seconds(london(2026, 10, 24, 12), london(2026, 10, 25, 12)) == (
            25 * HOUR
        )

    def test_add_is_plain_arithmetic_in_real_time(self):
        # Sat 12:00 GMT + 24 h of real time = Sun 13:00 BST (the clocks went forward an hour).
        assert self.cal.add_working_seconds(london(2026, 3, 28, 12), 24 * HOUR) == london(
            2026, 3, 29, 13
        )
        assert self.cal.add_working_seconds(utc(2026, 1, 9, 9), 0) == utc(2026, 1, 9, 9)

    def test_truncates_to_whole_seconds(self):
        start = utc(2026, 1, 9, 9)
        assert self.cal.working_seconds(start, start + timedelta(seconds=5, microseconds=999)) == 5

    def test_naive_datetimes_are_refused(self):
        with pytest.raises(ValueError, match="aware"):
            self.cal.working_seconds(datetime(2026, 1, 9, 9), utc(2026, 1, 9, 10))


# --- business hours: working_seconds ---------------------------------------------------------


class TestBusinessHoursWorkingSeconds:
    def test_within_one_day(self, office):
        # Mon 09:15 -> 16:45 = 7.5 h
        assert office.working_seconds(london(2026, 1, 12, 9, 15), london(2026, 1, 12, 16, 45)) == (
            7.5 * HOUR
        )

    def test_across_a_weekend(self, office):
        # Fri 16:00 -> 18:00 = 2 h; Sat, Sun = 0; Mon 08:00 -> 10:00 = 2 h. Total 4 h.
        assert office.working_seconds(london(2026, 1, 9, 16), london(2026, 1, 12, 10)) == 4 * HOUR

    def test_start_and_end_outside_hours(self, office):
        # Mon 06:00 -> 20:00 counts only 08:00 -> 18:00 = 10 h
        assert office.working_seconds(london(2026, 1, 12, 6), london(2026, 1, 12, 20)) == 10 * HOUR
        # Tue 19:00 -> Wed 07:00: all night, 0
        assert office.working_seconds(london(2026, 1, 13, 19), london(2026, 1, 14, 7)) == 0
        # Sat 00:00 -> Mon 00:00: all weekend, 0
        assert office.working_seconds(london(2026, 1, 10), london(2026, 1, 12)) == 0
        # Mon 18:00 -> Tue 08:00: exactly the closed hours, 0
        assert office.working_seconds(london(2026, 1, 12, 18), london(2026, 1, 13, 8)) == 0

    def test_backwards_span_is_zero(self, office):
        assert office.working_seconds(london(2026, 1, 12, 12), london(2026, 1, 12, 9)) == 0

    def test_four_whole_weeks(self, office):
        # Mon Jan 5 08:00 -> Mon Feb 2 08:00: 4 weeks x 5 days x 10 h = 200 h (no holidays)
        assert office.working_seconds(london(2026, 1, 5, 8), london(2026, 2, 2, 8)) == 200 * HOUR

    def test_across_easter(self, office):
        # Thu Apr 2 16:00 -> 18:00 = 2 h; Good Friday, Sat, Sun, Easter Monday = 0;
        # Tue Apr 7 08:00 -> 10:00 = 2 h. Total 4 h.
        assert office.working_seconds(london(2026, 4, 2, 16), london(2026, 4, 7, 10)) == 4 * HOUR

    def test_easter_monday_alone_is_zero(self, office):
        assert office.working_seconds(london(2026, 4, 6), london(2026, 4, 7)) == 0

    def test_across_august_bank_holiday(self, office):
        # Fri Aug 28 16:00 -> 18:00 = 2 h; Sat, Sun, Mon Aug 31 = 0; Tue 08:00 -> 10:00 = 2 h.
        assert office.working_seconds(london(2026, 8, 28, 16), london(2026, 9, 1, 10)) == 4 * HOUR

    def test_across_christmas(self, office):
        # Thu Dec 24 16:00 -> 18:00 = 2 h; Fri 25 (Christmas), Sat 26, Sun 27, Mon 28 (Boxing
        # Day observed) = 0; Tue Dec 29 08:00 -> 10:00 = 2 h. Total 4 h.
        assert office.working_seconds(london(2026, 12, 24, 16), london(2026, 12, 29, 10)) == (
            4 * HOUR
        )

    def test_across_spring_forward(self, office):
        # Fri Mar 27 16:00 GMT (16:00Z) -> 18:00 = 2 h; Mon Mar 30 08:00 BST (07:00Z) -> 10:00 BST
        # (09:00Z) = 2 h. Total 4 h; a UTC-hours calendar would say 16-18 + 08-09Z = 3 h.
        assert office.working_seconds(london(2026, 3, 27, 16), london(2026, 3, 30, 10)) == (
            4 * HOUR
        )

    def test_week_across_spring_forward(self, office):
        # Mon Mar 23 08:00 GMT -> Mon Mar 30 08:00 BST: 5 x 10 h = 50 h (real time is 167 h)
        assert office.working_seconds(london(2026, 3, 23, 8), london(2026, 3, 30, 8)) == 50 * HOUR

    def test_across_fall_back(self, office):
        # Fri Oct 23 17:00 BST (16:00Z) -> 18:00 BST = 1 h; Mon Oct 26 08:00 GMT (08:00Z) ->
        # 09:00 GMT = 1 h. Total 2 h.
        assert office.working_seconds(london(2026, 10, 23, 17), london(2026, 10, 26, 9)) == (
            2 * HOUR
        )

    def test_inputs_in_any_zone(self, office):
        # Mon Mar 30 07:00Z is 08:00 BST, 09:00Z is 10:00 BST: 2 h
        assert office.working_seconds(utc(2026, 3, 30, 7), utc(2026, 3, 30, 9)) == 2 * HOUR

    def test_other_hours(self):
        # 09:00-17:30: Fri 17:00 -> 17:30 = 0.5 h; Mon 09:00 -> 12:00 = 3 h. Total 3.5 h.
        cal = BusinessHoursCalendar(day_start=time(9), day_end=time(17, 30))
        assert cal.working_seconds(london(2026, 1, 9, 17), london(2026, 1, 12, 12)) == 3.5 * HOUR

    def test_holidays_follow_the_subdivision_setting(self, office, settings):
        # Fri Jan 2 2026 is a holiday in Scotland only.
        day = (london(2026, 1, 2), london(2026, 1, 3))
        assert office.working_seconds(*day) == 10 * HOUR
        settings.SLA_HOLIDAY_SUBDIVISION = "SCT"
        assert office.working_seconds(*day) == 0


# --- business hours: add_working_seconds -----------------------------------------------------


class TestBusinessHoursAddWorkingSeconds:
    def test_within_one_day(self, office):
        # Mon 09:00 + 3 h = Mon 12:00
        assert office.add_working_seconds(london(2026, 1, 12, 9), 3 * HOUR) == london(
            2026, 1, 12, 12
        )

    def test_landing_exactly_at_day_end(self, office):
        # Mon 08:00 + 10 h = Mon 18:00 (that evening, not Tue 08:00)
        assert office.add_working_seconds(london(2026, 1, 12, 8), 10 * HOUR) == london(
            2026, 1, 12, 18
        )
        # Mon 12:00 + 6 h = Mon 18:00; one second more spills to Tue 08:00:01
        assert office.add_working_seconds(london(2026, 1, 12, 12), 6 * HOUR) == london(
            2026, 1, 12, 18
        )
        assert office.add_working_seconds(london(2026, 1, 12, 12), 6 * HOUR + 1) == london(
            2026, 1, 13, 8, 0, 1
        )

    def test_zero_is_the_start_even_outside_hours(self, office):
        assert office.add_working_seconds(london(2026, 1, 10, 12), 0) == london(2026, 1, 10, 12)

    def test_start_outside_hours(self, office):
        # Sat 12:00 + 1 h: nothing until Mon 08:00, so Mon 09:00
        assert office.add_working_seconds(london(2026, 1, 10, 12), HOUR) == london(2026, 1, 12, 9)
        # Mon 20:00 + 1 h = Tue 09:00; Mon 06:00 + 1 h = Mon 09:00
        assert office.add_working_seconds(london(2026, 1, 12, 20), HOUR) == london(2026, 1, 13, 9)
        assert office.add_working_seconds(london(2026, 1, 12, 6), HOUR) == london(2026, 1, 12, 9)

    def test_over_a_weekend(self, office):
        # Fri 16:00 + 4 h: Fri 2 h, Mon 08:00 + 2 h = Mon 10:00
        assert office.add_working_seconds(london(2026, 1, 9, 16), 4 * HOUR) == london(
            2026, 1, 12, 10
        )

    def test_over_weekend_and_easter(self, office):
        # Thu Apr 2 17:00 + 3 h: Thu 1 h; Good Friday, Sat, Sun, Easter Monday skipped;
        # Tue Apr 7 08:00 + 2 h = Tue 10:00 BST
        assert office.add_working_seconds(london(2026, 4, 2, 17), 3 * HOUR) == london(
            2026, 4, 7, 10
        )

    def test_over_christmas(self, office):
        # Thu Dec 24 15:00 + 5 h: Thu 3 h; Fri 25, Sat, Sun, Mon 28 (observed) skipped;
        # Tue Dec 29 08:00 + 2 h = 10:00
        assert office.add_working_seconds(london(2026, 12, 24, 15), 5 * HOUR) == london(
            2026, 12, 29, 10
        )

    def test_over_new_year(self, office):
        # Thu Dec 31 17:00 + 2 h: Thu 1 h; Fri Jan 1 2027, Sat, Sun skipped; Mon Jan 4 09:00
        assert office.add_working_seconds(london(2026, 12, 31, 17), 2 * HOUR) == london(
            2027, 1, 4, 9
        )

    def test_across_spring_forward(self, office):
        # Fri Mar 27 16:00 GMT + 4 h: Fri 2 h; Mon Mar 30 08:00 BST + 2 h = 10:00 BST (09:00Z)
        due = office.add_working_seconds(london(2026, 3, 27, 16), 4 * HOUR)
        assert due == london(2026, 3, 30, 10) == utc(2026, 3, 30, 9)

    def test_across_fall_back(self, office):
        # Fri Oct 23 17:00 BST + 2 h: Fri 1 h; Mon Oct 26 08:00 GMT + 1 h = 09:00 GMT (09:00Z)
        due = office.add_working_seconds(london(2026, 10, 23, 17), 2 * HOUR)
        assert due == london(2026, 10, 26, 9) == utc(2026, 10, 26, 9)

    def test_many_days(self, office):
        # Mon Jan 5 08:00 + 200 h = 20 whole working days; the 20th is Fri Jan 30, and the time
        # runs out exactly at its close, 18:00.
        assert office.add_working_seconds(london(2026, 1, 5, 8), 200 * HOUR) == london(
            2026, 1, 30, 18
        )

    @pytest.mark.parametrize(
        "start",
        [
            london(2026, 1, 9, 16, 30),
            london(2026, 3, 27, 7),
            london(2026, 4, 2, 12),
            london(2026, 10, 24, 3),
            london(2026, 12, 23, 17, 59, 59),
        ],
    )
    @pytest.mark.parametrize("seconds", [1, 1799, 10 * HOUR, 10 * HOUR + 1, 123_457])
    def test_round_trip(self, office, start, seconds):
        due = office.add_working_seconds(start, seconds)
        assert office.working_seconds(start, due) == seconds
        # ... and it is the earliest such instant.
        assert office.working_seconds(start, due - timedelta(seconds=1)) == seconds - 1


def test_business_day_must_end_after_it_starts():
    with pytest.raises(ValueError, match="end after"):
        BusinessHoursCalendar(day_start=time(18), day_end=time(8))


def test_calendar_for_policy():
    assert isinstance(calendar_for(SlaPolicy(calendar=SlaCalendar.ALWAYS)), AlwaysCalendar)
    policy = SlaPolicy(
        calendar=SlaCalendar.BUSINESS_HOURS,
        business_day_start=time(9),
        business_day_end=time(17),
    )
    cal = calendar_for(policy)
    assert isinstance(cal, BusinessHoursCalendar)
    assert (cal.day_start, cal.day_end) == (time(9), time(17))
