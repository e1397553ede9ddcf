"""Read queries for the agent's worklists: the queue and the filtered fault list.

Every query here is bounded (a LIMIT, or a count capped by a sliced subquery) so that the pages
cost the same at ten thousand and at a million faults. Services write; these only read.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from operator import itemgetter

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from faults.choices import TERMINAL_STATUSES, FaultStatus, OpenedBy, SlaState
from faults.contributions import QueueSectionSource, contributions, placed
from faults.models import Fault, Team, TicketException, TicketExceptionRule
from faults.selectors import fault_list_queryset, fault_text_search

REJECTED_WITHIN = timedelta(days=7)
SLA_ALERT_STATES = (SlaState.AT_RISK, SlaState.BREACHED)
# A queue section's default scope: not narrowed (see `assigned_filter`).
EVERY_FAULT = Q()


def queue_section_limit() -> int:
    return getattr(settings, "QUEUE_SECTION_LIMIT", 10)


def fault_list_count_cap() -> int:
    return getattr(settings, "FAULT_LIST_COUNT_CAP", 10_000)


# --- counting without COUNT(*) over the whole table ------------------------------------------


@dataclass(frozen=True)
class CappedCount:
    """How many rows, counted up to `cap`; `exceeded` when there are more than `cap`."""

    value: int
    cap: int

    @property
    def exceeded(self) -> bool:
        return self.value > self.cap

    @property
    def shown(self) -> int:
        return min(self.value, self.cap)

    def __str__(self) -> str:
        text = f"{self.shown:,}".replace(",", "\N{NO-BREAK SPACE}")
        return f"{text}+" if self.exceeded else text


def capped_count(queryset: QuerySet, *, cap: int) -> CappedCount:
    """Count at most cap + 1 rows: SELECT COUNT(*) FROM (SELECT id ... LIMIT cap + 1)."""
    return CappedCount(queryset.order_by().values("pk")[: cap + 1].count(), cap)


# --- the fault list ---------------------------------------------------------------------------


class Family:
    """Where a fault sits in a mass incident (a parent with child faults)."""

    PARENTS = "parents"
    CHILDREN = "children"
    STANDALONE = "standalone"
    CHOICES = (
        (PARENTS, "Only parents"),
        (CHILDREN, "Only children"),
        (STANDALONE, "Neither parent nor child"),
    )


@dataclass(frozen=True)
class FaultListCriteria:
    """What the fault list is narrowed by; empty values do not narrow."""

    statuses: tuple[str, ...] = ()
    supplier_id: int | None = None
    priority: int | None = None
    fault_type: str = ""
    sla_states: tuple[str, ...] = ()
    created_from: date | None = None
    created_to: date | None = None
    parent_reference: str = ""
    family: str = ""
    created_by_id: int | None = None
    opened_by: str = ""
    text: str = ""
    ordering: tuple[str, ...] = field(default=("-created_at", "-id"))
    # A period of one milestone (Milestone), in whole days of the NOC's time zone as the SLA
    # dashboard counts them: its figures link here with the same condition.
    milestone: str = ""
    milestone_from: date | None = None
    milestone_to: date | None = None
    # Ownership (Assigned): mine, my team's or unassigned, as seen by `assigned_user_id`.
    assigned: str = ""
    assigned_user_id: int | None = None
    owner_id: int | None = None
    team_id: int | None = None


class Assigned:
    """Whose faults: the user's own, their teams', or nobody's (no owner)."""

    MINE = "mine"
    TEAM = "team"
    UNASSIGNED = "unassigned"
    CHOICES = [(MINE, "Mine"), (TEAM, "My team's"), (UNASSIGNED, "Unassigned")]


def assigned_filter(assigned: str, user_id: int | None, *, prefix: str = "") -> Q:
    """The faults `assigned` means for this user: owned by them, of a team they are in (none
    when they are in no team), or with no owner. `prefix` ("fault__") filters rows of another
    model by their fault."""
    if assigned in (Assigned.MINE, Assigned.TEAM) and user_id is None:
        return Q(pk__in=[])
    if assigned == Assigned.MINE:
        return Q(**{f"{prefix}owner_id": user_id})
    if assigned == Assigned.TEAM:
        my_teams = Team.members.through.objects.filter(user_id=user_id).values("team_id")
        return Q(**{f"{prefix}team_id__in": my_teams})
    if assigned == Assigned.UNASSIGNED:
        return Q(**{f"{prefix}owner__isnull": True})
    return Q()


class Milestone:
    """The moments in a fault's life a period can be of (the fault list's "Period of")."""

    SUBMITTED = "submitted"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    SLA_DUE = "sla_due"
    CHOICES = (
        (SUBMITTED, "Raised with the supplier"),
        (RESOLVED, "Resolved"),
        (REJECTED, "Rejected"),
        (SLA_DUE, "SLA target passed"),
    )
    FIELDS = {
        SUBMITTED: "submitted_at",
        RESOLVED: "resolved_at",
        REJECTED: "rejected_at",
        SLA_DUE: "sla_due_at",
    }


