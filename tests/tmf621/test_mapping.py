"""The status mapping between TMF621 and our fault lifecycle (`integrations.tmf621.mapping`),
table by table, both directions: every word v4, MEF 124 and seed 002 use, `held` with and without
the partner's setting, and what a word we do not know becomes."""

import pytest

from faults.choices import SLA_PAUSED_STATUSES, SLA_RUNNING_STATUSES, FaultStatus
from integrations.tmf621 import schema
from integrations.tmf621.mapping import (
    ASSESSING_CANCELLATION_PREFIX,
    CANCELLED,
    HELD_PREFIX,
    KNOWN_TMF_STATUSES,
    PENDING_PREFIX,
    RESOLUTION_ACCEPTED,
    RESOLUTION_REJECTED,
    UNKNOWN,
    Mapped,
    from_tmf,
    reason_with_prefix,
    to_tmf,
)

S = FaultStatus

# Every TMF word → what it means to the fault, when the partner's holds do not pause the SLA.
FROM_TMF = {
    "submitted": Mapped(S.PENDING),
    "acknowledged": Mapped(S.ACCEPTED),
    "inProgress": Mapped(S.IN_PROGRESS),
    "pending": Mapped(S.ON_HOLD, PENDING_PREFIX),
    "held": Mapped(S.IN_PROGRESS, HELD_PREFIX),
    "resolved": Mapped(S.RESOLVED),
    "closed": Mapped(S.CLOSED),
    "cancelled": Mapped(S.CANCELLED),
    "rejected": Mapped(S.REJECTED),
    "reopened": Mapped(S.REOPENED),
    "assessingCancellation": Mapped(None, ASSESSING_CANCELLATION_PREFIX),
}
# Our status → TMF's word for it.
TO_TMF = {
    S.DRAFT: None,
    S.PENDING: "acknowledged",
    S.ACCEPTED: "acknowledged",
    S.OPEN: "inProgress",
    S.IN_PROGRESS: "inProgress",
    S.ON_HOLD: "pending",
    S.REOPENED: "inProgress",
    S.RESOLVED: "resolved",
    S.CLOSED: "closed",
    S.CANCELLED: "cancelled",
    S.REJECTED: "rejected",
}


def test_the_table_covers_every_status_word_of_the_profile():
    """v4's TroubleTicketStatusType with MEF 124's and the seed's additions: no word the
    schema lets a supplier send is missing from the mapping."""
    document = schema._profiled(schema._spec())
    profile_words = set(document["definitions"]["TroubleTicketStatusType"]["enum"])

    assert set(FROM_TMF) == KNOWN_TMF_STATUSES
    assert profile_words <= KNOWN_TMF_STATUSES


@pytest.mark.parametrize(("word", "meaning"), FROM_TMF.items())
def test_each_tmf_word_means_one_thing_to_the_fault(word, meaning):
    assert from_tmf(word) == meaning


@pytest.mark.parametrize("word", sorted(set(FROM_TMF) - {"held"}))
def test_only_held_depends_on_the_partners_setting(word):
    assert from_tmf(word, holds_pause_sla=True) == from_tmf(word, holds_pause_sla=False)


def test_held_keeps_the_sla_running_unless_the_partners_holds_pause_it():
    running = from_tmf("held", holds_pause_sla=False)
    paused = from_tmf("held", holds_pause_sla=True)

    assert running == Mapped(S.IN_PROGRESS, HELD_PREFIX)
    assert running.status in SLA_RUNNING_STATUSES
    assert paused == Mapped(S.ON_HOLD, HELD_PREFIX)
    assert paused.status in SLA_PAUSED_STATUSES


def test_pending_waits_on_us_and_pauses_the_sla_whatever_the_setting():
    for setting in (False, True):
        assert from_tmf("pending", holds_pause_sla=setting).status in SLA_PAUSED_STATUSES


@pytest.mark.parametrize("word", ["INPROGRESS", "Resolved", "HELD", "Pending", "reOpened"])
def test_a_word_in_another_case_is_read_as_the_same_word(word):
    exact = next(known for known in FROM_TMF if known.lower() == word.lower())

    assert from_tmf(word) == from_tmf(exact)


@pytest.mark.parametrize(
    "word", ["", "frozen", "in-progress", "on-hold", "re-opened", "in progress", "closed "]
)
def test_a_word_we_do_not_know_is_unknown_never_a_guess(word):
    """Our own spellings are not TMF's: a supplier writing them is out of its vocabulary."""
    assert from_tmf(word) is UNKNOWN
    assert UNKNOWN.status is None


@pytest.mark.parametrize(("ours", "word"), TO_TMF.items())
def test_each_of_our_statuses_reads_as_one_tmf_word(ours, word):
    assert to_tmf(ours) == word


# Not a draft (never said), nor pending (ours waits for the supplier's acceptance; in TMF's words
# the ticket is acknowledged already).
@pytest.mark.parametrize("ours", sorted(set(S.values) - {S.DRAFT, S.PENDING}))
def test_our_status_read_back_from_tmf_keeps_its_sla_clock(ours):
    """What we say in TMF's words (the server of our own faults) means, read back, a status
    whose SLA clock does what ours does: running, paused or stopped."""

    def clock(status):
        if status in SLA_RUNNING_STATUSES:
            return "running"
        return "paused" if status in SLA_PAUSED_STATUSES else "stopped"

    read_back = from_tmf(to_tmf(ours)).status

    assert clock(read_back) == clock(ours)


def test_our_answers_to_a_resolution_and_our_cancel_are_mef_124s_words():
    assert (RESOLUTION_ACCEPTED, RESOLUTION_REJECTED, CANCELLED) == (
        "closed",
        "reopened",
        "cancelled",
    )
    assert from_tmf(RESOLUTION_REJECTED).status == S.REOPENED


@pytest.mark.parametrize(
    ("word", "reason", "shown"),
    [
        ("held", "Waiting for parts", "Held by the supplier: Waiting for parts"),
        ("held", "", "Held by the supplier"),
        (
            "pending",
            "  Site access hours?  ",
            "Information required by the supplier: Site access hours?",
        ),
        ("resolved", "Card replaced", "Card replaced"),
        ("assessingCancellation", "", "The supplier is assessing our cancellation"),
    ],
)
def test_the_reason_shown_carries_the_mappings_prefix(word, reason, shown):
    assert reason_with_prefix(from_tmf(word), reason) == shown
