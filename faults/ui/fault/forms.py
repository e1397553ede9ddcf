"""The fault page forms. Like the API's input serializers they check the shape of the input
(types, lengths, known references) and leave the domain rules to the services, whose
FaultValidationError is then shown next to the fields (`add_service_errors`)."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxLengthValidator

from faults.attachment_types import accepted_types_grouped, accepted_types_in_words
from faults.choices import FaultType
from faults.contributions import RaiseFormStep, contributions
from faults.errors import FaultError, FaultNotFound
from faults.field_labels import field_label
from faults.models import Fault
from faults.models.fault import TEXT_MAX
from faults.selectors import fault_get
from faults.services.attachment_checks import human_size
from faults.services.raising import AMENDABLE_FIELDS, DRAFT_ONLY_FIELDS
from faults.services.validation import SUBMIT_RULES, SubmitRule
from faults.suppliers import buyer_identifier_model, suppliers
from faults.ui.widgets import DateTimeLocalInput
from faults.validators import REFERENCE_MAX_LENGTH, validate_reference

SUBMIT = "submit"  # the raise form's intent (its primary button) that sends the fault
PRIORITY_CHOICES = [(1, "1 (highest)"), (2, "2"), (3, "3"), (4, "4"), (5, "5 (lowest)")]

# The detail fields in the order the raise page shows them.
DETAIL_FIELDS = [
    "service_id",
    "fault_type",
    "priority",
    "address_key",
    "product_name",
    "description",
    "fault_start_time",
    "fault_location",
    "triage_complete",
    "triage_findings",
    "site_access_details",
    "site_access_contact_name",
    "site_access_contact_phone",
    "site_access_contact_email",
    "reporter_name",
    "reporter_phone",
    "reporter_email",
    "end_user_name",
    "end_user_phone",
    "end_user_email",
]
assert set(DETAIL_FIELDS) == AMENDABLE_FIELDS | DRAFT_ONLY_FIELDS
AMEND_FIELDS = [name for name in DETAIL_FIELDS if name in AMENDABLE_FIELDS]

LABELS = {name: field_label(name) for name in DETAIL_FIELDS}
HELP = {
    "service_id": "The supplier's identifier of the affected service.",
    "address_key": "Needed to query engineer appointments (Service Outage).",
    "product_name": "e.g. ftthl2r; needed to query engineer appointments.",
}


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class _TriageSelect(forms.NullBooleanSelect):
    """Yes or No, or nothing said yet: blank rather than "Unknown", so that the browser's
    required check sees an unanswered question."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.choices = [("", "Not said yet"), ("true", "Yes"), ("false", "No")]

    def format_value(self, value: Any) -> list[str]:  # type: ignore[override]
        chosen = super().format_value(value)
        return ["" if chosen == "unknown" else chosen]


WIDGETS = {
    "description": forms.Textarea(attrs={"rows": 6, "data-counter": "description-count"}),
    "fault_location": _textarea(),
    "site_access_details": _textarea(),
    "triage_findings": _textarea(),
    "triage_complete": _TriageSelect(),
    "fault_start_time": DateTimeLocalInput(),
}


class ServiceErrorsMixin:
    """Put a service's per-field errors next to the fields; the rest at the top of the form."""

    def add_service_errors(self, error: FaultError) -> None:
        form: forms.BaseForm = self  # type: ignore[assignment]
        form.add_error(None, error.message)
        for name, messages in error.errors.items():
            target = name if name in form.fields else None
            for message in messages:
                form.add_error(target, message if target else f"{field_label(name)}: {message}")


def _model_validators(name: str) -> list[Any]:
    """The model field's own validators (lengths, not blank): the form checks them as the agent
    types, before the services can run on a half-filled form."""
    try:
        return list(Fault._meta.get_field(name).validators)
    except FieldDoesNotExist:
        return []


def _is_text(form_field: forms.Field) -> bool:
    # Other fields may run validators before converting the input (a choice is still a string).
    return isinstance(form_field, forms.CharField)


def _max_length(name: str) -> int | None:
    """A text field's limit as the model states it (a max_length or a MaxLengthValidator)."""
    try:
        model_field = Fault._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    for validator in model_field.validators:
        if isinstance(validator, MaxLengthValidator):
            return validator.limit_value
    return getattr(model_field, "max_length", None)


class _HiddenDateTimeLocal(DateTimeLocalInput):
    """The start time as the page showed it, written like the datetime-local input (to the
    minute), so that an untouched input reads back equal to it."""

    input_type = "hidden"


