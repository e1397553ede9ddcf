"""What the integration spine adds to the fault pages (`faults.contributions`): the messages
exchanged with the supplier on a fault's timeline, the queue's section of messages that need an
agent and its section of partners' certificates about to expire, and the messages' count on
the wallboard. Registered by `IntegrationsConfig.ready()`."""

from django.urls import reverse

from faults.contributions import QueueSectionSource, WallboardFigure, register
from integrations.certificates import (
    certificates_needing_attention,
    certificates_needing_attention_first,
)
from integrations.timeline import TIMELINE_SOURCES
from integrations.undelivered import undelivered_first, undelivered_outbound_messages

UNDELIVERED_SECTION = QueueSectionSource(
    key="dead",
    title="Messages the supplier refused or never received",
    after="on-hold",
    rows=undelivered_outbound_messages,
    first_rows=undelivered_first,
    table_template="integrations/queue/_undelivered.html",
    more_url=lambda: reverse("integration-health"),
    when_empty="No message needs an agent: each reached the supplier or is still being sent.",
    see_all=("Every message to and from each supplier:", "Integration health"),
)

CERTIFICATES_SECTION = QueueSectionSource(
    key="certificates",
    title="Partner certificates expiring",
    after="dead",
    rows=certificates_needing_attention,
    first_rows=certificates_needing_attention_first,
    table_template="integrations/queue/_certificates.html",
    more_url=lambda: reverse("integration-health"),
    when_empty="No partner certificate expires in the next 30 days.",
    see_all=("Every partner's certificates:", "Integration health"),
)

UNDELIVERED_FIGURE = WallboardFigure(
    key="dead",
    label="Undelivered messages",
    after="resolved",
    count=lambda: undelivered_outbound_messages().count(),
    tone="bad",
)


def register_contributions() -> None:
    register(*TIMELINE_SOURCES, UNDELIVERED_SECTION, CERTIFICATES_SECTION, UNDELIVERED_FIGURE)
