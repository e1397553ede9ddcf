"""Bad input to the TMF621 API: each refusal is a 4xx with the TMF error body (v4 `Error`) that
names the problem, and nothing is changed; no input causes a server error."""

import base64
import json

import pytest

from faults.models import Fault, FaultComment, FaultEvent
from integrations.tmf621.schema import validation_errors
from integrations.tmf621_api.models import TicketAttributes
from tests.tmf621_api.conftest import TICKETS, patch_ticket, post_ticket, ticket_body

pytestmark = pytest.mark.django_db


def assert_tmf_error(response, status: int, *words: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json;charset=utf-8"
    error = response.json()
    assert validation_errors("error", error) == [], error
    assert error["status"] == str(status)
    text = f"{error['reason']} {error['message']}"
    for word in words:
        assert word in text, (word, error)
    return error


@pytest.fixture
def nothing_changes(db):
    """Asserts, after the test, that no fault, comment, audit row or ticket attributes were
    written by the refused requests (the test's own setup excepted)."""
    counts = {}

    def snapshot():
        return tuple(
            model.objects.count() for model in (Fault, FaultComment, FaultEvent, TicketAttributes)
        )

    counts["before"] = snapshot
    yield counts
    assert snapshot() == counts["start"]


def _start(nothing_changes) -> None:
    nothing_changes["start"] = nothing_changes["before"]()


@pytest.fixture
def ticket_id(agent_tmf, supplier_ready, nothing_changes) -> str:
    ticket = post_ticket(agent_tmf, ticket_body()).json()["id"]
    _start(nothing_changes)
    return ticket


def _raw_post(client, raw: bytes | str, content_type="application/json", path=TICKETS):
    return client.generic("POST", path, raw, content_type=content_type)


# --- the body ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw",
    ['{"description": ', "not json", '{"description": NaN}', "", '{"a": 1} trailing'],
)
def test_malformed_json_is_refused(agent_tmf, supplier_ready, nothing_changes, raw):
    _start(nothing_changes)
    error = assert_tmf_error(_raw_post(agent_tmf, raw), 400, "not valid JSON")
    assert error["code"] == "invalidBody"


def test_a_body_that_is_not_utf8_is_refused(agent_tmf, supplier_ready, nothing_changes):
    _start(nothing_changes)
    assert_tmf_error(_raw_post(agent_tmf, '{"description": "caf\xe9"}'.encode("latin-1")), 400)


def test_deeply_nested_json_is_refused(agent_tmf, supplier_ready, nothing_changes):
    _start(nothing_changes)
    raw = '{"channel": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert 400 <= _raw_post(agent_tmf, raw).status_code < 500


@pytest.mark.parametrize("body", [[], "ticket", 42, None])
def test_a_body_that_is_not_an_object_is_refused(agent_tmf, supplier_ready, nothing_changes, body):
    _start(nothing_changes)
    assert_tmf_error(post_ticket(agent_tmf, body), 400, "JSON object")


@pytest.mark.parametrize("missing", ["description", "severity", "ticketType"])
def test_each_required_attribute_is_required(agent_tmf, supplier_ready, nothing_changes, missing):
    _start(nothing_changes)
    body = ticket_body()
    del body[missing]
    assert_tmf_error(post_ticket(agent_tmf, body), 400, missing)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("description", 5),
        ("description", "   "),
        ("severity", ["High"]),
        ("ticketType", {"a": 1}),
        ("priority", True),
        ("priority", 9),
        ("priority", "urgent-ish"),
        ("note", {"text": "a note given as an object"}),
        ("note", [{"text": 7}]),
        ("note", [{"author": "no text"}]),
        ("relatedParty", {"id": "test-supplier", "role": "supplier"}),
        ("relatedParty", [{"role": "supplier"}]),
        ("relatedEntity", [{"id": "SVC", "@referredType": "Service"}]),
        ("channel", "web"),
        ("attachment", {"url": "https://x"}),
        ("attachment", [{"name": "a.log", "content": "%%% not base64"}]),
        ("attachment", [{"description": "neither content nor url"}]),
        ("attachment", [{"content": "aGVsbG8="}]),
        ("requestedResolutionDate", "tomorrow"),
        ("troubleTicketCharacteristic", {"name": "faultLocation"}),
        ("troubleTicketCharacteristic", [{"name": "colour", "value": "red"}]),
        ("troubleTicketCharacteristic", [{"name": "triageComplete", "value": "maybe"}]),
        ("troubleTicketCharacteristic", [{"name": "faultStartTime", "value": "yesterday"}]),
        ("troubleTicketCharacteristic", [{"name": "faultStartTime", "value": "2024-05-01T10:00"}]),
        ("troubleTicketCharacteristic", [{"name": "faultLocation", "value": 12}]),
        # Read by Python, not storable by PostgreSQL: an offset beyond ±15:59, a year past 9999.
        ("requestedResolutionDate", "2024-05-01T10:00:00+20:00"),
        ("issueStartDate", "9999-12-31T23:59:59-10:00"),
        (
            "troubleTicketCharacteristic",
            [{"name": "faultStartTime", "value": "0001-01-01T00:00:00+14:00"}],
        ),
    ],
)
def test_wrong_types_and_values_are_refused_naming_the_attribute(
    agent_tmf, supplier_ready, nothing_changes, name, value
):
    _start(nothing_changes)
    assert_tmf_error(post_ticket(agent_tmf, ticket_body(**{name: value})), 400, name)


