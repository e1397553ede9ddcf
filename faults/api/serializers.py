"""What the fault API answers (output). What it accepts is in `faults.api.inputs`."""

from datetime import UTC, datetime
from typing import Any

from django.db import models
from django.urls import NoReverseMatch, reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from faults.api.permissions import can_act_on_faults
from faults.choices import EventKind
from faults.models import Fault, FaultAttachment, FaultComment, FaultEvent, FaultUpdate, SlaPolicy
from faults.models.workspace import FaultNote
from faults.services import fault_allowed_transitions
from faults.services.raising import AMENDABLE_FIELDS, DRAFT_ONLY_FIELDS
from faults.services.transitions import AGENT_TRANSITIONS
from faults.suppliers import buyer_identifier_model, supplier_model

# The API names of the transition actions (the sub-routes), by transition name.
ACTION_NAMES = {name: name.replace("_", "-") for name in AGENT_TRANSITIONS}

PARENT_HELP = "The parent fault's buyer reference (mass incidents); null for none."
OWNER_HELP = "The username of the agent in our NOC who works the fault; null when unassigned."
TEAM_HELP = "The name of our NOC team the fault belongs to; null for none."
DETAIL_FIELDS = sorted(AMENDABLE_FIELDS | DRAFT_ONLY_FIELDS)
MILESTONE_FIELDS = [
    "created_at",
    "updated_at",
    "submitted_at",
    "accepted_at",
    "rejected_at",
    "resolved_at",
    "closed_at",
    "cancelled_at",
    "auto_close_due_at",
    "supplier_status_sent_at",
    "last_supplier_message_at",
]


class InstantField(serializers.DateTimeField):
    """A date-time answered as its instant in UTC (`2026-11-23T09:00:00Z`). In our local time
    (Europe/London) a date before 1847 has a seconds offset (LMT, -00:01:15) that RFC 3339, and
    so the schema's `date-time`, cannot carry. Input is read as DRF reads it (naive = local)."""

    def to_representation(self, value: datetime | None) -> str | None:
        if not value:
            return None
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class ApiModelSerializer(serializers.ModelSerializer):
    """The base of every answering model serializer: model date-times as `InstantField`."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: InstantField,
    }


class PartnerSummarySerializer(ApiModelSerializer):
    class Meta:
        model = supplier_model()
        fields = ["slug", "name"]


class BuyerIdentifierSummarySerializer(ApiModelSerializer):
    class Meta:
        model = buyer_identifier_model()
        fields = ["code"]


class SlaPolicySummarySerializer(ApiModelSerializer):
    target_seconds = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = SlaPolicy
        fields = ["id", "name", "fault_type", "priority", "target_seconds", "calendar"]
        fields += ["at_risk_percent"]


class SlaSerializer(ApiModelSerializer):
    """The fault's stored SLA figures (design §5), read from the fault itself."""

    state = serializers.CharField(source="sla_state")
    state_display = serializers.CharField(source="get_sla_state_display")
    elapsed_seconds = serializers.IntegerField(source="sla_elapsed_seconds")
    paused_seconds = serializers.IntegerField(source="sla_paused_seconds")
    due_at = InstantField(source="sla_due_at")
    computed_at = InstantField(source="sla_computed_at")
    policy = SlaPolicySummarySerializer(source="sla_policy", allow_null=True)

    class Meta:
        model = Fault
        fields = [
            "state",
            "state_display",
            "elapsed_seconds",
            "paused_seconds",
            "due_at",
            "computed_at",
            "policy",
        ]
        read_only_fields = fields


class FaultUpdateSerializer(ApiModelSerializer):
    class Meta:
        model = FaultUpdate
        fields = ["description", "updated_by", "updated_time"]


