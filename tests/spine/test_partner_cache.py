"""The webhook's per-process partner cache, with caching on (the other tests turn it off)."""

import pytest

from integrations import partner_cache
from integrations.models import BuyerIdentifier

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def caching(settings):
    settings.PARTNER_CACHE_SECONDS = 60
    partner_cache._cache.clear()
    yield
    partner_cache._cache.clear()


def edge(partner):
    return partner_cache.partner_edge(slug=partner.slug, protocol=partner.protocol)


def test_a_partner_is_read_once_then_served_from_memory(
    partner, buyer_identifier, django_assert_num_queries
):
    with django_assert_num_queries(2):  # the partner and its buyer identifiers
        first = edge(partner)
    with django_assert_num_queries(0):
        again = edge(partner)

    assert again is first
    assert first.buyer_codes == {buyer_identifier.code}


def test_saving_a_buyer_identifier_is_seen_at_once(partner, buyer_identifier):
    edge(partner)

    BuyerIdentifier.objects.create(partner=partner, code="SPNEW1")

    assert edge(partner).buyer_codes == {buyer_identifier.code, "SPNEW1"}


def test_unknown_slugs_are_not_kept():
    for n in range(50):
        assert partner_cache.partner_edge(slug=f"nobody-{n}", protocol="cityfibre") is None

    assert partner_cache._cache == {}
