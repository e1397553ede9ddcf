"""A subscription's `query` (MEF 124 R58, TMF630): the event types it names, in either of the
two ways of naming several, and a refusal, never a silent widening, for anything else."""

import pytest

from integrations.tmf621_api.events import EVENT_TYPES
from integrations.tmf621_api.hub_query import QueryRefused, wanted_event_types

RESOLVED = "troubleTicketResolvedEvent"
STATUS = "troubleTicketStatusChangeEvent"


@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        (None, ()),
        ("", ()),
        ("   ", ()),
        (f"eventType={RESOLVED}", (RESOLVED,)),
        # Several, by comma or by repeating the filter, in any order: the spec's order back.
        (f"eventType={RESOLVED},{STATUS}", (STATUS, RESOLVED)),
        (f"eventType={RESOLVED}&eventType={STATUS}", (STATUS, RESOLVED)),
        (f"eventType={STATUS}&eventType={STATUS}", (STATUS,)),
        # MEF 124's own example has spaces around `=`; a list may have them after commas.
        (f"eventType = {STATUS}", (STATUS,)),
        (f"eventType={RESOLVED}, {STATUS}", (STATUS, RESOLVED)),
        # Percent-encoded (RFC 3986), and issue 12's capital T.
        (f"eventType={RESOLVED}%2C{STATUS}", (STATUS, RESOLVED)),
        ("eventType=TroubleTicketResolvedEvent", (RESOLVED,)),
        (f"eventType={RESOLVED}&", (RESOLVED,)),
    ],
)
def test_the_event_types_a_query_names(query, wanted):
    assert wanted_event_types(query) == wanted


def test_every_type_the_hub_sends_can_be_asked_for_alone():
    for event_type in EVENT_TYPES:
        assert wanted_event_types(f"eventType={event_type}") == (event_type,)


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("status=resolved", "by eventType only, not by 'status'"),
        (f"eventType={RESOLVED}&severity=High", "not by 'severity'"),
        ("eventType=incidentCreateEvent", "'incidentCreateEvent' is not an event type we send"),
        ("eventType=", "names no event type"),
        (f"eventType={RESOLVED},", "names no event type"),
        (RESOLVED, f"'{RESOLVED}' is no filter"),
        ("eventType=" + "x" * 1000, "longer than 1000 characters"),
    ],
)
def test_a_query_we_cannot_honour_is_refused_with_the_reason(query, words):
    with pytest.raises(QueryRefused) as refused:
        wanted_event_types(query)

    assert words in str(refused.value)