@pytest.mark.parametrize(
    ("name", "length"),
    [
        ("description", 4001),
        ("severity", 51),
        ("ticketType", 101),
        ("externalId", 256),
        ("name", 256),
    ],
)
def test_over_long_strings_are_refused(agent_tmf, supplier_ready, nothing_changes, name, length):
    _start(nothing_changes)
    assert_tmf_error(post_ticket(agent_tmf, ticket_body(**{name: "x" * length})), 400, name)


def test_an_over_long_note_or_detail_or_service_is_refused(
    agent_tmf, supplier_ready, nothing_changes
):
    _start(nothing_changes)
    long_note = ticket_body(note=[{"text": "x" * 4001}])
    assert_tmf_error(post_ticket(agent_tmf, long_note), 400, "note[0].text")
    body = ticket_body()
    body["troubleTicketCharacteristic"].append({"name": "faultLocation", "value": "x" * 1001})
    assert_tmf_error(post_ticket(agent_tmf, body), 400, "faultLocation")
    service = ticket_body(
        relatedEntity=[{"id": "S" * 256, "role": "s", "@referredType": "Service"}]
    )
    assert_tmf_error(post_ticket(agent_tmf, service), 400, "relatedEntity")


def test_an_unknown_supplier_or_buyer_identifier_is_refused(
    agent_tmf, supplier_ready, nothing_changes
):
    _start(nothing_changes)
    body = ticket_body()
    body["relatedParty"][0]["id"] = "nobody"
    assert_tmf_error(post_ticket(agent_tmf, body), 400, "nobody", "test-supplier")
    body = ticket_body()
    body["relatedParty"].append({"id": "NOPE", "role": "buyer", "@referredType": "Organization"})
    assert_tmf_error(post_ticket(agent_tmf, body), 400, "NOPE")


def test_a_program_sent_as_an_attachment_is_refused(agent_tmf, supplier_ready, nothing_changes):
    _start(nothing_changes)
    exe = base64.b64encode(b"MZ\x90\x00" + b"\x00" * 64).decode()
    body = ticket_body(attachment=[{"name": "report.pdf", "content": exe}])
    assert_tmf_error(post_ticket(agent_tmf, body), 400)


def test_a_body_over_the_limit_is_refused(agent_tmf, supplier_ready, nothing_changes, settings):
    _start(nothing_changes)
    settings.ATTACHMENT_MAX_BYTES = 1024
    big = base64.b64encode(b"x" * 400_000).decode()
    body = ticket_body(attachment=[{"name": "big.log", "content": big}])
    assert_tmf_error(post_ticket(agent_tmf, body), 413)


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
        "application/json; charset=latin-1",
    ],
)
def test_another_media_type_is_refused(agent_tmf, supplier_ready, nothing_changes, content_type):
    _start(nothing_changes)
    response = _raw_post(agent_tmf, json.dumps(ticket_body()), content_type=content_type)
    assert_tmf_error(response, 415, "application/json")


