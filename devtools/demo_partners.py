"""What every demo partner's loader does with its connection settings (set those that differ from
the demo's values, count the change once, leave a partner already set alone) and its SLA
policies (created once, by fault type and priority)."""

from collections.abc import Callable
from typing import Any

from devtools.pki import DemoPki
from faults.models import SlaPolicy
from integrations.models import Partner

# (fault type or "" for any, priority or None for any, target, calendar)
SlaPolicyRow = tuple[str, int | None, Any, str]


def demo_client_tls(pki: DemoPki) -> dict[str, Any]:
    """A partner we call with the demo PKI's buyer client certificate (mutual TLS) and that
    calls us, from this machine, with the supplier's."""
    return {
        "client_cert_fingerprints": pki.supplier_client.fingerprint,
        "allowed_networks": "127.0.0.1/32\n::1/128",
        "client_cert_path": str(pki.buyer_client.cert_path),
        "client_key_path": str(pki.buyer_client.key_path),
        "ca_bundle_path": str(pki.ca_cert_path),
        "retry_base_seconds": 5.0,
        "retry_max_seconds": 300.0,
    }


def demo_partner_settings(
    partner: Partner, values: dict[str, Any], count: Callable[[str], None], what: str
) -> Partner:
    changed = {name: value for name, value in values.items() if getattr(partner, name) != value}
    if changed:
        Partner.objects.filter(pk=partner.pk).update(**changed)
        partner.refresh_from_db()
        count(what)
    return partner


def demo_sla_policies(
    partner: Partner, policies: tuple[SlaPolicyRow, ...], count: Callable[[str], None]
) -> None:
    """The partner's SLA policies, each created when missing (at risk at 80 %)."""
    for fault_type, priority, target, calendar in policies:
        _, created = SlaPolicy.objects.get_or_create(
            partner=partner,
            fault_type=fault_type,
            priority=priority,
            defaults={"target": target, "calendar": calendar, "at_risk_percent": 80},
        )
        if created:
            count("SLA policies")