def milestone_filter(milestone: str, day_from: date | None, day_to: date | None) -> Q:
    """Faults whose `milestone` fell from the start of `day_from` to the end of `day_to` (both
    optional); with no day, faults that reached the milestone at all."""
    if not milestone:
        return Q()
    name = Milestone.FIELDS[milestone]
    found = Q(**{f"{name}__isnull": False})
    if day_from:
        found &= Q(**{f"{name}__gte": start_of_day(day_from)})
    if day_to:
        found &= Q(**{f"{name}__lt": start_of_day(day_to + timedelta(days=1))})
    return found


def start_of_day(day: date) -> datetime:
    """Midnight at the start of `day` in the NOC's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _has_children() -> Exists:
    return Exists(Fault.objects.filter(parent_id=OuterRef("pk")))


def _family_filter(family: str) -> Q:
    if family == Family.PARENTS:
        return Q(_has_children())
    if family == Family.CHILDREN:
        return Q(parent__isnull=False)
    if family == Family.STANDALONE:
        return Q(parent__isnull=True) & ~Q(_has_children())
    return Q()


def faults_matching(criteria: FaultListCriteria) -> QuerySet[Fault]:
    """The faults the list shows for these criteria, with what a row needs, in list order."""
    filters = Q()
    if criteria.statuses:
        filters &= Q(status__in=criteria.statuses)
    if criteria.supplier_id is not None:
        filters &= Q(supplier_id=criteria.supplier_id)
    if criteria.priority is not None:
        filters &= Q(priority=criteria.priority)
    if criteria.fault_type:
        filters &= Q(fault_type__iexact=criteria.fault_type)
    if criteria.sla_states:
        filters &= Q(sla_state__in=criteria.sla_states)
    if criteria.created_from:
        filters &= Q(created_at__gte=start_of_day(criteria.created_from))
    if criteria.created_to:
        filters &= Q(created_at__lt=start_of_day(criteria.created_to + timedelta(days=1)))
    if criteria.parent_reference:
        filters &= Q(parent__buyer_fault_reference=criteria.parent_reference)
    if criteria.created_by_id is not None:
        filters &= Q(created_by_id=criteria.created_by_id)
    if criteria.opened_by:
        filters &= Q(opened_by=criteria.opened_by)
    filters &= _family_filter(criteria.family)
    filters &= milestone_filter(criteria.milestone, criteria.milestone_from, criteria.milestone_to)
    filters &= assigned_filter(criteria.assigned, criteria.assigned_user_id)
    if criteria.owner_id is not None:
        filters &= Q(owner_id=criteria.owner_id)
    if criteria.team_id is not None:
        filters &= Q(team_id=criteria.team_id)
    queryset = fault_list_queryset().filter(filters)
    queryset = fault_text_search(queryset, criteria.text)
    return queryset.order_by(*criteria.ordering)


# --- the queue --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueSection:
    """One kind of work in the agent's queue: the first rows and how many there are."""

    key: str
    title: str
    rows: list
    count: CappedCount

    @property
    def more(self) -> int:
        """How many are not shown (at least; when the count is capped)."""
        return max(self.count.shown - len(self.rows), 0)


def first_rows(queryset: QuerySet, limit: int) -> list:
    return list(queryset[:limit])


def _section(
    key: str,
    title: str,
    queryset: QuerySet,
    *,
    limit: int,
    rows_of: Callable[[int], list] | None = None,
) -> QueueSection:
    """The first `limit` rows (by `rows_of` when slicing the queryset is not the fast way) and
    the count, which is only run when the section is full."""
    rows = rows_of(limit) if rows_of else first_rows(queryset, limit)
    if len(rows) < limit:
        count = CappedCount(len(rows), fault_list_count_cap())
    else:
        count = capped_count(queryset, cap=fault_list_count_cap())
    return QueueSection(key=key, title=title, rows=rows, count=count)


def rejected_recently(*, now: datetime, scope: Q = EVERY_FAULT) -> QuerySet[Fault]:
    return (
        fault_list_queryset()
        .filter(scope, status=FaultStatus.REJECTED, rejected_at__gte=now - REJECTED_WITHIN)
        .order_by("-rejected_at", "-id")
    )


def resolved_awaiting_answer(scope: Q = EVERY_FAULT) -> QuerySet[Fault]:
    return (
        fault_list_queryset()
        .filter(scope, status=FaultStatus.RESOLVED)
        .order_by(F("auto_close_due_at").asc(nulls_last=True), "id")
    )


def on_hold(scope: Q = EVERY_FAULT) -> QuerySet[Fault]:
    """In the fault list's own order (newest first), so 'N more' continues where this stops."""
    return (
        fault_list_queryset()
        .filter(scope, status=FaultStatus.ON_HOLD)
        .order_by("-created_at", "-id")
    )


def opened_by_a_supplier(scope: Q = EVERY_FAULT) -> QuerySet[Fault]:
    """Unfinished faults a supplier opened with us (an incident on its side), newest first."""
    return (
        fault_list_queryset()
        .filter(scope, opened_by=OpenedBy.SUPPLIER)
        .exclude(status__in=TERMINAL_STATUSES)
        .order_by("-created_at", "-id")
    )


