"""What the apps above `faults` add to its composite pages, without `faults` importing them.

`faults` sits at the bottom: `appointments` and `integrations` (and, later, protocol packages)
depend on it, never the other way round. Yet the fault pages show their parts: a fault's
timeline lists the messages exchanged with the supplier and the appointment history, the queue
has a section of undelivered messages, the wallboard counts them, the dashboard counts missed
appointments, the raise form reserves an appointment, the fault page shows and re-appoints it.

Each of those is a contribution the upper app registers here from its `AppConfig.ready()`
(`register(...)`), or a protocol package declares in its `package.py` (`contributions`, asked for
through the provider the integrations app connects); the page asks the registry what to show
(`contributions(kind)`), in the order the contributions were registered, and places each where its
`after` says. Without the upper app installed the page simply lacks that part. (As netbox's plugin
registry: template extensions and menu items registered by the plugin, asked for by the core
templates.)

The callables receive `faults` objects (a Fault, a bound form, the dashboard's filters) and
return plain values; the kinds below say exactly what each page asks of them.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

# --- the fault's timeline (faults.timeline) --------------------------------------------------


@dataclass(frozen=True)
class TimelinePart:
    """What a timeline source read (one query): the entries, built once every source has said
    which of our messages it knows (`message_names`: our message id -> what it asked for, so that
    an audit row written in answer to that message names it)."""

    entries: Callable[[Any], list]  # (faults.timeline.TimelineActors) -> [TimelineEntry]
    message_names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TimelineSource:
    """Rows of another app shown on a fault's timeline. `read(fault=...)` runs one query.

    `rank` breaks ties: of entries at the same instant, those of a lower rank are listed above
    (the fault's own rows rank 0, so what a message caused is listed above the message).
    `shows`: the kinds of audit row (faults.choices.EventKind) its entries stand for, which the
    timeline then leaves out rather than say the same thing twice."""

    key: str
    read: Callable[..., TimelinePart]
    rank: int = 0
    shows: tuple[str, ...] = ()


# --- the agent's queue (faults.worklists, faults.ui.worklists.queue) ----------------------------


@dataclass(frozen=True)
class QueueSectionSource:
    """A kind of work in the agent's queue, shown after the section keyed `after`.

    `rows()` is every row the section counts (a queryset, counted up to a cap); `first_rows`,
    when given, reads the first N rows the fast way, as the table shows them."""

    key: str
    title: str
    after: str
    rows: Callable[[], Any]
    table_template: str  # given `rows`
    more_url: Callable[[], str]  # where "N more" leads
    when_empty: str  # what an empty section means, said as good news
    first_rows: Callable[[int], list] | None = None
    see_all: tuple[str, str] = ()  # (lead-in, link text) to more_url when all rows are shown


# --- the wallboard (faults.wallboard) ----------------------------------------------------------


@dataclass(frozen=True)
class WallboardFigure:
    """A figure card on the wallboard, after the card keyed `after`; one cheap count."""

    key: str
    label: str
    after: str
    count: Callable[[], int]
    tone: str = ""  # "bad", "warning" or "" (as the wallboard's own cards)


# --- the SLA dashboard (faults.reports.dashboard) ----------------------------------------------


@dataclass(frozen=True)
class DashboardCounts:
    """A group of columns counted per supplier and priority over the dashboard's period, shown
    in its "... and rejected raises" table and exported in the CSV before the rejected raises.

    `counts(filters)` (a faults.reports.filters.DashboardFilters) runs one grouped query and
    yields (supplier_id, priority, column key, count)."""

    key: str
    title: str  # "Missed appointments": the table is "<titles> and rejected raises ..."
    columns_label: str  # above the group of columns
    columns: tuple[tuple[str, str], ...]  # (key, heading), in the table's and the CSV's order
    csv_prefix: str  # a column's CSV name is prefix + key
    explained: tuple[str, str]  # (term, how it is counted) for "How these figures are computed"
    counts: Callable[[Any], Iterable[tuple[int, int, str, int]]]
    # Whether the columns mean anything for a supplier (a faults.suppliers.Supplier): where not
    # (missed appointments of a supplier that books none), its rows show "—", not a 0.
    applies_to: Callable[[Any], bool] = lambda supplier: True

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.columns)


# --- the raise form (faults.ui.fault.raise_views) -------------------------------------------


@dataclass(frozen=True)
class RaiseFormStep:
    """A part of the raise form that another app owns (e.g. reserving an appointment).

    The step adds its form `fields()`; its panel (`template`, inside the element `element_id`)
    is shown when `applies(form)` and carries a hidden input named `shown_marker` with the
    value "shown", so that the live check knows when to swap it in or out. `context(form)` is
    what its template needs. `save(fault=, data=, actor=)` runs after the fault is saved and
    before it is submitted, in the same transaction (`data` is the form's cleaned data)."""

    key: str
    template: str
    element_id: str
    shown_marker: str
    fields: Callable[[], dict[str, Any]]
    applies: Callable[[Any], bool]
    context: Callable[[Any], dict[str, Any]]
    save: Callable[..., None]


# --- the fault page (faults.ui.fault.detail_views) ----------------------------------------


@dataclass(frozen=True)
class FaultFacts:
    """Lines (<dt>/<dd>) in the fault header's facts, from `template` with `context(fault)`."""

    key: str
    template: str
    context: Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class FaultAction:
    """An action on the fault page (after the amendment) offered to an agent when
    `offered(fault)`; `template` renders it with `forms.<key>`: the bound form a view passes
    back with its errors, else `blank_form(fault)`."""

    key: str
    template: str
    offered: Callable[[Any], bool]
    blank_form: Callable[[Any], Any]


# --- the registry ---------------------------------------------------------------------------

KINDS = (
    TimelineSource,
    QueueSectionSource,
    WallboardFigure,
    DashboardCounts,
    RaiseFormStep,
    FaultFacts,
    FaultAction,
)
Contribution = TypeVar("Contribution")

_registry: dict[type, dict[str, Any]] = {kind: {} for kind in KINDS}


def register(*items: Any) -> None:
    """Register contributions (from an AppConfig.ready()). A second registration of the same
    kind and key replaces the first, so that registering twice shows nothing twice."""
    for item in items:
        if type(item) not in _registry:
            raise TypeError(f"{item!r} is not a contribution kind of faults.contributions.")
        _registry[type(item)][item.key] = item


def unregister(kind: type, key: str) -> None:
    """Remove a contribution (tests that register their own)."""
    _registry[kind].pop(key, None)


# Callables that add contributions at the moment a page asks: the integrations app connects one
# that gathers the contributions of the protocol packages enabled at that moment (a package's
# `contributions` in its package.py), so that enabling or disabling a package needs no restart.
ContributionProvider = Callable[[], Iterable[Any]]
_providers: list[ContributionProvider] = []


def connect_provider(provider: ContributionProvider) -> None:
    """Ask `provider` for more contributions on every lookup (once, however often connected)."""
    if provider not in _providers:
        _providers.append(provider)


def contributions(kind: type[Contribution]) -> list[Contribution]:
    """The registered contributions of `kind`, in registration order, then those of the
    connected providers (a provider's item replaces a registered one of the same key)."""
    found = dict(_registry[kind])
    for provider in _providers:
        for item in provider():
            if type(item) is kind:
                found[item.key] = item
    return list(found.values())


def placed(own: list[Any], added: Iterable[Any], *, key: Callable[[Any], str]) -> list[Any]:
    """`own` items with each contribution inserted after the item whose key is its `after`
    (at the end when there is none)."""
    result = list(own)
    for item in added:
        keys = [key(existing) for existing in result]
        at = keys.index(item.after) + 1 if item.after in keys else len(result)
        result.insert(at, item)
    return result
