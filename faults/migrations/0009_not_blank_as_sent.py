"""Service ID and fault type are not blank as the supplier receives them (issue 10 review):
text of only white space and characters XML cannot carry (" \x18 ") is refused like "   "."""

import faults.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("faults", "0008_supplier_reference_label"),
    ]

    operations = [
        migrations.AlterField(
            model_name="fault",
            name="fault_type",
            field=models.CharField(
                max_length=100, validators=[faults.validators.NotBlankValidator()]
            ),
        ),
        migrations.AlterField(
            model_name="fault",
            name="service_id",
            field=models.CharField(
                max_length=255,
                validators=[faults.validators.NotBlankValidator()],
                verbose_name="service ID",
            ),
        ),
    ]
