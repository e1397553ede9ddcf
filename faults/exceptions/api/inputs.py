"""Shared input checks of the ticket exceptions API."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from rest_framework import serializers

from faults.errors import FaultValidationError


class StrictSerializer(serializers.Serializer):
    """A request body: unknown keys are refused, not silently ignored."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class CommaListField(serializers.ListField):
    """A query parameter given repeated (`?x=a&x=b`), comma-separated (`?x=a,b`) or both."""

    def to_internal_value(self, data: Any) -> list:
        values = data if isinstance(data, list) else [data]
        split = [part.strip() for value in values for part in str(value).split(",")]
        return super().to_internal_value([part for part in split if part])


@contextmanager
def api_field_names(names: Mapping[str, str]) -> Iterator[None]:
    """A service's refusal naming our model fields, re-raised naming the API's."""
    try:
        yield
    except FaultValidationError as exc:
        exc.errors = {names.get(field, field): texts for field, texts in exc.errors.items()}
        raise
