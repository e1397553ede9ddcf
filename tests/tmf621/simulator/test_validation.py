"""What the simulator refuses, and how: the v4 schema with the profile, the seed's field table
(each Required and Prohibited rule that matters to a caller), the content type, the body, the
paths and methods; each refusal a TMF error, and nothing kept."""

import copy
import json
from typing import Any

import pytest
import requests

from integrations.tmf621.schema import validation_errors
from integrations.tmf621.simulator import Tmf621Simulator
from tests.tmf621.simulator.conftest import Buyer, ticket_body, tmf_error

ISO = "2024-03-01T08:00:00.000Z"


def refused_and_nothing_kept(
    sim: Tmf621Simulator, response: requests.Response, status: int, code: str
) -> dict[str, Any]:
    error = tmf_error(response, status, code)
    assert sim.state()["tickets"] == {}
    return error


def test_a_valid_raise_is_kept_and_answered_201_with_the_v4_ticket(
    sim: Tmf621Simulator, buyer: Buyer
) -> None:
    body = ticket_body()

    response = buyer.send_json("POST", "troubleTicket", body)

    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/json;charset=utf-8"
    ticket = response.json()
    assert validation_errors("ticket", ticket) == []
    assert ticket["id"].startswith("TT-") and ticket["id"][3:].isdigit()
    assert ticket["href"] == f"{sim.api_url}/troubleTicket/{ticket['id']}"
    assert response.headers["Location"] == ticket["href"]
    assert ticket["status"] == "acknowledged"
    assert ticket["externalId"] == body["externalId"]
    assert ticket["relatedParty"] == body["relatedParty"]
    assert ticket["relatedEntity"] == body["relatedEntity"]
    assert ticket["attachment"] == body["attachment"]
    assert [note["text"] for note in ticket["note"]] == [body["note"][0]["text"]]
    assert ticket["note"][0]["id"] and ticket["note"][0]["date"]
    for field in ("creationDate", "lastUpdate", "statusChangeDate", "expectedResolutionDate"):
        assert ticket[field].endswith("Z")
    assert ticket["statusChange"] == [
        {
            "status": "acknowledged",
            "changeReason": ticket["statusChangeReason"],
            "changeDate": ticket["statusChangeDate"],
        }
    ]
    assert list(sim.state()["tickets"]) == [ticket["id"]]


@pytest.mark.parametrize(
    "field", ["description", "severity", "ticketType", "relatedEntity", "relatedParty"]
)
def test_a_trouble_ticket_without_a_required_field_is_refused(
    sim: Tmf621Simulator, buyer: Buyer, field: str
) -> None:
    error = refused_and_nothing_kept(sim, buyer.raise_ticket(**{field: None}), 400, "invalidBody")

    assert field in error["message"]


def test_a_complaint_needs_no_related_entity_but_a_trouble_ticket_does(
    sim: Tmf621Simulator, buyer: Buyer
) -> None:
    complaint = buyer.raise_ticket(ticketType="Complaint", relatedEntity=None)
    trouble = buyer.raise_ticket(relatedEntity=None)

    assert complaint.status_code == 201, complaint.text
    assert "relatedEntity" in tmf_error(trouble, 400, "invalidBody")["message"]


@pytest.mark.parametrize(
    "field, value",
    [
        ("id", "TT-1"),
        ("href", "http://example.test/x"),
        ("status", "acknowledged"),
        ("creationDate", ISO),
        ("lastUpdate", ISO),
        ("statusChangeDate", ISO),
        ("resolutionDate", ISO),
        ("expectedResolutionDate", ISO),
    ],
)
def test_what_the_ticket_system_sets_is_prohibited_on_a_raise(
    sim: Tmf621Simulator, buyer: Buyer, field: str, value: str
) -> None:
    error = refused_and_nothing_kept(sim, buyer.raise_ticket(**{field: value}), 400, "invalidBody")

    assert f"{field}: not allowed" in error["message"]


@pytest.mark.parametrize(
    "field, item, missing",
    [
        ("attachment", {"name": "a.txt", "mimeType": "text/plain"}, "content"),
        ("attachment", {"name": "a.txt", "content": "QQ=="}, "mimeType"),
        ("note", {"author": "Nora"}, "text"),
        ("relatedEntity", {"id": "S1", "role": "affectedService"}, "@referredType"),
        ("relatedEntity", {"id": "S1", "@referredType": "Product"}, "role"),
        ("relatedParty", {"role": "buyer", "@referredType": "Organization"}, "id"),
        ("relatedParty", {"id": "NOC-TMF", "@referredType": "Organization"}, "role"),
    ],
)
def test_an_item_without_its_required_field_is_refused(
    sim: Tmf621Simulator, buyer: Buyer, field: str, item: dict, missing: str
) -> None:
    response = buyer.raise_ticket(**{field: [item]})

    error = refused_and_nothing_kept(sim, response, 400, "invalidBody")
    assert f"{field}[0].{missing}: required" in error["message"]