class FaultCommentSerializer(ApiModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = FaultComment
        fields = ["id", "text", "commented_by", "commented_time", "author"]


class FaultNoteSerializer(ApiModelSerializer):
    """An internal note: for our NOC only, never sent to the supplier."""

    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = FaultNote
        fields = ["id", "text", "created_at", "author"]


class FaultAttachmentSerializer(ApiModelSerializer):
    url = serializers.SerializerMethodField()
    added_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = FaultAttachment
        fields = ["id", "filename", "size_bytes", "url", "uploaded", "added_by", "created_at"]

    def get_url(self, attachment: FaultAttachment) -> str:
        """The stored file through the API (authenticated), or the partner's link."""
        if not attachment.file:
            return attachment.url
        path = reverse(
            "faults-api:fault-attachment-file",
            kwargs={
                "buyer_fault_reference": attachment.fault.buyer_fault_reference,
                "attachment_id": attachment.pk,
            },
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class FaultEventSerializer(ApiModelSerializer):
    actor = serializers.CharField(source="actor_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = FaultEvent
        fields = [
            "id",
            "kind",
            "kind_display",
            "at",
            "actor_kind",
            "actor",
            "from_status",
            "to_status",
            "message",
        ]


class FaultAnomalySerializer(ApiModelSerializer):
    class Meta:
        model = FaultEvent
        fields = ["at", "message", "data"]


class FaultUrlField(serializers.HyperlinkedIdentityField):
    """The fault's API URL, or null for a row stored before the reference rule whose reference
    no URL can carry ("/"): one such row must not break the list for everyone."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("view_name", "faults-api:fault-detail")
        kwargs.setdefault("lookup_field", "buyer_fault_reference")
        super().__init__(allow_null=True, **kwargs)

    def get_url(self, obj: Any, view_name: str, request: Any, format: Any) -> str | None:
        try:
            return super().get_url(obj, view_name, request, format)
        except NoReverseMatch:
            return None


class FaultListSerializer(ApiModelSerializer):
    """A row of the fault list: no timeline, so a page costs a fixed number of queries."""

    status_display = serializers.CharField(source="get_status_display", read_only=True)
    supplier = PartnerSummarySerializer(read_only=True)
    parent = serializers.SlugRelatedField(
        slug_field="buyer_fault_reference", read_only=True, help_text=PARENT_HELP
    )
    sla_state = serializers.CharField(read_only=True)
    owner = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text=OWNER_HELP
    )
    team = serializers.SlugRelatedField(slug_field="name", read_only=True, help_text=TEAM_HELP)
    url = FaultUrlField()

    class Meta:
        model = Fault
        fields = [
            "url",
            "buyer_fault_reference",
            "maintainer_fault_reference",
            "status",
            "status_display",
            "opened_by",
            "supplier",
            "service_id",
            "fault_type",
            "priority",
            "parent",
            "owner",
            "team",
            "sla_state",
            "sla_due_at",
            "created_at",
            "submitted_at",
            "resolved_at",
        ]


class FaultDetailSerializer(ApiModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    supplier = PartnerSummarySerializer(read_only=True)
    buyer_identifier = BuyerIdentifierSummarySerializer(read_only=True)
    parent = serializers.SlugRelatedField(
        slug_field="buyer_fault_reference", read_only=True, help_text=PARENT_HELP
    )
    children = serializers.SlugRelatedField(
        slug_field="buyer_fault_reference", many=True, read_only=True
    )
    closure_code_display = serializers.CharField(source="closure_code_label", read_only=True)
    owner = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text=OWNER_HELP
    )
    team = serializers.SlugRelatedField(slug_field="name", read_only=True, help_text=TEAM_HELP)
    sla = SlaSerializer(source="*", read_only=True)
    allowed_actions = serializers.SerializerMethodField()
    updates = FaultUpdateSerializer(many=True, read_only=True)
    comments = FaultCommentSerializer(many=True, read_only=True)
    attachments = FaultAttachmentSerializer(many=True, read_only=True)
    anomalies = serializers.SerializerMethodField()
    events = FaultEventSerializer(many=True, read_only=True)

    class Meta:
        model = Fault
        fields = [
            "buyer_fault_reference",
            "maintainer_fault_reference",
            "status",
            "status_display",
            "status_reason",
            "opened_by",
            "supplier",
            "buyer_identifier",
            "parent",
            "children",
            "owner",
            "team",
            *DETAIL_FIELDS,
            "closure_code",
            "closure_code_display",
            "late_repair_total_days",
            "late_repair_seller_days",
            "late_repair_non_seller_days",
            "late_repair_exclusions",
            "supplier_expected_resolution_at",
            *MILESTONE_FIELDS,
            "sla",
            "allowed_actions",
            "updates",
            "comments",
            "attachments",
            "anomalies",
            "events",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "supplier_expected_resolution_at": {
                "help_text": "When the supplier expects to have resolved the fault, as its latest "
                "message said; null when it has given no time."
            }
        }

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=list(ACTION_NAMES.values())))
    )
    def get_allowed_actions(self, fault: Fault) -> list[str]:
        """The status actions this user may take now (empty for a role that only reads)."""
        request = self.context.get("request")
        if request is None or not can_act_on_faults(request.user):
            return []
        return [ACTION_NAMES[name] for name in fault_allowed_transitions(fault=fault)]

    @extend_schema_field(FaultAnomalySerializer(many=True))
    def get_anomalies(self, fault: Fault) -> list[dict]:
        # Filtered from the prefetched timeline: no extra query.
        rows = [event for event in fault.events.all() if event.kind == EventKind.ANOMALY]
        return FaultAnomalySerializer(rows, many=True, context=self.context).data
