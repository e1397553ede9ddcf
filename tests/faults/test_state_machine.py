"""Every transition of design §4 from every status: allowed moves land on their target, every
other move is refused by the state machine and by the services, changing nothing."""

import pytest
from django_fsm import TransitionNotAllowed as FsmTransitionNotAllowed
from django_fsm import can_proceed

from faults.choices import FaultStatus
from faults.models import Fault

S = FaultStatus
ALL = list(S.values)
NON_TERMINAL = [
    S.DRAFT,
    S.PENDING,
    S.ACCEPTED,
    S.OPEN,
    S.IN_PROGRESS,
    S.ON_HOLD,
    S.RESOLVED,
    S.REOPENED,
]

# The table of design §4 (plus `reopen`, the supplier's own resolved → re-opened).
TABLE = {
    "submit": ([S.DRAFT], S.PENDING),
    "accept": ([S.PENDING], S.ACCEPTED),
    "reject": ([S.PENDING], S.REJECTED),
    "open": ([S.ACCEPTED], S.OPEN),
    "start": ([S.ACCEPTED, S.OPEN, S.ON_HOLD, S.REOPENED], S.IN_PROGRESS),
    "hold": ([S.ACCEPTED, S.OPEN, S.IN_PROGRESS, S.REOPENED], S.ON_HOLD),
    "resolve": ([S.ACCEPTED, S.OPEN, S.IN_PROGRESS, S.ON_HOLD, S.REOPENED], S.RESOLVED),
    "accept_resolution": ([S.RESOLVED], S.CLOSED),
    "reject_resolution": ([S.RESOLVED], S.REOPENED),
    "reopen": ([S.RESOLVED], S.REOPENED),
    "auto_close": ([S.RESOLVED], S.CLOSED),
    "close": ([S.RESOLVED], S.CLOSED),
    "cancel": (NON_TERMINAL, S.CANCELLED),
}

ALLOWED = [(name, source) for name, (sources, _) in TABLE.items() for source in sources]
FORBIDDEN = [
    (name, status)
    for name, (sources, _) in TABLE.items()
    for status in ALL
    if status not in sources
]


def test_the_table_covers_every_transition_of_the_model():
    field = Fault._meta.get_field("status")
    assert {t.name for t in field.get_all_transitions(Fault)} == set(TABLE)


@pytest.mark.parametrize(("name", "source"), ALLOWED)
def test_allowed_transition_reaches_its_target(name, source):
    fault = Fault(status=source)
    assert can_proceed(getattr(fault, name))
    getattr(fault, name)()
    assert fault.status == TABLE[name][1]


@pytest.mark.parametrize(("name", "source"), FORBIDDEN)
def test_forbidden_transition_is_refused_and_changes_nothing(name, source):
    fault = Fault(status=source)
    assert not can_proceed(getattr(fault, name))
    with pytest.raises(FsmTransitionNotAllowed):
        getattr(fault, name)()
    assert fault.status == source


@pytest.mark.parametrize("terminal", [S.REJECTED, S.CLOSED, S.CANCELLED])
def test_terminal_statuses_have_no_way_out(terminal):
    fault = Fault(status=terminal)
    assert [name for name in TABLE if can_proceed(getattr(fault, name))] == []


def test_status_cannot_be_assigned_directly():
    fault = Fault(status=S.PENDING)
    with pytest.raises(AttributeError):
        fault.status = S.CLOSED
