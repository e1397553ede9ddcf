"""Issue 11: each partner's authentication strategy at the inbound edge (`integrations.auth`),
through a test-only endpoint that stores in the inbox like a real one
(tests/spine/ticket_events.py): accepted, refused (wrong secret, stale timestamp, replayed
signature; an unpinned certificate is the partner-security contract's,
tests/spine/contract/test_partner_edge.py), compared by `hmac.compare_digest`, and set in the
admin without ever being shown again."""

import base64
import hmac
import io
import json
import logging
import threading
import time
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from integrations.auth import strategy_for
from integrations.auth.hmac_signature import REMEMBERED_BEYOND, signed_headers
from integrations.auth.secrets import decrypt_secret, encrypt_secret, hash_secret
from integrations.choices import InboundAuth
from integrations.models import InboundMessage, Partner, SeenSignature
from integrations.security import PROXY_SECRET_HEADER_NAME, AccessRefused
from tests.factories import BuyerIdentifierFactory, PartnerFactory
from tests.helpers import admin_form_data
from tests.spine.ticket_events import EVENTS_URL

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.edge_urls")]

SLUG = "ticket-partner"
URL = EVENTS_URL.format(slug=SLUG)
BUYER = "SPAUTH1"
SECRET = "correct-horse-battery-staple-0123456789"
OTHER_SECRET = "wrong-horse-battery-staple-9876543210"


@pytest.fixture(autouse=True)
def through_the_proxy(settings):
    settings.TRUSTED_PROXY_IPS = ["127.0.0.1/32"]
    # The ticket-events protocol is enabled like any package, so its partners can be active.
    settings.INTEGRATION_PACKAGES = [*settings.INTEGRATION_PACKAGES, "tests.spine.ticket_package"]


def make_partner(method: str, **fields: object) -> Partner:
    partner = PartnerFactory(
        slug=SLUG,
        protocol="ticket-events",
        allowed_networks="127.0.0.1/32",
        inbound_auth=method,
        **fields,
    )
    BuyerIdentifierFactory(partner=partner, code=BUYER, is_default=True)
    return partner


def event(event_id: str = "EV-1") -> bytes:
    """A ticket the partner opened: it names no fault, so it needs none to be stored."""
    return json.dumps({"id": event_id, "eventType": "TicketCreateEvent", "buyer": BUYER}).encode()


def post(client, body: bytes, *, remote_addr="127.0.0.1", forwarded_for="127.0.0.1", **headers):
    """As the proxy's plain TLS site passes it on: no certificate, no proxy secret."""
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    return client.post(
        URL, data=body, content_type="application/json", headers=headers, REMOTE_ADDR=remote_addr
    )


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def assert_refused(response, status: int) -> None:
    assert response.status_code == status, response.content
    assert response.json()["code"] == str(status)  # the protocol's own error shape
    assert not InboundMessage.objects.exists()


def assert_stored(response, event_id: str = "EV-1") -> None:
    assert response.status_code == 201, response.content
    assert response.json() == {"received": event_id}
    assert InboundMessage.objects.filter(message_id=event_id).count() == 1


# --- pinned client certificate (the default) --------------------------------------------------
def with_certificate(client, settings, identity, body: bytes = b""):
    return post(
        client,
        body or event(),
        **{
            "X-SSL-Client-Cert": identity.proxy_header,
            PROXY_SECRET_HEADER_NAME: settings.PARTNER_PROXY_SECRET,
        },
    )


def test_certificate_is_the_default_strategy():
    assert Partner().inbound_auth == InboundAuth.CLIENT_CERTIFICATE


def test_a_pinned_certificate_through_the_mutual_tls_site_is_accepted(client, settings, pki):
    make_partner(
        InboundAuth.CLIENT_CERTIFICATE, client_cert_fingerprints=pki.supplier_client.fingerprint
    )

    response = with_certificate(client, settings, pki.supplier_client)

    assert_stored(response)
    assert InboundMessage.objects.get().client_cert_fingerprint == pki.supplier_client.fingerprint


