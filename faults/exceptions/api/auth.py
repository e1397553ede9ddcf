"""JWT bearer tokens for the ticket exceptions API, with the seed's claims `PersonId`,
`DisplayName`, `Account` and `Persona`.

* Tokens we issue (djangorestframework-simplejwt, SIMPLE_JWT in settings: HS256, our issuer): to a
  user from `POST /ticketExceptions/v1/token` (user name and password; refreshed at
  `.../token/refresh`), to a service account by `manage.py issue_exceptions_token` (a long-lived
  token for the helpdesk's webhook). The token names a user; a user made inactive loses access
  at once. The persona comes from the user's role group (EXCEPTIONS_PERSONA_BY_GROUP), or is
  given to a service account's token by the command.
* Tokens of another issuer (EXCEPTIONS_JWT_EXTERNAL_ISSUER, verified with
  EXCEPTIONS_JWT_EXTERNAL_PUBLIC_KEY, RS256 by default, and EXCEPTIONS_JWT_EXTERNAL_AUDIENCE when
  set): trusted for their claims alone; the caller is no user of ours (`ExternalCaller`).

`request.auth` is the caller's `Claims` either way."""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import (
    TokenBackendError,
    TokenBackendExpiredToken,
    TokenError,
)
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from faults.roles import ADMIN, user_roles
from faults.services.actors import Actor

PERSON_ID = "PersonId"
DISPLAY_NAME = "DisplayName"
ACCOUNT = "Account"
PERSONA = "Persona"
REALM = 'Bearer realm="ticketExceptions"'


@dataclass(frozen=True)
class Claims:
    """Who the token says the caller is."""

    person_id: str
    display_name: str
    account: str
    persona: str
    issuer: str = ""
    payload: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, payload: dict[str, Any]) -> "Claims":
        return cls(
            person_id=str(payload.get(PERSON_ID, "")),
            display_name=str(payload.get(DISPLAY_NAME, "")),
            account=str(payload.get(ACCOUNT, "")),
            persona=str(payload.get(PERSONA, "")),
            issuer=str(payload.get("iss", "")),
            payload=payload,
        )


class ExternalCaller:
    """The caller behind another issuer's token: no user of ours, known by its claims."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_superuser = False
    is_staff = False
    pk = id = None

    def __init__(self, claims: Claims) -> None:
        self.claims = claims
        self.username = claims.account or claims.person_id

    def get_username(self) -> str:
        return self.username

    def __str__(self) -> str:
        return f"{self.claims.display_name or self.username} ({self.claims.issuer})"


def actor_for(request: Request) -> Actor:
    """Who to name on the audit rows of a change made through the API."""
    user = request.user
    if isinstance(user, ExternalCaller):
        return Actor.system(f"api:{user.claims.issuer}:{user.username}"[:100])
    return Actor.for_user(user)


def persona_for(user: AbstractBaseUser) -> str:
    """The persona our tokens give a user: that of its first role group in
    EXCEPTIONS_PERSONA_BY_GROUP (a superuser counts as an admin); "" when none maps."""
    roles = set(user_roles(user))
    if user.is_superuser:
        roles.add(ADMIN)
    for group, persona in settings.EXCEPTIONS_PERSONA_BY_GROUP.items():
        if group in roles:
            return persona
    return ""


def our_claims(user: AbstractBaseUser, persona: str) -> dict[str, Any]:
    display = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return {
        PERSON_ID: str(user.pk),
        DISPLAY_NAME: display or user.get_username(),
        ACCOUNT: user.get_username(),
        PERSONA: persona,
    }


def refresh_token_for(user: AbstractBaseUser, *, persona: str) -> RefreshToken:
    """A refresh token (and through it an access token) carrying the seed's claims."""
    token = RefreshToken.for_user(user)
    for name, value in our_claims(user, persona).items():
        token[name] = value
    return token


def access_token_for(
    user: AbstractBaseUser, *, persona: str, lifetime: timedelta | None = None
) -> AccessToken:
    """An access token with the seed's claims; `lifetime` for a service account's token."""
    token = AccessToken.for_user(user)
    for name, value in our_claims(user, persona).items():
        token[name] = value
    if lifetime is not None:
        token.set_exp(lifetime=lifetime)
    return token


def _external_backend() -> TokenBackend | None:
    key, issuer = (
        settings.EXCEPTIONS_JWT_EXTERNAL_PUBLIC_KEY,
        settings.EXCEPTIONS_JWT_EXTERNAL_ISSUER,
    )
    if not (key and issuer):
        return None
    return TokenBackend(
        settings.EXCEPTIONS_JWT_EXTERNAL_ALGORITHM,
        verifying_key=settings.EXCEPTIONS_JWT_EXTERNAL_PUBLIC_KEY,
        audience=settings.EXCEPTIONS_JWT_EXTERNAL_AUDIENCE or None,
        issuer=settings.EXCEPTIONS_JWT_EXTERNAL_ISSUER,
        leeway=settings.SIMPLE_JWT.get("LEEWAY", 0),
    )


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <JWT>`, ours or the external issuer's (told apart by `iss`)."""

    def authenticate(self, request: Request) -> tuple[Any, Claims] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "The Authorization header must be 'Bearer <token>', one token without spaces."
            )
        try:
            raw = parts[1].decode("ascii")
            issuer = jwt.decode(raw, options={"verify_signature": False}).get("iss", "")
        except (UnicodeDecodeError, jwt.InvalidTokenError):
            raise exceptions.AuthenticationFailed("The bearer token is not a JWT.") from None
        external = _external_backend()
        if external is not None and issuer == settings.EXCEPTIONS_JWT_EXTERNAL_ISSUER:
            return self._external(raw, external)
        return self._ours(raw)

    def authenticate_header(self, request: Request) -> str:
        return REALM

    def _ours(self, raw: str) -> tuple[AbstractBaseUser, Claims]:
        try:
            token = AccessToken(raw)
        except TokenError as exc:
            raise exceptions.AuthenticationFailed(_why(exc)) from None
        user_id = token.get(settings.SIMPLE_JWT.get("USER_ID_CLAIM", "user_id"))
        user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed("The token's user does not exist or is inactive.")
        return user, Claims.of(token.payload)

    def _external(self, raw: str, backend: TokenBackend) -> tuple[ExternalCaller, Claims]:
        try:
            payload = backend.decode(raw)
        except TokenBackendExpiredToken:
            raise exceptions.AuthenticationFailed("The token has expired.") from None
        except TokenBackendError:
            raise exceptions.AuthenticationFailed(
                "The token's signature, issuer or audience is not valid."
            ) from None
        claims = Claims.of(payload)
        return ExternalCaller(claims), claims


def _why(exc: TokenError) -> str:
    text = str(exc.args[0]) if exc.args else ""
    if "expired" in text.lower():
        return "The token has expired."
    return "The token is not valid (its signature, issuer or type)."
