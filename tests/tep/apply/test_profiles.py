"""The conversation type profile (`integrations.tep.profiles`): ticket Details read into fault
fields with the partner's words, our fault written back in them, a partner's own profile over
the default, and what is wrong with a profile said in words an admin can act on."""

from datetime import UTC, datetime

import pytest

from faults.choices import FaultStatus
from integrations.tep.messages import Detail
from integrations.tep.models import TepConnection
from integrations.tep.profiles import (
    DEFAULT,
    DEFAULT_PROFILE,
    Profile,
    ProfileError,
    incoming_fields,
    outgoing_details,
    profile_errors,
    profile_for,
)
from tests.factories import FaultFactory
from tests.helpers import bring_to


def details(**pairs: str) -> list[Detail]:
    return [Detail(name=name, value=value) for name, value in pairs.items()]


def test_the_default_profile_reads_status_severity_times_and_text():
    fields = incoming_fields(
        details(
            Status="in  progress",  # case and spaces do not matter
            Severity="2-High",
            ServiceId=" SVC-1 ",
            ReportedDateTime="5/21/2012 1:00:00 PM",
            ResolvedDateTime="2012-05-22T08:15:00Z",
            Resolution="Replaced the card.",
        ),
        DEFAULT,
    )
    assert dict(fields) == {
        "status": FaultStatus.IN_PROGRESS,
        "priority": 2,
        "service_id": "SVC-1",
        "fault_start_time": datetime(2012, 5, 21, 13, 0, tzinfo=UTC),
        "resolved_at": datetime(2012, 5, 22, 8, 15, tzinfo=UTC),
        "resolution": "Replaced the card.",
    }
    assert fields.problems == []
    assert fields.words == {"status": "in  progress", "priority": "2-High"}


def test_what_cannot_be_read_is_a_problem_and_what_is_not_named_is_kept_aside():
    fields = incoming_fields(
        [
            Detail(name="Status", value="Active"),
            Detail(name="Status", value="Wibbling"),  # the last one counts, and is unknown
            Detail(name="Severity", value="Biblical"),
            Detail(name="ReportedDateTime", value="yesterday"),
            Detail(name="Description", value=None),  # no value says nothing
            Detail(name="Weather", value="Storm"),
        ],
        DEFAULT,
    )
    assert dict(fields) == {}
    assert fields.problems == [
        "The partner's status 'Wibbling' (Status) is not in the profile; status not changed.",
        "The partner's severity 'Biblical' (Severity) is not in the profile; priority kept.",
        "ReportedDateTime: 'yesterday' is not a date and time we can read.",
    ]
    assert fields.unmapped == {"Weather": "Storm"}


@pytest.mark.django_db
def test_our_fault_goes_out_in_the_profiles_names_and_words_and_reads_back_the_same(
    partner, buyer_identifier
):
    fault = bring_to(
        FaultFactory(supplier=partner, buyer_identifier=buyer_identifier, priority=1), "on-hold"
    )
    sent = {d.name: d.value for d in outgoing_details(fault, DEFAULT)}
    assert sent["Status"] == "On Hold"
    assert sent["Severity"] == "1-Critical"
    assert sent["CustomerReference"] == fault.buyer_fault_reference
    assert sent["ServiceId"] == fault.service_id
    assert sent["ReportedDateTime"].endswith("Z")
    assert "Resolution" not in sent  # the partner's, never sent by us

    read = incoming_fields(outgoing_details(fault, DEFAULT), DEFAULT)
    assert read["status"] == fault.status
    assert read["priority"] == fault.priority
    assert read["fault_start_time"] == fault.fault_start_time.replace(microsecond=0)
    only = outgoing_details(fault, DEFAULT, only={"status"})
    assert [(d.name, d.value) for d in only] == [("Status", "On Hold")]


def test_a_partners_profile_replaces_only_the_sections_it_names():
    profile = Profile.from_data(
        {"severity": {"P1": 1, "P2": 2}, "severity_out": {"1": "P1", "2": "P2"}}
    )
    assert incoming_fields(details(Severity="p1"), profile)["priority"] == 1
    assert incoming_fields(details(Severity="2-High"), profile).problems  # default's words gone
    assert profile.details == DEFAULT_PROFILE["details"]  # the rest is the default


@pytest.mark.django_db
def test_profile_for_reads_the_partners_tep_connection(partner):
    assert profile_for(partner) == DEFAULT  # no TEP connection: the default
    connection = TepConnection.objects.create(
        partner=partner, our_partner_id=1, their_partner_id=2, conversation_role_id=3, profile={}
    )
    assert profile_for(partner) == DEFAULT  # empty: the default
    connection.profile = {"details": {"State": "status"}}
    connection.save()
    partner.refresh_from_db()
    assert profile_for(partner).field_for("state") == "status"
    connection.profile = {"details": {"State": "colour"}}
    connection.save()
    partner.refresh_from_db()
    with pytest.raises(ProfileError, match="'State' maps to 'colour'"):
        profile_for(partner)


def test_the_default_profile_and_a_good_one_have_no_errors():
    assert profile_errors(None) == []
    assert profile_errors({}) == []
    assert profile_errors(DEFAULT_PROFILE) == []
    assert profile_errors({"status": {"Working": "in-progress"}}) == []


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ([], "The profile must be a JSON object (or empty for the default profile)."),
        ({"colours": {}}, "Unknown section 'colours': the sections are details, status,"),
        ({"details": "Status"}, "'details' must be a JSON object of name → value."),
        ({"details": {"Sev": "severity"}}, "'details': 'Sev' maps to 'severity', which is not"),
        (
            {"details": {"A": "status", "B": "status"}},
            "'details': 'A' and 'B' both map to 'status'; a field has one detail name.",
        ),
        (
            {"status": {"Done": "finished"}},
            "'status': 'Done' maps to 'finished', which is not one of our statuses",
        ),
        ({"status": {"Draft": "draft"}}, "'status': 'Draft' maps to 'draft'"),
        (
            {"status": {"Open": "open", "OPEN": "open"}},
            "'status': 'OPEN' and 'Open' are the same word (case and spaces are ignored).",
        ),
        (
            {"severity": {"P1": 0}},
            "'severity': 'P1' maps to 0; a priority is a whole number from 1 to 5.",
        ),
        ({"severity": {"P1": True}}, "'severity': 'P1' maps to True;"),
        ({"severity_out": {"6": "P6"}}, "'severity_out': '6' is not a priority (\"1\" to \"5\")."),
        ({"status_out": {"open": ""}}, "'status_out': 'open' must map to a word of 1 to 200"),
        ({"status_out": {"opened": "Active"}}, "'status_out': 'opened' is not one of our"),
        (
            {"contact_types": {"Boss": "manager"}},
            "'contact_types': 'Boss' maps to 'manager', which is not one of the fault's contacts",
        ),
    ],
)
def test_a_profile_with_errors_is_explained(data, error):
    errors = profile_errors(data)
    assert any(message.startswith(error) for message in errors), errors
    with pytest.raises(ProfileError):
        Profile.from_data(data)
