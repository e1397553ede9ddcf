"""The mass incident form: the incident's shared details (the raise form's fields less each
line's own) and the affected services, pasted or uploaded as a CSV."""

from typing import Any

from django import forms

from faults.choices import FaultType
from faults.errors import FaultValidationError
from faults.services.mass_incident import MAX_LINES, ServiceLine, service_lines_parse
from faults.suppliers import buyer_identifier_model, suppliers
from faults.ui.fault.forms import DETAIL_FIELDS, PRIORITY_CHOICES, _DetailsForm

# What every fault of the incident shares: the raise form's details, less the line's service and
# what is one customer's (the address key, product and end user).
SHARED_FIELDS = [
    name
    for name in DETAIL_FIELDS
    if name not in {"service_id", "address_key", "product_name"}
    and not name.startswith("end_user_")
]
CSV_MAX_BYTES = 200_000
PREVIEW = "preview"
RAISE_ALL = "raise"
RAISE_VALID = "raise-valid"


class MassIncidentForm(_DetailsForm):
    """Everything is sent at once, so the supplier's requirements hold on every post."""

    submit_rules_hold_on_save = True
    priority = forms.TypedChoiceField(choices=PRIORITY_CHOICES, coerce=int, initial=3)
    supplier = forms.ModelChoiceField(
        queryset=suppliers().filter(is_active=True).order_by("name"),
        label="Supplier",
        empty_label=None,
    )
    buyer_identifier = forms.ModelChoiceField(
        queryset=buyer_identifier_model().objects.filter(is_active=True).select_related("partner"),
        label="Buyer identifier",
        required=False,
        empty_label="The supplier's default",
        help_text="For the lines that name none.",
    )
    fault_type = forms.ChoiceField(
        choices=[("", "Choose the fault type"), *FaultType.choices], label="Fault type"
    )
    services = forms.CharField(
        label="Affected services",
        required=False,
        max_length=CSV_MAX_BYTES,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=(
            "One service ID per line, optionally followed by a comma and a buyer identifier "
            f"code. At most {MAX_LINES} lines."
        ),
    )
    services_file = forms.FileField(
        label="Or upload a CSV file",
        required=False,
        help_text="First column the service ID, second (optional) the buyer identifier code.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )

    class Meta(_DetailsForm.Meta):
        fields = SHARED_FIELDS

    field_order = ["supplier", "buyer_identifier", "services", "services_file", *SHARED_FIELDS]

    def clean_services_file(self) -> str:
        upload = self.cleaned_data.get("services_file")
        if not upload:
            return ""
        if upload.size > CSV_MAX_BYTES:
            raise forms.ValidationError(f"The file is over {CSV_MAX_BYTES // 1000} kB.")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                "The file is not UTF-8 text (save it as CSV UTF-8)."
            ) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # An upload replaces what was pasted; the preview pastes it back in the text area, so the
        # confirmation carries the same lines without the file.
        text = data.get("services_file") or data.get("services") or ""
        data["services"] = text
        if self.errors:
            return data
        try:
            if not service_lines_parse(text):
                self.add_error("services", "List at least one affected service, or upload a CSV.")
        except FaultValidationError as error:
            self.add_error("services", error.message)
        return data

    def lines(self) -> list[ServiceLine]:
        return service_lines_parse(self.cleaned_data["services"])

    def details(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in SHARED_FIELDS}
