"""An event posted to the listener, read once (`integrations.tmf621.events`): the four event
types in v4's and the seed's spelling, the whole ticket or only its id, what we refuse because
we cannot use it, and what we take while noting where it departs from the v4 schema."""

import json
from datetime import UTC, datetime

import pytest

from integrations.tmf621.events import (
    EVENT_TYPES,
    EventUnreadable,
    event_type_named,
    read_event,
    read_event_body,
)

STATUS_CHANGE = "troubleTicketStatusChangeEvent"


def event(**fields) -> dict:
    body = {
        "eventId": "EV-1",
        "eventTime": "2024-03-01T09:30:00Z",
        "eventType": STATUS_CHANGE,
        "event": {
            "troubleTicket": {
                "id": "TT-1001",
                "externalId": "NOC-000042",
                "status": "inProgress",
                "relatedParty": [
                    {"id": "NOC-TMF", "role": "buyer", "@referredType": "Organization"}
                ],
            }
        },
    }
    body.update(fields)
    return body


def refused(body, *, url_event_type: str | None = STATUS_CHANGE) -> str:
    with pytest.raises(EventUnreadable) as error:
        read_event(body, url_event_type=url_event_type)
    return error.value.reason


# --- event types --------------------------------------------------------------------------------
def test_the_four_events_of_the_seed_are_v4s_four():
    assert EVENT_TYPES == (
        "troubleTicketAttributeValueChangeEvent",
        "troubleTicketStatusChangeEvent",
        "troubleTicketResolvedEvent",
        "troubleTicketInformationRequiredEvent",
    )


@pytest.mark.parametrize("v4_name", EVENT_TYPES)
def test_each_event_type_is_named_in_v4s_spelling_or_the_seeds(v4_name):
    seeds = v4_name[0].upper() + v4_name[1:]

    assert event_type_named(v4_name) == event_type_named(seeds) == v4_name


@pytest.mark.parametrize(
    "name",
    [
        "troubleTicketCreateEvent",  # v4 has it, the seed does not
        "TROUBLETICKETSTATUSCHANGEEVENT",
        "troubleticketstatuschangeevent",
        "statusChange",
        "",
        None,
        7,
    ],
)
def test_any_other_name_is_no_event_of_ours(name):
    assert event_type_named(name) is None


# --- what is read -------------------------------------------------------------------------------
def test_a_v4_event_carries_the_whole_ticket_and_names_its_fault_and_buyer():
    read = read_event(event(), url_event_type=STATUS_CHANGE)

    assert read.event_type == STATUS_CHANGE
    assert read.event_id == "EV-1"
    assert read.event_time == datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    assert (read.ticket_id, read.buyer_fault_reference, read.buyer_identifier) == (
        "TT-1001",
        "NOC-000042",
        "NOC-TMF",
    )
    assert not read.only_id
    assert read.deviations == []


def test_the_seeds_spelling_in_the_body_agrees_with_v4s_in_the_url():
    read = read_event(
        event(eventType="TroubleTicketStatusChangeEvent"), url_event_type=STATUS_CHANGE
    )

    assert read.event_type == STATUS_CHANGE


@pytest.mark.parametrize(
    "payload",
    [{"id": "TT-1001"}, {"troubleTicket": {"id": "TT-1001", "href": "https://x/TT-1001"}}],
    ids=["mef-124", "reference"],
)
def test_an_event_may_carry_only_the_tickets_id_and_names_no_buyer(payload):
    read = read_event(event(event=payload), url_event_type=STATUS_CHANGE)

    assert read.only_id
    assert (read.ticket_id, read.buyer_fault_reference, read.buyer_identifier) == (
        "TT-1001",
        None,
        None,
    )


def test_an_event_without_an_id_is_known_by_its_type_ticket_and_time():
    body = event()
    del body["eventId"]

    read = read_event(body)

    assert read.event_id == f"{STATUS_CHANGE}:TT-1001:2024-03-01T09:30:00+00:00"
    assert "eventId: missing; the event is known by its type, ticket and time" in read.deviations


