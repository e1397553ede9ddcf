"""A supplier's trouble ticket read into what it says about our fault
(`integrations.tmf621.tickets.ticket_to_report`): the status through the mapping with its
reason, the information the supplier needs from us, its notes as comments (never ours), the
expected resolution, and what it sent that we cannot use, as anomalies."""

from datetime import UTC, datetime

import pytest

from faults.choices import FaultStatus, Party
from faults.services import CommentEntry, UpdateEntry
from integrations.tmf621.tickets import (
    buyer_party_id,
    carries_only_id,
    clean_text,
    our_reference,
    parse_time,
    ticket_id,
    ticket_time,
    ticket_to_report,
)

SENT = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


def report(ticket: dict, *, holds_pause_sla: bool = False):
    return ticket_to_report(ticket, sent_at=SENT, holds_pause_sla=holds_pause_sla)


def ticket(**fields) -> dict:
    return {"id": "TT-1001", "externalId": "NOC-000042", **fields}


# --- status and reason --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("acknowledged", FaultStatus.ACCEPTED),
        ("inProgress", FaultStatus.IN_PROGRESS),
        ("resolved", FaultStatus.RESOLVED),
        ("closed", FaultStatus.CLOSED),
        ("cancelled", FaultStatus.CANCELLED),
        ("rejected", FaultStatus.REJECTED),
        ("reopened", FaultStatus.REOPENED),
        ("submitted", FaultStatus.PENDING),
    ],
)
def test_the_status_is_the_mappings_with_the_suppliers_reason(word, status):
    read = report(ticket(status=word, statusChangeReason="As agreed"))

    assert (read.status, read.status_reason, read.anomalies) == (status, "As agreed", ())
    assert read.sent_at == SENT
    assert read.maintainer_fault_reference == "TT-1001"


def test_pending_is_on_hold_with_what_the_supplier_needs_from_us():
    read = report(ticket(status="pending", statusChangeReason="Please confirm site access hours"))

    assert read.status == FaultStatus.ON_HOLD
    assert read.status_reason == (
        "Information required by the supplier: Please confirm site access hours"
    )


def test_pending_without_a_reason_takes_what_is_required_from_the_latest_supplier_note():
    """MEF 124 R63: the seller says in a note what it needs."""
    notes = [
        {"id": "n1", "text": "Engineer assigned"},
        {"id": "noc-comment-7", "text": "Our note, not theirs"},
        {"id": "n2", "text": "Which door is the cabinet behind?"},
    ]

    read = report(ticket(status="pending", note=notes))

    assert read.status_reason == (
        "Information required by the supplier: Which door is the cabinet behind?"
    )


@pytest.mark.parametrize(
    ("setting", "status"), [(False, FaultStatus.IN_PROGRESS), (True, FaultStatus.ON_HOLD)]
)
def test_held_is_in_progress_or_on_hold_by_the_partners_setting_its_reason_shown(setting, status):
    read = report(
        ticket(status="held", statusChangeReason="Waiting for a splice team"),
        holds_pause_sla=setting,
    )

    assert read.status == status
    assert read.status_reason == "Held by the supplier: Waiting for a splice team"


def test_assessing_cancellation_changes_no_status_and_shows_its_reason_as_an_update():
    read = report(
        ticket(
            status="assessingCancellation",
            statusChangeReason="Checking whether other buyers are affected",
            statusChangeDate="2024-03-01T09:00:00Z",
        )
    )

    assert read.status is None
    assert read.updates == (
        UpdateEntry(
            "The supplier is assessing our cancellation: Checking whether other buyers are "
            "affected",
            Party.SELLER,
            datetime(2024, 3, 1, 9, tzinfo=UTC),
        ),
    )
    assert read.anomalies == ()


@pytest.mark.parametrize("word", ["frozen", "in-progress", "", "RESOLVED-ISH"])
def test_a_status_we_do_not_know_is_an_anomaly_with_the_suppliers_word(word):
    read = report(ticket(status=word, statusChangeReason="whatever", note=[{"text": "hello"}]))

    assert read.status is None
    assert read.status_reason == ""
    ((message, data),) = read.anomalies
    assert f"'{word}'" in message
    assert "status is unchanged" in message
    assert data == {"reported": word}
    assert [c.text for c in read.comments] == ["hello"]  # the rest of the ticket is still read


@pytest.mark.parametrize("word", [3, ["inProgress"], {"x": 1}, True])
def test_a_status_that_is_not_even_a_word_is_an_anomaly_too(word):
    read = report(ticket(status=word))

    assert read.status is None
    ((message, _data),) = read.anomalies
    assert "we do not know" in message


def test_a_ticket_without_a_status_says_nothing_of_it():
    read = report(ticket(note=[{"text": "Engineer on site"}]))

    assert (read.status, read.status_reason, read.anomalies) == (None, "", ())


# --- notes ---------------------------------------------------------------------------------------
def test_supplier_notes_are_comments_and_ours_never_are():
    notes = [
        {
            "id": "77458",
            "author": "Jack Smith",
            "date": "2023-05-31T07:34:45.968Z",
            "text": "On it",
        },
        {"id": "noc-comment-12", "author": "Agent", "text": "Any news?"},
        {"id": "noc-resolution-3", "text": "Still down"},
        {"id": "note-1", "source": "buyer", "text": "MEF 124: ours by its source"},
        {"text": "  Undated supplier note  "},
    ]

    read = report(ticket(note=notes))

    assert read.comments == (
        CommentEntry("On it", Party.SELLER, datetime(2023, 5, 31, 7, 34, 45, 968000, tzinfo=UTC)),
        CommentEntry("Undated supplier note", Party.SELLER, None),
    )


