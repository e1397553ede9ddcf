"""The supplier's reference has one name wherever an agent reads it (issue 10): the field's
verbose name, and the timeline line we wrote when a supplier set it ("Maintainer reference
CF-1", now "Supplier's reference CF-1").

Only that line is renamed: a supplier-data event carrying the reference change in its data,
whose message is the one we wrote. Nothing else can hold the old wording as our own text (the
supplier's reasons are put into words under the new label since this change), and text people
or suppliers wrote (an agent's reject reason, a supplier's plain status reason) stays as it is.
"""

from django.db import migrations, models
from django.db.models import Value
from django.db.models.functions import Concat, Substr

NEW_NAME = "Supplier's reference"
OUR_LINE = "Maintainer reference "


def words_forward(apps, schema_editor):
    FaultEvent = apps.get_model("faults", "FaultEvent")
    ours = FaultEvent.objects.filter(
        kind="supplier-data",
        message__startswith=OUR_LINE,
        data__has_key="maintainer_fault_reference",
    )
    # Only the line's opening words change: "Maintainer reference CF-1" → "Supplier's reference
    # CF-1" (Substr counts from 1).
    ours.update(
        message=Concat(
            Value(f"{NEW_NAME} "),
            Substr("message", len(OUR_LINE) + 1),
            output_field=models.TextField(),
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("faults", "0007_service_id_label"),
    ]

    operations = [
        migrations.AlterField(
            model_name="fault",
            name="maintainer_fault_reference",
            field=models.CharField(
                blank=True,
                db_index=True,
                help_text="The supplier's, set on acceptance.",
                max_length=36,
                verbose_name="supplier's reference",
            ),
        ),
        migrations.RunPython(words_forward, migrations.RunPython.noop),
    ]
