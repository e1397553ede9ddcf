"""What an end-to-end test reads of a fault's life, whatever its supplier's protocol: the
statuses it went through, waiting for one (saying where it is stuck on a timeout), whether the
spine has settled, the anomalies recorded."""

from faults.choices import EventKind
from faults.models import Fault, FaultEvent
from integrations.choices import InboundStatus, OutboundStatus
from integrations.models import InboundMessage, OutboundMessage
from tests.e2e.processes import wait_for


def statuses(reference: str) -> list[str]:
    return list(
        FaultEvent.objects.filter(fault__buyer_fault_reference=reference, kind=EventKind.STATUS)
        .order_by("at", "id")
        .values_list("to_status", flat=True)
    )


def status_of(reference: str) -> str:
    return Fault.objects.get(buyer_fault_reference=reference).status


def reaches(reference: str, status: str, timeout: float = 60) -> Fault:
    """Wait until the fault is `status`; on a timeout, say where it is and what the spine holds."""
    try:
        wait_for(
            lambda: status_of(reference) == status,
            timeout=timeout,
            what=f"{reference} to be {status}",
        )
    except AssertionError as exc:
        inbound = list(
            InboundMessage.objects.values_list("message_type", "status", "attempts", "last_error")
        )
        outbound = list(
            OutboundMessage.objects.values_list("operation", "status", "attempts", "last_error")
        )
        anomalies = list(
            FaultEvent.objects.filter(kind=EventKind.ANOMALY).values_list("message", flat=True)
        )
        raise AssertionError(
            f"{exc}: it is {status_of(reference)} after {statuses(reference)}; "
            f"inbound {inbound}; outbound {outbound}; anomalies {anomalies}"
        ) from None
    return Fault.objects.get(buyer_fault_reference=reference)


def all_settled() -> bool:
    """Every message delivered to the supplier, every message from it applied."""
    return not (
        OutboundMessage.objects.exclude(status=OutboundStatus.DELIVERED).exists()
        or InboundMessage.objects.exclude(status=InboundStatus.APPLIED).exists()
    )


def anomalies(reference: str) -> list[str]:
    return list(
        FaultEvent.objects.filter(
            fault__buyer_fault_reference=reference, kind=EventKind.ANOMALY
        ).values_list("message", flat=True)
    )
