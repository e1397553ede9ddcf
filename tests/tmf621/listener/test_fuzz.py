"""Property: whatever mutation of a well-formed event reaches the listener — its JSON changed
(keys dropped, renamed, values replaced by any JSON, NUL characters and lone surrogates
included), then its bytes (flipped, cut, spliced, padded past the size limit), posted to the
event's URL or another — the answer is never a 500 but 201 or a 4xx in TMF's error shape; a
refusal stores nothing and changes no fault; and what was taken, the inbox applies without
error (or, for an event carrying only a ticket id, keeps to fetch later), moving the fault to
nothing but the status the event's ticket says."""

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db.models.functions import Now
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from faults.choices import FaultStatus
from faults.models import Fault, SlaPause
from integrations.choices import InboundStatus
from integrations.inbox import inbox_apply
from integrations.models import InboundMessage, Partner
from integrations.tmf621.events import EVENT_TYPES
from integrations.tmf621.mapping import from_tmf
from tests.tmf621.listener.conftest import SLUG, assert_tmf_error, example, post_event

pytestmark = [pytest.mark.postgres]

TICKET = "3180"  # the v5 examples' ticket id, so they name our fault as they are
REFERENCE = "NOC-FUZZ-1"
SIZE_LIMIT = 3000
SPECIAL_TEXT = st.sampled_from(
    [
        "",
        "\x00",
        "TT\x00",
        "\ud800",
        "pending",
        "held",
        "inProgress",
        "resolved",
        "reopened",
        "assessingCancellation",
        "frozen",
        "buyer",
        "NOC-TMF",
        "SOMEONE-ELSE",
        TICKET,
        REFERENCE,
        "noc-comment-1",
        "2024-02-30T25:00:00Z",
        "1970-01-01T00:00:00Z",
        "9999-12-31T23:59:59-23:59",
        *EVENT_TYPES,
        "TroubleTicketResolvedEvent",
    ]
)
any_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30) | SPECIAL_TEXT,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=8) | SPECIAL_TEXT, children, max_size=3)
    ),
    max_leaves=8,
)


def whole_ticket_event(word: str) -> dict[str, Any]:
    return {
        "eventId": f"EV-{word}",
        "eventTime": datetime.now(UTC).isoformat(),  # after the fault's last status
        "eventType": "troubleTicketStatusChangeEvent",
        "event": {
            "troubleTicket": {
                "id": TICKET,
                "externalId": REFERENCE,
                "status": word,
                "statusChangeReason": "Because",
                "expectedResolutionDate": "2030-01-01T00:00:00Z",
                "note": [
                    {"id": "n1", "text": "Engineer on site"},
                    {"id": "noc-c-1", "text": "Ours"},
                ],
                "relatedParty": [
                    {"id": "NOC-TMF", "role": "buyer", "@referredType": "Organization"}
                ],
            }
        },
    }


def seeds() -> list[dict[str, Any]]:
    """Well-formed events for the fault: whole tickets in each status, with notes, sent now,
    and the specifications' examples (whole and id-only)."""
    words = ("pending", "held", "inProgress", "resolved", "assessingCancellation")
    return [whole_ticket_event(word) for word in words] + [
        example("v5-status-change-event"),
        example("v5-resolved-event"),
        example("v5-attribute-value-change-event"),
        example("v5-information-required-event"),
        {**example("mef124-resolved-event"), "event": {"id": TICKET}},
    ]


SEED_COUNT = len(seeds())


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*path, index))
    return found


def _mutate(body: Any, mutation: tuple) -> Any:
    kind, at, new_value, new_key = mutation
    paths = [p for p in _paths(body) if p]
    if not paths:
        return new_value
    path = paths[at % len(paths)]
    parent = body
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if kind == "replace":
        parent[last] = new_value
    elif kind == "delete":
        del parent[last]
    elif kind == "rename" and isinstance(parent, dict):
        parent[new_key] = parent.pop(last)
    elif kind == "duplicate" and isinstance(parent, list):
        parent.insert(last, copy.deepcopy(parent[last]))
    return body


def _mutate_bytes(body: bytes, mutation: tuple) -> bytes:
    kind, at, value, text = mutation
    at %= len(body) + 1
    if kind == "flip" and at < len(body):
        return body[:at] + bytes([value]) + body[at + 1 :]
    if kind == "truncate":
        return body[:at]
    if kind == "pad":
        return body[:at] + b" " * (value * 16) + body[at:]
    return body[:at] + text.encode("utf-8", "surrogatepass") + body[at:]


