"""What every demo partner's loader does with its connection settings: set those that differ from
the demo's values, count the change once, leave a partner already set alone."""

from collections.abc import Callable
from typing import Any

from devtools.pki import DemoPki
from integrations.models import Partner


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
