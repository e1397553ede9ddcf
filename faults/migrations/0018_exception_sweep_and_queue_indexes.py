"""Two partial indexes the exception benchmark (make bench, part `exceptions`) asked for: the
PARTNER_TICKET_PURGED rule finds the few faults with a purged partner ticket without reading every
audit row, and the queue's exceptions section reads the oldest open exceptions of a rule off an
index instead of sorting every open one."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("faults", "0017_external_references_and_two_rules"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="faultevent",
            index=models.Index(
                condition=models.Q(("data__has_key", "partner_ticket_purged")),
                fields=["fault"],
                name="fault_event_partner_purged",
            ),
        ),
        migrations.AddIndex(
            model_name="ticketexception",
            index=models.Index(
                condition=models.Q(("solved_at__isnull", True)),
                fields=["rule", "raised_at", "id"],
                name="open_exceptions_by_age",
            ),
        ),
    ]