def test_a_note_date_is_prohibited_to_the_buyer(sim: Tmf621Simulator, buyer: Buyer) -> None:
    response = buyer.raise_ticket(note=[{"text": "x", "date": ISO}])

    error = refused_and_nothing_kept(sim, response, 400, "invalidBody")
    assert "note[0].date: not allowed" in error["message"]


@pytest.mark.parametrize(
    "field, value",
    [
        ("priority", 11),
        ("priority", 0),
        ("priority", "High"),  # v4's string; the seed made it an integer 1-10
        ("severity", "Critical"),
        ("ticketType", "Incident"),
        ("ticketSubtype", "Billing"),
        ("relatedParty", {"id": "NOC-TMF"}),
        ("description", 42),
    ],
)
def test_a_value_the_profiled_schema_does_not_allow_is_refused(
    sim: Tmf621Simulator, buyer: Buyer, field: str, value: Any
) -> None:
    error = refused_and_nothing_kept(sim, buyer.raise_ticket(**{field: value}), 400, "invalidBody")

    assert field in error["message"]


def test_an_attachment_that_is_not_base64_is_refused(sim: Tmf621Simulator, buyer: Buyer) -> None:
    attachment = {"name": "a.txt", "mimeType": "text/plain", "content": "not base64!"}

    response = buyer.raise_ticket(attachment=[attachment])

    error = refused_and_nothing_kept(sim, response, 400, "invalidBody")
    assert "attachment[0].content: not base64" in error["message"]


