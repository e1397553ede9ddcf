"""Partner lookups on the webhook's hot path, cached per process for a few seconds.

Every inbound request needs its partner (pins, limits) and the partner's active buyer
identifiers; reading them from the database each time costs two round trips per message. An
admin's change reaches every process within `PARTNER_CACHE_SECONDS` (at once in the process
that saved it)."""

import time
from dataclasses import dataclass

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from integrations.models import BuyerIdentifier, Partner


@dataclass(frozen=True)
class PartnerEdge:
    partner: Partner
    buyer_codes: frozenset[str]
    default_buyer_code: str


_cache: dict[tuple[str, str], tuple[float, PartnerEdge]] = {}


def cached_partner_edge(*, slug: str, protocol: str) -> PartnerEdge | None:
    """The partner as this process last read it, stale or not, or None: never the database.
    For answers that must be written while the database is down."""
    hit = _cache.get((protocol, slug))
    return hit[1] if hit is not None else None


def partner_edge(*, slug: str, protocol: str) -> PartnerEdge | None:
    """The active partner with this slug and protocol, or None."""
    key = (protocol, slug)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    partner = Partner.objects.filter(slug=slug, protocol=protocol, is_active=True).first()
    edge = None
    if partner is not None:
        codes = list(
            BuyerIdentifier.objects.filter(partner=partner, is_active=True).values_list(
                "code", "is_default"
            )
        )
        edge = PartnerEdge(
            partner=partner,
            buyer_codes=frozenset(code for code, _ in codes),
            default_buyer_code=next((code for code, default in codes if default), ""),
        )
    ttl = settings.PARTNER_CACHE_SECONDS
    if ttl > 0 and edge is not None:
        # Only partners are kept: the slug comes from the URL before anyone is authenticated,
        # so caching misses would let any caller grow this dict without bound.
        _cache[key] = (now + ttl, edge)
    return edge


@receiver(post_save, sender=Partner)
@receiver(post_delete, sender=Partner)
@receiver(post_save, sender=BuyerIdentifier)
@receiver(post_delete, sender=BuyerIdentifier)
def _forget(**kwargs: object) -> None:
    _cache.clear()
