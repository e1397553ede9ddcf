"""The appointment API under /api/v1/: slots, reservations, attach, cancel, a fault's
appointments, re-appointing, the list and the missed summary; roles; bad input answered 4xx
with a clear message, never 500."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from appointments.choices import AppointmentState, MissedSide
from appointments.models import Appointment
from appointments.services import appointment_reserve
from faults.choices import PartnerOperation
from faults.models import Fault
from integrations.models import OutboundMessage
from tests.appointments.conftest import (
    AGENT,
    PRODUCT,
    UPRN,
    first_slot,
    query,
    second_slot,
    tomorrow,
)
from tests.helpers import bring_to

pytestmark = pytest.mark.django_db

SLOTS = "/api/v1/appointments/slots/"
RESERVATIONS = "/api/v1/appointments/reservations/"
APPOINTMENTS = "/api/v1/appointments/"


@pytest.fixture
def agent(agent_api) -> APIClient:
    return agent_api


@pytest.fixture
def manager(manager_api) -> APIClient:
    return manager_api


def slot_params(of, **extra) -> dict:
    return {
        "partner": of.slug,
        "address_key": UPRN,
        "from_date": tomorrow().isoformat(),
        "product_name": PRODUCT,
        **extra,
    }


def reservation(partner, **extra) -> dict:
    slot = first_slot()
    return {
        **slot_params(partner),
        "date": slot.date.isoformat(),
        "start_time": slot.start_time,
        "end_time": slot.end_time,
        **extra,
    }


def fault_url(fault: Fault, suffix: str) -> str:
    return f"/api/v1/faults/{fault.buyer_fault_reference}/{suffix}"


def error_of(response) -> dict:
    return response.json()["error"]


# --- slots -----------------------------------------------------------------------------------
def test_slots_are_listed(agent, partner, supplier):
    response = agent.get(SLOTS, slot_params(partner))

    assert response.status_code == 200
    body = response.json()
    assert body[0] == {
        "date": first_slot().date.isoformat(),
        "start_time": "08:00",
        "end_time": "13:00",
        "available": True,
    }
    assert [slot["available"] for slot in body] == [True, False, True]


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"from_date": "2030-13-01"}, "from_date", "Date has wrong format"),
        ({"from_date": "18/10/2030"}, "from_date", "YYYY-MM-DD"),
        ({"from_date": "2001-01-01"}, "from_date", "in the past"),
        ({"partner": "nobody"}, "partner", "No partner with slug 'nobody'"),
        ({"address_key": "1" * 64}, "address_key", "no more than 63"),
        ({"appointment_type": "visit"}, "appointment_type", "not a valid choice"),
        ({"product_name": ""}, "product_name", "may not be blank"),
    ],
)
def test_a_bad_slot_query_is_a_400_naming_the_field(agent, partner, supplier, params, field, words):
    response = agent.get(SLOTS, slot_params(partner, **params))

    assert response.status_code == 400
    assert words in error_of(response)["fields"][field][0]
    assert supplier.calls == []


def test_supplier_down_is_a_503_and_nothing_is_stored(agent, partner, supplier, tlos_draft):
    supplier.down = True

    queried = agent.get(SLOTS, slot_params(partner))
    reserved = agent.post(
        RESERVATIONS, reservation(partner, fault=tlos_draft.buyer_fault_reference), format="json"
    )

    for response in (queried, reserved):
        assert response.status_code == 503
        assert error_of(response) == {
            "code": "supplier_unavailable",
            "message": "The supplier's appointment service is not answering; "
            "try again in a minute.",
            "fields": {},
        }
    assert not Appointment.objects.exists()
    tlos_draft.refresh_from_db()
    assert tlos_draft.appointment_reservation_key == ""


# --- reservations ----------------------------------------------------------------------------
def test_a_reservation_is_created(agent, partner, supplier):
    response = agent.post(RESERVATIONS, reservation(partner), format="json")

    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == f"{APPOINTMENTS}{body['id']}/"
    assert body["reservation_key"] == "RES0001KEY"
    assert (body["state"], body["fault"], body["partner"]) == ("reserved", None, partner.slug)
    assert [event["kind"] for event in body["history"]] == ["reserved"]
    assert agent.get(response["Location"]).json()["id"] == body["id"]


def test_a_reservation_for_a_draft_tlos_fault_is_attached(agent, partner, supplier, tlos_draft):
    response = agent.post(
        RESERVATIONS, reservation(partner, fault=tlos_draft.buyer_fault_reference), format="json"
    )

    assert response.status_code == 201
    assert (response.json()["state"], response.json()["fault"]) == (
        "attached",
        tlos_draft.buyer_fault_reference,
    )
    tlos_draft.refresh_from_db()
    assert tlos_draft.appointment_reservation_key == "RES0001KEY"
    submitted = agent.post(fault_url(tlos_draft, "submit/"), {}, format="json")
    assert submitted.status_code == 200
    assert "RES0001KEY" in OutboundMessage.objects.get(fault=tlos_draft).body


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"date": "20-01-2030"}, "date", "Date has wrong format"),
        ({"date": "2030-02-30"}, "date", "Date has wrong format"),
        ({"start_time": "8:00"}, "start_time", "HH:MM"),
        ({"start_time": "0800"}, "start_time", "HH:MM"),
        ({"end_time": "24:00"}, "end_time", "HH:MM"),
        ({"end_time": "13:60"}, "end_time", "HH:MM"),
        ({"end_time": "1pm"}, "end_time", "HH:MM"),
        ({"start_time": 800}, "start_time", "HH:MM"),
        ({"start_time": "13:00", "end_time": "08:00"}, "end_time", "end after it starts"),
        ({"fault": "F" * 37}, "fault", "A buyer fault reference is 1 to 36 characters"),
        ({"fault": "HO-a/b"}, "fault", "letters A-Z and a-z, digits 0-9, '-', '_' and '.'"),
        ({"fault": "NO-SUCH-FAULT"}, "fault", "No fault with buyer reference NO-SUCH-FAULT"),
        ({"fault": 12}, "fault", "as a string"),
        ({"colour": "blue"}, "colour", "Unknown field"),
        ({"address_key": ""}, "address_key", "may not be blank"),
    ],
)
def test_a_bad_reservation_is_a_400_naming_the_field(
    agent, partner, supplier, changes, field, words
):
    response = agent.post(RESERVATIONS, reservation(partner, **changes), format="json")

    assert response.status_code == 400
    assert words in error_of(response)["fields"][field][0]
    assert supplier.calls == []
    assert not Appointment.objects.exists()


def test_a_reservation_refused_by_the_supplier_is_a_409(agent, partner, supplier):
    supplier.refuse = "Slot unavailable."

    response = agent.post(RESERVATIONS, reservation(partner), format="json")

    assert response.status_code == 409
    assert error_of(response)["code"] == "refused_by_supplier"
    assert "Slot unavailable." in error_of(response)["message"]
    assert not Appointment.objects.exists()


def test_a_reservation_for_a_fault_of_another_type_is_a_400(agent, partner, supplier, make_fault):
    impaired = make_fault(fault_type="Impaired Service")

    response = agent.post(
        RESERVATIONS, reservation(partner, fault=impaired.buyer_fault_reference), format="json"
    )

    assert response.status_code == 400
    assert "not Service Outage" in error_of(response)["fields"]["fault"][0]


def test_a_malformed_body_is_a_400(agent, partner, supplier):
    response = agent.post(RESERVATIONS, "{not json", content_type="application/json")

    assert response.status_code == 400


# --- attach and cancel -----------------------------------------------------------------------
@pytest.fixture
def reserved(partner, supplier) -> Appointment:
    return appointment_reserve(partner=partner, actor=AGENT, query=query(), slot=first_slot())


def test_a_reservation_is_attached_to_a_draft(agent, reserved, tlos_draft):
    response = agent.post(
        f"{APPOINTMENTS}{reserved.pk}/attach/",
        {"fault": tlos_draft.buyer_fault_reference},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["state"] == "attached"


def test_attach_to_a_raised_fault_is_a_409(agent, reserved, tlos_draft, booked):
    bring_to(Fault.objects.get(pk=tlos_draft.pk), "accepted")

    response = agent.post(
        f"{APPOINTMENTS}{reserved.pk}/attach/",
        {"fault": tlos_draft.buyer_fault_reference},
        format="json",
    )

    assert response.status_code == 409
    assert "Re-appoint a raised fault instead" in error_of(response)["message"]


def test_attach_or_cancel_of_an_unknown_appointment_is_a_404(agent, tlos_draft):
    for suffix, body in (("attach/", {"fault": tlos_draft.buyer_fault_reference}), ("cancel/", {})):
        response = agent.post(f"{APPOINTMENTS}999999/{suffix}", body, format="json")
        assert response.status_code == 404


def test_an_appointment_is_cancelled(agent, reserved):
    response = agent.post(
        f"{APPOINTMENTS}{reserved.pk}/cancel/", {"reason": "Not needed."}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["state"], response.json()["cancelled"]) == ("cancelled", True)


# --- a fault's appointments and re-appointing ------------------------------------------------
def test_a_faults_appointments_are_listed_with_their_history(agent, tlos_draft, booked):
    response = agent.get(fault_url(tlos_draft, "appointments/"))

    assert response.status_code == 200
    (appointment,) = response.json()
    assert appointment["reservation_key"] == booked.reservation_key
    assert [event["kind"] for event in appointment["history"]] == ["reserved", "attached"]
    assert appointment["missed_flags"]["seller_missed"] is False


def test_an_unknown_faults_appointments_are_a_404(agent):
    assert agent.get("/api/v1/faults/NOPE/appointments/").status_code == 404
    assert agent.get(f"/api/v1/faults/{'X' * 40}/appointments/").status_code == 404


def test_a_raised_fault_is_reappointed(agent, supplier, tlos_draft, booked):
    fault = bring_to(Fault.objects.get(pk=tlos_draft.pk), "in-progress")
    slot = second_slot()

    response = agent.post(
        fault_url(fault, "reappoint/"),
        {
            "date": slot.date.isoformat(),
            "start_time": "08:00",
            "end_time": "13:00",
            "from_date": tomorrow().isoformat(),
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["state"], body["is_reappointment"], body["address_key"]) == (
        "attached",
        True,
        UPRN,
    )
    amend = OutboundMessage.objects.get(fault=fault, operation=PartnerOperation.AMEND)
    assert f"<appointmentReservationKey>{body['reservation_key']}<" in amend.body
    states = [a["state"] for a in agent.get(fault_url(fault, "appointments/")).json()]
    assert states == ["attached", "superseded"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "tomorrow", "start_time": "08:00", "end_time": "13:00"}, "date"),
        ({"date": "2030-01-01", "start_time": "08:00", "end_time": "7:00"}, "end_time"),
        ({"date": "2030-01-01", "start_time": "08:00"}, "end_time"),
        (
            {"date": "2030-01-01", "start_time": "08:00", "end_time": "13:00", "from_date": "x"},
            "from_date",
        ),
    ],
)
def test_a_bad_reappointment_is_a_400(agent, supplier, tlos_draft, booked, body, field):
    fault = bring_to(Fault.objects.get(pk=tlos_draft.pk), "accepted")

    response = agent.post(fault_url(fault, "reappoint/"), body, format="json")

    assert response.status_code == 400
    assert field in error_of(response)["fields"]


def test_reappointing_a_draft_is_a_409(agent, supplier, tlos_draft, booked):
    slot = second_slot()
    response = agent.post(
        fault_url(tlos_draft, "reappoint/"),
        {"date": slot.date.isoformat(), "start_time": "08:00", "end_time": "13:00"},
        format="json",
    )

    assert response.status_code == 409


# --- the list and the missed summary ---------------------------------------------------------
def test_the_list_filters_on_closure_code_state_and_side(agent, partner, booked):
    Appointment.objects.filter(pk=booked.pk).update(
        closure_code="FR", state=AppointmentState.COMPLETED
    )

    assert agent.get(APPOINTMENTS, {"closure_code": "FR"}).json()["count"] == 1
    assert agent.get(APPOINTMENTS, {"closure_code": "HAZ,NA"}).json()["count"] == 0
    assert (
        agent.get(APPOINTMENTS, {"state": "completed", "partner": partner.slug}).json()["count"]
        == 1
    )
    assert agent.get(APPOINTMENTS, {"missed_side": "seller"}).json()["count"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"closure_code": "XYZ"}, "closure_code"),
        ({"state": "lost"}, "state"),
        ({"missed_side": "nobody"}, "missed_side"),
        ({"date_from": "2030-13-01"}, "date_from"),
        ({"reservation_key": "K" * 37}, "reservation_key"),
    ],
)
def test_bad_list_filters_are_a_400(agent, params, field):
    response = agent.get(APPOINTMENTS, params)

    assert response.status_code == 400
    assert field in error_of(response)["fields"]


def test_the_missed_summary_counts_per_side(manager, partner):
    for side in (MissedSide.SELLER, MissedSide.SELLER, MissedSide.MBORC, MissedSide.NONE):
        Appointment.objects.create(
            partner=partner,
            reservation_key=f"K-{side}",
            appointment_date=timezone.localdate() - timedelta(days=1),
            missed=True,
            missed_side=side,
            state=AppointmentState.MISSED,
        )

    response = manager.get(f"{APPOINTMENTS}missed-summary/", {"partner": partner.slug})

    assert response.status_code == 200
    assert response.json() == {
        "seller": 2,
        "end_user": 0,
        "mborc": 1,
        "unattributed": 1,
        "total": 4,
    }
    bad = manager.get(f"{APPOINTMENTS}missed-summary/", {"date_from": "yesterday"})
    assert bad.status_code == 400


# --- roles -----------------------------------------------------------------------------------
def test_a_manager_reads_but_does_not_act(manager, partner, supplier, tlos_draft, booked):
    assert manager.get(APPOINTMENTS).status_code == 200
    assert manager.get(fault_url(tlos_draft, "appointments/")).status_code == 200
    assert manager.get(SLOTS, slot_params(partner)).status_code == 200

    writes = [
        (RESERVATIONS, reservation(partner)),
        (f"{APPOINTMENTS}{booked.pk}/cancel/", {}),
        (f"{APPOINTMENTS}{booked.pk}/attach/", {"fault": tlos_draft.buyer_fault_reference}),
        (fault_url(tlos_draft, "reappoint/"), {"date": "2030-01-01"}),
    ]
    for url, body in writes:
        response = manager.post(url, body, format="json")
        assert response.status_code == 403, url
        assert "managers read" in error_of(response)["message"]
    booked.refresh_from_db()
    assert booked.state == AppointmentState.ATTACHED
    assert Appointment.objects.count() == 1


def test_anonymous_callers_are_told_to_authenticate(partner):
    client = APIClient()

    assert client.get(APPOINTMENTS).status_code == 401
    assert client.post(RESERVATIONS, reservation(partner), format="json").status_code == 401


# --- never a 500 -----------------------------------------------------------------------------
# Answers a request may get here: done, invalid, not found, not allowed in this state.
EXPECTED = {200, 400, 404, 409}
GARBAGE = [
    None,
    [],
    "text",
    {"date": None, "start_time": None, "end_time": None},
    {"date": ["2030-01-01"], "start_time": {"h": 8}, "end_time": True},
    {"partner": ["x"], "fault": {"a": 1}, "from_date": 20300101},
    {"address_key": "\x00", "product_name": "\x00", "fault": "\x00"},
]


@pytest.mark.parametrize("body", GARBAGE)
def test_garbage_is_never_a_500(agent, partner, supplier, tlos_draft, booked, body):
    urls = [
        RESERVATIONS,
        f"{APPOINTMENTS}{booked.pk}/attach/",
        f"{APPOINTMENTS}{booked.pk}/cancel/",
        fault_url(tlos_draft, "reappoint/"),
    ]
    for url in urls:
        response = agent.post(url, body, format="json")
        assert response.status_code in EXPECTED, (url, response.status_code)
        if url == RESERVATIONS:
            assert response.status_code == 400


def test_garbage_query_parameters_are_never_a_500(agent, partner, supplier):
    for params in (
        {},
        {"partner": partner.slug, "from_date": "\x00"},
        {**slot_params(partner), "address_key": "\x00" * 70},
        {**slot_params(partner), "address_key": "1\x012"},
        {"closure_code": "\x00", "fault": "\x00"},
    ):
        for url in (SLOTS, APPOINTMENTS, f"{APPOINTMENTS}missed-summary/"):
            assert agent.get(url, params).status_code in EXPECTED, (url, params)


def test_the_schema_lists_the_appointment_endpoints(client, agent_user):
    client.force_login(agent_user)
    text = client.get("/api/schema/").content.decode()

    for path in (
        "/api/v1/appointments/slots/",
        "/api/v1/appointments/reservations/",
        "/api/v1/appointments/{id}/attach/",
        "/api/v1/appointments/{id}/cancel/",
        "/api/v1/faults/{buyer_fault_reference}/appointments/",
        "/api/v1/faults/{buyer_fault_reference}/reappoint/",
    ):
        assert path in text