def _lf_line_breaks(data: Any) -> Any:
    """Browsers send a text area's line breaks as CRLF (the HTML form encodings); the fault
    stores LF, and what was shown compares equal to what comes back untouched."""
    if not hasattr(data, "lists"):
        return data
    data = data.copy()
    for name, values in list(data.lists()):
        data.setlist(name, [v.replace("\r\n", "\n") if isinstance(v, str) else v for v in values])
    return data


class _DetailsForm(ServiceErrorsMixin, forms.ModelForm):
    """The fault's detail fields, built from the model (so lengths and HTML `maxlength` follow
    it). The model is not validated here: the services validate, and their errors are shown.

    Each field carries the value the page showed (a hidden `initial-<name>`), so that `changes`
    is what the person changed."""

    priority = forms.TypedChoiceField(choices=PRIORITY_CHOICES, coerce=int, initial=3)

    class Meta:
        model = Fault
        fields = DETAIL_FIELDS
        labels = LABELS
        help_texts = HELP
        widgets = WIDGETS

    # A raised fault keeps what the supplier requires on every save; a new fault or a draft
    # needs it only when it is sent ("Save draft" may leave it blank).
    submit_rules_hold_on_save = False

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(_lf_line_breaks(data), *args, **kwargs)
        self.submit_required: set[str] = set()
        self.one_of_rules: list[SubmitRule] = []
        for rule in SUBMIT_RULES:
            self._mark(rule)
        for name, form_field in self.fields.items():
            limit = _max_length(name)
            if limit is not None:
                form_field.widget.attrs.setdefault("maxlength", limit)
            for validator in _model_validators(name) if _is_text(form_field) else []:
                if validator not in form_field.validators:
                    form_field.validators.append(validator)
            if self.instance.pk is not None and name in self._meta.fields:
                form_field.show_hidden_initial = True
                if isinstance(form_field, forms.DateTimeField):
                    form_field.hidden_widget = _HiddenDateTimeLocal

    def _mark(self, rule: SubmitRule) -> None:
        """Mark the fields of one of the services' submit rules: `required` where every save
        needs it; otherwise `aria-required` and `data-required-for="submit"`, which app.js turns
        into the browser's check when "Submit to supplier" is pressed (and not for "Save
        draft"). A rule met by any one of several fields names them `data-one-of`."""
        names = [name for name in rule.fields if name in self.fields]
        if not names or (rule.one_of and self.submit_rules_hold_on_save):
            return
        if rule.one_of:
            self.one_of_rules.append(rule)
        for name in names:
            attrs = self.fields[name].widget.attrs
            if rule.one_of:
                attrs["data-one-of"] = rule.key
                attrs["data-one-of-message"] = rule.message
                attrs["aria-describedby"] = f"rule-{rule.key}"
            else:
                self.submit_required.add(name)
            if self.submit_rules_hold_on_save:
                attrs["required"] = True
            else:
                attrs["data-required-for"] = SUBMIT
                if not rule.one_of:
                    attrs["aria-required"] = "true"

    @property
    def draft_needs(self) -> str:
        """The labels of the fields a draft cannot be saved without (what the model requires)."""
        labels = [str(bound.label) for bound in self.visible_fields() if bound.field.required]
        return " and ".join([", ".join(labels[:-1]), labels[-1]] if len(labels) > 1 else labels)

    def _post_clean(self) -> None:
        """No model validation here (the services do it); nothing is written to an instance."""

    def details(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.fields}

    def changes(self) -> dict[str, Any]:
        """What the person changed (what an amend sends): the fields whose submitted value
        differs from the value the page showed them, compared as the input holds it. A field
        nobody touched is not sent, whatever the input cannot show (the seconds of a start time,
        which a datetime-local input drops) and whatever changed on the fault meanwhile (the
        supplier's triage findings). From a client that does not send what it showed, the
        fault's value as the input would show it stands in."""
        return {
            name: value for name, value in self.details().items() if self._changed_by_user(name)
        }

    def _changed_by_user(self, name: str) -> bool:
        bound = self[name]
        field = bound.field
        hidden = field.hidden_widget()
        if bound.html_initial_name in self.data:
            shown = hidden.value_from_datadict(self.data, self.files, bound.html_initial_name)
        else:
            shown = hidden.format_value(field.prepare_value(bound.initial))
        try:
            shown = field.to_python(shown)
        except ValidationError:
            return True
        return field.has_changed(shown, bound.data)


