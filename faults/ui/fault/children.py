"""A mass incident's parent page: its children at a glance (reference, service, status, SLA,
owner, with a count per status), and one action applied to all of them through the bulk
machinery (`faults.services.bulk`), each child through its own service with a result per child.
"""

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import HttpRequest

from faults.choices import STATUS_COLOURS, FaultStatus
from faults.models import Fault
from faults.models.bulk import BulkRunItem
from faults.models.fault import TEXT_MAX
from faults.services.bulk import bulk_actions_available
from faults.ui.fault.forms import ServiceErrorsMixin

RUN_PARAMETER = "children_run"


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    colour: str
    count: int


@dataclass(frozen=True)
class ChildResult:
    state: str
    label: str
    message: str


@dataclass(frozen=True)
class ChildRow:
    fault: Fault
    # The result of the "apply to all children" run the page shows, if any.
    result: ChildResult | None = None


@dataclass(frozen=True)
class ChildrenSummary:
    rows: list[ChildRow]
    counts: list[StatusCount]
    shows_results: bool = False
    run_id: int | None = None

    @property
    def total(self) -> int:
        return len(self.rows)


def children_summary(parent: Fault, *, run_id: int | None = None) -> ChildrenSummary:
    """The children in the order they were raised, and how many are in each status (in the
    state machine's order)."""
    children = list(
        parent.children.select_related("owner")
        .order_by("id")
        .only(
            "id",
            "parent_id",
            "buyer_fault_reference",
            "service_id",
            "status",
            "sla_state",
            "sla_due_at",
            "owner__username",
        )
    )
    counted = Counter(child.status for child in children)
    counts = [
        StatusCount(status, label, STATUS_COLOURS[status], counted[status])
        for status, label in FaultStatus.choices
        if counted[status]
    ]
    results: dict[int, ChildResult] = {}
    if run_id is not None:
        items = BulkRunItem.objects.filter(run_id=run_id, fault__parent=parent)
        results = {
            item.fault_id: ChildResult(item.state, item.get_state_display(), item.message)
            for item in items
        }
        if not results:
            run_id = None  # not a run over these children
    rows = [ChildRow(child, results.get(child.pk)) for child in children]
    return ChildrenSummary(rows, counts, shows_results=run_id is not None, run_id=run_id)


def _run_id(request: HttpRequest) -> int | None:
    value = request.GET.get(RUN_PARAMETER, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def children_context(
    request: HttpRequest, fault: Fault, form: "ChildrenActionForm | None" = None
) -> dict[str, Any]:
    """What the page's children section needs (nothing for a fault without children)."""
    if fault.parent_id is not None or not fault.children.exists():
        return {}
    return {
        "children_summary": children_summary(fault, run_id=_run_id(request)),
        "children_form": form or ChildrenActionForm(),
    }


# The bulk actions that make sense on a whole incident and need no more than a text.
CHILD_ACTIONS = ("request_update", "add_note", "accept_resolution", "cancel")


def child_actions() -> list[tuple[str, str]]:
    return [(value, label) for value, label in bulk_actions_available() if value in CHILD_ACTIONS]


class ChildrenActionForm(ServiceErrorsMixin, forms.Form):
    action = forms.ChoiceField(
        label="Apply to every child fault",
        choices=[("", "Choose an action"), *child_actions()],
    )
    text = forms.CharField(
        label="Note or reason",
        required=False,
        max_length=TEXT_MAX,
        help_text="The note's text, or why the faults are cancelled (the supplier is told).",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    prefix = "children"  # beside the page's comment and note forms, whose fields share names

    def action_label(self) -> str:
        return dict(child_actions())[self.cleaned_data["action"]]

    def params(self) -> dict[str, str]:
        text = self.cleaned_data["text"]
        return {"text": text, "reason": text}
