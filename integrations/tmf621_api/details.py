"""The fault details a trouble ticket has no attribute for, carried as characteristics.

v4's TroubleTicket has no field for what our suppliers require before a fault is raised (start
time, location, triage, site access); v5 added `troubleTicketCharacteristic` (name, value) for
exactly this, and v4 lets a resource carry attributes it does not define. Our API reads and
writes these details as v5 characteristics, named here, in both directions.
"""

from __future__ import annotations

from dataclasses import dataclass

from faults.services.validation import SUBMIT_RULES


@dataclass(frozen=True)
class Detail:
    """One fault field as a characteristic: its name on the wire and its value type."""

    field: str
    name: str
    value_type: str = "string"  # string, boolean or dateTime


DETAILS = (
    Detail("fault_type", "faultType"),
    Detail("fault_start_time", "faultStartTime", "dateTime"),
    Detail("fault_location", "faultLocation"),
    Detail("triage_complete", "triageComplete", "boolean"),
    Detail("triage_findings", "triageFindings"),
    Detail("site_access_details", "siteAccessDetails"),
    Detail("site_access_contact_name", "siteAccessContactName"),
    Detail("site_access_contact_phone", "siteAccessContactPhone"),
    Detail("site_access_contact_email", "siteAccessContactEmail"),
    Detail("reporter_name", "reporterName"),
    Detail("reporter_phone", "reporterPhone"),
    Detail("reporter_email", "reporterEmail"),
    Detail("end_user_name", "endUserName"),
    Detail("end_user_phone", "endUserPhone"),
    Detail("end_user_email", "endUserEmail"),
    Detail("address_key", "addressKey"),
    Detail("product_name", "productName"),
)
BY_NAME = {detail.name: detail for detail in DETAILS}
BY_FIELD = {detail.field: detail for detail in DETAILS}

# How the ticket names what a fault still needs: the wire names, or the attribute that carries it.
_WIRE_NAMES = {
    **{detail.field: f"troubleTicketCharacteristic '{detail.name}'" for detail in DETAILS},
    "service_id": "relatedEntity with role 'service'",
    "supplier": "relatedParty with role 'supplier'",
    "buyer_identifier": "relatedParty with role 'buyer'",
    "appointment_reservation_key": "an engineer appointment (reserved in the NOC's pages)",
    "description": "description",
}


def wire_name(field: str) -> str:
    """What a client calls a fault field (the error key of a refusal)."""
    if field in _WIRE_NAMES:
        return _WIRE_NAMES[field]
    for rule in SUBMIT_RULES:
        if rule.key == field and rule.one_of:
            names = " or ".join(BY_FIELD[name].name for name in rule.fields)
            return f"troubleTicketCharacteristic {names}"
    return field
