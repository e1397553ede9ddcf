"""The rules the product ships with (seed 003's types, our thresholds); admins tune them."""

from django.db import migrations

RULES = [
    # (type id, type name, name, threshold hours, priority, description)
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
]


def ship(apps, schema_editor):
    Rule = apps.get_model("faults", "TicketExceptionRule")
    for type_id, type_name, name, hours, priority, description in RULES:
        Rule.objects.get_or_create(
            type_name=type_name,
            defaults={
                "type_id": type_id,
                "name": name,
                "threshold_hours": hours,
                "priority": priority,
                "description": description,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("faults", "0012_ticket_exceptions")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
