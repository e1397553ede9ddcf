"""The names a person reads for the fault's fields: one home for the forms' labels and every
message that names a field (an amendment's "changed …", the services' errors, the timeline).

The model's verbose name is the label unless the page words it otherwise (the form says
"Service ID" where the supplier's schema says "service affected")."""

from collections.abc import Iterable

from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst

from faults.models import Fault

_WORDED_OTHERWISE = {
    "service_id": "Service ID",
    "address_key": "Address key (UPRN)",
}


def field_label(name: str) -> str:
    """`fault_start_time` -> "Fault start time"; a name that is not a field is worded from
    its parts."""
    if name in _WORDED_OTHERWISE:
        return _WORDED_OTHERWISE[name]
    try:
        words = str(Fault._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        words = name.replace("_", " ")
    return capfirst(words)


def field_labels(names: Iterable[str]) -> str:
    """Several fields for a sentence, in the order given: "Description, Fault start time"."""
    return ", ".join(field_label(name) for name in names)
