"""The fault page's reassign form: an owner among the people who may own a fault, and a team.
The service (`faults.services.ownership.fault_assign`) decides whether the two go together."""

from typing import Any

from django import forms

from faults.models import Fault
from faults.models.workspace import Team
from faults.services.ownership import eligible_owners
from faults.ui.fault.forms import ServiceErrorsMixin


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.get_username()})" if full else obj.get_username()


class AssignForm(ServiceErrorsMixin, forms.Form):
    """Blank owner or team: nobody, no team (an unassigned fault)."""

    prefix = "assign"
    owner = OwnerChoiceField(
        label="Owner", required=False, queryset=eligible_owners(), empty_label="Nobody"
    )
    team = forms.ModelChoiceField(
        label="Team", required=False, queryset=Team.objects.order_by("name"), empty_label="No team"
    )

    @classmethod
    def for_fault(cls, fault: Fault) -> "AssignForm":
        return cls(initial={"owner": fault.owner_id, "team": fault.team_id})
