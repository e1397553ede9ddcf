"""Faults a supplier opens with us: an incident on its side that affects our services, sent
through its ticket exchange (TEP: a `New` ticket that names none of our faults).

Such a fault is ours to follow, not to raise: it starts open (the supplier is already working
it), its type is `SUPPLIER_INCIDENT`, its supplier's reference is the supplier's ticket, and
`opened_by` says who opened it (the agents' queue has a section for these). From then on the
supplier's messages move it through the supplier path like any other fault
(`fault_apply_supplier_report`); the data of the incident (service, description, priority,
contacts…) is the supplier's and `fault_apply_supplier_data` keeps it current. On a fault we
raised, that data is ours: the supplier's contacts are shown on the timeline, nothing else
is taken.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from faults.choices import SUPPLIER_INCIDENT, EventKind, FaultStatus, OpenedBy, Party
from faults.errors import FaultValidationError
from faults.field_labels import field_labels
from faults.models import Fault
from faults.services.actors import Actor
from faults.services.audit import fault_event_record
from faults.services.merge import UpdateEntry, fault_updates_merge
from faults.services.raising import new_buyer_fault_reference
from faults.services.transitions import fault_lock
from faults.services.validation import fault_full_clean
from faults.sla import fault_sla_recompute
from faults.suppliers import Supplier, buyer_identifier_model, supplier_model

NOT_GIVEN = "Not given by the supplier"
# The incident's data, which the supplier owns on a fault it opened.
SUPPLIER_OWNED_FIELDS = (
    "service_id",
    "description",
    "priority",
    "fault_start_time",
    "fault_location",
    "site_access_details",
    "product_name",
    "address_key",
)
# The fault's contacts, by role: (name, phone, e-mail) fields.
CONTACT_FIELDS = {
    "reporter": ("reporter_name", "reporter_phone", "reporter_email"),
    "site_access_contact": (
        "site_access_contact_name",
        "site_access_contact_phone",
        "site_access_contact_email",
    ),
    "end_user": ("end_user_name", "end_user_phone", "end_user_email"),
}


@dataclass(frozen=True)
class ContactEntry:
    """A person the supplier names on its ticket; keyed by e-mail. `role` is one of
    `CONTACT_FIELDS` (None: the supplier's type maps to none of ours)."""

    email: str
    name: str = ""
    phone: str = ""
    role: str | None = None
    primary: bool = False
    their_type: str = ""


@dataclass(frozen=True)
class SupplierOpening:
    """What the supplier says of the incident it opens."""

    partner_reference: str
    fields: dict[str, Any] = field(default_factory=dict)  # of SUPPLIER_OWNED_FIELDS
    contacts: tuple[ContactEntry, ...] = ()
    their_type: str = ""  # the supplier's own word for the incident's type
    extra: dict[str, str] = field(default_factory=dict)  # what else it said, shown as is


def supplier_opened_fault(*, supplier: Supplier, partner_reference: str) -> Fault | None:
    """The fault the supplier opened for its ticket, if it did."""
    return (
        Fault.objects.filter(
            supplier_id=supplier.pk,
            opened_by=OpenedBy.SUPPLIER,
            maintainer_fault_reference=partner_reference,
        )
        .order_by("-pk")
        .first()
    )


def _buyer_identifier(supplier: Supplier) -> Any:
    chosen = supplier.default_buyer_identifier
    if chosen is None:
        chosen = (
            buyer_identifier_model()
            .objects.filter(partner_id=supplier.pk, is_active=True)
            .order_by("pk")
            .first()
        )
    if chosen is None:
        raise FaultValidationError(
            f"{supplier} has no active buyer identifier to file the incident it opened under.",
            errors={"buyer_identifier": ["Configure a buyer identifier for this partner."]},
        )
    return chosen


@transaction.atomic
def fault_open_by_supplier(
    *,
    supplier: Supplier,
    opening: SupplierOpening,
    actor: Actor,
    at: datetime | None = None,
    buyer_fault_reference: str | None = None,
) -> tuple[Fault, bool]:
    """The fault for the supplier's new incident, and whether it was created now: a second
    opening of the same ticket (a resent message) finds the first fault instead. Openings of
    one supplier are serialised on its row, so two workers never create two faults.

    `buyer_fault_reference` is ours for it when already promised to the supplier (TEP answers
    a New with it before the message is applied); else a new one."""
    at = min(at or timezone.now(), timezone.now())
    reference = opening.partner_reference.strip()[:36]
    if not reference:
        raise FaultValidationError(
            "The supplier's ticket has no reference.",
            errors={"maintainer_fault_reference": ["The supplier's reference is required."]},
        )
    supplier_model().objects.select_for_update().filter(pk=supplier.pk).first()
    existing = supplier_opened_fault(supplier=supplier, partner_reference=reference)
    if existing is not None:
        return existing, False
    values = _owned_values(opening.fields)
    fault = Fault(
        buyer_fault_reference=buyer_fault_reference or new_buyer_fault_reference(now=at),
        maintainer_fault_reference=reference,
        supplier=supplier,
        buyer_identifier=_buyer_identifier(supplier),
        fault_type=SUPPLIER_INCIDENT,
        opened_by=OpenedBy.SUPPLIER,
        status=FaultStatus.OPEN,
        accepted_at=at,
        last_supplier_message_at=at,
        **{"service_id": NOT_GIVEN, **values},
    )
    problems = _set_contacts(fault, opening.contacts)
    fault_full_clean(fault)
    fault.save()
    data = {"opened_by": OpenedBy.SUPPLIER, "maintainer_fault_reference": reference}
    if opening.their_type:
        data["their_type"] = opening.their_type[:200]
    if opening.extra:
        data["details"] = opening.extra
    fault_event_record(
        fault=fault,
        kind=EventKind.CREATED,
        actor=actor,
        at=at,
        to_status=fault.status,
        message=f"Opened by {supplier} (their ticket {reference}).",
        data=data,
    )
    # The status timeline starts here (the SLA clock, when a policy covers supplier incidents).
    fault_event_record(
        fault=fault,
        kind=EventKind.STATUS,
        actor=actor,
        at=at,
        to_status=fault.status,
        data={"transition": "opened_by_supplier"},
    )
    _record_problems(fault, actor, at, problems)
    fault_sla_recompute(fault, now=max(timezone.now(), at))
    fault.save()
    return fault, True


@transaction.atomic
def fault_apply_supplier_data(
    *,
    fault_id: int,
    fields: dict[str, Any],
    contacts: tuple[ContactEntry, ...] = (),
    actor: Actor,
    at: datetime | None = None,
) -> Fault:
    """Keep a supplier-opened fault's data as the supplier now states it (only what it states
    changes). On a fault we raised the data is ours: the supplier's contacts are added to the
    timeline's updates and the rest is left alone."""
    at = at or timezone.now()
    fault = fault_lock(fault_id=fault_id)
    if not fault.opened_by_supplier:
        fault_updates_merge(fault=fault, entries=[_contact_update(c) for c in contacts])
        return fault
    changes = {}
    for name, value in _owned_values(fields).items():
        old = getattr(fault, name)
        if old != value:
            changes[name] = [_as_json(old), _as_json(value)]
            setattr(fault, name, value)
    before = {name: getattr(fault, name) for names in CONTACT_FIELDS.values() for name in names}
    problems = _set_contacts(fault, contacts)
    for name, old in before.items():
        if getattr(fault, name) != old:
            changes[name] = [old, getattr(fault, name)]
    if changes:
        fault_full_clean(fault)
        if "priority" in changes:
            fault.sla_policy = None  # another priority may fall under another policy
            fault_sla_recompute(fault, now=max(timezone.now(), at))
        fault.save()
        fault_event_record(
            fault=fault,
            kind=EventKind.SUPPLIER_DATA,
            actor=actor,
            at=at,
            message=f"Supplier updated: {field_labels(changes)}",
            data=changes,
        )
    _record_problems(fault, actor, at, problems)
    return fault


def _as_json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _owned_values(fields: dict[str, Any]) -> dict[str, Any]:
    """The supplier-owned fields it stated, made to fit the fault (text cut to the field's
    length; an empty value states nothing)."""
    values = {}
    for name in SUPPLIER_OWNED_FIELDS:
        value = fields.get(name)
        if value is None or value == "":
            continue
        if isinstance(value, str):
            limit = _max_length(name)
            value = value.strip()[:limit] if limit else value.strip()
        values[name] = value
    return values


def _max_length(name: str) -> int | None:
    model_field = Fault._meta.get_field(name)
    if model_field.max_length:
        return model_field.max_length
    for validator in model_field.validators:
        limit = getattr(validator, "limit_value", None)
        if isinstance(limit, int) and validator.code == "max_length":
            return limit
    return None


def _valid_email(email: str) -> bool:
    try:
        validate_email(email)
    except ValidationError:
        return False
    return len(email) <= 254


def _set_contacts(fault: Fault, contacts: tuple[ContactEntry, ...]) -> list[str]:
    """Put the supplier's contacts in the fault's contact fields, one per e-mail address (the
    first in the ticket wins): a contact already on the fault (by e-mail) is updated where it
    is; another fills its role (the primary one without a role: the reporter). Returns what
    could not be used."""
    problems = []
    seen: set[str] = set()
    for contact in contacts:
        email = contact.email.strip()
        key = email.lower()
        if not _valid_email(email):
            who = contact.name or email
            problems.append(f"Contact '{who}': '{email}' is not an e-mail address.")
            continue
        if key in seen:
            continue
        seen.add(key)
        fallback = "reporter" if contact.primary else None
        role = _role_holding(fault, key) or contact.role or fallback
        if role is None:
            problems.append(
                f"Contact {email} ({contact.their_type or 'no type'}) fills none of the fault's "
                "contacts."
            )
            continue
        name_field, phone_field, email_field = CONTACT_FIELDS[role]
        setattr(fault, email_field, email)
        if contact.name.strip():
            setattr(fault, name_field, contact.name.strip()[:100])
        if contact.phone.strip():
            setattr(fault, phone_field, contact.phone.strip()[:50])
    return problems


def _role_holding(fault: Fault, email_key: str) -> str | None:
    for role, (_name, _phone, email_field) in CONTACT_FIELDS.items():
        if (getattr(fault, email_field) or "").lower() == email_key:
            return role
    return None


def _contact_update(contact: ContactEntry) -> UpdateEntry:
    parts = [contact.name, contact.email, contact.phone, contact.their_type]
    return UpdateEntry(
        "Supplier contact: " + ", ".join(p.strip() for p in parts if p and p.strip()),
        Party.SELLER,
    )


def _record_problems(fault: Fault, actor: Actor, at: datetime, problems: list[str]) -> None:
    if problems:
        fault_event_record(
            fault=fault,
            kind=EventKind.ANOMALY,
            actor=actor,
            at=at,
            from_status=fault.status,
            message="Parts of the supplier's ticket could not be used: " + "; ".join(problems),
            data={"problems": problems},
        )
