"""The rules the product ships with (seed 003's types, our thresholds). The migration that made
the table writes them; the sweep puts back any that are missing (a table emptied by hand or by a
test's flush), switched on as shipped. Admins tune them; they cannot delete them."""

from typing import Any

# (type id, type name, name, threshold hours, priority, description)
SHIPPED_RULES: tuple[tuple[int, str, str, float | None, int, str], ...] = (
    (1, "SLA_BREACHED", "SLA breached", None, 1, "Still open past its SLA target."),
    (2, "SLA_AT_RISK", "SLA at risk", None, 2, "The SLA clock is past its at-risk point."),
    (
        3,
        "NO_SUPPLIER_UPDATE",
        "No supplier update",
        24,
        2,
        "Open with the supplier and nothing heard from it for this many hours.",
    ),
    (
        4,
        "RESOLVED_AWAITING_ANSWER",
        "Resolution awaiting our answer",
        12,
        2,
        "Resolved by the supplier, unanswered, and closing itself within this many hours.",
    ),
    (
        5,
        "ON_HOLD_TOO_LONG",
        "On hold too long",
        48,
        3,
        "On hold (the supplier waits on us) for more than this many hours.",
    ),
    (
        6,
        "REJECTED_NOT_ACTIONED",
        "Rejection not actioned",
        4,
        3,
        "Rejected by the supplier this many hours ago (within 14 days), and no agent has acted.",
    ),
    (
        7,
        "PARTNER_TICKET_PURGED",
        "Supplier purged its ticket",
        None,
        2,
        "Open with us while the supplier no longer has its ticket.",
    ),
)


def ship_rules(rule_model: Any) -> int:
    """Create the shipped rules `rule_model` (the model, or a migration's historical one) lacks;
    how many were created. Rules already there are left as the admins set them."""
    present = set(rule_model.objects.values_list("type_name", flat=True))
    missing = [
        rule_model(
            type_id=type_id,
            type_name=type_name,
            name=name,
            threshold_hours=hours,
            priority=priority,
            description=description,
        )
        for type_id, type_name, name, hours, priority, description in SHIPPED_RULES
        if type_name not in present
    ]
    rule_model.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)
