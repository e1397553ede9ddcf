"""The contract a TMF621 message is checked against (`integrations.tmf621.schema`): the official
v4.0.0 schemas, the profile where seed 002 and MEF 124 knowingly differ from v4 (and only
there), and the seed's field table of required and prohibited fields; then what the listener
answers, checked against the same v4 definitions."""

import json

import pytest

from integrations.tmf621 import schema
from integrations.tmf621.errors import tmf_error_response
from integrations.tmf621.schema import (
    EVENT_TYPES,
    PROFILE,
    InvalidMessage,
    field_table_errors,
    v4_errors,
    validate,
    validation_errors,
)


def create_body(**fields) -> dict:
    """A raise as the contract describes it (INTERFACES.md, "RAISE")."""
    return {
        "externalId": "NOC-000042",
        "ticketType": "Customer_Trouble_Ticket",
        "ticketSubtype": "Maintenance",
        "severity": "Medium",
        "priority": 4,
        "name": "Loss of sync",
        "description": "Intermittent loss of sync since 09:00.",
        "relatedEntity": [{"id": "SVC-1", "role": "affectedService", "@referredType": "Product"}],
        "relatedParty": [
            {"id": "NOC-TMF", "role": "buyer", "@referredType": "Organization", "name": "NOC"}
        ],
        "note": [{"text": "Light levels low at the ONT."}],
        "attachment": [
            {
                "name": "photo.jpg",
                "mimeType": "image/jpeg",
                "content": "aGVsbG8=",
                "size": {"amount": 5, "units": "bytes"},
            }
        ],
        **fields,
    }


def test_a_raise_as_the_contract_describes_it_passes_both_layers():
    assert validation_errors("create", create_body()) == []
    assert field_table_errors(create_body(), method="POST") == []


@pytest.mark.parametrize(
    ("field", "value", "profile_ok", "v4_ok"),
    [
        ("priority", 4, True, False),  # seed 002: an integer 1-10; v4: a string
        ("priority", "4", False, True),
        ("priority", 11, False, False),
        ("ticketSubtype", "Financial", True, True),
        ("ticketSubtype", "Billing", False, True),
        ("severity", "Critical", False, True),
        ("ticketType", "incident", False, True),
    ],
)
def test_the_profile_differs_from_v4_only_where_it_says(field, value, profile_ok, v4_ok):
    body = create_body(**{field: value})

    def accepted(errors: list[str]) -> bool:
        return not any(error.startswith(f"{field}:") for error in errors)

    assert accepted(validation_errors("create", body)) == profile_ok
    assert accepted(v4_errors("create", body)) == v4_ok


@pytest.mark.parametrize("word", ["reopened", "assessingCancellation", "submitted"])
def test_mef_124s_and_the_seeds_statuses_are_profile_additions_to_v4s(word):
    ticket = {"id": "TT-1", "status": word}

    assert validation_errors("ticket", ticket) == []
    assert v4_errors("ticket", ticket) != []
    assert any(d.prop == word for d in PROFILE)


def test_every_problem_is_reported_with_where_it_is():
    body = create_body(severity="Severe", priority="high", lastUpdate="yesterday")
    del body["description"]

    errors = validation_errors("create", body)

    assert [error.split(":", 1)[0] for error in errors] == [
        "(body)",
        "lastUpdate",
        "priority",
        "severity",
    ]
    assert "'description' is a required property" in errors[0]
    with pytest.raises(InvalidMessage) as refused:
        validate("create", body)
    assert refused.value.errors == errors


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("2024-03-01T09:30:00Z", True),
        ("2024-03-01T09:30:00.123+01:00", True),
        ("2024-03-01", False),
        ("2024-03-01T09:30:00", False),  # no offset: no RFC 3339 date-time
        ("2024-13-01T09:30:00Z", False),
    ],
)
def test_date_times_are_rfc_3339(value, valid):
    assert (validation_errors("ticket", {"lastUpdate": value}) == []) == valid


def test_the_field_table_requires_and_prohibits_per_ticket_type_and_method():
    body = create_body(id="TT-1", status="acknowledged")
    del body["relatedEntity"]

    assert field_table_errors(body, method="POST") == [
        "id: not allowed on POST (set by the ticket system)",
        "status: not allowed on POST (set by the ticket system)",
        "relatedEntity: required on POST of a Customer_Trouble_Ticket",
    ]
    complaint = create_body(ticketType="Complaint")
    del complaint["relatedEntity"]
    assert field_table_errors(complaint, method="POST") == []
    assert field_table_errors({"status": "closed"}, method="PATCH") == []
    assert field_table_errors({"ticketType": "Complaint"}, method="PATCH") == [
        "ticketType: not allowed on PATCH (set by the ticket system)"
    ]


def test_the_field_table_checks_the_items_of_lists():
    body = create_body(
        attachment=[{"name": "a.txt"}],
        note=[{"text": "hi", "date": "2024-03-01T09:30:00Z"}],
        relatedParty=[{"role": "buyer"}],
    )

    assert field_table_errors(body, method="POST") == [
        "attachment[0].content: required",
        "attachment[0].mimeType: required",
        "note[0].date: not allowed (set by the ticket system)",
        "relatedParty[0].id: required",
        "relatedParty[0].@referredType: required",
    ]


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_each_event_kind_is_checked_against_its_v4_definition(event_type):
    whole = {
        "eventId": "E1",
        "eventTime": "2024-03-01T09:30:00Z",
        "eventType": event_type,
        "event": {"troubleTicket": {"id": "TT-1", "status": "inProgress"}},
    }
    wrong = {**whole, "eventTime": 5, "event": {"troubleTicket": {"id": 7}}}

    assert validation_errors(event_type, whole) == []
    assert validation_errors(event_type, wrong) == [
        "event.troubleTicket.id: 7 is not of type 'string'",
        "eventTime: 5 is not of type 'string'",
    ]


# --- what the listener answers ----------------------------------------------------------------
@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 413, 415, 503])
def test_every_error_we_answer_is_a_v4_error(status):
    response = tmf_error_response(status=status, reason="Because.")

    body = json.loads(response.content)
    assert validation_errors("error", body) == []
    assert body["status"] == str(status)
    assert response["Content-Type"] == "application/json;charset=utf-8"


def test_the_listeners_acknowledgment_is_v4s_event_subscription():
    acknowledgment = {"id": "EV-1", "callback": "https://noc.example/integrations/tmf621/x"}

    assert validation_errors("subscription", acknowledgment) == []
    assert schema.KINDS["subscription"] == "EventSubscription"
