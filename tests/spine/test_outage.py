"""Issue 10 #6: a database outage during a partner's post is answered in the partner's protocol
(receivedNotifyFaultReportUpdate, responseCode 503), HTTP 503 and Retry-After, so that it retries;
the API answers its JSON error the same way. Real PostgreSQL made unreachable during the request
(its backend terminated while the request waits on it, or the connection pointed at a closed
port), over a real socket (the live server); the partner then retries until it is acknowledged,
and every acknowledged message is applied exactly once."""

import contextlib
import threading
from collections.abc import Callable, Iterator

import psycopg
import pytest
import requests
from django.db import connection
from lxml import etree
from rest_framework.authtoken.models import Token

from devtools.pki import ensure_demo_pki
from faults.models import Fault, FaultUpdate
from integrations.choices import InboundStatus
from integrations.cityfibre import soap
from integrations.cityfibre.parsers import parse_generic_response
from integrations.inbox import inbox_apply
from integrations.models import BuyerIdentifier, InboundMessage
from integrations.security import proxy_headers
from tests.e2e.processes import wait_for
from tests.factories import BuyerIdentifierFactory
from tests.nginx_proxy import free_port
from tests.partner_posts import notification, pending_fault_of_pinned_supplier

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SLUG = "outage-supplier"


@pytest.fixture
def fault(tmp_path, settings) -> Fault:
    settings.TRUSTED_PROXY_IPS = ["127.0.0.1/32"]
    pki = ensure_demo_pki(tmp_path / "pki")
    fault = pending_fault_of_pinned_supplier(pki, slug=SLUG)
    fault.pki = pki
    return fault


@pytest.fixture
def post(live_server, fault, settings) -> Callable[[str], requests.Response]:
    """`post(message_id)`: the supplier's notification, as the proxy passes it on."""
    url = f"{live_server.url}/integrations/cityfibre/{SLUG}/notify/"
    headers = {
        "Content-Type": "text/xml; charset=utf-8",
        **proxy_headers(
            escaped_cert=fault.pki.supplier_client.proxy_header,
            forwarded_for="127.0.0.1",
            secret=settings.PARTNER_PROXY_SECRET,
        ),
    }

    bodies: dict[str, bytes] = {}  # a message sent again is the same bytes

    def send(message_id: str) -> requests.Response:
        if message_id not in bodies:
            bodies[message_id] = notification(fault.buyer_fault_reference, message_id=message_id)
        return requests.post(url, data=bodies[message_id], headers=headers, timeout=30)

    return send


@pytest.fixture
def admin_sql() -> Iterator[psycopg.Connection]:
    """A connection of our own to the test database, beside Django's, to lock and terminate."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        dbname=db["NAME"],
        autocommit=True,
    ) as conn:
        yield conn


@pytest.fixture
def database_unreachable() -> Callable[[], object]:
    """`with database_unreachable():` new connections go to a port where nothing listens (the
    live server opens one per request); this test's own connection stays open."""

    @contextlib.contextmanager
    def outage():
        settings_dict = connection.settings_dict  # shared by every thread's connection
        port = settings_dict["PORT"]
        settings_dict["PORT"] = str(free_port())
        try:
            yield
        finally:
            settings_dict["PORT"] = port

    return outage


def backends_waiting_on(admin_sql: psycopg.Connection, statement: str) -> list[tuple[int]]:
    # Inside a transaction, pg_stat_activity is read once unless its snapshot is cleared.
    admin_sql.execute("SELECT pg_stat_clear_snapshot()")
    return admin_sql.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND query LIKE %s",
        (f"%{statement}%",),
    ).fetchall()


def read_answer(response: requests.Response):
    element = soap.unwrap(etree.fromstring(response.content))
    assert etree.QName(element).localname == "receivedNotifyFaultReportUpdate"
    return parse_generic_response(element)


