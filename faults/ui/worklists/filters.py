"""The fault list's filter form: it reads the query string, says what is wrong with it, and
turns what is right into the selector's criteria."""

from typing import Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from faults.choices import FaultStatus, FaultType, OpenedBy, SlaState
from faults.models import Fault
from faults.models.workspace import Team
from faults.services.ownership import eligible_owners
from faults.suppliers import suppliers
from faults.ui.widgets import DateInput
from faults.worklists import Assigned, Family, FaultListCriteria, Milestone

PRIORITY_CHOICES = [("", "Any")] + [(str(n), str(n)) for n in range(1, 6)]
REFERENCE_MAX = Fault._meta.get_field("buyer_fault_reference").max_length
SEARCH_MAX = 200


class FaultFilterForm(forms.Form):
    """Every field is optional; an empty one does not narrow the list.

    Its errors are listed once, in the summary above the results (which every filter change
    refreshes), each linking to its field; the field itself is only marked invalid."""

    errors_in_summary = True

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=SEARCH_MAX,
        help_text="Our reference or the supplier's, service ID, location or description.",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Reference, service…", "data-shortcut": "/"}
        ),
    )
    status = forms.MultipleChoiceField(
        label="Status",
        required=False,
        choices=FaultStatus.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    supplier = forms.ModelChoiceField(
        label="Supplier",
        required=False,
        queryset=suppliers().order_by("name"),
        to_field_name="slug",
        empty_label="Any",
    )
    priority = forms.TypedChoiceField(
        label="Priority", required=False, choices=PRIORITY_CHOICES, coerce=int, empty_value=None
    )
    fault_type = forms.CharField(
        label="Fault type",
        required=False,
        max_length=Fault._meta.get_field("fault_type").max_length,
        widget=forms.TextInput(attrs={"list": "fault-type-options"}),
    )
    sla_state = forms.MultipleChoiceField(
        label="SLA state",
        required=False,
        choices=SlaState.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    created_from = forms.DateField(label="Created from", required=False, widget=DateInput)
    created_to = forms.DateField(label="Created to", required=False, widget=DateInput)
    parent = forms.CharField(label="Parent reference", required=False, max_length=REFERENCE_MAX)
    family = forms.ChoiceField(
        label="Parents and children",
        required=False,
        choices=[("", "Any"), *Family.CHOICES],
    )
    opened_by = forms.ChoiceField(
        label="Opened by",
        required=False,
        choices=[("", "Anyone"), *OpenedBy.choices],
        help_text="The supplier: incidents a supplier opened with us.",
    )
    mine = forms.BooleanField(label="Only faults I raised", required=False)
    assigned = forms.ChoiceField(
        label="Assigned", required=False, choices=[("", "Anyone or no one"), *Assigned.CHOICES]
    )
    owner = forms.ModelChoiceField(
        label="Owner", required=False, queryset=eligible_owners(), empty_label="Any"
    )
    team = forms.ModelChoiceField(
        label="Team", required=False, queryset=Team.objects.order_by("name"), empty_label="Any"
    )
    milestone = forms.ChoiceField(
        label="Period of",
        required=False,
        choices=[("", "Any"), *Milestone.CHOICES],
        help_text="The days below are of this moment (London days, as the SLA dashboard).",
    )
    milestone_from = forms.DateField(label="Period from", required=False, widget=DateInput)
    milestone_to = forms.DateField(label="Period to", required=False, widget=DateInput)

    fault_type_options = FaultType.values

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("created_from"), cleaned.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", "The end date is before the start date.")
        since, until = cleaned.get("milestone_from"), cleaned.get("milestone_to")
        if since and until and since > until:
            self.add_error("milestone_to", "The end date is before the start date.")
        if (since or until) and not cleaned.get("milestone"):
            self.add_error("milestone", "Choose what the period's dates are of.")
        return cleaned

    def criteria(
        self, *, user: AbstractBaseUser | AnonymousUser, ordering: tuple[str, ...]
    ) -> FaultListCriteria:
        """The selector's criteria; call only after is_valid()."""
        data = self.cleaned_data
        supplier = data.get("supplier")
        owner, team = data.get("owner"), data.get("team")
        return FaultListCriteria(
            statuses=tuple(data.get("status") or ()),
            supplier_id=supplier.pk if supplier else None,
            priority=data.get("priority"),
            fault_type=data.get("fault_type", "").strip(),
            sla_states=tuple(data.get("sla_state") or ()),
            created_from=data.get("created_from"),
            created_to=data.get("created_to"),
            parent_reference=data.get("parent", "").strip(),
            family=data.get("family", ""),
            created_by_id=user.pk if data.get("mine") else None,
            opened_by=data.get("opened_by", ""),
            text=data.get("q", ""),
            ordering=ordering,
            milestone=data.get("milestone", ""),
            milestone_from=data.get("milestone_from"),
            milestone_to=data.get("milestone_to"),
            assigned=data.get("assigned", ""),
            assigned_user_id=user.pk,
            owner_id=owner.pk if owner else None,
            team_id=team.pk if team else None,
        )
