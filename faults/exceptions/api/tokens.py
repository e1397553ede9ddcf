"""Getting a token: a user's name and password for a pair of JWTs (a short access token carrying
the seed's claims, and a refresh token for the next), and a refresh token for a new access
token. Service accounts get a long-lived token from `manage.py issue_exceptions_token`."""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer

from config.lockout import raise_if_locked_out
from faults.exceptions.api.auth import persona_for, refresh_token_for
from faults.exceptions.api.base import ExceptionsApiView
from faults.exceptions.api.errors import ErrorEnvelopeSerializer
from faults.exceptions.api.schema import TAG


class TokenPairSerializer(TokenObtainPairSerializer):
    """A user's name and password; the tokens carry PersonId, DisplayName, Account, Persona."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        data = super().validate(attrs)
        if not persona_for(self.user):
            raise exceptions.PermissionDenied(
                "Your account has no role that gives it a persona (EXCEPTIONS_PERSONA_BY_GROUP)."
            )
        return data

    @classmethod
    def get_token(cls, user: Any) -> Any:
        return refresh_token_for(user, persona=persona_for(user))


class TokenPairResponseSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Send as `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="For `.../token/refresh` when `access` expires.")


class AccessResponseSerializer(serializers.Serializer):
    access = serializers.CharField()


class _TokenView(ExceptionsApiView):
    authentication_classes = ()
    permission_classes = ()
    serializer_class: type[serializers.Serializer]

    def validated(self, request: Request) -> Response:
        # The request goes to authenticate(): django-axes counts failures by it.
        serializer = self.serializer_class(data=request.data, context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
        except exceptions.APIException:
            raise_if_locked_out(request)  # too many failures: 429 saying how to get back in
            raise
        except TokenError as exc:
            message = f"The refresh token is not valid: {exc}."
            raise exceptions.AuthenticationFailed(message) from None
        return Response(serializer.validated_data)


class TokenView(_TokenView):
    """A user's name and password for an access token (15 minutes by default) and a refresh
    token."""

    serializer_class = TokenPairSerializer

    @extend_schema(
        request=TokenPairSerializer,
        responses={
            200: TokenPairResponseSerializer,
            400: ErrorEnvelopeSerializer,
            401: OpenApiResponse(ErrorEnvelopeSerializer, description="Wrong name or password."),
            403: OpenApiResponse(ErrorEnvelopeSerializer, description="No role, so no persona."),
        },
        summary="Get a token pair",
        operation_id="createToken",
        tags=[TAG],
        auth=[],
    )
    def post(self, request: Request) -> Response:
        return self.validated(request)


class TokenRefreshView(_TokenView):
    """A refresh token for a new access token with the same claims."""

    serializer_class = TokenRefreshSerializer

    @extend_schema(
        request=TokenRefreshSerializer,
        responses={
            200: AccessResponseSerializer,
            400: ErrorEnvelopeSerializer,
            401: ErrorEnvelopeSerializer,
        },
        summary="Refresh an access token",
        operation_id="refreshToken",
        tags=[TAG],
        auth=[],
    )
    def post(self, request: Request) -> Response:
        return self.validated(request)
