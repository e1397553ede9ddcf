"""Supplier reasons stored before the cityfibre package put them into words (issue 10 #16).

Until then a supplier's refusal was stored as the supplier wrote it, often a JSON object such as
{"serviceAffected": "Service 'X' is not valid"}. Only these rows were written that way, and only
these are rewritten (of cityfibre partners):

- a refused outbound message's `last_error` (status "refused": the answer's errorMessage);
- a rejected fault's `status_reason` (a refused raise, or a `rejected` notification's reason);
- the status event that rejected the fault, made by the supplier's message (its message is that
  reason);
- the anomaly "The supplier refused our <message>: <errorMessage>" recorded for a refused amend,
  cancel or resolveResponse (its data names the outbound message and the HTTP status).

Comments, descriptions and every other text people typed are never touched, whatever braces they
hold. A row whose text is not in the supplier's shape is left as it is; running this again
changes nothing.

The converter below is a frozen copy of `integrations.cityfibre.reasons` (and its labels) as it
was when this migration was written, so that later edits to live code cannot change what this
migration does.
"""

import json
import re

from django.db import migrations

CITYFIBRE = "cityfibre"
BATCH = 500
REFUSED_ANOMALY = re.compile(r"(The supplier refused our \w+: )(.*)", re.DOTALL)

# --- frozen converter ----------------------------------------------------------------------------

_LABELS = {
    "buyerFaultReference": "Buyer fault reference",
    "maintainerFaultReference": "Supplier's reference",
    "parentFaultReference": "Parent",
    "serviceAffected": "Service ID",
    "priorityLevel": "Priority",
    "description": "Description",
    "type": "Fault type",
    "status": "Status",
    "statusReason": "Status reason",
    "faultStartTime": "Fault start time",
    "faultLocation": "Fault location",
    "siteAccessDetails": "Site access details",
    "triageComplete": "Triage complete",
    "triageFindings": "Triage findings",
    "appointmentReservationKey": "Appointment reservation key",
    "closureCode": "Closure code",
    "schema": "Message format",
    "buyerIdentifier": "Buyer identifier",
    "reporterContactDetails": "Reporter contact",
    "endUserContactDetails": "End user contact",
    "siteAccessContactDetails": "Site access contact",
    "resolveAccepted": "Answer to the resolution",
    "rejectedReason": "Rejection reason",
    "messageId": "Message ID",
}
_GENERAL_KEYS = frozenset({"message", "error", "errors", "detail", "reason", "_", ""})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_MAX_DEPTH = 4


def _label(key: str) -> str:
    name = re.split(r"[/.]", key.strip())[-1]
    label = _LABELS.get(name) or _CAMEL.sub(" ", name).replace("_", " ").lower()
    return label[:1].upper() + label[1:]


def _sentences(value: object, depth: int = 0) -> list[str]:
    if depth > _MAX_DEPTH:
        return [json.dumps(value, ensure_ascii=False)]
    if isinstance(value, dict):
        lines = []
        for key, inner in value.items():
            texts = _sentences(inner, depth + 1)
            if str(key).strip() in _GENERAL_KEYS:
                lines += texts
            else:
                lines += [f"{_label(str(key))}: {text}" for text in texts]
        return lines
    if isinstance(value, list):
        return [line for item in value for line in _sentences(item, depth + 1)]
    if value is None:
        return []
    return [str(value).strip()]


def reason_text(text: str) -> str:
    """The supplier's errorMessage as the sentence it means; other text as it is."""
    stripped = (text or "").strip()
    if not stripped.startswith(("{", "[")):
        return text
    try:
        decoded = json.loads(stripped)
    except ValueError:
        return text
    if not isinstance(decoded, (dict, list)):
        return text
    lines = [line for line in _sentences(decoded) if line]
    return "; ".join(lines) if lines else text


def refused_anomaly_text(text: str) -> str:
    """'The supplier refused our X: {…}' with the errorMessage in words."""
    match = REFUSED_ANOMALY.fullmatch(text)
    return match[1] + reason_text(match[2]) if match else text


# --- the rows ------------------------------------------------------------------------------------


def _rewrite(queryset, field: str, convert) -> None:
    changed = []
    model = queryset.model
    for row in queryset.filter(**{f"{field}__contains": "{"}).only("pk", field).iterator(BATCH):
        old = getattr(row, field)
        new = convert(old)
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
    cityfibre_events = FaultEvent.objects.filter(
        fault__supplier__protocol=CITYFIBRE, actor_kind="partner"
    )
    _rewrite(
        OutboundMessage.objects.filter(partner__protocol=CITYFIBRE, status="refused"),
        "last_error",
        reason_text,
    )
    _rewrite(
        Fault.objects.filter(supplier__protocol=CITYFIBRE, status="rejected"),
        "status_reason",
        reason_text,
    )
    _rewrite(cityfibre_events.filter(kind="status", to_status="rejected"), "message", reason_text)
    _rewrite(
        cityfibre_events.filter(
            kind="anomaly",
            message__startswith="The supplier refused our ",
            data__has_key="outbound_id",
        ),
        "message",
        refused_anomaly_text,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0001_initial"),
        ("faults", "0005_fault_list_sort_indexes"),
    ]

    operations = [migrations.RunPython(reasons_in_words, migrations.RunPython.noop)]
