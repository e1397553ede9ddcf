"""The fault list's columns, defined once: key, header, how a cell is rendered, and the sort key
its header clicks to (a key of `sorting.SORT_FIELDS`, or None when the column does not sort).

The table, the column chooser and saved views all read this registry; a new column is one more
entry in COLUMNS. Which columns a page shows comes from the query string, `columns=a,b,c` (or
`columns` repeated, as the chooser's checkboxes send it); none given means the default set,
the columns the list always had. The reference is always shown: a row must lead to its fault.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from faults.field_labels import field_label
from faults.models import Fault
from faults.templatetags.noc import sla_badge, status_badge
from faults.ui.worklists.sorting import Sort, SortableColumn, sortable_columns

DASH = "—"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    render: Callable[[Fault], str]  # the cell's content, safe HTML
    sort_key: str | None = None
    default: bool = True  # shown when the query string does not choose
    abbr: str = ""  # the header's full wording, when the label is short for it
    wrap: bool = False  # long text that may wrap inside its cell
    required: bool = False  # always shown


def _fault_link(fault: Fault | None) -> str:
    if fault is None:
        return DASH
    url = reverse("fault-detail", args=[fault.buyer_fault_reference])
    return format_html('<a href="{}">{}</a>', url, fault.buyer_fault_reference)


def _sla(fault: Fault) -> str:
    if not fault.sla_due_at:
        return sla_badge(fault.sla_state)
    due = format_html('<span class="muted sla-due">{}</span>', _stamp(fault.sla_due_at))
    return format_html("{} {}", sla_badge(fault.sla_state), due)


def _stamp(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _created(fault: Fault) -> str:
    return format_html(
        '<time datetime="{}">{}</time>',
        timezone.localtime(fault.created_at).isoformat(),
        _stamp(fault.created_at),
    )


COLUMNS: tuple[Column, ...] = (
    Column("reference", "Reference", _fault_link, sort_key="reference", required=True),
    Column(
        "supplier_reference",
        "Supplier's ref.",
        lambda f: format_html("{}", f.maintainer_fault_reference or DASH),
        abbr=field_label("maintainer_fault_reference"),
    ),
    Column(
        "supplier", "Supplier", lambda f: format_html("{}", f.supplier.name), "supplier", wrap=True
    ),
    Column("service", field_label("service_id"), lambda f: format_html("{}", f.service_id)),
    Column("type", "Type", lambda f: format_html("{}", f.fault_type), "type", wrap=True),
    Column("priority", "Priority", lambda f: format_html("P{}", f.priority), "priority"),
    Column("status", "Status", lambda f: status_badge(f.status), "status"),
    Column(
        "owner",
        "Owner",
        lambda f: format_html("{}", f.owner.get_username() if f.owner else DASH),
    ),
    Column("sla", "SLA due", _sla, "sla"),
    Column("created", "Created", _created, "created"),
    # Chosen, not by default: most faults have none, and the default columns must fit a desktop
    # screen beside the owner and the bulk actions' checkbox.
    Column("parent", "Parent", lambda f: _fault_link(f.parent), default=False),
    Column(
        "team",
        "Team",
        lambda f: format_html("{}", f.team.name if f.team else DASH),
        default=False,
    ),
    Column(
        "location",
        "Location",
        lambda f: format_html("{}", f.fault_location or DASH),
        wrap=True,
        default=False,
    ),
)

BY_KEY: dict[str, Column] = {column.key: column for column in COLUMNS}


def default_columns() -> tuple[Column, ...]:
    return tuple(column for column in COLUMNS if column.default)


def column_keys(columns: Iterable[Column]) -> list[str]:
    return [column.key for column in columns]


@dataclass(frozen=True)
class ColumnChoice:
    """The columns asked for, in registry order, and the keys that are not columns."""

    columns: tuple[Column, ...]
    unknown: tuple[str, ...]
    chosen: bool  # the query string chose (else the defaults)

    @property
    def is_valid(self) -> bool:
        return not self.unknown

    @property
    def keys(self) -> list[str]:
        return column_keys(self.columns)

    @property
    def param(self) -> str:
        """The `columns=` value that asks for these columns ("" for the defaults, whether
        chosen or not: the chooser sends the default boxes ticked as they are shown)."""
        if not self.chosen or self.columns == default_columns():
            return ""
        return ",".join(self.keys)


def parse_columns(values: Sequence[str]) -> ColumnChoice:
    """Read `columns` values (each one key or keys separated by commas). Unknown keys are
    reported and left out; nothing known asked for gives the defaults."""
    asked = [key.strip() for value in values for key in value.split(",") if key.strip()]
    unknown = tuple(dict.fromkeys(key for key in asked if key not in BY_KEY))
    wanted = set(asked)
    if not wanted - set(unknown):
        return ColumnChoice(default_columns(), unknown, chosen=False)
    columns = tuple(c for c in COLUMNS if c.key in wanted or c.required)
    return ColumnChoice(columns, unknown, chosen=True)


@dataclass(frozen=True)
class ShownColumn:
    """A column as the table heads it: with its sort header when it sorts."""

    column: Column
    sort: SortableColumn | None


def shown_columns(choice: ColumnChoice, sort: Sort) -> list[ShownColumn]:
    headers = sortable_columns(sort)
    return [
        ShownColumn(column, headers.get(column.sort_key) if column.sort_key else None)
        for column in choice.columns
    ]
