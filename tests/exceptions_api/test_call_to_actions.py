"""/ticketExceptions/v1/callToActions: the seed's shape (the named team's text under the seed's
`templateForWestpark`), all listed, one by id, created for a rule without one (a type no rule has
is refused), changed by PATCH; admins only for changes."""

import pytest
from django.contrib.admin.models import ADDITION, LogEntry

from faults.exceptions.models import CallToAction
from tests.exceptions_api.conftest import rule
from tests.exceptions_api.test_auth import assert_envelope

pytestmark = pytest.mark.django_db

CALLS = "/ticketExceptions/v1/callToActions"
NEW = {
    "exceptionTypeIdentifier": "ETA_MISSING",
    "templateForDayside": "Ask for an ETA within two hours.",
    "templateForAfterHours": "Ask the out-of-hours desk.",
    "templateForWestpark": "Westpark: follow the standard escalation.",
    "tbsWorkItemRequestType": 2,
    "priority": 10,
}


def test_a_call_to_action_in_the_seeds_shape(api):
    call = CallToAction.objects.select_related("rule").get(rule__type_name="ETA_MISSING")

    answer = api.get(f"{CALLS}/{call.pk}")

    assert answer.status_code == 200
    assert answer.json() == {
        "id": call.pk,
        "exceptionTypeIdentifier": "ETA_MISSING",
        "templateForDayside": call.template_dayside,
        "templateForAfterHours": call.template_after_hours,
        "templateForWestpark": call.template_team,
        "tbsWorkItemRequestType": call.request_type,
        "priority": call.priority,
    }


def test_all_are_listed_the_most_urgent_first(api):
    answer = api.get(CALLS)

    assert answer.status_code == 200
    calls = answer.json()["callToActions"]
    assert list(answer.json()) == ["callToActions"]
    assert len(calls) == CallToAction.objects.count()
    assert [c["priority"] for c in calls] == sorted(c["priority"] for c in calls)


def test_an_admin_creates_one_for_a_rule_without_one(admin_api, admin_user):
    CallToAction.objects.filter(rule__type_name="ETA_MISSING").delete()

    answer = admin_api.post(CALLS, NEW, format="json")

    assert answer.status_code == 201, answer.content
    created = CallToAction.objects.get(rule=rule("ETA_MISSING"))
    assert answer.json() == {"id": created.pk, **NEW}
    assert answer["Location"] == f"{CALLS}/{created.pk}"
    assert (created.template_team, created.request_type, created.priority) == (
        NEW["templateForWestpark"],
        2,
        10,
    )
    entry = LogEntry.objects.get(content_type__model="calltoaction", object_id=str(created.pk))
    assert entry.user == admin_user and entry.action_flag == ADDITION


def test_a_rule_that_has_one_gets_no_second(admin_api):
    body = assert_envelope(admin_api.post(CALLS, NEW, format="json"), 400, "ValidationFailed")

    assert "already has a call to action" in body["errors"]["exceptionTypeIdentifier"][0]
    assert CallToAction.objects.filter(rule__type_name="ETA_MISSING").count() == 1


def test_a_type_no_rule_has_is_refused_not_created(admin_api):
    before = CallToAction.objects.count()

    body = assert_envelope(
        admin_api.post(
            CALLS, {**NEW, "exceptionTypeIdentifier": "NEW_EXCEPTION_TYPE"}, format="json"
        ),
        400,
        "ValidationFailed",
    )

    assert "NEW_EXCEPTION_TYPE" in body["errors"]["exceptionTypeIdentifier"][0]
    assert CallToAction.objects.count() == before
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"templateForDayside": ""}, "templateForDayside"),
        ({"priority": 0}, "priority"),
        ({"priority": "high"}, "priority"),
        ({"tbsWorkItemRequestType": -1}, "tbsWorkItemRequestType"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_new_call_to_action_is_refused(admin_api, change, field):
    CallToAction.objects.filter(rule__type_name="ETA_MISSING").delete()

    answer = admin_api.post(CALLS, {**NEW, **change}, format="json")

    assert field in assert_envelope(answer, 400, "ValidationFailed")["errors"]
    assert not CallToAction.objects.filter(rule__type_name="ETA_MISSING").exists()


def test_a_missing_field_is_named(admin_api):
    answer = admin_api.post(CALLS, {"exceptionTypeIdentifier": "ETA_MISSING"}, format="json")

    errors = assert_envelope(answer, 400, "ValidationFailed")["errors"]
    assert {"templateForDayside", "templateForAfterHours", "templateForWestpark"} <= set(errors)


def test_an_admin_changes_the_texts_and_the_priority(admin_api):
    call = CallToAction.objects.get(rule__type_name="ETA_MISSING")
    change = {
        "templateForDayside": "Updated template",
        "templateForAfterHours": "Updated after hours template",
        "templateForWestpark": "Updated westpark template",
        "priority": 8,
    }

    answer = admin_api.patch(f"{CALLS}/{call.pk}", change, format="json")

    assert answer.status_code == 204
    shown = admin_api.get(f"{CALLS}/{call.pk}").json()
    assert {name: shown[name] for name in change} == change
    assert LogEntry.objects.filter(object_id=str(call.pk)).count() == 1


def test_a_bad_change_is_refused_and_changes_nothing(admin_api):
    call = CallToAction.objects.get(rule__type_name="ETA_MISSING")

    answer = admin_api.patch(
        f"{CALLS}/{call.pk}", {"templateForDayside": "New", "priority": 100}, format="json"
    )

    assert "priority" in assert_envelope(answer, 400, "ValidationFailed")["errors"]
    call.refresh_from_db()
    assert call.template_dayside != "New"


def test_agents_read_calls_to_action_but_do_not_change_them(api):
    call = CallToAction.objects.get(rule__type_name="ETA_MISSING")
    CallToAction.objects.filter(rule__type_name="NO_SUPPLIER_UPDATE").delete()

    assert api.get(f"{CALLS}/{call.pk}").status_code == 200
    assert_envelope(
        api.patch(f"{CALLS}/{call.pk}", {"priority": 1}, format="json"), 403, "Forbidden"
    )
    assert_envelope(
        api.post(CALLS, {**NEW, "exceptionTypeIdentifier": "NO_SUPPLIER_UPDATE"}, format="json"),
        403,
        "Forbidden",
    )


def test_an_unknown_call_to_action_is_not_found(admin_api):
    assert_envelope(admin_api.get(f"{CALLS}/999999"), 404, "NotFound")
    assert_envelope(
        admin_api.patch(f"{CALLS}/999999", {"priority": 1}, format="json"), 404, "NotFound"
    )
