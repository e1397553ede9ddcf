"""The API's OpenAPI schema generator: drf-spectacular's AutoSchema, told what it cannot see by
itself, so that the published schema (the contract partners generate clients from) describes what
the API really answers and accepts. One class serves every view (DEFAULT_SCHEMA_CLASS):

* A response field over a nullable column can be `null`, and one over a blank column can be
  `""`. DRF answers `null` for any missing value whatever the field says, and drops `allow_blank`
  from read-only model fields, so drf-spectacular would publish `parent` as a non-nullable string
  and a blank e-mail as `format: email` only.
* A request body whose serializer refuses unknown keys (`RejectUnknownFieldsMixin`) is published
  with `additionalProperties: false`.
* The rules for input (a field's `pattern` and `maxLength`, from its validators) are published
  on request bodies only. A response shows what is stored, and rows stored before a rule (a
  buyer fault reference from before the reference rule, a partner slug) need not keep to it.
* An operation whose path names something (`{buyer_fault_reference}`, `{partner_slug}`, …)
  answers 404 when nothing has that name, and a paginated list answers 404 for a page past the
  end. An operation that parses a body answers 415 for a content type it does not read.
* A component is described by its own serializer's docstring, not one inherited from a mixin.
"""

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from faults.api.errors import ErrorSerializer
from faults.api.inputs import RejectUnknownFieldsMixin

NOTHING_NAMED = OpenApiResponse(
    ErrorSerializer, description="Nothing has the reference, id or slug in the path."
)
PAGE_NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such page (past the last one).")
UNSUPPORTED_BODY = OpenApiResponse(
    ErrorSerializer, description="The body is not in a content type this operation reads."
)
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
INPUT_RULES = ("pattern", "maxLength")


def column_behind(serializer: serializers.BaseSerializer, name: str, field: Any) -> Any:
    """The model field a serializer field reads directly (`source` one attribute of the
    serializer's model), or None."""
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    source = field.source or name
    if model is None or source == "*" or "." in source:
        return None
    try:
        column = model._meta.get_field(source)
    except FieldDoesNotExist:
        return None
    return column if column.concrete else None


def state_what_columns_allow(serializer: serializers.BaseSerializer) -> None:
    """Mark the fields of an answering serializer `allow_null` / `allow_blank` where their
    column allows it. Only ever applied to the serializer instances drf-spectacular builds the
    schema from (never one that answers a request), where these flags only inform the schema."""
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.ManyRelatedField | serializers.ListSerializer):
            continue  # a list is never null
        column = column_behind(serializer, name, field)
        if column is None:
            continue
        if column.null:
            field.allow_null = True
        if column.blank and isinstance(field, serializers.CharField | serializers.ChoiceField):
            field.allow_blank = True


class ApiAutoSchema(AutoSchema):
    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict:
        serializer = force_instance(serializer)
        if direction == "response":
            state_what_columns_allow(serializer)
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, RejectUnknownFieldsMixin):
            schema["additionalProperties"] = False
        if direction == "response":
            for field_schema in schema.get("properties", {}).values():
                for rule in INPUT_RULES:
                    field_schema.pop(rule, None)
        if not type(serializer).__doc__:
            schema.pop("description", None)
        return schema

    def _get_response_bodies(self, direction: str = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        if "{" in self.path:
            responses.setdefault("404", self._get_response_for_code(NOTHING_NAMED, "404"))
        if self._is_list_view() and self._get_paginator() is not None:
            responses.setdefault("404", self._get_response_for_code(PAGE_NOT_FOUND, "404"))
        if self.method in BODY_METHODS and getattr(self.view, "parser_classes", None):
            responses.setdefault("415", self._get_response_for_code(UNSUPPORTED_BODY, "415"))
        return responses
