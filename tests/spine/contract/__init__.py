"""The spine's contract tests, run once per protocol driver (tests/spine/drivers/). What the
inbox and edge tests share: when their faults were raised, and what a refusal must leave as it
was."""

from datetime import UTC, datetime

from faults.models import Fault, FaultEvent, FaultUpdate

SUBMITTED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def fault_state(fault: Fault) -> tuple:
    """What a message could change on the fault: compared before and after a refusal."""
    fresh = Fault.objects.get(pk=fault.pk)
    return (
        fresh.status,
        fresh.maintainer_fault_reference,
        fresh.updated_at,
        FaultEvent.objects.filter(fault=fault).count(),
        FaultUpdate.objects.filter(fault=fault).count(),
    )
