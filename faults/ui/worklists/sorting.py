"""The fault list's sortable columns: `?sort=<key>` ascending, `?sort=-<key>` descending.

Only these keys reach `order_by`; anything else falls back to the default order, newest first,
which the (created_at desc, id desc) index serves. The id ends every ordering so that pages
never overlap or skip a row.
"""

from dataclasses import dataclass

from django.db.models import F, OrderBy

DEFAULT_SORT = "-created"
NULLABLE_FIELDS = frozenset({"sla_due_at"})

# key: (label, the model fields it orders by, ascending)
SORT_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "reference": ("Reference", ("buyer_fault_reference",)),
    "supplier": ("Supplier", ("supplier__name", "id")),
    "type": ("Type", ("fault_type", "id")),
    "priority": ("Priority", ("priority", "id")),
    "status": ("Status", ("status", "id")),
    "sla": ("SLA due", ("sla_due_at", "id")),
    "created": ("Created", ("created_at", "id")),
}


@dataclass(frozen=True)
class Sort:
    key: str
    descending: bool

    @property
    def param(self) -> str:
        return f"-{self.key}" if self.descending else self.key

    def ordering(self) -> tuple[str | OrderBy, ...]:
        """order_by() arguments. Empty SLA due dates go last whichever the direction; the
        other fields are never empty and keep plain ordering, which is what an index serves
        (PostgreSQL does not use an index built NULLS FIRST for ORDER BY ... NULLS LAST)."""
        return tuple(self._order(name) for name in SORT_FIELDS[self.key][1])

    def _order(self, name: str) -> str | OrderBy:
        if name in NULLABLE_FIELDS:
            field = F(name)
            return field.desc(nulls_last=True) if self.descending else field.asc(nulls_last=True)
        return f"-{name}" if self.descending else name


def parse_sort(raw: str | None) -> tuple[Sort, bool]:
    """The sort asked for, and whether it was valid (an unknown key gives the default)."""
    value = (raw or "").strip()
    key = value.removeprefix("-")
    if key in SORT_FIELDS:
        return Sort(key=key, descending=value.startswith("-")), True
    default = Sort(key=DEFAULT_SORT.removeprefix("-"), descending=DEFAULT_SORT.startswith("-"))
    return default, not value


@dataclass(frozen=True)
class SortableColumn:
    key: str
    label: str
    aria_sort: str  # "ascending", "descending" or "none"
    next_param: str  # the ?sort= a click on the header asks for


def sortable_columns(current: Sort) -> dict[str, SortableColumn]:
    """Each sortable header: its aria-sort now, and the sort a click toggles to (the current
    column flips direction; another column starts ascending)."""
    columns = {}
    for key, (label, _fields) in SORT_FIELDS.items():
        if key == current.key:
            aria = "descending" if current.descending else "ascending"
            next_param = key if current.descending else f"-{key}"
        else:
            aria, next_param = "none", key
        columns[key] = SortableColumn(key, label, aria, next_param)
    return columns
