"""The timeline's filter by kind: which group each timeline entry belongs to, the groups an agent
can pick (with how many entries each holds), and the entries of the picked groups.

Read from the query string (`?show=note&show=status`), so a filtered timeline is a link, works
without JavaScript and survives the timeline's own refresh. An unknown group in the query is
ignored; none picked (or only unknown ones) shows everything.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from faults.choices import EventKind
from faults.timeline import TimelineEntry

PARAMETER = "show"


@dataclass(frozen=True)
class TimelineGroup:
    key: str
    label: str


GROUPS = (
    TimelineGroup("status", "Status changes"),
    TimelineGroup("supplier", "Supplier updates"),
    TimelineGroup("ours", "Our messages to the supplier"),
    TimelineGroup("note", "Internal notes"),
    TimelineGroup("appointment", "Appointments"),
    TimelineGroup("anomaly", "Anomalies"),
    TimelineGroup("exception", "Exceptions"),
    TimelineGroup("ownership", "Owner and team"),
    TimelineGroup("other", "Everything else"),
)
GROUP_KEYS = frozenset(group.key for group in GROUPS)

# Entry kinds (audit row kinds and the other sources' keys) by group; a comment is ours or the
# supplier's by who wrote it; what is in no group here is "other" (created, amended, attachment,
# SLA, a fault raised again…).
_GROUP_OF_KIND = {
    EventKind.STATUS: "status",
    EventKind.AUTO_ACCEPTED: "status",
    "update": "supplier",
    "inbound": "supplier",
    EventKind.SUPPLIER_DATA: "supplier",
    "outbound": "ours",
    EventKind.PARTNER_CALL: "ours",
    "note": "note",
    "appointment": "appointment",
    EventKind.ANOMALY: "anomaly",
    EventKind.STALE_STATUS: "anomaly",
    EventKind.EXCEPTION: "exception",
    EventKind.ASSIGNED: "ownership",
}


def entry_group(entry: TimelineEntry) -> str:
    """The group key of one timeline entry."""
    if entry.kind == "comment":
        return "supplier" if entry.details.get("from_supplier") else "ours"
    return _GROUP_OF_KIND.get(entry.kind, "other")


@dataclass(frozen=True)
class GroupChoice:
    """A group as the filter offers it: picked or not, and how many entries it holds."""

    key: str
    label: str
    count: int
    picked: bool


@dataclass(frozen=True)
class FilteredTimeline:
    entries: list[TimelineEntry]
    choices: list[GroupChoice]
    picked: frozenset[str]
    total: int

    @property
    def query(self) -> str:
        """The filter as a query string (empty when nothing is picked), for links and refresh."""
        return urlencode([(PARAMETER, key) for key in sorted(self.picked)])


def picked_groups(values: Iterable[str]) -> frozenset[str]:
    """The known group keys among the query's values."""
    return frozenset(value for value in values if value in GROUP_KEYS)


def timeline_filtered(entries: Sequence[TimelineEntry], values: Iterable[str]) -> FilteredTimeline:
    """The entries of the picked groups (all when none is), and every group with its count."""
    picked = picked_groups(values)
    groups = [entry_group(entry) for entry in entries]
    counts = Counter(groups)
    shown = [entry for entry, group in zip(entries, groups, strict=True) if group in picked]
    return FilteredTimeline(
        entries=shown if picked else list(entries),
        choices=[
            GroupChoice(group.key, group.label, counts[group.key], group.key in picked)
            for group in GROUPS
        ],
        picked=picked,
        total=len(entries),
    )
