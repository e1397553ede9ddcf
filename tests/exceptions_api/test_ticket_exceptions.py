"""/ticketExceptions/v1/ticketExceptions: the seed's shape, each filter, pages that stay right
while exceptions are raised, a bounded number of queries a page, and one by id."""

from datetime import timedelta

import pytest
from django.utils import timezone

from faults.exceptions.models import CallToAction, TicketException
from tests.exceptions_api.conftest import link, rule
from tests.exceptions_api.test_auth import assert_envelope
from tests.factories import FaultFactory, PartnerFactory

pytestmark = pytest.mark.django_db

EXCEPTIONS = "/ticketExceptions/v1/ticketExceptions"


def ids(answer) -> list[int]:
    assert answer.status_code == 200, answer.content
    return [row["id"] for row in answer.json()["ticketExceptions"]]


def test_an_exception_in_the_seeds_shape(api, raise_exception):
    exception = raise_exception("ETA_MISSING", subject="No ETA", comment="Accepted 5 hours ago.")
    link(exception, "ZDTICKET-12345")
    CallToAction.objects.filter(rule=exception.rule).update(request_type=7)

    answer = api.get(f"{EXCEPTIONS}/{exception.pk}")

    assert answer.status_code == 200
    body = answer.json()
    assert body == {
        "id": exception.pk,
        "subject": "No ETA",
        "comment": "Accepted 5 hours ago.",
        "tbsWorkItemAuthorizationNumber": exception.fault.buyer_fault_reference,
        "tbsWorkItemRequestType": 7,
        "ticketExceptionTypeId": exception.rule.type_id,
        "ticketExceptionTypeName": "ETA_MISSING",
        "ticketExceptionCreated": True,
        "isConsideredSolvedByTbs": False,
        "serviceProviderId": exception.fault.supplier_id,
        "externalReferences": [
            {"domain": "zendesk", "type": "ticket", "identifier": "ZDTICKET-12345"}
        ],
        "isOpen": True,
        "raisedAt": body["raisedAt"],
        "solvedAt": None,
        "solvedReason": "",
    }
    assert body["raisedAt"].endswith("Z")  # in UTC, as the seed's dates


def test_solved_by_the_sweep_or_by_an_agent(api, raise_exception):
    cleared = raise_exception(solved=True)
    by_hand = raise_exception(solved=False)

    assert api.get(f"{EXCEPTIONS}/{cleared.pk}").json()["isConsideredSolvedByTbs"] is True
    solved_by_hand = api.get(f"{EXCEPTIONS}/{by_hand.pk}").json()
    assert solved_by_hand["isConsideredSolvedByTbs"] is False
    assert solved_by_hand["isOpen"] is False


def test_without_a_helpdesk_ticket_or_a_call_to_action(api, raise_exception):
    exception = raise_exception()
    CallToAction.objects.filter(rule=exception.rule).delete()

    body = api.get(f"{EXCEPTIONS}/{exception.pk}").json()

    assert body["ticketExceptionCreated"] is False
    assert body["externalReferences"] == []
    assert body["tbsWorkItemRequestType"] is None


def test_an_unknown_exception_is_not_found(api):
    assert_envelope(api.get(f"{EXCEPTIONS}/999999"), 404, "NotFound")


def test_the_list_has_the_open_exceptions_newest_first(api, raise_exception):
    older = raise_exception(ago=timedelta(hours=5))
    newer = raise_exception(ago=timedelta(hours=1))
    solved = raise_exception(solved=True)

    answer = api.get(EXCEPTIONS)

    assert set(answer.json()) == {"ticketExceptions", "pageKey"}
    assert ids(answer) == [newer.pk, older.pk]
    assert ids(api.get(EXCEPTIONS, {"includeClosedExceptions": "true"})) == [
        solved.pk,
        newer.pk,
        older.pk,
    ]


def test_filter_by_authorization_number(api, raise_exception):
    mine = raise_exception()
    raise_exception()

    answer = api.get(EXCEPTIONS, {"authorizationNumber": mine.fault.buyer_fault_reference})

    assert ids(answer) == [mine.pk]


def test_filter_by_service_provider(api, raise_exception, buyer_identifier):
    other_supplier = PartnerFactory(slug="other-supplier", name="Other")
    theirs = raise_exception(fault=FaultFactory(supplier=other_supplier))
    raise_exception()

    assert ids(api.get(EXCEPTIONS, {"serviceProviderId": other_supplier.pk})) == [theirs.pk]


def test_filter_by_request_type(api, raise_exception):
    CallToAction.objects.filter(rule=rule("NO_SUPPLIER_UPDATE")).update(request_type=4)
    silent = raise_exception("NO_SUPPLIER_UPDATE")
    raise_exception("ETA_MISSING")

    assert ids(api.get(EXCEPTIONS, {"requestType": 4})) == [silent.pk]


