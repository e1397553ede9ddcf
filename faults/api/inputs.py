"""What the fault API accepts (input). These check the shape of the input (types, lengths,
known references) and hand it to one service; the rules of the domain live in the services."""

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from faults.models import Fault, Team
from faults.models.fault import TEXT_MAX
from faults.selectors import buyer_identifier_get
from faults.services.raising import AMENDABLE_FIELDS, DRAFT_ONLY_FIELDS
from faults.suppliers import suppliers
from faults.validators import REFERENCE_MESSAGE, REFERENCE_RULE, is_valid_reference

DETAIL_FIELDS = sorted(AMENDABLE_FIELDS | DRAFT_ONLY_FIELDS)
# Sent by HTML forms (the browsable API); never a field of ours.
IGNORED_KEYS = frozenset({"csrfmiddlewaretoken"})


class RejectUnknownFieldsMixin:
    """Refuse input keys the serializer does not know, instead of silently ignoring them."""

    fields: Mapping[str, serializers.Field]

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields) - IGNORED_KEYS)
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)  # type: ignore[misc]


class ReferenceField(serializers.SlugRelatedField):
    """A related object by its slug or reference; anything but a string is refused as such, and
    one with a NUL character is unknown without a lookup (PostgreSQL refuses NUL in a query)."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")
        if "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", ""))
        return super().to_internal_value(data)


class FaultReferenceField(ReferenceField):
    """A fault by its buyer fault reference, wherever an API names one (this one's parent, the
    appointment API's fault). A reference outside the documented rule is refused as such
    (naming the rule) before anything is looked up."""

    default_error_messages = {
        "does_not_exist": "No fault with buyer reference {value}.",
        "invalid": "Give the fault's buyer fault reference as a string.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "buyer_fault_reference")
        kwargs.setdefault("queryset", Fault.objects.all())
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and not is_valid_reference(data):
            raise serializers.ValidationError(REFERENCE_MESSAGE, code="invalid_reference")
        return super().to_internal_value(data)


class NoInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """For actions that take no input: an empty body or `{}`."""


class FaultCreateSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    partner = ReferenceField(
        source="supplier",
        slug_field="slug",
        queryset=suppliers(),
        help_text="The supplier's slug.",
        error_messages={
            "does_not_exist": "No partner with slug '{value}'.",
            "invalid": "Give the partner's slug as a string.",
        },
    )
    buyer_identifier = serializers.CharField(
        max_length=36,
        required=False,
        help_text="The buyer identifier code; the partner's default when omitted.",
    )
    parent = FaultReferenceField(
        required=False,
        allow_null=True,
        help_text="The parent fault's buyer reference (mass incidents).",
        error_messages={"invalid": "Give the parent's buyer fault reference as a string."},
    )
    submit = serializers.BooleanField(
        default=False, help_text="Send the fault to the supplier at once (draft → pending)."
    )

    class Meta:
        model = Fault
        fields = ["buyer_fault_reference", "partner", "buyer_identifier", "parent"]
        fields += [*DETAIL_FIELDS, "submit"]
        extra_kwargs = {
            "buyer_fault_reference": {
                "required": False,
                "help_text": f"Ours: {REFERENCE_RULE}; generated when omitted.",
            }
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        code = attrs.pop("buyer_identifier", None)
        if code:
            supplier = attrs["supplier"]
            identifier = buyer_identifier_get(partner_id=supplier.pk, code=code)
            if identifier is None:
                raise serializers.ValidationError(
                    {"buyer_identifier": [f"No buyer identifier '{code}' for {supplier.slug}."]}
                )
            attrs["buyer_identifier"] = identifier
        return attrs


class FaultAmendSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    """The detail fields; only those sent are changed."""

    # The view validates with partial=True; this docstring is the schema's description.

    class Meta:
        model = Fault
        fields = DETAIL_FIELDS


class CancelSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, default="", max_length=TEXT_MAX)


class RejectResolutionSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(
        max_length=TEXT_MAX, help_text="Why the resolution is rejected (required)."
    )


class CommentCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    text = serializers.CharField(max_length=TEXT_MAX)


class AssignSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """Who owns the fault and which team it is in: a key left out keeps its value, null clears
    it. Whether the owner may own faults and is in the team is the service's to say."""

    owner = ReferenceField(
        slug_field="username",
        queryset=get_user_model().objects.all(),
        allow_null=True,
        required=False,
        help_text="The owner's username (an active agent, manager or admin); null: nobody.",
    )
    team = ReferenceField(
        slug_field="name",
        queryset=Team.objects.all(),
        allow_null=True,
        required=False,
        help_text="The team's name; null: no team. The owner must be in it.",
    )


class NoteCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    text = serializers.CharField(
        max_length=TEXT_MAX, help_text="The internal note: kept in our NOC, never sent."
    )


class AttachmentUploadSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    file = serializers.FileField(max_length=255, help_text="Multipart upload.")