# Refused (an unpinned certificate, no mutual-TLS site, a garbage header, the wrong network): the
# partner-security contract, run for every protocol package, tests/spine/contract/.


# --- HTTP Basic -------------------------------------------------------------------------------
@pytest.fixture
def basic_partner():
    return make_partner(
        InboundAuth.BASIC,
        inbound_username="ticket-partner",
        inbound_secret_hash=hash_secret(SECRET, strategy=InboundAuth.BASIC),
    )


def test_basic_credentials_are_accepted_without_a_client_certificate(client, basic_partner):
    response = post(client, event(), Authorization=basic("ticket-partner", SECRET))

    assert_stored(response)
    stored = InboundMessage.objects.get()
    assert (stored.remote_addr, stored.client_cert_fingerprint) == ("127.0.0.1", "")


@pytest.mark.parametrize(
    "authorization",
    [
        basic("ticket-partner", OTHER_SECRET),
        basic("someone-else", SECRET),
        basic("ticket-partner", ""),
        "Basic not-base64!",
        "Basic \u00e9t\u00e9",  # a header is latin-1: no base64 at all
        "Basic " + base64.b64encode(b"ticket-partner:\xff").decode(),  # not UTF-8
        f"Bearer {SECRET}",
        "",
    ],
    ids=[
        "wrong password",
        "wrong user",
        "no password",
        "unreadable",
        "not ascii",
        "not utf-8",
        "other scheme",
        "none",
    ],
)
def test_wrong_or_missing_basic_credentials_are_refused(client, basic_partner, authorization):
    response = post(client, event(), Authorization=authorization)

    assert_refused(response, 401)
    assert response["WWW-Authenticate"].startswith("Basic ")


def test_right_credentials_from_outside_the_partners_networks_are_refused(client, basic_partner):
    response = post(
        client, event(), forwarded_for="203.0.113.9", Authorization=basic("ticket-partner", SECRET)
    )

    assert_refused(response, 403)
    assert "203.0.113.9 is not an allowed source address" in response.json()["reason"]


def test_right_credentials_not_through_the_proxy_are_refused(client, basic_partner):
    """Only the trusted proxy terminates TLS, and only its X-Forwarded-For is believed."""
    response = post(
        client,
        event(),
        remote_addr="198.51.100.7",
        forwarded_for="127.0.0.1",
        Authorization=basic("ticket-partner", SECRET),
    )

    assert_refused(response, 403)
    assert "must come through the TLS proxy" in response.json()["reason"]


# --- bearer token -----------------------------------------------------------------------------
@pytest.fixture
def bearer_partner():
    return make_partner(
        InboundAuth.BEARER, inbound_secret_hash=hash_secret(SECRET, strategy=InboundAuth.BEARER)
    )


def test_the_bearer_token_is_accepted(client, bearer_partner):
    assert_stored(post(client, event(), Authorization=f"Bearer {SECRET}"))


