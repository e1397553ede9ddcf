"""The diagnostics routes over HTTP with real tokens: a fault's pending triggers in the seed's
shape, fireNow, unhandledErrorTest answering InternalServerError in the envelope; the bearer
token and the DirectSupplyPartner persona as on every standard route; and, where diagnostics are
off, each route answering exactly as a path with no route does."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from faults.choices import FaultStatus
from faults.models import FaultEvent
from tests.exceptions_api.conftest import bearer
from tests.exceptions_api.test_auth import assert_envelope
from tests.factories import FaultFactory

pytestmark = pytest.mark.django_db
BASE = "/ticketExceptions/v1/diagnostics"
FIRE = f"{BASE}/pendingTriggers/commands/fireNow"
ERROR = f"{BASE}/unhandledErrorTest"


@pytest.fixture(autouse=True)
def diagnostics_on(settings):
    settings.EXCEPTIONS_DIAGNOSTICS_ENABLED = True


@pytest.fixture
def resolved(partner, buyer_identifier):
    """Resolved 18 hours ago: it closes itself in 30 hours."""
    due = (timezone.now() + timedelta(hours=30)).replace(microsecond=0)
    return FaultFactory(
        supplier=partner,
        buyer_identifier=buyer_identifier,
        status=FaultStatus.RESOLVED,
        resolved_at=due - timedelta(hours=48),
        auto_close_due_at=due,
        last_supplier_message_at=due - timedelta(hours=48),
    )


def triggers_of(fault) -> str:
    return f"{BASE}/pendingTriggers/{fault.buyer_fault_reference}"


def test_pending_triggers_in_the_seeds_shape(api, resolved):
    ref = resolved.buyer_fault_reference

    answer = api.get(triggers_of(resolved), {"messageTypeContains": "close"})

    assert answer.status_code == 200
    assert answer.json() == {
        "triggers": [
            {
                "triggerName": f"AutoClose:{ref}",
                "nextFireTime": resolved.auto_close_due_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "messageType": "AutoClose",
            }
        ]
    }
    everything = api.get(triggers_of(resolved)).json()["triggers"]
    assert {t["messageType"] for t in everything} == {"AutoClose", "ExceptionSweep"}
    assert api.get(triggers_of(resolved), {"messageTypeContains": "poll"}).json() == {
        "triggers": []
    }


def test_an_unknown_fault_is_not_found(api):
    body = assert_envelope(api.get(f"{BASE}/pendingTriggers/NO-SUCH-1"), 404, "NotFound")
    assert "NO-SUCH-1" in body["message"]


def test_fire_now_closes_the_fault_and_says_what_it_did(api, resolved, agent_user):
    name = f"AutoClose:{resolved.buyer_fault_reference}"

    answer = api.post(f"{FIRE}?triggerName={name}")

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["triggerName"] == name
    assert body["messageType"] == "AutoClose"
    assert "closed as auto-accepted" in body["outcome"]
    resolved.refresh_from_db()
    assert resolved.status == FaultStatus.CLOSED
    assert FaultEvent.objects.get(fault=resolved, data__trigger=name).actor_user == agent_user
    # Fired, it is no longer pending: a second fire finds nothing.
    assert_envelope(api.post(f"{FIRE}?triggerName={name}"), 404, "NotFound")


def test_fire_now_of_an_unknown_trigger_is_not_found_and_without_a_name_is_refused(api, resolved):
    assert_envelope(api.post(f"{FIRE}?triggerName=Teleport:NOPE"), 404, "NotFound")
    body = assert_envelope(api.post(FIRE), 400, "ValidationFailed")
    assert list(body["errors"]) == ["triggerName"]
    resolved.refresh_from_db()
    assert resolved.status == FaultStatus.RESOLVED


def test_unhandled_error_test_answers_internal_server_error_and_logs_it(api, caplog):
    body = assert_envelope(api.get(ERROR), 500, "InternalServerError")

    assert "on purpose" not in body["message"]  # no internals to the caller
    assert any("on purpose" in str(r.exc_info) for r in caplog.records if r.exc_info)


@pytest.mark.parametrize("method,path", [("get", ERROR), ("post", FIRE), ("get", "trigger")])
def test_with_diagnostics_off_every_route_is_not_found(settings, api, resolved, method, path):
    settings.EXCEPTIONS_DIAGNOSTICS_ENABLED = False
    path = triggers_of(resolved) if path == "trigger" else path
    name = f"AutoClose:{resolved.buyer_fault_reference}"

    body = assert_envelope(getattr(api, method)(f"{path}?triggerName={name}"), 404, "NotFound")

    assert body["message"] == f"No ticket exceptions route at {path}."
    assert_envelope(getattr(APIClient(), method)(path), 401, "Unauthorized")
    resolved.refresh_from_db()
    assert resolved.status == FaultStatus.RESOLVED


@pytest.mark.parametrize("method,path", [("get", ERROR), ("post", FIRE), ("get", "trigger")])
def test_a_token_and_the_partner_persona_are_required(
    agent_user, token_for, resolved, method, path
):
    path = triggers_of(resolved) if path == "trigger" else path

    assert_envelope(getattr(APIClient(), method)(path), 401, "Unauthorized")
    assert_envelope(getattr(bearer("not-a-jwt"), method)(path), 401, "Unauthorized")
    other = bearer(token_for(agent_user, persona="ZendeskIntegration"))
    assert_envelope(getattr(other, method)(path), 403, "Forbidden")
