"""A fault's supplier and buyer identifier, as `faults` reaches them: through its own foreign
keys, which name the integration layer's models by string ("integrations.Partner"), never by
importing that layer (`tests/faults/test_layers.py`). Forms and services that list or type
suppliers use these."""

from typing import Any, Protocol

from django.db.models import Model, QuerySet

from faults.models import Fault


def supplier_model() -> type[Model]:
    """The model a fault's supplier is (the integration layer's partner)."""
    return Fault._meta.get_field("supplier").related_model  # type: ignore[return-value]


def suppliers() -> QuerySet:
    """Every partner we may raise faults with: what forms, filters and the API offer as a
    supplier. Not every partner is one: some only hear about our faults (the subscribers of
    the TMF621 hub), and the partner model's manager leaves them out (`Supplier`)."""
    return supplier_model().objects.suppliers()  # type: ignore[attr-defined]


def buyer_identifier_model() -> type[Model]:
    """The model a fault's buyer identifier is (a partner's buyer identifier)."""
    return Fault._meta.get_field("buyer_identifier").related_model  # type: ignore[return-value]


class BuyerIdentifier(Protocol):
    """What the fault services read of a buyer identifier."""

    pk: Any
    partner_id: Any
    code: str
    is_active: bool


class Supplier(Protocol):
    """What the fault services read of a supplier. It is the integration layer's partner, and
    `appointments` types it with this too (it reads more of it: its protocol, its state).

    Not every partner is a supplier: the model's manager (and queryset) has `suppliers()`, the
    partners we may raise faults with, without those that only hear about our faults (e.g. the
    subscribers of our TMF621 hub). Anything that offers or accepts a supplier starts from it
    (`suppliers()` above), never from all partners."""

    pk: Any
    is_active: bool
    default_buyer_identifier: BuyerIdentifier | None
    # Whether we book engineer appointments with it; a Service Outage fault with a supplier that
    # books none is raised without a reservation (`faults.services.validation`).
    offers_appointments: bool
