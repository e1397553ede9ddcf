"""The fake protocol's part of the fault pages, declared in its package.py: how many of its hub
deliveries wait, as a wallboard figure (what a hub package would show the NOC)."""

from faults.contributions import WallboardFigure
from integrations.choices import OUTBOUND_UNFINISHED
from integrations.models import OutboundMessage
from tests.fake_protocol import PROTOCOL
from tests.fake_protocol.subscriber import OPERATION


def _hub_deliveries_waiting() -> int:
    return OutboundMessage.objects.filter(
        partner__protocol=PROTOCOL, operation=OPERATION, status__in=OUTBOUND_UNFINISHED
    ).count()


HUB_DELIVERIES_FIGURE = WallboardFigure(
    key="fake-hub-waiting",
    label="Hub deliveries waiting",
    after="open",
    count=_hub_deliveries_waiting,
)
