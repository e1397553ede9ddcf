"""The supplier's reference has one name wherever an agent reads it (issue 10): the field's
verbose name, and the timeline rows and reasons written before under the supplier's element name
("Maintainer reference CF-1", "Maintainer fault reference: No workflow found")."""

from django.db import migrations, models
from django.db.models import Value
from django.db.models.functions import Replace

NEW_NAME = "Supplier's reference"
# Only what we wrote: the supplier-data line, and a supplier's reason put into words
# ("Label: text"). Text a person typed is left as it is.
OUR_LINE = "Maintainer reference "
REASON_LABEL = "Maintainer fault reference: "


def _rename(rows, field, old, new):
    rows.filter(**{f"{field}__contains": old}).update(
        **{field: Replace(field, Value(old), Value(new))}
    )


def words_forward(apps, schema_editor):
    FaultEvent = apps.get_model("faults", "FaultEvent")
    Fault = apps.get_model("faults", "Fault")
    supplier_data = FaultEvent.objects.filter(kind="supplier-data", message__startswith=OUR_LINE)
    _rename(supplier_data, "message", OUR_LINE, f"{NEW_NAME} ")
    reasons = FaultEvent.objects.filter(kind__in=("status", "anomaly"))
    _rename(reasons, "message", REASON_LABEL, f"{NEW_NAME}: ")
    _rename(Fault.objects.all(), "status_reason", REASON_LABEL, f"{NEW_NAME}: ")


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
