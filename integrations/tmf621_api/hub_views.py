"""The hub's routes (v4 `events subscription`, MEF 124 use case 17): `POST /hub` subscribes a
listener, `GET /hub/{id}` reads a subscription back, `DELETE /hub/{id}` stops it.

The API's own base view (`views.TicketApiView`): its authentication, roles, strict JSON bodies
and v4 Error answers. A body v4 does not know is ignored field by field (an `id` a client sends
is ours to set), but what the subscription needs is checked: `callback` an http(s) URL, `query`
a string naming event types (`hub_query`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request

from integrations.tmf621_api import openapi
from integrations.tmf621_api.errors import TicketError
from integrations.tmf621_api.events import EVENT_TYPES
from integrations.tmf621_api.models import HubSubscription
from integrations.tmf621_api.subscriptions import (
    AlreadySubscribed,
    SubscriptionRefused,
    active_subscription,
    hub_subscribe,
    hub_unsubscribe,
)
from integrations.tmf621_api.views import TicketApiView, json_response, read_json

TAG = "TMF621 events subscription"
QUERY_HELP = (
    "Which events to deliver: `eventType=<type>[,<type>…]` (or `eventType=a&eventType=b`); "
    f"empty or absent, every type. The types: {', '.join(EVENT_TYPES)}."
)
ERRORS = {
    400: "The subscription cannot be made as asked: `message` says why.",
    404: "No subscription has this id (or it was deleted).",
    409: "This callback is already subscribed to these events: `message` names the subscription.",
}


class EventSubscriptionInputSerializer(serializers.Serializer):
    """Sets the communication endpoint address the service instance must use to deliver
    notification information (v4 `EventSubscriptionInput`)."""

    callback = serializers.URLField(
        max_length=500,
        help_text="The listener's base URL (http or https, no query): events are POSTed to "
        "`{callback}/listener/{eventType}`.",
    )
    query = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=1000, help_text=QUERY_HELP
    )


class EventSubscriptionSerializer(serializers.Serializer):
    """A subscription (v4 `EventSubscription`)."""

    id = serializers.CharField(help_text="The subscription's id, for `DELETE /hub/{id}`.")
    callback = serializers.CharField(help_text="The callback being registered.")
    query = serializers.CharField(help_text="The query as it was sent (empty: every type).")


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The API's error responses, in the hub's words where they differ."""
    shared = openapi.errors(*(code for code in codes if code not in ERRORS))
    own = {
        code: OpenApiResponse(openapi.ref("Error"), description=ERRORS[code])
        for code in codes
        if code in ERRORS
    }
    return dict(sorted({**shared, **own}.items()))


def subscription_json(subscription: HubSubscription) -> dict[str, Any]:
    return {
        "id": subscription.public_id,
        "callback": subscription.callback,
        "query": subscription.query,
    }


def _not_found(subscription_id: str) -> TicketError:
    return TicketError(
        404,
        "No such subscription.",
        f"No subscription has the id '{subscription_id[:100]}' (or it was deleted).",
    )


class HubView(TicketApiView):
    @extend_schema(
        operation_id="registerListener",
        summary="Register a listener",
        description="Subscribe `callback` to our trouble tickets' events (those `query` "
        "names): each is POSTed to `{callback}/listener/{eventType}`, retried until the "
        "listener takes it, in order per ticket.",
        tags=[TAG],
        request={openapi.JSON: EventSubscriptionInputSerializer},
        responses={
            201: OpenApiResponse(EventSubscriptionSerializer, description="Subscribed"),
            **_errors(400, 401, 403, 409, 413, 415),
        },
    )
    def post(self, request: Request) -> HttpResponse:
        data = read_json(request)
        if not isinstance(data, dict):
            raise TicketError(
                400,
                "The body must be a JSON object.",
                'Send {"callback": "<the listener\'s URL>", "query": "eventType=…"}.',
            )
        if "callback" not in data:
            raise TicketError(
                400,
                "callback is required.",
                "callback is required: the URL events are posted under.",
                code="missingProperty",
            )
        try:
            subscription = hub_subscribe(
                callback=data["callback"], query=data.get("query"), user=request.user
            )
        except AlreadySubscribed as exc:
            raise TicketError(409, "Already subscribed.", str(exc)) from None
        except SubscriptionRefused as exc:
            raise TicketError(400, "Invalid subscription.", str(exc)) from None
        response = json_response(subscription_json(subscription), status=201)
        response["Location"] = request.build_absolute_uri(
            f"{request.path.rstrip('/')}/{subscription.public_id}"
        )
        return response


class HubDetailView(TicketApiView):
    @extend_schema(
        operation_id="retrieveListener",
        summary="A listener's subscription",
        tags=[TAG],
        responses={
            200: OpenApiResponse(EventSubscriptionSerializer, description="Success"),
            **_errors(401, 403, 404),
        },
    )
    def get(self, request: Request, subscription_id: str) -> HttpResponse:
        subscription = active_subscription(subscription_id)
        if subscription is None:
            raise _not_found(subscription_id)
        return json_response(subscription_json(subscription))

    @extend_schema(
        operation_id="unregisterListener",
        summary="Unregister a listener",
        description="No event is written for it from now on; those still waiting are not sent.",
        tags=[TAG],
        responses={204: OpenApiResponse(description="Deleted"), **_errors(401, 403, 404)},
    )
    def delete(self, request: Request, subscription_id: str) -> HttpResponse:
        subscription = active_subscription(subscription_id)
        if subscription is None or not hub_unsubscribe(
            subscription_id=subscription.pk, user=request.user
        ):
            raise _not_found(subscription_id)
        return HttpResponse(status=204)


# The same routes with a trailing slash (a POST must never meet a redirect); published once,
# without it, as v4 writes them.
class HubSlashView(HubView):
    schema = None


class HubDetailSlashView(HubDetailView):
    schema = None
