"""Who may call the ticket exceptions API: our JWTs with the seed's claims, another issuer's
verified by its public key, the persona a route requires; every refusal in the seed's
envelope."""

from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from faults.exceptions.api.auth import access_token_for
from tests.conftest import TEST_PASSWORD
from tests.exceptions_api.conftest import PARTNER, bearer

pytestmark = pytest.mark.django_db

RULES = "/ticketExceptions/v1/rules"
EXTERNAL_ISSUER = "https://idp.example.test/"


def assert_envelope(answer, status: int, code: str) -> dict:
    assert answer.status_code == status, answer.content
    assert answer["Content-Type"] == "application/json"
    body = answer.json()
    assert set(body) == {"errorCode", "message", "errors"}
    assert body["errorCode"] == code
    assert body["message"]
    return body


def test_a_user_gets_a_token_pair_with_the_seeds_claims(client, agent_user):
    answer = client.post(
        "/ticketExceptions/v1/token",
        {"username": agent_user.username, "password": TEST_PASSWORD},
        content_type="application/json",
    )

    assert answer.status_code == 200, answer.content
    claims = jwt.decode(answer.json()["access"], options={"verify_signature": False})
    assert claims["PersonId"] == str(agent_user.pk)
    assert claims["Account"] == agent_user.username
    assert claims["DisplayName"] == agent_user.username  # no full name set
    assert claims["Persona"] == PARTNER
    assert bearer(answer.json()["access"]).get(RULES).status_code == 200


def test_a_refresh_token_gives_a_new_access_token_with_the_same_claims(client, agent_user):
    pair = client.post(
        "/ticketExceptions/v1/token",
        {"username": agent_user.username, "password": TEST_PASSWORD},
        content_type="application/json",
    ).json()

    answer = client.post(
        "/ticketExceptions/v1/token/refresh",
        {"refresh": pair["refresh"]},
        content_type="application/json",
    )

    assert answer.status_code == 200, answer.content
    claims = jwt.decode(answer.json()["access"], options={"verify_signature": False})
    assert claims["Persona"] == PARTNER and claims["Account"] == agent_user.username


def test_a_wrong_password_is_unauthorized(client, agent_user):
    answer = client.post(
        "/ticketExceptions/v1/token",
        {"username": agent_user.username, "password": "wrong"},
        content_type="application/json",
    )

    assert_envelope(answer, 401, "Unauthorized")


def test_a_user_without_a_role_gets_no_token(client, django_user_model):
    django_user_model.objects.create_user(username="nobody", password=TEST_PASSWORD)

    answer = client.post(
        "/ticketExceptions/v1/token",
        {"username": "nobody", "password": TEST_PASSWORD},
        content_type="application/json",
    )

    assert_envelope(answer, 403, "Forbidden")


def test_a_missing_token_is_unauthorized(db):
    answer = APIClient().get(RULES)

    assert_envelope(answer, 401, "Unauthorized")
    assert answer["WWW-Authenticate"].startswith("Bearer")


def test_the_projects_other_api_token_is_not_accepted(agent_user):
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=agent_user).key}")

    assert_envelope(client.get(RULES), 401, "Unauthorized")


def test_an_expired_token_is_unauthorized(agent_user, token_for):
    token = access_token_for(agent_user, persona=PARTNER)
    token.set_exp(from_time=timezone.now() - timedelta(hours=1), lifetime=timedelta(minutes=5))

    body = assert_envelope(bearer(str(token)).get(RULES), 401, "Unauthorized")
    assert "expired" in body["message"]


def test_a_token_signed_with_another_key_is_unauthorized(agent_user, token_for):
    claims = jwt.decode(token_for(agent_user), options={"verify_signature": False})
    forged = jwt.encode(claims, "not-our-signing-key-but-long-enough-for-hs256", algorithm="HS256")

    assert_envelope(bearer(forged).get(RULES), 401, "Unauthorized")


def test_garbage_and_refresh_tokens_are_unauthorized(agent_user):
    from faults.exceptions.api.auth import refresh_token_for

    refresh = str(refresh_token_for(agent_user, persona=PARTNER))

    assert_envelope(bearer("not-a-jwt").get(RULES), 401, "Unauthorized")
    assert_envelope(bearer(refresh).get(RULES), 401, "Unauthorized")