@st.composite
def mutated_event(draw) -> tuple[bytes, str]:
    body = seeds()[draw(st.integers(0, SEED_COUNT - 1))]
    for mutation in draw(
        st.lists(
            st.tuples(
                st.sampled_from(["replace", "delete", "rename", "duplicate"]),
                st.integers(0, 500),
                any_json,
                st.text(max_size=8) | SPECIAL_TEXT,
            ),
            max_size=4,
        )
    ):
        body = _mutate(body, mutation)
    try:
        raw = json.dumps(body).encode("utf-8", "surrogatepass")
    except (ValueError, TypeError):
        raw = repr(body).encode("utf-8", "surrogatepass")
    for mutation in draw(
        st.lists(
            st.tuples(
                st.sampled_from(["flip", "truncate", "splice", "pad"]),
                st.integers(0, 5000),
                st.integers(0, 255),
                st.text(max_size=10),
            ),
            max_size=2,
        )
    ):
        raw = _mutate_bytes(raw, mutation)
    named = body.get("eventType") if isinstance(body, dict) else None
    own = named if isinstance(named, str) and named and "/" not in named else EVENT_TYPES[1]
    others = ["TroubleTicketStatusChangeEvent", "troubleTicketCreateEvent"]
    url_type = draw(st.sampled_from([own, *EVENT_TYPES, *others]))
    return raw, url_type


def _fault_state(fault_id: int) -> tuple:
    fault = Fault.objects.get(pk=fault_id)
    return (
        fault.status,
        fault.status_reason,
        fault.maintainer_fault_reference,
        fault.events.count(),
        fault.comments.count(),
    )


def _ticket_word(raw: bytes) -> object:
    """The status the accepted event's ticket states (the fetched one's is the seeds' none)."""
    data = json.loads(raw)
    payload = data["event"]
    ticket = payload.get("troubleTicket", payload)
    return ticket.get("status")


@pytest.fixture
def fuzz_fault(raise_fault, tmf_supplier) -> Fault:
    Partner.objects.filter(pk=tmf_supplier.pk).update(max_inbound_bytes=SIZE_LIMIT)
    return raise_fault("in-progress", ticket=TICKET, buyer_fault_reference=REFERENCE)


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mutated=mutated_event())
def test_no_mutated_event_gets_a_500_or_applies_anything_invalid(client, fuzz_fault, mutated):
    raw, url_type = mutated
    # Each example starts from the fault as the supplier left it: working on it, its last
    # status sent an hour ago (so an event older than that changes no status).
    Fault.objects.filter(pk=fuzz_fault.pk).update(
        status=FaultStatus.IN_PROGRESS,
        status_reason="",
        maintainer_fault_reference=TICKET,
        supplier_status_sent_at=fuzz_fault.supplier_status_sent_at,
    )
    SlaPause.objects.filter(fault=fuzz_fault, ended_at__isnull=True).update(ended_at=Now())
    before = _fault_state(fuzz_fault.pk)
    rows_before = set(InboundMessage.objects.values_list("id", flat=True))

    response = post_event(client, raw, event_type=url_type, slug=SLUG)

    event(f"HTTP {response.status_code}")
    assert response.status_code in (201, 400, 404, 413), response.content
    new_rows = list(InboundMessage.objects.exclude(id__in=rows_before))
    if response.status_code != 201:
        assert_tmf_error(response, response.status_code)
        assert not new_rows
        assert _fault_state(fuzz_fault.pk) == before
        return
    assert set(response.json()) == {"id", "callback"}
    assert len(new_rows) <= 1  # none: a duplicate of an earlier example, counted
    for row in new_rows:
        assert bytes(row.body) == raw
        assert row.fault_id == fuzz_fault.pk
        outcome = inbox_apply(inbound_id=row.pk)
        row.refresh_from_db()
        event(f"applied: {outcome}")
        if outcome != InboundStatus.APPLIED:  # an id-only event: the supplier is not there
            assert row.last_error.startswith("TicketFetchFailed"), row.last_error
            assert _fault_state(fuzz_fault.pk) == before
            continue
        fault = Fault.objects.get(pk=fuzz_fault.pk)
        word = _ticket_word(raw)
        mapped = from_tmf(word).status if isinstance(word, str) else None
        assert fault.status in {before[0], mapped}
        assert "\x00" not in fault.status_reason
        assert len(fault.maintainer_fault_reference) <= 36
