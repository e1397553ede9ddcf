"""The rules the product ships with (faults/exceptions/shipped.py); admins tune them."""

from django.db import migrations

from faults.exceptions.shipped import ship_rules


def ship(apps, schema_editor):
    ship_rules(
        apps.get_model("faults", "TicketExceptionRule"), apps.get_model("faults", "CallToAction")
    )


class Migration(migrations.Migration):
    dependencies = [("faults", "0012_ticket_exceptions")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
