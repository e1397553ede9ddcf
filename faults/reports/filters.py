"""The dashboard's filters: a reporting period, a supplier and a priority, read from GET.

Bad values never fail the page: the form reports what it could not use and the dashboard falls
back to the default for that field (the last 28 days, every supplier, every priority).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone

from faults.suppliers import Supplier, suppliers
from faults.ui.widgets import DateInput

DEFAULT_DAYS = 28
PRESET_DAYS = (7, 28, 90)
# A longer period is allowed but bounded, so one request cannot ask for a century of weeks.
MAX_DAYS = 3 * 366
PRIORITIES = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class DashboardFilters:
    """What the figures are computed for. Dates are inclusive, in the site's time zone."""

    date_from: date
    date_to: date
    supplier: Supplier | None = None
    priority: int | None = None

    @property
    def start(self) -> datetime:
        """The first instant of the period (aware)."""
        return timezone.make_aware(datetime.combine(self.date_from, time.min))

    @property
    def end(self) -> datetime:
        """The first instant after the period (aware): ranges are start <= t < end."""
        return timezone.make_aware(datetime.combine(self.date_to + timedelta(days=1), time.min))

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1


def default_period(today: date | None = None, *, days: int = DEFAULT_DAYS) -> tuple[date, date]:
    """The last `days` days, today included."""
    today = today or timezone.localdate()
    return today - timedelta(days=days - 1), today


class DashboardFilterForm(forms.Form):
    days = forms.TypedChoiceField(
        label="Preset",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Custom dates")] + [(d, f"Last {d} days") for d in PRESET_DAYS],
    )
    date_from = forms.DateField(label="From", required=False, widget=DateInput)
    date_to = forms.DateField(label="To", required=False, widget=DateInput)
    supplier = forms.ModelChoiceField(
        label="Supplier",
        queryset=suppliers().order_by("name"),
        required=False,
        empty_label="All suppliers",
    )
    priority = forms.TypedChoiceField(
        label="Priority",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "All priorities")] + [(p, f"P{p}") for p in PRIORITIES],
    )

    def clean(self) -> dict:
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to:
            if date_from > date_to:
                self.add_error("date_to", "The period must end on or after its first day.")
            elif (date_to - date_from).days + 1 > MAX_DAYS:
                self.add_error("date_from", f"A period is at most {MAX_DAYS} days long.")
        return data


def preset_of(filters: DashboardFilters, *, today: date | None = None) -> int | None:
    """The preset ("last N days") the filters' period is, or None for other dates."""
    period = (filters.date_from, filters.date_to)
    return next((d for d in PRESET_DAYS if default_period(today, days=d) == period), None)


def filters_from(form: DashboardFilterForm, *, today: date | None = None) -> DashboardFilters:
    """The filters a bound form asks for, with the default for every field that is missing or
    could not be used (the form keeps the errors to show)."""
    form.is_valid()
    data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
    # cleaned_data drops fields with errors, so whatever is left is usable.
    date_from, date_to = default_period(today)
    period_ok = "date_from" not in form.errors and "date_to" not in form.errors
    custom = None
    if period_ok and (data.get("date_from") or data.get("date_to")):
        to = data.get("date_to") or date_to
        start = data.get("date_from") or to - timedelta(days=DEFAULT_DAYS - 1)
        custom = (start, to) if start <= to else None
    preset = default_period(today, days=data["days"]) if data.get("days") else None
    # The form shows the preset of the period in use beside its dates. Dates sent with a preset
    # that are not some preset's own period were edited, and win; a preset's own dates are what
    # the form showed, so the preset chosen wins (the page's script also clears them).
    presets = {default_period(today, days=d) for d in PRESET_DAYS}
    if preset and (custom is None or custom in presets):
        date_from, date_to = preset
    elif custom:
        date_from, date_to = custom
    date_from = max(date_from, date_to - timedelta(days=MAX_DAYS - 1))
    return DashboardFilters(
        date_from=date_from,
        date_to=date_to,
        supplier=data.get("supplier"),
        priority=data.get("priority"),
    )