def test_an_inactive_users_token_is_unauthorized(agent_user, token_for):
    token = token_for(agent_user)
    agent_user.is_active = False
    agent_user.save()

    assert_envelope(bearer(token).get(RULES), 401, "Unauthorized")


def test_a_wrong_persona_is_forbidden(agent_user, token_for):
    body = assert_envelope(
        bearer(token_for(agent_user, persona="ZendeskIntegration")).get(RULES), 403, "Forbidden"
    )
    assert "DirectSupplyPartner" in body["message"]


def test_the_required_persona_is_a_setting(agent_user, token_for, settings):
    settings.EXCEPTIONS_API_PERSONA = "NocTooling"

    assert bearer(token_for(agent_user, persona="NocTooling")).get(RULES).status_code == 200
    assert_envelope(bearer(token_for(agent_user)).get(RULES), 403, "Forbidden")


def test_the_persona_of_a_users_token_comes_from_its_role(client, manager_user, settings):
    settings.EXCEPTIONS_PERSONA_BY_GROUP = {"manager": "NocManager"}

    pair = client.post(
        "/ticketExceptions/v1/token",
        {"username": manager_user.username, "password": TEST_PASSWORD},
        content_type="application/json",
    ).json()

    assert jwt.decode(pair["access"], options={"verify_signature": False})["Persona"] == (
        "NocManager"
    )
    assert_envelope(bearer(pair["access"]).get(RULES), 403, "Forbidden")


@pytest.fixture
def external_issuer(settings):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings.EXCEPTIONS_JWT_EXTERNAL_PUBLIC_KEY = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    settings.EXCEPTIONS_JWT_EXTERNAL_ISSUER = EXTERNAL_ISSUER
    settings.EXCEPTIONS_JWT_EXTERNAL_AUDIENCE = "ticket-exceptions"

    def sign(persona=PARTNER, *, signer=key, expires_in=timedelta(minutes=5), **extra) -> str:
        now = timezone.now()
        claims = {
            "iss": EXTERNAL_ISSUER,
            "aud": "ticket-exceptions",
            "iat": now,
            "exp": now + expires_in,
            "PersonId": "9001",
            "DisplayName": "Partner Portal",
            "Account": "portal",
            "Persona": persona,
            **extra,
        }
        return jwt.encode(claims, signer, algorithm="RS256")

    return sign


def test_an_external_issuers_token_verified_by_its_key_is_accepted(external_issuer):
    assert bearer(external_issuer()).get(RULES).status_code == 200


def test_an_external_token_signed_by_another_key_is_unauthorized(external_issuer):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    assert_envelope(bearer(external_issuer(signer=other)).get(RULES), 401, "Unauthorized")


def test_an_external_token_expired_or_for_another_audience_is_unauthorized(external_issuer):
    expired = external_issuer(expires_in=timedelta(minutes=-5))
    elsewhere = external_issuer(aud="another-api")

    assert "expired" in assert_envelope(bearer(expired).get(RULES), 401, "Unauthorized")["message"]
    assert_envelope(bearer(elsewhere).get(RULES), 401, "Unauthorized")


def test_an_external_token_with_another_persona_is_forbidden(external_issuer):
    assert_envelope(bearer(external_issuer("Helpdesk")).get(RULES), 403, "Forbidden")


def test_an_external_issuers_token_is_refused_when_no_key_is_set(external_issuer, settings):
    token = external_issuer()
    settings.EXCEPTIONS_JWT_EXTERNAL_PUBLIC_KEY = ""

    assert_envelope(bearer(token).get(RULES), 401, "Unauthorized")


def test_a_service_account_gets_a_long_lived_token(agent_user, capsys):
    call_command(
        "issue_exceptions_token", agent_user.username, "--persona", PARTNER, "--days", "400"
    )

    token = capsys.readouterr().out.strip()
    claims = jwt.decode(token, options={"verify_signature": False})
    lifetime = claims["exp"] - claims["iat"]
    assert timedelta(days=399) < timedelta(seconds=lifetime) <= timedelta(days=400)
    assert bearer(token).get(RULES).status_code == 200
