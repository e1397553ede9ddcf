"""/ticketExceptions/v1/rules: the seed's rule shape, the active ones unless includeInactive,
pages, one by id, and PATCH (admins only, effective at the next sweep, in the admin's history)."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry

from faults.exceptions.models import TicketExceptionRule
from faults.exceptions.services import exceptions_sweep
from tests.exceptions_api.conftest import rule
from tests.exceptions_api.test_auth import assert_envelope

pytestmark = pytest.mark.django_db

RULES = "/ticketExceptions/v1/rules"


def test_a_rule_in_the_seeds_shape(api):
    eta = rule("ETA_MISSING")

    answer = api.get(f"{RULES}/{eta.pk}")

    assert answer.status_code == 200
    assert answer.json() == {
        "id": eta.pk,
        "isActive": True,
        "exceptionTypeId": eta.type_id,
        "exceptionTypeName": "ETA_MISSING",
        "description": eta.description,
        "thresholdHours": eta.threshold_hours,
    }


def test_the_list_has_the_active_rules_unless_inactive_ones_are_asked_for(api):
    TicketExceptionRule.objects.filter(type_name="ETA_MISSING").update(is_active=False)
    every = set(TicketExceptionRule.objects.values_list("type_name", flat=True))

    active = api.get(RULES).json()
    including = api.get(RULES, {"includeInactive": "true"}).json()

    assert set(active) == {"ticketExceptionRules", "pageKey"}
    assert active["pageKey"] is None
    assert {r["exceptionTypeName"] for r in active["ticketExceptionRules"]} == every - {
        "ETA_MISSING"
    }
    assert {r["exceptionTypeName"] for r in including["ticketExceptionRules"]} == every


def test_the_list_comes_a_page_at_a_time(api):
    every = TicketExceptionRule.objects.count()
    seen = []
    page = api.get(RULES, {"pageSize": 3}).json()
    seen += page["ticketExceptionRules"]
    while page["pageKey"]:
        page = api.get(RULES, {"pageSize": 3, "pageKey": page["pageKey"]}).json()
        seen += page["ticketExceptionRules"]

    assert len(seen) == every == len({r["id"] for r in seen})


@pytest.mark.parametrize(
    "query, field",
    [
        ({"includeInactive": "perhaps"}, "includeInactive"),
        ({"pageKey": "not-a-key"}, "pageKey"),
        ({"pageSize": "0"}, "pageSize"),
        ({"pageSize": "many"}, "pageSize"),
    ],
)
def test_a_bad_query_is_refused(api, query, field):
    body = assert_envelope(api.get(RULES, query), 400, "ValidationFailed")
    assert field in body["errors"]


def test_an_unknown_rule_is_not_found(api):
    assert_envelope(api.get(f"{RULES}/999999"), 404, "NotFound")
    assert_envelope(api.get(f"{RULES}/abc"), 404, "NotFound")
    assert_envelope(api.get(f"{RULES}/{'9' * 30}"), 404, "NotFound")


def test_an_admin_switches_a_rule_off_and_the_next_sweep_solves_its_exceptions(
    admin_api, admin_user, raise_exception
):
    eta = rule("ETA_MISSING")
    open_one = raise_exception("ETA_MISSING")

    answer = admin_api.patch(
        f"{RULES}/{eta.pk}",
        {"isActive": False, "description": "Switched off during the migration."},
        format="json",
    )

    assert answer.status_code == 204
    assert answer.content == b""
    eta.refresh_from_db()
    assert eta.is_active is False
    assert eta.description == "Switched off during the migration."
    history = LogEntry.objects.get(object_id=str(eta.pk), content_type__model="ticketexceptionrule")
    assert history.user == admin_user and history.action_flag == CHANGE
    assert "active" in history.change_message and "description" in history.change_message
    exceptions_sweep()
    open_one.refresh_from_db()
    assert open_one.solved_at is not None


def test_an_admin_tunes_the_threshold(admin_api):
    eta = rule("ETA_MISSING")

    assert (
        admin_api.patch(f"{RULES}/{eta.pk}", {"thresholdHours": 6}, format="json").status_code
        == 204
    )

    assert admin_api.get(f"{RULES}/{eta.pk}").json()["thresholdHours"] == 6


@pytest.mark.parametrize(
    "body, field",
    [
        ({"isActive": "sometimes"}, "isActive"),
        ({"thresholdHours": -1}, "thresholdHours"),
        ({"thresholdHours": "soon"}, "thresholdHours"),
        ({"exceptionTypeName": "RENAMED"}, "exceptionTypeName"),
        ([], "request"),
    ],
)
def test_a_bad_change_is_refused_and_changes_nothing(admin_api, body, field):
    eta = rule("ETA_MISSING")
    before = (eta.is_active, eta.threshold_hours, eta.type_name)

    answer = admin_api.patch(f"{RULES}/{eta.pk}", body, format="json")

    assert field in assert_envelope(answer, 400, "ValidationFailed")["errors"]
    eta.refresh_from_db()
    assert (eta.is_active, eta.threshold_hours, eta.type_name) == before
    assert not LogEntry.objects.exists()


def test_an_agent_may_read_rules_but_not_change_them(api):
    eta = rule("ETA_MISSING")

    answer = api.patch(f"{RULES}/{eta.pk}", {"isActive": False}, format="json")

    assert_envelope(answer, 403, "Forbidden")
    eta.refresh_from_db()
    assert eta.is_active is True


def test_changing_an_unknown_rule_is_not_found(admin_api):
    assert_envelope(
        admin_api.patch(f"{RULES}/999999", {"isActive": False}, format="json"), 404, "NotFound"
    )
