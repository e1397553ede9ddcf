"""Zendesk's webhook signature: base64 HMAC-SHA256 of the timestamp and the raw body, any of the
configured secrets (rotation), a replay window either way of our clock; no secret configured
means unsigned only with DEBUG."""

from datetime import UTC, datetime, timedelta

import pytest
from django.http.request import HttpHeaders

from faults.exceptions.zendesk import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureRefused,
    SigningNotConfigured,
    zendesk_request_verify,
    zendesk_signature,
    zendesk_signed_headers,
)

SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="
BODY = (
    b'{"externalSystemIdentifier":"zendesk","externalReferenceId":"12345",'
    b'"status":"solved","comment":"Fixed"}'
)
SENT_AT = "2024-04-17T17:18:10Z"
NOW = datetime(2024, 4, 17, 17, 18, 40, tzinfo=UTC)


def headers(signature: str, timestamp: str = SENT_AT) -> HttpHeaders:
    """As Django hands them to a view (case-insensitive)."""
    return HttpHeaders(
        {
            "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE": signature,
            "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP": timestamp,
        }
    )


def verify(request_headers, *, body=BODY, now=NOW, secrets=(SECRET,), debug=False):
    return zendesk_request_verify(
        headers=request_headers, body=body, now=now, secrets=secrets, debug=debug
    )


def test_the_signature_is_what_openssl_computes_for_timestamp_and_body():
    # printf '%s%s' "$SENT_AT" "$BODY" | openssl dgst -sha256 -hmac "$SECRET" -binary | base64
    assert (
        zendesk_signature(secret=SECRET, timestamp=SENT_AT, body=BODY)
        == "JY9D6V8t+kJu/PBGxcj8IY+RHeftWqWt18N+9DpIb6M="
    )


def test_a_good_signature_is_accepted():
    assert verify(headers("JY9D6V8t+kJu/PBGxcj8IY+RHeftWqWt18N+9DpIb6M=")) is True


def test_the_old_secret_still_works_while_it_is_rotated():
    signed = zendesk_signature(secret="old-secret", timestamp=SENT_AT, body=BODY)

    assert verify(headers(signed), secrets=("new-secret", "old-secret")) is True
    with pytest.raises(SignatureRefused):
        verify(headers(signed), secrets=("new-secret",))


@pytest.mark.parametrize(
    ("signature", "body", "message"),
    [
        (zendesk_signature(secret="another", timestamp=SENT_AT, body=BODY), BODY, "does not match"),
        (zendesk_signature(secret=SECRET, timestamp=SENT_AT, body=BODY), BODY + b" ", "match"),
        ("not base64!", BODY, "is not base64"),
        ("", BODY, "are required"),
    ],
)
def test_a_bad_signature_is_refused(signature, body, message):
    with pytest.raises(SignatureRefused) as refused:
        verify(headers(signature), body=body)

    assert message in refused.value.message


@pytest.mark.parametrize("offset", [timedelta(seconds=301), timedelta(seconds=-301)])
def test_a_timestamp_outside_the_window_either_way_is_stale(offset):
    signed = zendesk_signature(secret=SECRET, timestamp=SENT_AT, body=BODY)
    sent = datetime.fromisoformat(SENT_AT)

    assert verify(headers(signed), now=sent + timedelta(seconds=300)) is True
    with pytest.raises(SignatureRefused) as refused:
        verify(headers(signed), now=sent + offset)

    assert "stale" in refused.value.message


def test_the_window_is_a_setting(settings):
    settings.ZENDESK_WEBHOOK_MAX_AGE_SECONDS = 10
    signed = zendesk_signature(secret=SECRET, timestamp=SENT_AT, body=BODY)

    with pytest.raises(SignatureRefused):
        zendesk_request_verify(headers=headers(signed), body=BODY, now=NOW, secrets=[SECRET])


@pytest.mark.parametrize("timestamp", ["yesterday", "2024-04-17T17:18:10", "1713374290"])
def test_a_timestamp_that_is_not_an_iso_time_with_its_zone_is_refused(timestamp):
    signed = zendesk_signature(secret=SECRET, timestamp=timestamp, body=BODY)

    with pytest.raises(SignatureRefused):
        verify(headers(signed, timestamp))


def test_the_timestamp_is_signed_verbatim():
    # The same instant written another way is another message: Zendesk's own text is signed.
    signed = zendesk_signature(secret=SECRET, timestamp="2024-04-17T17:18:10+00:00", body=BODY)

    with pytest.raises(SignatureRefused):
        verify(headers(signed, SENT_AT))


def test_signed_headers_are_what_zendesk_sends():
    sent = zendesk_signed_headers(secret=SECRET, body=BODY, at=datetime.fromisoformat(SENT_AT))

    assert sent == {
        TIMESTAMP_HEADER: SENT_AT,
        SIGNATURE_HEADER: "JY9D6V8t+kJu/PBGxcj8IY+RHeftWqWt18N+9DpIb6M=",
    }


def test_without_a_secret_unsigned_is_accepted_only_with_debug(settings):
    settings.ZENDESK_WEBHOOK_SECRETS = []

    settings.DEBUG = True
    assert zendesk_request_verify(headers=HttpHeaders({}), body=BODY) is False
    settings.DEBUG = False
    with pytest.raises(SigningNotConfigured) as refused:
        zendesk_request_verify(headers=HttpHeaders({}), body=BODY)
    assert "ZENDESK_WEBHOOK_SECRETS" in refused.value.message


def test_with_a_secret_the_signature_is_required_even_with_debug(settings):
    settings.ZENDESK_WEBHOOK_SECRETS = [SECRET]
    settings.DEBUG = True

    with pytest.raises(SignatureRefused):
        zendesk_request_verify(headers=HttpHeaders({}), body=BODY)
