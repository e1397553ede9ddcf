"""Supplier reasons stored before the cityfibre package put them into words (issue 10 #16).

Until then a refused raise or resolveResponse stored the supplier's errorMessage as it came, a
JSON object such as {"serviceAffected": "Service 'X' is not valid"}, in the fault's status
reason, its audit trail and the outbound message's last error. This rewrites those rows of
cityfibre partners the way `integrations.cityfibre.reasons` now writes them. Rows whose text
is not in that shape are left as they are; running it again changes nothing.
"""

from django.db import migrations

CITYFIBRE = "cityfibre"
BATCH = 500


def _rewrite(queryset, field: str) -> None:
    from integrations.cityfibre.reasons import reason_text_within

    changed = []
    model = queryset.model
    for row in queryset.filter(**{f"{field}__contains": "{"}).only("pk", field).iterator(BATCH):
        old = getattr(row, field)
        new = reason_text_within(old)
        if new != old:
            setattr(row, field, new)
            changed.append(row)
        if len(changed) >= BATCH:
            model.objects.bulk_update(changed, [field])
            changed = []
    if changed:
        model.objects.bulk_update(changed, [field])


def reasons_in_words(apps, schema_editor) -> None:
    Fault = apps.get_model("faults", "Fault")
    FaultEvent = apps.get_model("faults", "FaultEvent")
    OutboundMessage = apps.get_model("integrations", "OutboundMessage")
    _rewrite(Fault.objects.filter(supplier__protocol=CITYFIBRE), "status_reason")
    _rewrite(FaultEvent.objects.filter(fault__supplier__protocol=CITYFIBRE), "message")
    _rewrite(OutboundMessage.objects.filter(partner__protocol=CITYFIBRE), "last_error")


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0001_initial"),
        ("faults", "0005_fault_list_sort_indexes"),
    ]

    operations = [migrations.RunPython(reasons_in_words, migrations.RunPython.noop)]