class FaultRaiseForm(_DetailsForm):
    """Raise a fault (or edit a draft): what the API's FaultCreateSerializer takes, and the
    fields of the steps other apps add (`RaiseFormStep`: the reserved appointment to attach to
    a Service Outage fault)."""

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
    )
    parent = forms.CharField(
        label="Parent fault reference",
        required=False,
        max_length=REFERENCE_MAX_LENGTH,
        validators=[validate_reference],
        help_text="For a mass incident: the parent fault's buyer reference.",
    )
    # No type until the agent picks one: the type decides whether the supplier wants an
    # engineer appointment first (the panel comes with "Service Outage").
    fault_type = forms.ChoiceField(
        choices=[("", "Choose the fault type"), *FaultType.choices], label="Fault type"
    )

    field_order = ["supplier", "buyer_identifier", "parent", *DETAIL_FIELDS]

    def __init__(self, *args: Any, draft: Fault | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.draft = draft
        self.steps: list[RaiseFormStep] = contributions(RaiseFormStep)
        for step in self.steps:
            self.fields.update(step.fields())
        if draft is not None:
            # The supplier, buyer identifier and parent are fixed once the draft exists.
            for name in ("supplier", "buyer_identifier", "parent"):
                del self.fields[name]

    def clean_parent(self) -> Fault | None:
        reference = self.cleaned_data.get("parent", "").strip()
        if not reference:
            return None
        try:
            return fault_get(reference=reference)
        except FaultNotFound:
            raise forms.ValidationError(f"No fault with buyer reference {reference}.") from None

    def raise_data(self) -> dict[str, Any]:
        """The keyword arguments of `fault_raise`."""
        data = self.details()
        data["supplier"] = self.cleaned_data["supplier"]
        if self.cleaned_data.get("buyer_identifier") is not None:
            data["buyer_identifier"] = self.cleaned_data["buyer_identifier"]
        if self.cleaned_data.get("parent") is not None:
            data["parent"] = self.cleaned_data["parent"]
        return data


class AmendForm(_DetailsForm):
    """The fields an agent may change once the supplier has the fault; only changed values are
    sent (`changes`)."""

    submit_rules_hold_on_save = True

    class Meta(_DetailsForm.Meta):
        fields = AMEND_FIELDS


class CommentForm(ServiceErrorsMixin, forms.Form):
    text = forms.CharField(
        label="Comment to the supplier",
        max_length=TEXT_MAX,
        help_text="Sent to the supplier: they will read it. For our eyes only, write a note.",
        widget=forms.Textarea(attrs={"rows": 3, "data-shortcut": "c"}),
    )


class NoteForm(ServiceErrorsMixin, forms.Form):
    """An internal note: the same text rules as a comment, but it stays in our NOC."""

    prefix = "note"
    text = forms.CharField(
        label="Internal note",
        max_length=TEXT_MAX,
        help_text="Stays in our NOC: never sent to the supplier.",
        widget=forms.Textarea(attrs={"rows": 3, "data-shortcut": "n", "aria-keyshortcuts": "n"}),
    )


class AttachmentForm(ServiceErrorsMixin, forms.Form):
    """The help says which kinds of file are accepted, in words; the page lists every accepted
    extension on demand (`accepted_types`). The rule is the upload check's."""

    file = forms.FileField(label="File", max_length=255)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        extensions = settings.ATTACHMENT_ALLOWED_EXTENSIONS
        self.fields["file"].help_text = (
            f"Accepted: {accepted_types_in_words(extensions)}; "
            f"at most {human_size(settings.ATTACHMENT_MAX_BYTES)}."
        )
        self.fields["file"].widget.attrs["accept"] = ",".join(f".{ext}" for ext in extensions)

    @property
    def accepted_types(self) -> list[tuple[str, list[str]]]:
        """Every accepted extension, by kind: [("Documents", ["accdb", "doc", …]), …]."""
        return accepted_types_grouped(settings.ATTACHMENT_ALLOWED_EXTENSIONS)


class _OwnIdsMixin:
    """Forms that share a page and a field name (`reason`) need their own element ids, or a
    label would point at the other form's field."""

    id_prefix = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]


class RejectResolutionForm(_OwnIdsMixin, ServiceErrorsMixin, forms.Form):
    id_prefix = "reject"
    reason = forms.CharField(
        label="Reason for rejecting the resolution", max_length=TEXT_MAX, widget=_textarea()
    )


class CancelForm(_OwnIdsMixin, ServiceErrorsMixin, forms.Form):
    id_prefix = "cancel"
    reason = forms.CharField(
        label="Reason for cancelling", max_length=TEXT_MAX, required=False, widget=_textarea(2)
    )


class NoInputForm(ServiceErrorsMixin, forms.Form):
    """Submit, request an update, accept a resolution: a button, no fields."""