def sla_alerts(*, state: str | None = None, scope: Q = EVERY_FAULT) -> QuerySet[Fault]:
    """Unfinished faults whose SLA is at risk or breached (or in `state`), the soonest due
    first."""
    states = (state,) if state else SLA_ALERT_STATES
    return (
        fault_list_queryset()
        .filter(scope, sla_state__in=states)
        .exclude(status__in=TERMINAL_STATUSES)
        .order_by(F("sla_due_at").asc(nulls_last=True), "id")
    )


def sla_alerts_first(limit: int, scope: Q = EVERY_FAULT) -> list[Fault]:
    """The first `limit` of `sla_alerts()`, read one SLA state at a time: each read walks the
    (sla_state, sla_due_at) index and stops after `limit` rows, where the two states together
    would be sorted in full. The two short lists are then merged."""
    rows = [
        fault
        for state in SLA_ALERT_STATES
        for fault in sla_alerts(state=state, scope=scope)[:limit]
    ]
    far_future = datetime.max.replace(tzinfo=UTC)
    rows.sort(key=lambda fault: (fault.sla_due_at or far_future, fault.pk))
    return rows[:limit]


def open_exceptions(scope: Q = EVERY_FAULT) -> QuerySet:
    """Open ticket exceptions, the most urgent call to action first, then the oldest. `scope`
    narrows them by their fault (`assigned_filter(..., prefix="fault__")`)."""
    return (
        TicketException.objects.filter(scope, solved_at__isnull=True)
        .select_related("rule", "rule__call_to_action", "fault", "fault__supplier")
        .order_by(F("rule__call_to_action__priority").asc(nulls_last=True), "raised_at", "id")
    )


def open_exceptions_first(limit: int, scope: Q = EVERY_FAULT) -> list[TicketException]:
    """The first `limit` of `open_exceptions()`, read one rule at a time, most urgent call to
    action first: each read walks its rule's open_exceptions_by_age index and stops after
    `limit` rows, where all the open exceptions together would be joined and sorted in full (the
    bench measured 275 ms for 61 000 open). Rules of one priority are merged by age; rules of a
    lower priority are not read once `limit` rows are found."""
    rules = TicketExceptionRule.objects.order_by(
        F("call_to_action__priority").asc(nulls_last=True), "pk"
    ).values_list("call_to_action__priority", "pk")
    rows: list[TicketException] = []
    for _, group in groupby(rules, key=itemgetter(0)):
        if len(rows) >= limit:
            break
        same_priority = [
            exception
            for _, rule_id in group
            for exception in open_exceptions(scope)
            .filter(rule_id=rule_id)
            .order_by("raised_at", "id")[:limit]
        ]
        rows += sorted(same_priority, key=lambda exception: (exception.raised_at, exception.pk))
    return rows[:limit]


def drafts_of(user: AbstractBaseUser, scope: Q = EVERY_FAULT) -> QuerySet[Fault]:
    return (
        fault_list_queryset()
        .filter(scope, status=FaultStatus.DRAFT, created_by_id=user.pk)
        .order_by("-created_at", "-id")
    )


def queue_sections(
    *, user: AbstractBaseUser, now: datetime | None = None, assigned: str = ""
) -> list[QueueSection]:
    """What needs an agent now, most urgent kinds first; each section bounded. The apps above
    add theirs (`QueueSectionSource`), e.g. the messages a supplier refused or never received.
    `assigned` (Assigned: mine, my team's, unassigned; "" for all) narrows our sections to
    those faults (and exceptions of those faults); the apps' sections are not narrowed."""
    now = now or timezone.now()
    limit = queue_section_limit()
    scope = assigned_filter(assigned, user.pk)
    of_faults = assigned_filter(assigned, user.pk, prefix="fault__")
    own = [
        _section(
            "exceptions",
            "Exceptions to act on",
            open_exceptions(of_faults),
            limit=limit,
            rows_of=lambda n: open_exceptions_first(n, of_faults),
        ),
        _section(
            "rejected",
            "Rejected in the last 7 days",
            rejected_recently(now=now, scope=scope),
            limit=limit,
        ),
        _section(
            "resolved",
            "Resolved, awaiting our answer",
            resolved_awaiting_answer(scope),
            limit=limit,
        ),
        _section("on-hold", "On hold, waiting for our information", on_hold(scope), limit=limit),
        _section(
            "supplier-opened", "Opened by a supplier", opened_by_a_supplier(scope), limit=limit
        ),
        _section(
            "sla",
            "SLA at risk or breached",
            sla_alerts(scope=scope),
            limit=limit,
            rows_of=lambda n: sla_alerts_first(n, scope),
        ),
        _section("drafts", "My drafts", drafts_of(user, scope), limit=limit),
    ]
    added = contributions(QueueSectionSource)
    order = [s.key for s in placed(own, added, key=lambda item: item.key)]
    sections = {s.key: s for s in own}
    for source in added:
        sections[source.key] = _section(
            source.key, source.title, source.rows(), limit=limit, rows_of=source.first_rows
        )
    return [sections[key] for key in order]
