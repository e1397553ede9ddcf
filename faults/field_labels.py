"""The names a person reads for the fault's fields: one home for the forms' labels and every
message that names a field (an amendment's "changed …", the services' errors, the timeline, a
supplier's refusal turned into words by a protocol package).

The label is the model field's verbose name, capitalised: the model is the one place a field is
worded ("service ID", "address key (UPRN)"), so no page or message can call it otherwise."""

from collections.abc import Iterable

from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst

from faults.models import Fault


def field_label(name: str) -> str:
    """`fault_start_time` -> "Fault start time"; a name that is not a field is worded from
    its parts."""
    try:
        words = str(Fault._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        words = name.replace("_", " ")
    return capfirst(words)


def field_labels(names: Iterable[str]) -> str:
    """Several fields for a sentence, in the order given: "Description, Fault start time"."""
    return ", ".join(field_label(name) for name in names)