# --- PATCH ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "change",
    [
        {"id": "OTHER"},
        {"href": "x"},
        {"creationDate": "2020-01-01T00:00:00Z"},
        {"statusChange": []},
        {"resolutionDate": "2020-01-01T00:00:00Z"},
        {"@type": "Incident"},
        {"status": "flying"},
        {"statusChangeReason": "without a status"},
        {"note": {"text": "an object, not a list"}},
        {"description": "x" * 4001},
        {"priority": "0"},
        {"troubleTicketCharacteristic": [{"name": "faultType", "value": "Service Outage"}]},
    ],
)
def test_a_refused_patch_changes_nothing(agent_tmf, ticket_id, change):
    response = patch_ticket(agent_tmf, ticket_id, change)
    assert 400 <= response.status_code < 500
    assert_tmf_error(response, response.status_code)


@pytest.mark.parametrize("status", ["pending", "resolved", "held", "rejected", "closed"])
def test_a_status_the_buyer_cannot_set_is_a_conflict(agent_tmf, ticket_id, status):
    assert_tmf_error(patch_ticket(agent_tmf, ticket_id, {"status": status}), 409)


def test_a_patch_of_another_media_type_is_refused(agent_tmf, ticket_id):
    response = patch_ticket(agent_tmf, ticket_id, {"description": "x"}, content_type="text/plain")
    assert_tmf_error(response, 415)


# --- the query string ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "word"),
    [
        ("colour=red", "colour"),
        ("status.gt=inProgress", "status.gt"),
        ("creationDate.between=2024-01-01", "creationDate.between"),
        ("creationDate.gt=last-week", "creationDate"),
        ("creationDate.gt=9999-12-31T23:59:59-10:00", "creationDate"),
        ("statusChangeDate.lt=2024-01-01T00:00:00%2B23:00", "statusChangeDate"),
        ("status=flying", "status"),
        ("priority=99", "priority"),
        ("priority.gt=high-ish", "priority"),
        ("offset=-1", "offset"),
        ("limit=0", "limit"),
        ("limit=lots", "limit"),
        ("limit=100000", "limit"),
        ("fields=colour", "colour"),
        ("fields=relatedParty.id", "relatedParty.id"),
        ("fields=", "fields"),
        ("sort=-creationDate", "sort"),
        ("expand=note", "expand"),
    ],
)
def test_a_query_it_cannot_answer_is_refused(agent_tmf, draft, query, word):
    assert_tmf_error(agent_tmf.get(f"{TICKETS}?{query}"), 400, word)


def test_an_unknown_projection_of_one_ticket_is_refused(agent_tmf, draft):
    response = agent_tmf.get(f"{TICKETS}/{draft.buyer_fault_reference}?fields=id,colour")
    assert_tmf_error(response, 400, "colour")


# --- routes and methods --------------------------------------------------------------------------
def test_a_method_a_route_does_not_take_is_refused(agent_tmf, ticket_id):
    assert_tmf_error(agent_tmf.put(f"{TICKETS}/{ticket_id}", {}, format="json"), 405)
    assert_tmf_error(agent_tmf.delete(TICKETS), 405)
    assert_tmf_error(post_ticket(agent_tmf, ticket_body(), path=f"{TICKETS}/{ticket_id}"), 405)


@pytest.mark.parametrize("path", ["/tmf-api/troubleTicket/v4/", "/tmf-api/troubleTicket/v4/other"])
def test_a_url_under_the_base_that_names_nothing_is_a_tmf_404(agent_tmf, db, path):
    assert_tmf_error(agent_tmf.get(path), 404)


def test_an_unknown_attachment_is_a_tmf_404(agent_tmf, ticket_id):
    assert_tmf_error(agent_tmf.get(f"{TICKETS}/{ticket_id}/attachment/999"), 404)


# --- characters PostgreSQL cannot store ----------------------------------------------------------
@pytest.mark.parametrize(
    "change",
    [
        {"description": "nul \x00 inside"},
        {"externalId": "OSS-\x00"},
        {"note": [{"text": "nul \x00"}]},
        {"channel": {"id": "\x00"}},
        {"troubleTicketCharacteristic": [{"name": "faultLocation", "value": "a\x00b"}]},
    ],
)
def test_a_nul_character_is_refused_not_a_server_error(agent_tmf, ticket_id, change):
    error = assert_tmf_error(patch_ticket(agent_tmf, ticket_id, change), 400)
    assert "NUL" in error["message"]


@pytest.mark.parametrize("query", ["externalId=a%00b", "name=%00", "description=%00", "id=%00"])
def test_a_nul_character_in_a_filter_is_refused(agent_tmf, draft, query):
    assert_tmf_error(agent_tmf.get(f"{TICKETS}?{query}"), 400, "NUL")
