"""A subscription's `query`: which event types it wants (MEF 124 R58: `eventType` is the one
attribute a seller must support, and the one we do).

Both of TMF630's ways of naming several types are read, and may be mixed:

    eventType=troubleTicketResolvedEvent,troubleTicketStatusChangeEvent
    eventType=troubleTicketResolvedEvent&eventType=troubleTicketStatusChangeEvent

Values may be percent-encoded (RFC 3986), spaces around `=` and `,` are allowed (MEF 124's own
example writes `eventType = troubleTicketStatusChangeEvent`), and a type may be written with a
capital T as issue 12's supplier writes them. No query, or an empty one, wants every type.

Anything else is refused rather than ignored (a subscriber who filters on an attribute we do not
support would otherwise get events it did not ask for): another attribute, a type we do not
send, a filter without a value.
"""

from urllib.parse import unquote

from integrations.tmf621_api.events import EVENT_TYPES

MAX_LENGTH = 1000  # HubSubscription.query
FILTER = "eventType"


class QueryRefused(ValueError):
    """The query cannot be used; the message says why, for the subscriber."""


def wanted_event_types(query: str | None) -> tuple[str, ...]:
    """The event types the query names, in the spec's order; () for every type."""
    if query is not None and len(query) > MAX_LENGTH:
        raise QueryRefused(f"The query is longer than {MAX_LENGTH} characters.")
    if query is None or not query.strip():
        return ()
    named: set[str] = set()
    for part in query.split("&"):
        if not part.strip():
            continue
        name, equals, values = part.partition("=")
        name = unquote(name).strip()
        if not equals:
            raise QueryRefused(
                f"'{part.strip()}' is no filter: write {FILTER}=<event type>[,<event type>…]."
            )
        if name != FILTER:
            raise QueryRefused(f"Subscriptions can be filtered by {FILTER} only, not by '{name}'.")
        for value in unquote(values).split(","):
            named.add(_event_type(value.strip()))
    return tuple(event_type for event_type in EVENT_TYPES if event_type in named)


def _event_type(value: str) -> str:
    if not value:
        raise QueryRefused(f"A {FILTER} filter names no event type.")
    normalised = value[:1].lower() + value[1:]
    if normalised not in EVENT_TYPES:
        raise QueryRefused(
            f"'{value}' is not an event type we send; the types are {', '.join(EVENT_TYPES)}."
        )
    return normalised
