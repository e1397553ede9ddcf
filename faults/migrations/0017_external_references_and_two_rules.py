"""Helpdesk tickets linked to exceptions (the seed's externalReferences), and the ETA_MISSING and
LATE_REPAIR_MISMATCH rules shipped with the others."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from faults.exceptions.shipped import ship_rules


def ship(apps, schema_editor):
    ship_rules(
        apps.get_model("faults", "TicketExceptionRule"), apps.get_model("faults", "CallToAction")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("faults", "0016_ship_appointment_missed_rule"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ExternalReference",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "domain",
                    models.CharField(help_text='The system, e.g. "zendesk".', max_length=40),
                ),
                (
                    "type",
                    models.CharField(default="ticket", help_text='E.g. "ticket".', max_length=40),
                ),
                (
                    "identifier",
                    models.CharField(help_text="Its id in that system.", max_length=100),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "exception",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="external_references",
                        to="faults.ticketexception",
                    ),
                ),
            ],
            options={
                "verbose_name": "external reference",
                "ordering": ["created_at", "id"],
                "indexes": [
                    models.Index(fields=["domain", "identifier"], name="external_reference_lookup")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("exception", "domain", "type", "identifier"),
                        name="one_link_per_exception_and_external_ticket",
                    )
                ],
            },
        ),
        migrations.RunPython(ship, migrations.RunPython.noop),
    ]
