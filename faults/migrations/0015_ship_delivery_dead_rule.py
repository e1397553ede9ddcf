"""The DELIVERY_DEAD rule (evaluated by the integration layer), with the other shipped ones."""

from django.db import migrations

from faults.exceptions.shipped import ship_rules


def ship(apps, schema_editor):
    ship_rules(
        apps.get_model("faults", "TicketExceptionRule"), apps.get_model("faults", "CallToAction")
    )


class Migration(migrations.Migration):
    dependencies = [("faults", "0014_escalation_threshold")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
