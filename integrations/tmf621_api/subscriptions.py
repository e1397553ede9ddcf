"""Subscribing to our hub and unsubscribing (`POST /hub`, `DELETE /hub/{id}`).

A subscription is a partner of its own (protocol `tmf621-hub`, base URL the callback), so that
its deliveries are outbox messages like any partner's: durable, retried with backoff, in order
per ticket, dead after the last attempt and shown on integration health under its name. It is
never a supplier (`ProtocolPackage.supplies=False`). Its delivery settings are the partner's, an
admin may change them there.
"""

from __future__ import annotations

import unicodedata
import uuid
from datetime import datetime
from urllib.parse import urlsplit

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.choices import Environment
from integrations.models import Partner
from integrations.outbox import outbox_withdraw
from integrations.tmf621_api.hub_query import QueryRefused, wanted_event_types
from integrations.tmf621_api.models import HubSubscription
from integrations.tmf621_api.package import PROTOCOL

CALLBACK_MAX_LENGTH = Partner._meta.get_field("base_url").max_length
# How a new subscriber's events are delivered (its partner's settings): a listener is a small
# service, so a shorter wait for its answer than a supplier's; about a day of retries before an
# event is dead.
DELIVERY = {
    "connect_timeout": 5.0,
    "read_timeout": 10.0,
    "max_attempts": 12,
    "retry_base_seconds": 30.0,
    "retry_max_seconds": 3 * 3600.0,
}
_check_url = URLValidator(schemes=["http", "https"])


class SubscriptionRefused(ValueError):
    """The subscription cannot be made as asked; the message says why, for the subscriber."""


class AlreadySubscribed(SubscriptionRefused):
    """The same callback already has a subscription to the same events."""

    def __init__(self, existing: HubSubscription) -> None:
        super().__init__(
            f"{existing.callback} is already subscribed to these events (subscription "
            f"{existing.public_id}): delete it first, or keep it."
        )
        self.existing = existing


def checked_callback(callback: object) -> str:
    """The callback, if events can be posted under it: an absolute http(s) URL, no longer than a
    partner's base URL, without credentials, query or fragment (the listener paths are appended
    to it)."""
    if not isinstance(callback, str) or not callback:
        raise SubscriptionRefused("callback must be the listener's URL, as a string.")
    if len(callback) > CALLBACK_MAX_LENGTH:
        raise SubscriptionRefused(f"callback is longer than {CALLBACK_MAX_LENGTH} characters.")
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in callback):
        raise SubscriptionRefused(
            "callback must not contain control characters (percent-encode them in the path)."
        )
    try:
        _check_url(callback)
    except ValidationError:
        raise SubscriptionRefused(
            f"callback '{callback}' is not an absolute http or https URL."
        ) from None
    parts = urlsplit(callback)
    if parts.username is not None or parts.password is not None:
        raise SubscriptionRefused(
            "callback must not carry credentials: they would be stored and shown in clear."
        )
    if parts.query or parts.fragment:
        raise SubscriptionRefused(
            "callback must have no query or fragment: /listener/<eventType> is appended to it."
        )
    return callback


@transaction.atomic
def hub_subscribe(
    *,
    callback: object,
    query: object = None,
    user: AbstractBaseUser | None,
) -> HubSubscription:
    """Subscribe `callback` to the events `query` selects (all, without one): its partner and
    its subscription, from the next change of any fault on."""
    callback = checked_callback(callback)
    if query is not None and not isinstance(query, str):
        raise SubscriptionRefused(
            "query must be a string, e.g. eventType=troubleTicketCreateEvent."
        )
    try:
        event_types = list(wanted_event_types(query))
    except QueryRefused as exc:
        raise SubscriptionRefused(str(exc)) from None
    existing = HubSubscription.objects.filter(
        callback=callback, event_types=event_types, deleted_at__isnull=True
    ).first()
    if existing is not None:
        raise AlreadySubscribed(existing)
    host = urlsplit(callback).netloc
    partner = Partner.objects.create(
        name=f"Hub subscriber {host}"[:100],
        slug=f"tmf621-hub-{uuid.uuid4().hex[:16]}",
        protocol=PROTOCOL,
        base_url=callback,
        environment=Environment.PRODUCTION,
        **DELIVERY,
    )
    try:
        with transaction.atomic():
            subscription = HubSubscription.objects.create(
                partner=partner,
                callback=callback,
                query=query or "",
                event_types=event_types,
                created_by=user,
            )
    except IntegrityError:  # the same subscription, made at the same moment
        existing = HubSubscription.objects.filter(
            callback=callback, event_types=event_types, deleted_at__isnull=True
        ).first()
        if existing is None:
            raise
        raise AlreadySubscribed(existing) from None
    # Its name says which subscription it is: several may share a listener's host.
    partner.name = f"Hub subscription {subscription.public_id}: {host}"[:100]
    partner.save(update_fields=["name", "updated_at"])
    return subscription


def active_subscription(public_id: str) -> HubSubscription | None:
    """The subscription with this `id`, unless it is deleted or no id of ours."""
    if not public_id.isascii() or not public_id.isdigit() or len(public_id) > 18:
        return None
    return (
        HubSubscription.objects.select_related("partner")
        .filter(pk=int(public_id), deleted_at__isnull=True)
        .first()
    )


@transaction.atomic
def hub_unsubscribe(
    *, subscription_id: int, user: AbstractBaseUser | None, at: datetime | None = None
) -> bool:
    """Stop the subscription: no event is written for it from now on, and those still waiting
    are not sent (`outbox_withdraw`). False when it was already deleted."""
    at = at or timezone.now()
    subscription = (
        HubSubscription.objects.select_for_update()
        .filter(pk=subscription_id, deleted_at__isnull=True)
        .first()
    )
    if subscription is None:
        return False
    subscription.deleted_at = at
    subscription.save(update_fields=["deleted_at"])
    Partner.objects.filter(pk=subscription.partner_id).update(is_active=False, updated_at=at)
    outbox_withdraw(
        partner_id=subscription.partner_id,
        reason=f"Not sent: the subscriber unsubscribed (subscription {subscription.public_id}) "
        "before it was delivered.",
        user=user,
        at=at,
    )
    return True