@pytest.mark.parametrize(
    "body, content_type, status, code",
    [
        (b"{not json", "application/json;charset=utf-8", 400, "invalidBody"),
        (b"[1, 2]", "application/json", 400, "invalidBody"),
        (b"\xff\xfe{}", "application/json", 400, "invalidBody"),
        (b"{}", "text/plain", 415, "unsupportedMediaType"),
        (b"<troubleTicket/>", "application/xml", 415, "unsupportedMediaType"),
        (b"{}", "application/json; charset=iso-8859-1", 415, "unsupportedMediaType"),
        (b"{}", "application/merge-patch+json", 415, "unsupportedMediaType"),
        (b"{}", "", 415, "unsupportedMediaType"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(
    sim: Tmf621Simulator,
    buyer: Buyer,
    body: bytes,
    content_type: str,
    status: int,
    code: str,
) -> None:
    response = buyer.call(
        "POST", "troubleTicket", data=body, headers={"Content-Type": content_type}
    )

    refused_and_nothing_kept(sim, response, status, code)


def test_a_body_over_the_limit_is_refused_413(sim: Tmf621Simulator, buyer: Buyer) -> None:
    content = "QUFB" * (300 * 1024)  # 1.2 MB of base64
    attachment = {"name": "big.bin", "mimeType": "application/octet-stream", "content": content}

    response = buyer.raise_ticket(attachment=[attachment])

    refused_and_nothing_kept(sim, response, 413, "payloadTooLarge")


def test_paths_and_methods_the_supplier_does_not_offer(sim: Tmf621Simulator, buyer: Buyer) -> None:
    sim.configure(step_delay=3600)  # the ticket stays as it was raised
    ticket = buyer.raised()

    delete = buyer.call("DELETE", f"troubleTicket/{ticket['id']}")
    put = buyer.send_json("PUT", f"troubleTicket/{ticket['id']}", ticket_body())
    unknown_path = buyer.call("GET", "incident")
    outside = requests.get(f"{sim.url}/troubleTicket", timeout=5)
    unknown_ticket = buyer.get("TT-00000000")

    assert tmf_error(delete, 405, "methodNotAllowed")
    assert delete.headers["Allow"] == "GET, PATCH"
    assert tmf_error(put, 405, "methodNotAllowed")
    assert tmf_error(unknown_path, 404, "notFound")
    assert tmf_error(outside, 404, "notFound")
    assert tmf_error(unknown_ticket, 404, "notFound")
    assert buyer.ticket(ticket["id"])["status"] == "acknowledged"


def test_a_raise_repeated_byte_for_byte_is_answered_again_and_kept_once(
    sim: Tmf621Simulator, buyer: Buyer
) -> None:
    """Our outbox sends the same body again when an answer was lost."""
    body = ticket_body()

    first = buyer.send_json("POST", "troubleTicket", body)
    again = buyer.send_json("POST", "troubleTicket", body)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert list(sim.state()["tickets"]) == [first.json()["id"]]


def test_another_raise_for_an_open_external_id_is_a_conflict(
    sim: Tmf621Simulator, buyer: Buyer
) -> None:
    body = ticket_body()
    first = buyer.send_json("POST", "troubleTicket", body)
    changed = {**copy.deepcopy(body), "description": "Something else entirely."}

    response = buyer.send_json("POST", "troubleTicket", changed)

    assert body["externalId"] in tmf_error(response, 409, "conflict")["message"]
    assert list(sim.state()["tickets"]) == [first.json()["id"]]


# --- PATCH -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "field, value",
    [
        ("ticketType", "Complaint"),
        ("externalId", "NOC-OTHER"),
        ("id", "TT-1"),
        ("lastUpdate", ISO),
        ("statusChangeDate", ISO),
    ],
)
def test_a_patch_may_not_change_what_the_field_table_prohibits(
    buyer: Buyer, field: str, value: Any
) -> None:
    ticket = buyer.raised()

    response = buyer.patch(ticket["id"], {field: value, "description": "Changed"})

    assert f"{field}: not allowed" in tmf_error(response, 400, "invalidBody")["message"]
    assert buyer.ticket(ticket["id"])["description"] == ticket["description"]


@pytest.mark.parametrize(
    "body, message",
    [
        ({}, "nothing to update"),
        ({"status": "resolved"}, "status"),
        ({"status": "closedd"}, "status"),
        ({"note": [{"text": "x", "date": ISO}]}, "note[0].date"),
        ({"note": [{"author": "Nora"}]}, "note[0].text"),
        ({"priority": 12}, "priority"),
    ],
)
def test_an_invalid_patch_is_refused_and_changes_nothing(
    buyer: Buyer, body: dict, message: str
) -> None:
    ticket = buyer.raised()

    response = buyer.patch(ticket["id"], body)

    assert message in tmf_error(response, 400, "invalidBody")["message"]
    after = buyer.ticket(ticket["id"])
    assert (after["note"], after["priority"]) == (ticket["note"], ticket["priority"])


def test_a_patch_accepts_merge_patch_json_and_refuses_other_types(buyer: Buyer) -> None:
    ticket = buyer.raised()

    merged = buyer.call(
        "PATCH",
        f"troubleTicket/{ticket['id']}",
        data=json.dumps({"description": "Merged."}),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    form = buyer.call(
        "PATCH",
        f"troubleTicket/{ticket['id']}",
        data="description=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert merged.status_code == 200
    assert merged.json()["description"] == "Merged."
    tmf_error(form, 415, "unsupportedMediaType")


def test_closing_or_reopening_a_ticket_that_is_not_resolved_is_a_conflict(buyer: Buyer) -> None:
    buyer.simulator.configure(step_delay=3600)  # it stays acknowledged
    ticket = buyer.raised()

    close = buyer.patch(ticket["id"], {"status": "closed"})
    reopen = buyer.patch(ticket["id"], {"status": "reopened", "statusChangeReason": "No."})

    assert "Only a resolved ticket" in tmf_error(close, 409, "conflict")["message"]
    tmf_error(reopen, 409, "conflict")
    assert buyer.ticket(ticket["id"])["status"] == "acknowledged"


def test_reopening_needs_a_reason(buyer: Buyer) -> None:
    ticket = buyer.raised()
    buyer.wait_for_status(ticket["id"], "resolved")

    response = buyer.patch(ticket["id"], {"status": "reopened"})

    assert "statusChangeReason" in tmf_error(response, 400, "invalidBody")["message"]
    assert buyer.ticket(ticket["id"])["status"] == "resolved"


def test_a_resolved_ticket_cannot_be_cancelled_and_a_closed_one_takes_no_changes(
    buyer: Buyer,
) -> None:
    ticket = buyer.raised()
    buyer.wait_for_status(ticket["id"], "resolved")

    cancel = buyer.patch(ticket["id"], {"status": "cancelled"})
    assert buyer.patch(ticket["id"], {"status": "closed"}).status_code == 200
    note = buyer.patch(ticket["id"], {"note": [{"id": "noc-comment-1", "text": "Late."}]})
    reopen = buyer.patch(ticket["id"], {"status": "reopened", "statusChangeReason": "Late."})

    tmf_error(cancel, 409, "conflict")
    assert "takes no more changes" in tmf_error(note, 409, "conflict")["message"]
    tmf_error(reopen, 409, "conflict")
    assert buyer.ticket(ticket["id"])["status"] == "closed"
