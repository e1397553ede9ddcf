"""The browser's own date and date-time inputs, for every form of the product.

An `<input type="date">` takes its value as YYYY-MM-DD only (a `datetime-local`, as
YYYY-MM-DDTHH:MM) and shows anything else as empty. Django's DateInput writes a date in the
active locale's input format (en-gb: 27/11/2026), and a bound form echoes what was sent as it
was sent (a link or a person may type 27/11/2026, which the field accepts): either way the
input looked empty although the filter was applied. These widgets always write the ISO form.
"""

from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME_LOCAL = "%Y-%m-%dT%H:%M"  # to the minute, as the browser's input sends it


def _as_read_by(field: forms.Field, text: str) -> Any:
    """`text` as the form field reads it, or the text itself if the field cannot read it (the
    field then reports it, and the input shows empty: it cannot show what is not a date)."""
    try:
        return field.to_python(text) or text
    except ValidationError:
        return text


class DateInput(forms.DateInput):
    """A calendar date, for a `forms.DateField` (its default input formats)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_DATE)

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, str):
            value = _as_read_by(forms.DateField(), value)
        if isinstance(value, datetime):
            value = value.date()
        return super().format_value(value)


class DateTimeLocalInput(forms.DateTimeInput):
    """A date and time of day in the site's time zone, for a `forms.DateTimeField`."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_DATETIME_LOCAL)

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, str):
            value = _as_read_by(forms.DateTimeField(), value)
        if isinstance(value, datetime) and timezone.is_aware(value):
            value = timezone.localtime(value)
        elif isinstance(value, date) and not isinstance(value, datetime):
            value = datetime.combine(value, datetime.min.time())
        return super().format_value(value)