def test_notes_that_cannot_be_read_are_an_anomaly_not_an_error():
    read = report(
        ticket(note=[{"id": "a"}, "text", {"text": "fine", "date": "yesterday"}, {"text": 5}])
    )

    assert [c.text for c in read.comments] == ["fine"]
    ((message, data),) = read.anomalies
    assert message.startswith("Parts of the supplier's ticket could not be read")
    assert data["problems"] == [
        "note[0]: no text",
        "note[1]: no text",
        "note[3]: no text",
        "note[2].date: 'yesterday'",
    ]


def test_a_note_list_that_is_no_list_is_an_anomaly():
    read = report(ticket(note={"text": "one note, not in a list"}))

    assert read.comments == ()
    assert read.anomalies[0][1] == {"problems": ["note: not a list"]}


# --- other fields --------------------------------------------------------------------------------
def test_the_expected_resolution_date_is_the_reports_expected_resolution_time_in_utc():
    read = report(ticket(expectedResolutionDate="2024-03-02T17:00:00+01:00"))

    assert read.expected_resolution_at == datetime(2024, 3, 2, 16, 0, tzinfo=UTC)
    assert report(ticket()).expected_resolution_at is None


def test_the_expected_resolution_date_is_also_an_undated_update_so_a_repeat_is_the_same_entry():
    first = report(ticket(expectedResolutionDate="2024-03-02T17:00:00+01:00"))
    again = report(ticket(expectedResolutionDate="2024-03-02T16:00:00Z", lastUpdate="later"))

    assert (
        first.updates
        == again.updates
        == (
            UpdateEntry(
                "The supplier expects to resolve it by 2024-03-02 16:00 UTC.", Party.SELLER
            ),
        )
    )


def test_an_unreadable_expected_resolution_date_is_an_anomaly():
    read = report(ticket(expectedResolutionDate="next Tuesday"))

    assert read.updates == ()
    assert read.expected_resolution_at is None
    assert read.anomalies[0][1] == {"problems": ["expectedResolutionDate: 'next Tuesday'"]}


def test_text_is_kept_as_the_database_can_store_it():
    """NUL and lone surrogates are valid JSON escapes but no PostgreSQL text."""
    read = report(
        ticket(status="held", statusChangeReason="Wait\x00ing \ud800", note=[{"text": "a\x00b"}])
    )

    assert read.status_reason == "Held by the supplier: Waiting ?"
    assert read.comments[0].text == "ab"


def test_a_very_long_reason_is_cut_to_what_a_fault_holds():
    read = report(ticket(status="resolved", statusChangeReason="x" * 10_000))

    assert len(read.status_reason) == 4000


# --- the small readers ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-05-31T07:34:45.968Z", datetime(2019, 5, 31, 7, 34, 45, 968000, tzinfo=UTC)),
        ("2019-05-31T09:34:45+02:00", datetime(2019, 5, 31, 7, 34, 45, tzinfo=UTC)),
        ("2019-05-31T07:34:45", datetime(2019, 5, 31, 7, 34, 45, tzinfo=UTC)),
        ("0001-01-01T00:00:00+01:00", None),  # before year 1 in UTC
        ("not a date", None),
        ("", None),
        (20190531, None),
        (None, None),
    ],
)
def test_times_are_read_in_utc_or_not_at_all(value, expected):
    assert parse_time(value) == expected


def test_the_tickets_own_time_is_its_last_update_else_its_status_change():
    assert ticket_time({"lastUpdate": "2024-01-02T00:00:00Z"}) == datetime(2024, 1, 2, tzinfo=UTC)
    assert ticket_time({"statusChangeDate": "2024-01-03T00:00:00Z"}) == datetime(
        2024, 1, 3, tzinfo=UTC
    )
    assert ticket_time({"lastUpdate": "garbage"}) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("TT-1", "TT-1"), (3180, "3180"), ("", None), (True, None), (None, None)],
)
def test_a_ticket_id_is_a_string_or_a_number_read_as_its_digits(value, expected):
    assert ticket_id({"id": value}) == expected


def test_a_ticket_that_is_only_a_reference_carries_only_its_id():
    assert carries_only_id({"id": "3180", "href": "https://x/3180", "@type": "TroubleTicket"})
    assert carries_only_id({"id": "3180", "name": "complaint over last bill"})
    assert not carries_only_id({"id": "3180", "status": "resolved"})
    assert not carries_only_id({"id": "3180", "attachment": []})


def test_the_buyer_is_the_related_party_in_the_buyer_role():
    parties = [
        {"id": "reporter-1", "role": "reporter"},
        {"id": "NOC-TMF", "role": "Buyer", "@referredType": "Organization"},
    ]

    assert buyer_party_id({"relatedParty": parties}) == "NOC-TMF"
    assert buyer_party_id({"relatedParty": [{"id": "x", "role": "seller"}]}) is None
    assert buyer_party_id({"relatedParty": "NOC-TMF"}) is None
    with pytest.raises(ValueError, match="the buyer has no id"):
        buyer_party_id({"relatedParty": [{"role": "buyer", "id": ["NOC-TMF"]}]})


def test_our_reference_is_an_external_id_that_could_be_one_of_ours():
    assert our_reference({"externalId": "NOC-000042"}) == "NOC-000042"
    assert our_reference({"externalId": "not ours!"}) is None
    assert our_reference({"externalId": 42}) is None
    assert our_reference({}) is None


def test_clean_text_is_empty_for_what_is_not_text():
    assert clean_text(None) == clean_text(5) == ""
    assert clean_text("  a\x00b  ") == "ab"