@pytest.mark.parametrize(
    "authorization",
    [f"Bearer {OTHER_SECRET}", f"Bearer {SECRET[:-1]}", "Bearer ", basic("x", SECRET), ""],
    ids=["wrong token", "truncated token", "empty token", "other scheme", "none"],
)
def test_a_wrong_or_missing_bearer_token_is_refused(client, bearer_partner, authorization):
    response = post(client, event(), Authorization=authorization)

    assert_refused(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer ")


def test_a_bearer_tokens_hash_is_no_basic_password(bearer_partner):
    """A partner moved from bearer to Basic without a new secret cannot be saved: its token's
    hash must not become its password."""
    bearer_partner.inbound_auth = InboundAuth.BASIC
    bearer_partner.inbound_username = "ticket-partner"

    assert bearer_partner.missing_credentials() == "HTTP Basic needs a user name and a password."


# --- HMAC signature over timestamp and body ---------------------------------------------------
@pytest.fixture
def hmac_partner():
    return make_partner(InboundAuth.HMAC, inbound_signing_key=encrypt_secret(SECRET))


def signed(body: bytes, *, key: str = SECRET, at=None) -> dict[str, str]:
    return signed_headers(key.encode(), body, at=at)


def test_a_signed_body_is_accepted(client, hmac_partner):
    body = event()

    assert_stored(post(client, body, **signed(body)))
    assert SeenSignature.objects.filter(partner=hmac_partner).count() == 1


def test_a_signature_under_another_key_is_refused(client, hmac_partner):
    body = event()

    assert_refused(post(client, body, **signed(body, key=OTHER_SECRET)), 401)


def test_a_body_changed_after_signing_is_refused(client, hmac_partner):
    headers = signed(event("EV-1"))

    assert_refused(post(client, event("EV-2"), **headers), 401)


@pytest.mark.parametrize("offset", [-301, 301], ids=["stale", "from the future"])
def test_a_timestamp_outside_the_replay_window_is_refused(client, hmac_partner, offset):
    body = event()
    at = timezone.now() + timedelta(seconds=offset)

    response = post(client, body, **signed(body, at=at))

    assert_refused(response, 401)
    assert "stale" in response.json()["reason"]
    assert not SeenSignature.objects.exists()


@pytest.mark.parametrize("timestamp", ["999999999999", "0"], ids=["past year 9999", "epoch"])
def test_a_timestamp_that_is_no_date_we_could_sign_at_is_refused_not_an_error(
    client, hmac_partner, timestamp
):
    body = event()
    headers = {"X-Signature-Timestamp": timestamp, "X-Signature": "ab" * 32}

    response = post(client, body, **headers)

    assert_refused(response, 401)
    assert "stale" in response.json()["reason"]


def test_a_timestamp_within_the_window_is_accepted(client, hmac_partner):
    body = event()

    assert_stored(post(client, body, **signed(body, at=timezone.now() - timedelta(seconds=290))))


def test_a_replayed_signature_is_refused_and_stored_once(client, hmac_partner):
    body = event()
    headers = signed(body)
    assert_stored(post(client, body, **headers))

    replayed = post(client, body, **headers)

    assert replayed.status_code == 401
    assert "replay" in replayed.json()["reason"]
    assert InboundMessage.objects.get().duplicates_received == 0


def test_a_signature_is_remembered_past_the_last_moment_it_could_be_accepted(client, hmac_partner):
    at = timezone.now().replace(microsecond=0) - timedelta(seconds=299)
    body = event()

    assert_stored(post(client, body, **signed(body, at=at)))

    assert SeenSignature.objects.get().expires_at == at + timedelta(seconds=300) + REMEMBERED_BEYOND


class Outage(Exception):
    pass


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_commits", [True, False], ids=["first commits", "first fails"])
def test_two_workers_given_the_same_signature_accept_it_once(hmac_partner, first_commits):
    """Two web workers, the same signed request: the second checks while the first is still
    storing its message. It waits for the first's transaction; once that commits it is a
    replay, and if that failed (an outage) the signature was never seen and it is taken."""
    strategy = strategy_for(hmac_partner)
    body = event()
    request = RequestFactory().post(
        URL, data=body, content_type="application/json", headers=signed(body)
    )
    recorded, outcomes = threading.Event(), {}

    def verify(worker: str, *, then=lambda: None) -> None:
        try:
            with transaction.atomic():
                strategy.verify_body(hmac_partner, request, body)
                then()
            outcomes[worker] = "accepted"
        except AccessRefused as exc:
            outcomes[worker] = str(exc)
        except Outage:
            outcomes[worker] = "failed"
        finally:
            recorded.set()
            connection.close()

    def still_storing() -> None:
        recorded.set()
        time.sleep(0.5)  # the second worker checks now
        if not first_commits:
            raise Outage

    first = threading.Thread(target=verify, args=("first",), kwargs={"then": still_storing})
    second = threading.Thread(target=lambda: recorded.wait(10) and verify("second"))
    for worker in (first, second):
        worker.start()
    for worker in (first, second):
        worker.join(20)

    if first_commits:
        assert outcomes["first"] == "accepted"
        assert "replay" in outcomes["second"]
    else:
        assert outcomes == {"first": "failed", "second": "accepted"}
    assert SeenSignature.objects.filter(partner=hmac_partner).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_cleaning_up_expired_signatures_holds_up_no_other(hmac_partner):
    """The first signed request after some signatures expired deletes them in its transaction;
    a second request meanwhile skips those rows instead of waiting for that transaction."""
    SeenSignature.objects.create(
        partner=hmac_partner, signature="0" * 64, expires_at=timezone.now() - timedelta(seconds=1)
    )
    strategy = strategy_for(hmac_partner)
    cleaning, done, took = threading.Event(), threading.Event(), {}

    def request(event_id: str):
        body = event(event_id)
        made = RequestFactory().post(
            URL, data=body, content_type="application/json", headers=signed(body)
        )
        return made, body

    def first() -> None:
        made, body = request("EV-1")
        try:
            with transaction.atomic():
                strategy.verify_body(hmac_partner, made, body)
                cleaning.set()
                done.wait(5)  # still storing its message while the second comes
        finally:
            cleaning.set()
            connection.close()

    def second() -> None:
        cleaning.wait(5)
        made, body = request("EV-2")
        started = time.monotonic()
        try:
            with transaction.atomic():
                strategy.verify_body(hmac_partner, made, body)
            took["seconds"] = time.monotonic() - started
        finally:
            done.set()
            connection.close()

    workers = [threading.Thread(target=first), threading.Thread(target=second)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(20)

    assert took["seconds"] < 2  # it did not wait for the first's transaction (5 s)
    assert not SeenSignature.objects.filter(signature="0" * 64).exists()
    assert SeenSignature.objects.count() == 2


def test_a_retry_signed_afresh_is_a_duplicate_not_a_replay(client, hmac_partner):
    body = event()
    assert_stored(post(client, body, **signed(body, at=timezone.now() - timedelta(seconds=5))))

    again = post(client, body, **signed(body))

    assert again.status_code == 201
    assert InboundMessage.objects.get().duplicates_received == 1


def test_seen_signatures_are_forgotten_once_stale(client, hmac_partner):
    old = SeenSignature.objects.create(
        partner=hmac_partner, signature="0" * 64, expires_at=timezone.now() - timedelta(seconds=1)
    )
    body = event()

    assert_stored(post(client, body, **signed(body)))
    assert not SeenSignature.objects.filter(pk=old.pk).exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Signature": "ab" * 32},
        {"X-Signature-Timestamp": "1700000000"},
        {"X-Signature": "not hex", "X-Signature-Timestamp": "now"},
    ],
    ids=["no timestamp", "no signature", "unreadable"],
)
def test_missing_signature_headers_are_refused(client, hmac_partner, headers):
    assert_refused(post(client, event(), **headers), 401)


