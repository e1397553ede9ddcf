"""Test helpers that drive faults through the services, the way production does, and an API
client logged in as a given user."""

from datetime import datetime, timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from faults.models import Fault, FaultEvent
from faults.services import Actor, fault_apply_supplier_status, fault_submit

SUPPLIER = Actor.partner("TEST-MSG")

# Supplier status chains from pending to each status (each step a supplier notification).
CHAINS = {
    "pending": [],
    "accepted": ["accepted"],
    "open": ["accepted", "open"],
    "in-progress": ["accepted", "in-progress"],
    "on-hold": ["accepted", "in-progress", "on-hold"],
    "resolved": ["accepted", "in-progress", "resolved"],
    "re-opened": ["accepted", "in-progress", "resolved", "re-opened"],
    "closed": ["accepted", "in-progress", "resolved", "closed"],
    "rejected": ["rejected"],
    "cancelled": ["cancelled"],
}


def bring_to(fault: Fault, status: str, *, start: datetime | None = None) -> Fault:
    """Submit a draft and play supplier notifications, a minute apart, until it is `status`."""
    at = start or timezone.now() - timedelta(hours=1)
    if status == "draft":
        return fault
    fault_submit(fault_id=fault.pk, actor=Actor.system("test"), at=at)
    for step in CHAINS[status]:
        at += timedelta(minutes=1)
        fault_apply_supplier_status(
            fault_id=fault.pk,
            status=step,
            actor=SUPPLIER,
            sent_at=at,
            maintainer_fault_reference="CS0001" if step == "accepted" else "",
        )
    fault.refresh_from_db()
    assert fault.status == status
    return fault


def events(fault: Fault, kind: str) -> list[FaultEvent]:
    return list(FaultEvent.objects.filter(fault=fault, kind=kind).order_by("at", "id"))


def client_for(user=None) -> APIClient:
    """An API client authenticated as `user` (anonymous without one)."""
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def admin_form_data(response) -> dict[str, object]:
    """What the browser would post back unchanged from an admin change (or add) page: the form's
    values, each inline's management form and the values of its rows."""
    form = response.context["adminform"].form
    data = {
        name: "" if value is None else value
        for name, value in ((name, form[name].value()) for name in form.fields)
    }
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({f"{management.prefix}-{k}": v for k, v in management.initial.items()})
        for row in inline.formset.forms:
            for name in row.fields:
                value = row[name].value()
                if value not in (None, False):
                    data[f"{row.prefix}-{name}"] = value
    return data
