"""A hub subscriber as the outbox sees it: a partner we post our events to (`hub`) and never
raise a fault with (no operations: the raise form and the fault API never offer it, and the
fault services refuse it)."""

from django.utils import timezone

from integrations.adapters import PartnerAdapter, RequestCannotBeSent
from integrations.http import CallResult, OutboundRequest
from integrations.models import OutboundMessage
from integrations.tmf621_api.models import HubSubscription

UNSUBSCRIBED = "the subscriber unsubscribed"


def _unsubscribed(message: OutboundMessage) -> bool:
    return HubSubscription.objects.filter(
        partner_id=message.partner_id, deleted_at__isnull=False
    ).exists()


class HubSubscriberAdapter(PartnerAdapter):
    operations = frozenset()

    def prepare_request(
        self, message: OutboundMessage, request: OutboundRequest
    ) -> OutboundRequest:
        """Sent as stored, unless the subscriber has unsubscribed since: unsubscribing
        withdraws the events waiting for it, and this one, being sent then, came back to wait."""
        if _unsubscribed(message):
            raise RequestCannotBeSent(UNSUBSCRIBED)
        return request

    def on_refused(self, message: OutboundMessage, result: CallResult) -> None:
        """An event not sent because its subscriber left needs nobody: dismissed, as the ones
        withdrawn when it unsubscribed."""
        if UNSUBSCRIBED in result.error:
            message.dismissed_at = timezone.now()
