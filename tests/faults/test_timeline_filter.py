"""The timeline's filter by kind: each kind of entry falls in one group (a comment by who wrote
it), the counts add up to the whole timeline, and only known groups filter."""

from datetime import UTC, datetime

import pytest

from faults.timeline import TimelineEntry
from faults.timeline_filter import GROUPS, entry_group, timeline_filtered

AT = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def entry(kind: str, **details) -> TimelineEntry:
    return TimelineEntry(kind=kind, label=kind, at=AT, who="x", details=details)


@pytest.mark.parametrize(
    ("kind", "details", "group"),
    [
        ("status", {}, "status"),
        ("auto-accepted", {}, "status"),
        ("update", {}, "supplier"),
        ("inbound", {}, "supplier"),
        ("supplier-data", {}, "supplier"),
        ("comment", {"from_supplier": True}, "supplier"),
        ("comment", {"from_supplier": False}, "ours"),
        ("outbound", {}, "ours"),
        ("note", {}, "note"),
        ("appointment", {}, "appointment"),
        ("anomaly", {}, "anomaly"),
        ("stale-status", {}, "anomaly"),
        ("exception", {}, "exception"),
        ("created", {}, "other"),
        ("attachment", {}, "other"),
        ("assigned", {}, "ownership"),
    ],
)
def test_each_kind_of_entry_is_in_its_group(kind, details, group):
    assert entry_group(entry(kind, **details)) == group


def test_the_counts_add_up_and_the_picked_groups_are_shown_in_order():
    entries = [
        entry("note"),
        entry("status"),
        entry("comment", from_supplier=True),
        entry("note"),
        entry("created"),
    ]
    filtered = timeline_filtered(entries, ["note", "supplier", "nonsense"])

    assert filtered.entries == [entries[0], entries[2], entries[3]]
    counts = {choice.key: choice.count for choice in filtered.choices}
    assert sum(counts.values()) == filtered.total == 5
    assert (counts["note"], counts["supplier"], counts["other"]) == (2, 1, 1)
    assert [c.key for c in filtered.choices if c.picked] == ["supplier", "note"]
    assert filtered.query == "show=note&show=supplier"
    assert [c.key for c in filtered.choices] == [group.key for group in GROUPS]


def test_nothing_or_only_unknown_groups_picked_shows_everything():
    entries = [entry("note"), entry("status")]
    for values in ([], ["bogus", "<script>"]):
        filtered = timeline_filtered(entries, values)
        assert filtered.entries == entries
        assert filtered.picked == frozenset() and filtered.query == ""