def test_a_numeric_ticket_or_event_id_is_read_as_its_digits():
    body = event(eventId=17, event={"troubleTicket": {"id": 3180, "status": "resolved"}})

    read = read_event(body)

    assert (read.event_id, read.ticket_id) == ("17", "3180")
    assert any(d.startswith("event.troubleTicket.id:") for d in read.deviations)


def test_an_external_id_that_is_none_of_ours_leaves_the_ticket_known_by_its_id():
    body = event()
    body["event"]["troubleTicket"]["externalId"] = "their own #42"

    read = read_event(body)

    assert read.buyer_fault_reference is None
    assert read.ticket_id == "TT-1001"
    assert any("externalId 'their own #42' is none of our references" in d for d in read.deviations)


def test_where_the_event_departs_from_v4_is_kept_not_refused():
    body = event(eventTime="yesterday")
    body["event"]["troubleTicket"]["priority"] = "High"  # the profile says 1-10

    read = read_event(body)

    assert "eventTime: missing or unreadable; taken as the ticket's own time" in read.deviations
    assert any(d.startswith("event.troubleTicket.priority:") for d in read.deviations)
    assert any(d.startswith("eventTime:") and "date-time" in d for d in read.deviations)
    assert read.event_time is None


def test_deviations_are_capped_and_storable():
    body = event()
    body["event"]["troubleTicket"]["note"] = [{"text": 1, "id\x00": 2}] * 200

    read = read_event(body)

    assert len(read.deviations) <= 52
    assert any(d.startswith("… and ") for d in read.deviations)
    assert not any("\x00" in d for d in read.deviations)


# --- what is refused ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ([], "The body is not a JSON object."),
        ("event", "The body is not a JSON object."),
        ({"event": {"id": "TT-1"}}, "'eventType' is missing."),
        ({**event(), "event": None}, "'event' is missing or not an object."),
        (
            {k: v for k, v in event().items() if k != "event"},
            "'event' is missing or not an object.",
        ),
        (
            {**event(), "event": {"troubleTicket": "TT-1"}},
            "'event.troubleTicket' is not an object.",
        ),
        ({**event(), "event": {"ticket": {"id": "TT-1"}}}, "'event' carries no troubleTicket"),
        ({**event(), "event": {"troubleTicket": {"status": "resolved"}}}, "The ticket's 'id' is"),
        ({**event(), "event": {"id": ""}}, "The ticket's 'id' is missing or empty."),
        ({**event(), "event": {"id": "T" * 37}}, "The ticket id is longer than 36 characters."),
        ({**event(), "event": {"id": "TT-\ud800"}}, "The ticket id is not valid Unicode"),
        ({**event(), "eventId": "EV-\udfff"}, "The event id is not valid Unicode"),
        (
            {
                **event(),
                "event": {"troubleTicket": {"id": "TT-1", "relatedParty": [{"role": "buyer"}]}},
            },
            "The ticket's relatedParty: the buyer has no id.",
        ),
    ],
)
def test_what_we_cannot_use_is_refused_with_a_reason(body, reason):
    assert refused(body).startswith(reason)


def test_an_event_type_that_is_none_of_the_four_is_refused():
    assert refused(event(eventType="troubleTicketCreateEvent")) == (
        "'eventType' 'troubleTicketCreateEvent' is none of " + ", ".join(EVENT_TYPES) + "."
    )


def test_the_body_must_be_the_event_of_its_listener_url():
    reason = refused(event(eventType="troubleTicketResolvedEvent"))

    assert reason == (
        "'eventType' 'troubleTicketResolvedEvent' is not the event of this listener URL "
        "('troubleTicketStatusChangeEvent')."
    )


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"\xff\xfe\x00garbage", b"", b"[" * 100_000, json.dumps({"a": 1}).encode()[:-1]],
    ids=["syntax", "encoding", "empty", "deep", "truncated"],
)
def test_a_body_that_is_no_json_is_refused(body):
    with pytest.raises(EventUnreadable, match="The body is not JSON"):
        read_event_body(body, url_event_type=STATUS_CHANGE)
