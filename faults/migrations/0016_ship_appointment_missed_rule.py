"""The APPOINTMENT_MISSED_BY_SUPPLIER rule (evaluated by the appointments app), with the other
shipped ones."""

from django.db import migrations

from faults.exceptions.shipped import ship_rules


def ship(apps, schema_editor):
    ship_rules(
        apps.get_model("faults", "TicketExceptionRule"), apps.get_model("faults", "CallToAction")
    )


class Migration(migrations.Migration):
    dependencies = [("faults", "0015_ship_delivery_dead_rule")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
