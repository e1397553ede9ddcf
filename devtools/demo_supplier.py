"""The demo supplier's side of the demo faults' past, told the way a supplier tells it.

Each change the supplier made to a demo fault (accepted, in progress, on hold, resolved,
rejected) arrives as a real one does: a notifyFaultReportUpdate written by the simulator's own
builder (checked against the supplier's XSD, with the supplier's updates list), received by our
CityFibre endpoint (parsed, stored raw in the inbox) and applied by the inbox, all stamped with
the time it happened (`inbox_recording_history`). So integration health counts the demo
partner's messages, and every fault page shows the message each change came in, as they would
for a fault the simulator moved live.

Nothing goes over the network: the simulator's message builder is pure, and the endpoint's
receiving function is called as the webhook view calls it, from the simulator's address with
its pinned certificate.
"""

from dataclasses import dataclass, field
from datetime import datetime

from faults.choices import FaultStatus, PartnerOperation
from faults.models import Fault
from integrations.cityfibre import soap
from integrations.cityfibre.endpoint import receive_notification
from integrations.cityfibre.simulator.messages import build_notification
from integrations.cityfibre.simulator.state import SimFault, SimUpdate
from integrations.inbox import inbox_apply
from integrations.models import InboundMessage, OutboundMessage, Partner
from integrations.partner_cache import PartnerEdge
from integrations.security import Caller
from integrations.xml import parse_xml

SIMULATOR_ADDRESS = "127.0.0.1"

# What the supplier writes in its updates list for each status (the simulator's words).
UPDATES = {
    FaultStatus.ACCEPTED: "Accepted - fault report created and validated.",
    FaultStatus.IN_PROGRESS: "In progress - an engineer is working on the fault.",
    FaultStatus.ON_HOLD: "On hold - waiting for the end user to arrange access.",
    FaultStatus.RESOLVED: "Resolved - fault fixed.",
    FaultStatus.REJECTED: "Fault report rejected.",
}


class DemoSupplierRefused(RuntimeError):
    """Our own endpoint refused a demo notification: the demo data is wrong, not the input."""


@dataclass
class DemoSupplier:
    """The demo partner as a supplier: what it holds of each demo fault, and its messages."""

    partner: Partner
    _held: dict[int, SimFault] = field(default_factory=dict)
    _sent: dict[int, int] = field(default_factory=dict)

    def notify(
        self,
        fault: Fault,
        *,
        status: str,
        at: datetime,
        reason: str = "",
        maintainer_fault_reference: str = "",
    ) -> InboundMessage:
        """The supplier tells us, at `at`, that the fault is now `status`; the message is
        received and applied as a real one would be. Returns the stored message."""
        held = self._held_fault(fault)
        held.status = status
        held.status_reason = reason
        if maintainer_fault_reference and not held.maintainer_fault_reference:
            held.maintainer_fault_reference = maintainer_fault_reference
        if status in UPDATES:
            held.updates.append(SimUpdate(UPDATES[status], "seller", at))
        self._sent[fault.pk] = self._sent.get(fault.pk, 0) + 1
        message_id = f"CF-MSG-{fault.buyer_fault_reference}-{self._sent[fault.pk]}"
        body = soap.wrap(build_notification(held, message_id=message_id, sent_at=at))
        answer = receive_notification(self._edge(), body, self._caller())
        if answer.http_status != 200:
            raise DemoSupplierRefused(answer.body.decode(errors="replace"))
        stored = InboundMessage.objects.get(partner=self.partner, message_id=message_id)
        inbox_apply(inbound_id=stored.pk)
        stored.refresh_from_db()
        return stored

    def _held_fault(self, fault: Fault) -> SimFault:
        """The fault as the supplier holds it: the raise we sent it, as it received it."""
        if fault.pk not in self._held:
            raised = OutboundMessage.objects.get(fault=fault, operation=PartnerOperation.RAISE)
            self._held[fault.pk] = SimFault(
                buyer_fault_reference=fault.buyer_fault_reference,
                buyer_identifier=fault.buyer_identifier.code,
                scenario="happy",
                report=soap.unwrap(parse_xml(raised.body.encode())),
                raise_message_id=raised.message_id,
                created_at=raised.created_at,
            )
        return self._held[fault.pk]

    def _edge(self) -> PartnerEdge:
        # Built here rather than read from the per-process cache: the demo is loaded once, and
        # a cached partner could be another database's row of the same slug.
        codes = list(
            self.partner.buyer_identifiers.filter(is_active=True).values_list("code", "is_default")
        )
        return PartnerEdge(
            partner=self.partner,
            buyer_codes=frozenset(code for code, _ in codes),
            default_buyer_code=next((code for code, default in codes if default), ""),
        )

    def _caller(self) -> Caller:
        pinned = sorted(self.partner.pinned_fingerprints)
        return Caller(address=SIMULATOR_ADDRESS, cert_fingerprint=pinned[0] if pinned else "")