def test_filter_by_external_references_repeated_or_comma_separated(api, raise_exception):
    first, second, unlinked = raise_exception(), raise_exception(), raise_exception()
    link(first, "ZD-1")
    link(first, "ZD-9")  # two matches: still listed once
    link(second, "ZD-2")
    link(unlinked, "ZD-3", domain="jira")

    repeated = api.get(f"{EXCEPTIONS}?externalReferences=ZD-1&externalReferences=ZD-2")
    commas = api.get(EXCEPTIONS, {"externalReferences": "ZD-1,ZD-2,ZD-9"})

    assert ids(repeated) == ids(commas) == [second.pk, first.pk]
    assert unlinked.pk not in ids(commas)


def test_filters_combine(api, raise_exception):
    wanted = raise_exception("ETA_MISSING")
    raise_exception("NO_SUPPLIER_UPDATE", fault=wanted.fault)

    answer = api.get(
        EXCEPTIONS,
        {
            "authorizationNumber": wanted.fault.buyer_fault_reference,
            "requestType": 1,
            "serviceProviderId": wanted.fault.supplier_id,
        },
    )

    assert set(ids(answer)) == {e.pk for e in TicketException.objects.filter(fault=wanted.fault)}


@pytest.mark.parametrize(
    "query, field",
    [
        ({"requestType": "one"}, "requestType"),
        ({"requestType": "-1"}, "requestType"),
        ({"serviceProviderId": "x"}, "serviceProviderId"),
        ({"serviceProviderId": "9" * 20}, "serviceProviderId"),
        ({"includeClosedExceptions": "maybe"}, "includeClosedExceptions"),
        ({"authorizationNumber": "R" * 101}, "authorizationNumber"),
        ({"externalReferences": "Z" * 101}, "externalReferences"),
        ({"pageKey": "garbage"}, "pageKey"),
    ],
)
def test_a_bad_filter_is_refused(api, query, field):
    body = assert_envelope(api.get(EXCEPTIONS, query), 400, "ValidationFailed")

    assert list(body["errors"]) == [field]


def test_the_client_cannot_reorder_the_pages(api, raise_exception):
    first, second = raise_exception(ago=timedelta(hours=2)), raise_exception()

    assert ids(api.get(EXCEPTIONS, {"ordering": "id"})) == [second.pk, first.pk]


def test_paging_while_exceptions_are_raised_lists_each_once(api, raise_exception):
    """Page 1, then newer and older exceptions raised, then the rest: every exception there at
    the start is listed exactly once, and none twice."""
    at_start = [raise_exception(ago=timedelta(minutes=m)) for m in range(25)]
    seen: list[int] = []

    page = api.get(EXCEPTIONS, {"pageSize": 10}).json()
    seen += [row["id"] for row in page["ticketExceptions"]]
    raise_exception(ago=timedelta(seconds=1))  # newer than all
    raise_exception(ago=timedelta(days=30))  # older than all
    while page["pageKey"]:
        page = api.get(EXCEPTIONS, {"pageSize": 10, "pageKey": page["pageKey"]}).json()
        seen += [row["id"] for row in page["ticketExceptions"]]
        raise_exception(ago=timedelta(minutes=12))  # in the middle of what is listed

    assert len(seen) == len(set(seen))
    assert {e.pk for e in at_start} <= set(seen)


def test_an_exception_solved_while_paging_does_not_shift_the_pages(api, raise_exception):
    rows = [raise_exception() for _ in range(6)]

    page = api.get(EXCEPTIONS, {"pageSize": 3}).json()
    # The newest, on page 1, is solved: an offset would now skip a row of page 2.
    TicketException.objects.filter(pk=rows[-1].pk).update(solved_at=timezone.now())
    rest = api.get(EXCEPTIONS, {"pageSize": 3, "pageKey": page["pageKey"]}).json()

    listed = [r["id"] for r in page["ticketExceptions"] + rest["ticketExceptions"]]
    assert sorted(listed) == sorted(r.pk for r in rows)
    assert rest["pageKey"] is None


def test_a_page_costs_the_same_queries_however_many_rows(
    api, raise_exception, django_assert_max_num_queries
):
    for number in range(60):
        exception = raise_exception("ETA_MISSING" if number % 2 else "NO_SUPPLIER_UPDATE")
        link(exception, f"ZD-{number}")
    api.get(EXCEPTIONS)  # warm the caches of the first request (content types, ...)

    # The user, the role groups and the page's rows with their relations, then the references.
    with django_assert_max_num_queries(4):
        answer = api.get(EXCEPTIONS, {"pageSize": 50})

    assert len(ids(answer)) == 50
