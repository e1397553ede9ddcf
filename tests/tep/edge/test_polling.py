"""Polling TEP against a scripted TEP on loopback: GetTicket, the message stored in the inbox and
committed before ReportTicketResult says Success; NotFound, Unavailable and Failure where the
seed says; each call at most once every 60 seconds per partner, by a clock the test moves."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from integrations.choices import Environment
from integrations.models import InboundMessage, Partner
from integrations.tep import polling, received
from integrations.tep.models import ReceiveMode, TepConnection
from integrations.tep.package import PACKAGE
from integrations.tep.tasks import poll_tep_partners
from tests.factories import FaultFactory
from tests.tep.edge.conftest import make_tep_partner, new_stid, ticket_xml
from tests.tep.edge.tep_stub import TepStub

T0 = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db(transaction=True)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def tep() -> Iterator[TepStub]:
    with TepStub() as stub:
        yield stub


@pytest.fixture
def polling_partner(pki, tep) -> Partner:
    return make_tep_partner(pki, slug="tep-polled", mode=ReceiveMode.POLLING, base_url=tep.url)


def test_a_message_is_reported_success_only_once_its_storing_committed(tep, polling_partner):
    stid = new_stid()
    tep.tickets.append((41, ticket_xml(stid=stid, tag="t:Ticket")))
    seen_by_tep: list[bool] = []
    # Looked at from the server's thread: another connection sees only what is committed.
    tep.on_report = lambda result: seen_by_tep.append(
        InboundMessage.objects.filter(message_id=stid).exists()
    )

    result = polling.poll_partner(polling_partner.pk, now=Clock(T0))

    assert result.ticket == "Success"
    assert seen_by_tep == [True]
    reference = received.promised_reference(polling_partner, stid)
    assert tep.reports() == [(41, reference, "Success")]
    (message,) = InboundMessage.objects.filter(partner=polling_partner)
    assert (message.message_type, message.message_id, message.fault) == ("Ticket.New", stid, None)
    assert tep.operations == ["GetTicket", "ReportTicketResult", "GetReceipt"]


def test_each_call_is_made_at_most_once_a_minute_per_partner(tep, polling_partner):
    clock = Clock(T0)
    polling.poll_partner(polling_partner.pk, now=clock)
    assert tep.operations == ["GetTicket", "GetReceipt"]

    clock.now = T0 + timedelta(seconds=60)  # the seed's minute, but not its margin yet
    assert polling.poll_partner(polling_partner.pk, now=clock) == polling.PollResult()
    assert tep.operations == ["GetTicket", "GetReceipt"]

    clock.now = T0 + timedelta(seconds=61)
    assert polling.poll_partner(polling_partner.pk, now=clock).ticket == "none"
    assert tep.operations == ["GetTicket", "GetReceipt"] * 2
    tep_connection = TepConnection.objects.get(partner=polling_partner)
    assert tep_connection.last_ticket_poll_at == clock.now
    assert tep_connection.last_receipt_poll_at == clock.now


def test_the_slots_are_claimed_under_the_row_lock(polling_partner):
    slot = polling.TICKET_SLOT
    assert polling.claim_slot(polling_partner.pk, slot, T0)
    assert not polling.claim_slot(polling_partner.pk, slot, T0)
    assert not polling.claim_slot(polling_partner.pk, slot, T0 + timedelta(seconds=30))
    # The other poll has its own slot.
    assert polling.claim_slot(polling_partner.pk, polling.RECEIPT_SLOT, T0)
    assert polling.claim_slot(polling_partner.pk, slot, T0 + polling.MIN_INTERVAL)


def test_a_message_about_a_ticket_we_do_not_have_is_reported_not_found(tep, polling_partner):
    tep.tickets.append(
        (7, ticket_xml("Update", tag="t:Ticket", receiver_reference="NOC-000000-GONE"))
    )

    assert polling.poll_partner(polling_partner.pk, now=Clock(T0)).ticket == "NotFound"
    assert tep.reports() == [(7, "NOC-000000-GONE", "NotFound")]
    assert not InboundMessage.objects.exists()


def test_an_update_for_a_ticket_still_being_opened_is_reported_unavailable(tep, polling_partner):
    clock = Clock(T0)
    stid = new_stid()
    tep.tickets.append((1, ticket_xml(stid=stid, tag="t:Ticket", sender_reference="INC-3")))
    polling.poll_partner(polling_partner.pk, now=clock)
    reference = received.promised_reference(polling_partner, stid)
    tep.tickets.append((2, ticket_xml("Update", tag="t:Ticket", receiver_reference=reference)))

    clock.now += polling.MIN_INTERVAL
    assert polling.poll_partner(polling_partner.pk, now=clock).ticket == "Unavailable"
    # TEP keeps it for a later GetTicket; nothing of it is stored.
    assert [t[0] for t in tep.tickets] == [2]
    assert InboundMessage.objects.count() == 1


def test_a_message_we_cannot_read_is_reported_failure(tep, polling_partner):
    broken = ticket_xml(tag="t:Ticket").replace("<t:MessageType>New", "<t:MessageType>Delete")
    tep.tickets.append((9, broken))

    assert polling.poll_partner(polling_partner.pk, now=Clock(T0)).ticket == "Failure"
    assert tep.reports() == [(9, "INC-77", "Failure")]
    assert not InboundMessage.objects.exists()


def test_a_message_delivered_again_is_stored_once_and_reported_again(tep, polling_partner):
    clock = Clock(T0)
    stid = new_stid()
    fault = FaultFactory(
        supplier=polling_partner, buyer_identifier=polling_partner.buyer_identifiers.get()
    )
    update = ticket_xml(
        "Update", stid=stid, tag="t:Ticket", receiver_reference=fault.buyer_fault_reference
    )
    # Our report was lost: TEP hands the message out again, under a new MessageID.
    tep.tickets.extend([(11, update), (12, update)])
    polling.poll_partner(polling_partner.pk, now=clock)
    clock.now += polling.MIN_INTERVAL
    polling.poll_partner(polling_partner.pk, now=clock)

    assert [r[2] for r in tep.reports()] == ["Success", "Success"]
    (message,) = InboundMessage.objects.filter(fault=fault)
    assert message.duplicates_received == 1


def test_a_partner_that_does_not_poll_is_never_called(tep, pki, polling_partner):
    hosted = make_tep_partner(pki, slug="tep-hosted", base_url=tep.url)
    inactive = make_tep_partner(
        pki, slug="tep-off", mode=ReceiveMode.POLLING, base_url=tep.url, is_active=False
    )

    assert polling.polling_partner_ids() == [polling_partner.pk]
    for partner in (hosted, inactive):
        assert polling.poll_partner(partner.pk, now=Clock(T0)) == polling.PollResult()
    assert tep.calls == []


def test_beat_looks_every_ten_seconds_and_each_partner_waits_the_minute_and_a_second():
    (poll,) = PACKAGE.polls
    assert poll.task == poll_tep_partners.name
    assert poll.every == timedelta(seconds=10)
    assert polling.MIN_INTERVAL.total_seconds() == 61


@pytest.mark.parametrize("environment", [Environment.INTEGRATION, Environment.PRODUCTION])
def test_a_real_tep_is_polled_once_a_minute_whatever_the_simulator_setting(
    tep, polling_partner, settings, environment
):
    settings.TEP_SIMULATOR_POLL_SECONDS = 2
    Partner.objects.filter(pk=polling_partner.pk).update(environment=environment)
    clock = Clock(T0)
    assert polling.poll_partner(polling_partner.pk, now=clock).ticket == "none"

    clock.now += timedelta(seconds=60)  # TEP could see less, if this call travels faster
    assert polling.poll_partner(polling_partner.pk, now=clock) == polling.PollResult()
    clock.now += timedelta(seconds=1)
    assert polling.poll_partner(polling_partner.pk, now=clock).ticket == "none"
    assert tep.operations.count("GetTicket") == 2


def test_a_simulator_partner_is_polled_as_often_as_the_setting_allows(
    tep, polling_partner, settings
):
    settings.TEP_SIMULATOR_POLL_SECONDS = 2
    clock = Clock(T0)
    assert polling.poll_partner(polling_partner.pk, now=clock).ticket == "none"

    clock.now += timedelta(seconds=2)
    assert polling.poll_partner(polling_partner.pk, now=clock) == polling.PollResult()
    clock.now += timedelta(seconds=1)  # the setting and the margin
    assert polling.poll_partner(polling_partner.pk, now=clock).ticket == "none"
    assert tep.operations.count("GetTicket") == 2


def test_polling_inside_a_transaction_is_refused(polling_partner):
    from django.db import transaction

    with transaction.atomic(), pytest.raises(RuntimeError):
        polling.poll_partner(polling_partner.pk, now=Clock(T0))


@pytest.fixture
def inbox_locked():
    """`with inbox_locked():` another session holds the inbox table locked, and this one waits
    for a lock at most 300 ms: storing a message fails as the database would in trouble."""
    import contextlib

    import psycopg
    from django.db import connection

    from integrations.models import InboundMessage as Inbox

    @contextlib.contextmanager
    def locked():
        db = connection.settings_dict
        with psycopg.connect(
            host=db["HOST"],
            port=db["PORT"],
            user=db["USER"],
            password=db.get("PASSWORD") or None,
            dbname=db["NAME"],
        ) as other:
            other.execute(f'LOCK TABLE "{Inbox._meta.db_table}" IN ACCESS EXCLUSIVE MODE')
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '300ms'")
            try:
                yield
            finally:
                other.rollback()
                with connection.cursor() as cursor:
                    cursor.execute("SET lock_timeout = 0")

    return locked


def test_a_database_problem_is_reported_unavailable_and_the_message_taken_later(
    tep, polling_partner, inbox_locked
):
    clock = Clock(T0)
    stid = new_stid()
    tep.tickets.append((5, ticket_xml(stid=stid, tag="t:Ticket")))

    with inbox_locked():
        assert polling.poll_partner(polling_partner.pk, now=clock).ticket == "Unavailable"
    assert [t[0] for t in tep.tickets] == [5]
    assert not InboundMessage.objects.exists()

    clock.now += polling.MIN_INTERVAL
    assert polling.poll_partner(polling_partner.pk, now=clock).ticket == "Success"
    assert [r[2] for r in tep.reports()] == ["Unavailable", "Success"]
    assert InboundMessage.objects.filter(message_id=stid).count() == 1


def _naming_attachment(uri: str, filename: str = "trace.log", **ticket) -> str:
    xml = ticket_xml(tag="t:Ticket", **ticket)
    named = (
        f"<t:Attachments><t:AttachmentUri><t:Filename>{filename}</t:Filename><t:Uri>{uri}</t:Uri>"
        "</t:AttachmentUri></t:Attachments></t:Ticket>"
    )
    return xml.replace("</t:Ticket>", named)


def _attachment_xml(filename: str, payload: bytes) -> str:
    import base64

    return (
        f"<t:Filename>{filename}</t:Filename><t:Payload>{base64.b64encode(payload).decode()}"
        f"</t:Payload><t:SystemTransactionID>{new_stid()}</t:SystemTransactionID>"
    )


def test_the_attachments_a_message_names_are_fetched_before_it_is_stored(tep, polling_partner):
    uri = "https://tep.example/attachments/5f1c?sig=abc"
    tep.attachments[uri] = _attachment_xml("trace.log", b"09:00 link down\n")
    tep.tickets.append((21, _naming_attachment(uri)))

    assert polling.poll_partner(polling_partner.pk, now=Clock(T0)).ticket == "Success"

    assert tep.operations[:3] == ["GetTicket", "GetAttachment", "ReportTicketResult"]
    kept = received.stored_attachment(polling_partner, uri)
    assert kept is not None and b"trace.log" in kept


def test_an_attachment_tep_cannot_give_yet_leaves_the_message_for_a_later_poll(
    tep, polling_partner
):
    clock = Clock(T0)
    uri = "https://tep.example/attachments/77"
    tep.attachments[uri] = _attachment_xml("trace.log", b"ok\n")
    tep.unavailable = 1
    stid = new_stid()
    tep.tickets.append((22, _naming_attachment(uri, stid=stid)))

    assert polling.poll_partner(polling_partner.pk, now=clock).ticket == "Unavailable"
    assert not InboundMessage.objects.exists()

    clock.now += polling.MIN_INTERVAL
    assert polling.poll_partner(polling_partner.pk, now=clock).ticket == "Success"
    assert InboundMessage.objects.filter(message_id=stid).exists()
    assert received.stored_attachment(polling_partner, uri) is not None


def test_an_attachment_our_checks_refuse_is_not_kept(tep, polling_partner):
    uri = "https://tep.example/attachments/exe"
    tep.attachments[uri] = _attachment_xml("report.pdf", b"MZ\x90\x00program")
    tep.tickets.append((23, _naming_attachment(uri, filename="report.pdf")))

    assert polling.poll_partner(polling_partner.pk, now=Clock(T0)).ticket == "Success"
    assert received.stored_attachment(polling_partner, uri) is None
    assert InboundMessage.objects.filter(message_type="Ticket.New").count() == 1


def test_the_beat_task_polls_each_polling_partner_once(tep, pki, polling_partner, monkeypatch):
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    make_tep_partner(pki, slug="tep-polled-2", mode=ReceiveMode.POLLING, base_url=tep.url)
    make_tep_partner(pki, slug="tep-hosted-2", base_url=tep.url)

    assert poll_tep_partners() == 2
    assert tep.operations.count("GetTicket") == 2
    # A second beat within the minute calls nothing (the slots are taken).
    assert poll_tep_partners() == 2
    assert tep.operations.count("GetTicket") == 2


def test_a_worker_waits_for_the_slot_another_holds_and_then_finds_it_taken(polling_partner):
    """Another worker holds the connection's row (it is claiming the same slot): this one waits
    for it and then sees the slot taken, instead of reading the old time and calling too."""
    import threading

    import psycopg
    from django.db import connection, connections

    from tests.e2e.processes import wait_for

    table = TepConnection._meta.db_table
    db = connection.settings_dict
    claimed: list[bool] = []

    def claim() -> None:
        try:
            claimed.append(polling.claim_slot(polling_partner.pk, polling.TICKET_SLOT, T0))
        finally:
            connections.close_all()

    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"]
    ) as other:
        other.execute(
            f'SELECT 1 FROM "{table}" WHERE partner_id = %s FOR UPDATE', (polling_partner.pk,)
        )
        worker = threading.Thread(target=claim)
        worker.start()

        def waiting() -> bool:
            with psycopg.connect(
                host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"]
            ) as look:
                return bool(
                    look.execute(
                        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND query LIKE %s",
                        (f'%FROM "{table}"%FOR UPDATE%',),
                    ).fetchall()
                )

        wait_for(waiting, timeout=15, what="the worker to wait on the connection's row")
        other.execute(
            f'UPDATE "{table}" SET last_ticket_poll_at = %s WHERE partner_id = %s',
            (T0, polling_partner.pk),
        )
        other.commit()
        worker.join(timeout=15)

    assert claimed == [False]


def test_an_attachment_tep_will_never_give_does_not_hold_the_message_back(tep, polling_partner):
    tep.tickets.append((24, _naming_attachment("https://tep.example/attachments/gone")))

    assert polling.poll_partner(polling_partner.pk, now=Clock(T0)).ticket == "Success"
    assert tep.operations[:3] == ["GetTicket", "GetAttachment", "ReportTicketResult"]
    assert InboundMessage.objects.filter(message_type="Ticket.New").count() == 1
