"""What every route of the ticket exceptions API shares: the bearer token (`auth`), the persona
the route requires (403 otherwise), JSON in and out, and the seed's error envelope on every
error, an unexpected one included (`errors`). A route subclasses `ExceptionsApiView` (the standard
routes, persona EXCEPTIONS_API_PERSONA) or `PublicExceptionsApiView` (the public routes,
EXCEPTIONS_PUBLIC_API_PERSONA, none by default)."""

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from faults.exceptions.api import schema  # noqa: F401  (the bearer JWT's security scheme)
from faults.exceptions.api.auth import (
    REALM,
    BearerTokenAuthentication,
    Claims,
    ExternalCaller,
    actor_for,
)
from faults.exceptions.api.errors import error_response
from faults.services.actors import Actor


class PersonaPermission(BasePermission):
    """The token's `Persona` claim must be the one the view requires (none: any persona)."""

    message = "Your persona may not use this route."

    def has_permission(self, request: Request, view: APIView) -> bool:
        required = getattr(view, "required_persona", lambda: "")()
        if not required:
            return True
        persona = request.auth.persona if isinstance(request.auth, Claims) else ""
        if persona == required:
            return True
        self.message = (
            f"This route is for the {required} persona; the token's persona is "
            f"{persona or 'missing'}."
        )
        return False


class WritePermission(BasePermission):
    """A change by one of our users needs the view's `write_permission`, the Django permission
    the admin asks for the same change (admins have it; agents and managers do not). A caller of
    another issuer is trusted on its persona: its issuer vouches for it."""

    message = "Your role may not make this change: admins configure exception monitoring."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS or isinstance(request.user, ExternalCaller):
            return True
        return request.user.has_perm(view.write_permission)


class ExceptionsApiView(APIView):
    """A standard route: bearer token, the EXCEPTIONS_API_PERSONA persona."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [IsAuthenticated, PersonaPermission]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    filter_backends = ()  # no client-chosen ordering: the pages are cursors
    persona_setting = "EXCEPTIONS_API_PERSONA"

    def required_persona(self) -> str:
        return getattr(settings, self.persona_setting, "") or ""

    def get_authenticate_header(self, request: Request) -> str:
        # Every route asks for a bearer token, those that take none too (the token route): a
        # refusal of credentials is a 401 there as anywhere.
        return REALM

    def get_exception_handler(self) -> Any:
        return error_response

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # JSON whatever the Accept header says: an error must still reach the caller.
        return super().perform_content_negotiation(request, force=True)

    @property
    def claims(self) -> Claims:
        return self.request.auth

    def actor(self) -> Actor:
        return actor_for(self.request)

    def query(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        """The query parameters, validated (400 ValidationFailed naming each bad one)."""
        params: dict[str, Any] = {}
        for name, field in serializer_class().fields.items():
            values = self.request.query_params.getlist(name)
            if not values:
                continue
            params[name] = values if isinstance(field, serializers.ListField) else values[-1]
        checked = serializer_class(data=params)
        checked.is_valid(raise_exception=True)
        return checked.validated_data


class PublicExceptionsApiView(ExceptionsApiView):
    """A public route (the helpdesk's): bearer token, EXCEPTIONS_PUBLIC_API_PERSONA (any persona
    unless set)."""

    persona_setting = "EXCEPTIONS_PUBLIC_API_PERSONA"


@extend_schema(exclude=True)
class NoRouteView(PublicExceptionsApiView):
    """Any path under /ticketExceptions/ that names no route: 404 in the envelope, after the
    bearer token is checked (an anonymous caller is answered 401, as on every route)."""

    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        super().initial(request, *args, **kwargs)
        raise NotFound(f"No ticket exceptions route at {request.path}.")