def assert_retry_later(response: requests.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Content-Type"].startswith("text/xml")
    answer = read_answer(response)
    assert answer.response_code == 503
    assert "retry after 30 seconds" in answer.error_message


def test_a_database_dropped_during_the_post_is_answered_503_in_the_protocol_and_retried(
    post, fault, admin_sql
):
    # Given a request that waits on the inbox table, whose backend is then terminated (as a
    # PostgreSQL restart does).
    table = InboundMessage._meta.db_table
    with admin_sql.transaction():
        admin_sql.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
        answers: list[requests.Response] = []
        sender = threading.Thread(target=lambda: answers.append(post("CF-OUT-1")))
        sender.start()
        waiting = wait_for(
            lambda: backends_waiting_on(admin_sql, f'INSERT INTO "{table}"'),
            timeout=15,
            what="the webhook's insert to wait on the lock",
        )
        for (pid,) in waiting:
            admin_sql.execute("SELECT pg_terminate_backend(%s)", (pid,))
        sender.join(timeout=30)

    # Then the supplier reads its own protocol's answer, 503 with Retry-After, echoing its
    # message id; nothing was stored.
    (dropped,) = answers
    assert_retry_later(dropped)
    assert read_answer(dropped).message_id == "CF-OUT-1"
    assert not InboundMessage.objects.exists()

    # And when it sends the message again, it is acknowledged, stored once and applied once.
    again = post("CF-OUT-1")
    assert again.status_code == 200
    stored = InboundMessage.objects.get()
    assert inbox_apply(inbound_id=stored.pk) == InboundStatus.APPLIED
    assert inbox_apply(inbound_id=stored.pk) is None
    assert FaultUpdate.objects.filter(fault=fault, description="Update CF-OUT-1").count() == 1


def test_while_the_database_is_unreachable_nothing_acknowledged_is_lost_or_applied_twice(
    post, fault, database_unreachable
):
    # Given a supplier that retries whatever is not acknowledged with 200.
    acknowledged: list[str] = []
    before = post("CF-SEQ-0")
    assert before.status_code == 200
    acknowledged.append("CF-SEQ-0")

    # When the database cannot be reached for a while (new connections refused).
    with database_unreachable():
        during = [post(f"CF-SEQ-{n}") for n in (1, 2)]
        resent = post("CF-SEQ-0")  # an acknowledged message sent again meanwhile

    # Then each post in the outage is refused in the protocol's shape, with Retry-After; the
    # partner is not known without the database, so the answer names no buyer identifier.
    for response in [*during, resent]:
        assert_retry_later(response)
    assert read_answer(during[0]).buyer_identifier == ""

    # And once it is back, the retries are acknowledged; every message is stored once and applied
    # once, the resent one counted as a duplicate.
    for message_id in ("CF-SEQ-1", "CF-SEQ-2", "CF-SEQ-0"):
        assert post(message_id).status_code == 200
    stored = {m.message_id: m for m in InboundMessage.objects.all()}
    assert sorted(stored) == ["CF-SEQ-0", "CF-SEQ-1", "CF-SEQ-2"]
    assert stored["CF-SEQ-0"].duplicates_received == 1
    first = min(stored.values(), key=lambda m: m.pk)
    # Applying one message applies its fault's others with it, in the order they arrived.
    assert inbox_apply(inbound_id=first.pk) == InboundStatus.APPLIED
    for message in stored.values():
        message.refresh_from_db()
        assert message.status == InboundStatus.APPLIED
        assert inbox_apply(inbound_id=message.pk) is None
    updates = FaultUpdate.objects.filter(fault=fault, description__startswith="Update CF-SEQ-")
    assert sorted(updates.values_list("description", flat=True)) == [
        "Update CF-SEQ-0",
        "Update CF-SEQ-1",
        "Update CF-SEQ-2",
    ]


def test_during_an_outage_the_answer_names_the_buyer_identifier_this_process_last_knew(
    post, fault, database_unreachable, settings
):
    # Given partner settings cached by this process (PARTNER_CACHE_SECONDS above zero), with a
    # default buyer identifier other than the one the notifications name, and a cache time so
    # short that the entry is stale by the next request, as every entry is once its time passed.
    partner = fault.supplier
    BuyerIdentifier.objects.filter(partner=partner).update(is_default=False)
    BuyerIdentifierFactory(partner=partner, code="HOLDOUT2", is_default=True)
    settings.PARTNER_CACHE_SECONDS = 1e-6
    assert post("CF-CACHE-0").status_code == 200

    # When the database cannot be reached as the stale partner is read again.
    with database_unreachable():
        response = post("CF-CACHE-1")

    # Then the 503 in the protocol's shape names the partner's default buyer identifier, as this
    # process last read it (not the notification's own: the body was never read).
    assert_retry_later(response)
    assert read_answer(response).buyer_identifier == "HOLDOUT2"
    assert read_answer(response).message_id == ""


def test_the_api_answers_its_json_error_with_503_and_retry_after(
    live_server, agent_user, database_unreachable
):
    token = Token.objects.create(user=agent_user).key

    with database_unreachable():
        response = requests.get(
            f"{live_server.url}/api/v1/faults/",
            headers={"Authorization": f"Token {token}"},
            timeout=30,
        )

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    error = response.json()["error"]
    assert error["code"] == "service_unavailable"
    assert "retry after 30 seconds" in error["message"]