def test_signing_keys_survive_a_key_rotation(client, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PARTNER_SECRET_KEYS = [old]
    partner = make_partner(InboundAuth.HMAC, inbound_signing_key=encrypt_secret(SECRET))
    settings.PARTNER_SECRET_KEYS = [new, old]

    call_command("rotate_partner_secrets", stdout=io.StringIO())

    settings.PARTNER_SECRET_KEYS = [new]  # the old key dropped
    partner.refresh_from_db()
    assert decrypt_secret(partner.inbound_signing_key) == SECRET.encode()
    body = event()
    assert_stored(post(client, body, **signed(body)))


def test_a_rotation_that_cannot_read_a_key_changes_nothing(settings):
    settings.PARTNER_SECRET_KEYS = [Fernet.generate_key().decode()]
    partner = make_partner(InboundAuth.HMAC, inbound_signing_key=encrypt_secret(SECRET))
    settings.PARTNER_SECRET_KEYS = [Fernet.generate_key().decode()]  # the old key forgotten

    with pytest.raises(CommandError, match=SLUG):
        call_command("rotate_partner_secrets", stdout=io.StringIO())

    assert Partner.objects.get(pk=partner.pk).inbound_signing_key == partner.inbound_signing_key


def test_an_unreadable_signing_key_is_ours_to_fix_so_the_partner_retries(
    client, settings, hmac_partner, caplog
):
    """Not the partner's wrong credentials (a 401 may stop its sending, as one stops ours): a
    503 with Retry-After, which tells it nothing of our keys; the operator reads why in the log."""
    settings.PARTNER_SECRET_KEYS = [Fernet.generate_key().decode()]
    settings.OUTAGE_RETRY_AFTER_SECONDS = 42
    body = event()

    with caplog.at_level(logging.ERROR, logger="integrations.auth.hmac_signature"):
        response = post(client, body, **signed(body))

    assert_refused(response, 503)
    assert response["Retry-After"] == "42"
    assert response.json()["reason"] == "Signatures cannot be verified just now: retry later."
    assert not SeenSignature.objects.exists()
    assert any("signing key cannot be decrypted" in r.getMessage() for r in caplog.records)


# --- every secret is compared in constant time ------------------------------------------------
WRONG_CREDENTIALS = {
    InboundAuth.BASIC: lambda body: {"Authorization": basic("ticket-partner", OTHER_SECRET)},
    InboundAuth.BEARER: lambda body: {"Authorization": f"Bearer {OTHER_SECRET}"},
    InboundAuth.HMAC: lambda body: signed(body, key=OTHER_SECRET),
}


@pytest.fixture(params=list(WRONG_CREDENTIALS))
def secret_partner(request):
    method = request.param
    if method == InboundAuth.HMAC:
        return make_partner(method, inbound_signing_key=encrypt_secret(SECRET))
    return make_partner(
        method,
        inbound_username="ticket-partner",
        inbound_secret_hash=hash_secret(SECRET, strategy=method),
    )


def test_the_secret_is_compared_by_hmac_compare_digest(client, secret_partner, monkeypatch):
    """`hmac.compare_digest` is what decides: watched, it sees the stored and the presented
    value; made to say "equal", the wrong secret gets in. A comparison by `==` would pass the
    first half and fail the second."""
    real = hmac.compare_digest
    compared = []

    def watched(expected, presented):
        compared.append((expected, presented))
        return real(expected, presented)

    monkeypatch.setattr(hmac, "compare_digest", watched)
    body = event()
    wrong = WRONG_CREDENTIALS[secret_partner.inbound_auth](body)

    assert_refused(post(client, body, **wrong), 401)
    assert compared
    assert all(isinstance(value, bytes) for pair in compared for value in pair)

    monkeypatch.setattr(hmac, "compare_digest", lambda expected, presented: True)
    assert_stored(post(client, body, **wrong))


# --- the admin: set a new secret, never read it back ------------------------------------------
def change_url(partner: Partner) -> str:
    return reverse("admin:integrations_partner_change", args=[partner.pk])


def set_in_admin(admin_client, partner: Partner, **changes: str):
    data = admin_form_data(admin_client.get(change_url(partner)))
    data.update(changes)
    return admin_client.post(change_url(partner), data)


def assert_not_shown(page: str, partner: Partner, secret: str) -> None:
    """Neither the secret nor what is stored of it: the encrypted key, the hash's salt and
    digest (its first part names the strategy, which the page shows anyway)."""
    stored = [partner.inbound_signing_key, *partner.inbound_secret_hash.split("$")[1:]]
    assert any(stored)
    for value in filter(None, stored):
        assert value not in page
    assert secret not in page


@pytest.mark.parametrize(
    ("method", "credentials"),
    [
        (InboundAuth.BASIC, lambda body: {"Authorization": basic("ticket-partner", SECRET)}),
        (InboundAuth.BEARER, lambda body: {"Authorization": f"Bearer {SECRET}"}),
        (InboundAuth.HMAC, lambda body: signed(body)),
    ],
)
def test_a_secret_set_in_the_admin_works_and_is_never_shown_again(
    admin_client, client, method, credentials
):
    partner = make_partner(InboundAuth.CLIENT_CERTIFICATE)

    saved = set_in_admin(
        admin_client,
        partner,
        inbound_auth=method,
        inbound_username="ticket-partner",
        new_secret=SECRET,
    )

    assert saved.status_code == 302, saved.context["adminform"].form.errors
    partner.refresh_from_db()
    if method == InboundAuth.HMAC:
        assert SECRET not in partner.inbound_signing_key
        assert decrypt_secret(partner.inbound_signing_key) == SECRET.encode()
    else:
        assert partner.inbound_secret_hash.startswith(f"{method}$")
        assert SECRET not in partner.inbound_secret_hash
    page = admin_client.get(change_url(partner))
    assert_not_shown(page.text, partner, SECRET)
    assert 'name="new_secret"' in page.text
    assert "Set on " in page.text and "not shown" in page.text
    assert page.context["adminform"].form["new_secret"].value() in (None, "")
    history = admin_client.get(
        reverse("admin:integrations_partner_history", args=[partner.pk])
    ).text
    assert "Set a new secret" in history  # what changed, by name
    assert_not_shown(history, partner, SECRET)
    body = event()
    assert_stored(post(client, body, **credentials(body)))


def test_a_partner_with_a_secret_can_be_added(admin_client, client):
    add = reverse("admin:integrations_partner_add")
    data = admin_form_data(admin_client.get(add))
    data.update(
        name="Ticket partner",
        slug=SLUG,
        protocol="ticket-events",
        base_url="https://partner.example.net/",
        allowed_networks="127.0.0.1/32",
        inbound_auth=InboundAuth.BEARER,
        new_secret=SECRET,
    )

    saved = admin_client.post(add, data)

    assert saved.status_code == 302, saved.context["adminform"].form.errors
    partner = Partner.objects.get(slug=SLUG)
    BuyerIdentifierFactory(partner=partner, code=BUYER, is_default=True)
    assert_stored(post(client, event(), Authorization=f"Bearer {SECRET}"))


def test_a_refused_save_does_not_echo_the_secret_typed(admin_client):
    partner = make_partner(InboundAuth.CLIENT_CERTIFICATE)

    refused = set_in_admin(
        admin_client,
        partner,
        inbound_auth=InboundAuth.BASIC,
        inbound_username="has:colon",
        new_secret=SECRET,
    )

    assert refused.status_code == 200
    assert "cannot hold a colon" in refused.text
    assert SECRET not in refused.text
    partner.refresh_from_db()
    assert (partner.inbound_auth, partner.inbound_secret_hash) == (
        InboundAuth.CLIENT_CERTIFICATE,
        "",
    )


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"inbound_auth": InboundAuth.BEARER}, "A bearer token needs a secret."),
        ({"inbound_auth": InboundAuth.HMAC}, "An HMAC signature needs a signing key."),
        (
            {"inbound_auth": InboundAuth.BEARER, "new_secret": "short"},
            "At least 24 characters.",
        ),
        (
            {"inbound_auth": InboundAuth.CLIENT_CERTIFICATE, "new_secret": SECRET},
            "A client certificate needs no secret",
        ),
    ],
    ids=["bearer without a secret", "hmac without a key", "short secret", "certificate secret"],
)
def test_a_strategy_cannot_be_saved_without_its_secret(admin_client, changes, error):
    partner = make_partner(InboundAuth.CLIENT_CERTIFICATE)

    refused = set_in_admin(admin_client, partner, **changes)

    assert refused.status_code == 200
    assert error in refused.text
    partner.refresh_from_db()
    assert partner.inbound_auth == InboundAuth.CLIENT_CERTIFICATE


def test_moving_from_bearer_to_basic_needs_a_new_secret(admin_client, bearer_partner):
    refused = set_in_admin(
        admin_client, bearer_partner, inbound_auth=InboundAuth.BASIC, inbound_username="u"
    )

    assert refused.status_code == 200
    assert "HTTP Basic needs a user name and a password." in refused.text


def test_saving_without_a_new_secret_keeps_the_current_one(admin_client, client, bearer_partner):
    before = bearer_partner.inbound_secret_hash

    saved = set_in_admin(admin_client, bearer_partner, name="Renamed partner")

    assert saved.status_code == 302
    bearer_partner.refresh_from_db()
    assert bearer_partner.inbound_secret_hash == before
    assert_stored(post(client, event(), Authorization=f"Bearer {SECRET}"))
