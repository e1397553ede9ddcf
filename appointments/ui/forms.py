"""The slot picker's input: where, from when and for what to ask the supplier for slots, and the
slot picked. Shape only; the appointment services check the rest (e.g. a from-date in the past)."""

import re
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from appointments.gateways import Slot, SlotQuery
from appointments.models import ADDRESS_KEY_MAX, HHMM_MESSAGE, HHMM_PATTERN, PRODUCT_NAME_MAX
from faults.errors import FaultError
from faults.field_labels import field_label
from faults.suppliers import suppliers
from faults.ui.widgets import DateInput

SLOT_SEPARATOR = "|"
HHMM = re.compile(HHMM_PATTERN)


def slot_value(slot: Slot) -> str:
    """A slot as the value of its radio button."""
    return SLOT_SEPARATOR.join((slot.date.isoformat(), slot.start_time, slot.end_time))


class SlotField(forms.CharField):
    """A slot picked from the list: `YYYY-MM-DD|HH:MM|HH:MM`."""

    default_error_messages = {"required": "Pick a slot first.", "invalid": "Pick a listed slot."}

    def to_python(self, value: Any) -> Slot | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        parts = text.split(SLOT_SEPARATOR)
        if len(parts) != 3:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        day, start, end = parts
        try:
            slot_date = date.fromisoformat(day)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not (HHMM.match(start) and HHMM.match(end)):
            raise forms.ValidationError(HHMM_MESSAGE, code="invalid")
        return Slot(date=slot_date, start_time=start, end_time=end)


class SlotQueryForm(forms.Form):
    address_key = forms.CharField(label=field_label("address_key"), max_length=ADDRESS_KEY_MAX)
    product_name = forms.CharField(label=field_label("product_name"), max_length=PRODUCT_NAME_MAX)
    from_date = forms.DateField(
        label="From date",
        widget=DateInput,
        required=False,
    )

    def add_service_errors(self, error: FaultError) -> None:
        for name, messages in error.errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        if not error.errors:
            self.add_error(None, error.message)

    def query(self, *, reappointment: bool = False) -> SlotQuery:
        return SlotQuery(
            address_key=self.cleaned_data["address_key"],
            from_date=self.cleaned_data.get("from_date") or timezone.localdate(),
            product_name=self.cleaned_data["product_name"],
            reappointment=reappointment,
        )


class SupplierSlotQueryForm(SlotQueryForm):
    """Before the fault exists: the supplier comes from the raise form."""

    supplier = forms.ModelChoiceField(queryset=suppliers().filter(is_active=True))


class ReserveForm(SupplierSlotQueryForm):
    slot = SlotField(label="Slot")


class ReappointForm(SlotQueryForm):
    slot = SlotField(label="Slot")
