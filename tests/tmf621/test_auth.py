"""The access token on every call to a TMF621 supplier: fetched with HTTP Basic from its token
endpoint, over HTTPS, cached until it expires less a margin, fetched once by threads that need it
together, and never sent, nor the client secret, over plain HTTP to anything but a simulator."""

import io
import threading

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from integrations.auth.secrets import decrypt_secret, encrypt_secret
from integrations.choices import Environment
from integrations.http import OutboundRequest, Outcome, partner_session, send
from integrations.models import Partner
from integrations.tmf621 import auth
from integrations.tmf621.models import Tmf621Connection
from tests.tmf621.conftest import CLIENT_ID, CLIENT_SECRET, point_at
from tests.tmf621.supplier_stub import Reply, StubSupplier

pytestmark = pytest.mark.django_db
GET_TICKETS = OutboundRequest(message_type="listTroubleTicket", method="GET", path="troubleTicket")


class Clock:
    """Monotonic seconds that move only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(auth.TOKENS, "clock", clock)
    return clock


def test_a_token_is_reused_until_it_expires_less_the_margin(tmf_partner, tmf_stub, clock):
    assert send(tmf_partner, GET_TICKETS).outcome == Outcome.DELIVERED
    clock.now += 3600 - auth.MAX_MARGIN - 1
    assert send(tmf_partner, GET_TICKETS).outcome == Outcome.DELIVERED
    assert len(tmf_stub.token_requests) == 1

    clock.now += 2  # within the last minute of its hour: renewed before the supplier refuses it
    assert send(tmf_partner, GET_TICKETS).outcome == Outcome.DELIVERED

    assert len(tmf_stub.token_requests) == 2
    first, second, third = (call.bearer for call in tmf_stub.received)
    assert first == second != third


def test_a_short_lived_token_is_renewed_a_tenth_of_its_life_early(tmf_partner, tmf_stub, clock):
    tmf_stub.expires_in = 100
    send(tmf_partner, GET_TICKETS)
    clock.now += 89
    send(tmf_partner, GET_TICKETS)
    clock.now += 2
    send(tmf_partner, GET_TICKETS)

    assert len(tmf_stub.token_requests) == 2


def calls_at_once(partner, url: str, count: int) -> list[int]:
    """`count` threads, each with its own session, GET `url` at the same moment; their statuses."""
    sessions = [partner_session(partner) for _ in range(count)]  # the database is read here
    start = threading.Barrier(count)
    answers: list[int] = []

    def call(session) -> None:
        start.wait()
        with session:
            answers.append(session.get(url).status_code)

    threads = [threading.Thread(target=call, args=(session,)) for session in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_threads_that_need_a_token_together_fetch_one(tmf_partner, tmf_stub):
    answers = calls_at_once(tmf_partner, f"{tmf_stub.api_url}/troubleTicket", 8)

    assert answers == [200] * 8
    assert len(tmf_stub.token_requests) == 1


def test_threads_refused_with_the_same_token_renew_it_once(tmf_partner, tmf_stub):
    send(tmf_partner, GET_TICKETS)
    tmf_stub.expire_tokens()

    answers = calls_at_once(tmf_partner, f"{tmf_stub.api_url}/troubleTicket", 6)

    assert answers == [200] * 6
    assert len(tmf_stub.token_requests) == 2


def test_a_new_client_secret_gets_a_new_token(tmf_partner, tmf_stub):
    send(tmf_partner, GET_TICKETS)
    tmf_stub.client_secret = "a-new-secret-from-the-supplier"
    Tmf621Connection.objects.filter(partner=tmf_partner).update(
        client_secret_encrypted=encrypt_secret("a-new-secret-from-the-supplier")
    )

    assert send(tmf_partner, GET_TICKETS).outcome == Outcome.DELIVERED
    assert len(tmf_stub.token_requests) == 2


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (Reply(200, {"token_type": "Bearer", "expires_in": 60}), "holds no bearer access token"),
        (Reply(200, {"access_token": "t", "token_type": "mac"}), "holds no bearer access token"),
        (Reply(200, b"<html>maintenance</html>"), "holds no bearer access token"),
        (Reply(502, None), "answered HTTP 502"),
    ],
)
def test_a_token_endpoint_that_gives_no_token_is_retried_later(
    tmf_partner, tmf_stub, answer, error
):
    tmf_stub.token_script.append(answer)

    result = send(tmf_partner, GET_TICKETS)

    assert result.outcome == Outcome.RETRY
    assert error in result.error
    assert tmf_stub.received == []


def test_an_unreachable_token_endpoint_is_retried_later(tmf_partner, tmf_stub):
    Tmf621Connection.objects.filter(partner=tmf_partner).update(
        token_url="http://127.0.0.1:9/oauth/token"
    )

    result = send(tmf_partner, GET_TICKETS)

    assert result.outcome == Outcome.RETRY
    assert "token endpoint could not be reached" in result.error


@pytest.mark.parametrize(
    "change",
    [
        {"client_secret_encrypted": ""},
        {"client_secret_encrypted": "not-a-fernet-token"},
    ],
)
def test_a_partner_without_a_usable_secret_is_refused_before_any_call(
    tmf_partner, tmf_stub, change
):
    Tmf621Connection.objects.filter(partner=tmf_partner).update(**change)

    result = send(tmf_partner, GET_TICKETS)

    assert result.outcome == Outcome.CREDENTIALS_REFUSED
    assert tmf_stub.token_requests == [] and tmf_stub.received == []


def test_a_partner_without_connection_settings_is_refused_before_any_call(tmf_partner, tmf_stub):
    Tmf621Connection.objects.filter(partner=tmf_partner).delete()

    result = send(tmf_partner, GET_TICKETS)

    assert result.outcome == Outcome.CREDENTIALS_REFUSED
    assert "no TMF621 connection settings" in result.error


def test_credentials_are_never_sent_over_plain_http_to_a_real_supplier(tmf_partner, tmf_stub):
    Partner.objects.filter(pk=tmf_partner.pk).update(environment=Environment.PRODUCTION)
    tmf_partner.refresh_from_db()

    result = send(tmf_partner, GET_TICKETS)

    assert result.outcome == Outcome.CREDENTIALS_REFUSED
    assert "is not HTTPS" in result.error
    assert tmf_stub.token_requests == [] and tmf_stub.received == []


def test_over_https_the_token_and_the_calls_use_the_partners_ca_bundle(tmf_partner, pki):
    tls = (pki.server.cert_path, pki.server.key_path)
    with StubSupplier(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, tls=tls) as stub:
        point_at(tmf_partner, stub)
        Partner.objects.filter(pk=tmf_partner.pk).update(
            environment=Environment.PRODUCTION, ca_bundle_path=str(pki.ca_cert_path)
        )
        tmf_partner.refresh_from_db()

        result = send(tmf_partner, GET_TICKETS)

    assert stub.url.startswith("https://")
    assert result.outcome == Outcome.DELIVERED
    assert len(stub.token_requests) == 1
    assert stub.received[0].bearer == "token-1"


def test_a_server_we_do_not_trust_gets_neither_secret_nor_call(tmf_partner, pki, other_pki):
    tls = (other_pki.server.cert_path, other_pki.server.key_path)
    with StubSupplier(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, tls=tls) as stub:
        point_at(tmf_partner, stub)
        Partner.objects.filter(pk=tmf_partner.pk).update(ca_bundle_path=str(pki.ca_cert_path))
        tmf_partner.refresh_from_db()

        result = send(tmf_partner, GET_TICKETS)

    assert result.outcome == Outcome.RETRY
    assert stub.token_requests == []


def test_a_key_rotation_re_encrypts_the_client_secret(tmf_partner, settings):
    """The client secret is a partner secret like the signing keys: `rotate_partner_secrets`
    moves it to the new key, and the old key can then be dropped."""
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PARTNER_SECRET_KEYS = [old]
    connection = tmf_partner.tmf621
    connection.client_secret_encrypted = encrypt_secret("the-client-secret-0123456789")
    connection.save()
    settings.PARTNER_SECRET_KEYS = [new, old]

    out = io.StringIO()
    call_command("rotate_partner_secrets", stdout=out)

    settings.PARTNER_SECRET_KEYS = [new]
    connection.refresh_from_db()
    assert decrypt_secret(connection.client_secret_encrypted) == b"the-client-secret-0123456789"
    assert "1 secret(s) re-encrypted" in out.getvalue()
