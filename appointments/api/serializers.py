"""What the appointment API answers."""

from rest_framework import serializers

from appointments.models import Appointment, AppointmentEvent
from faults.api.serializers import ApiModelSerializer


class SlotSerializer(serializers.Serializer):
    date = serializers.DateField()
    start_time = serializers.CharField(help_text="HH:MM")
    end_time = serializers.CharField(help_text="HH:MM")
    available = serializers.BooleanField()


class AppointmentEventSerializer(ApiModelSerializer):
    kind = serializers.CharField(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    actor_kind = serializers.CharField(read_only=True)

    class Meta:
        model = AppointmentEvent
        fields = ["kind", "kind_display", "at", "actor_kind", "actor_ref", "message"]
        read_only_fields = fields


class MissedFlagsSerializer(ApiModelSerializer):
    cancelled = serializers.BooleanField(source="missed_cancelled", read_only=True)

    class Meta:
        model = Appointment
        fields = [
            "seller_missed",
            "amended",
            "cancelled",
            "end_user_missed",
            "end_user_pre_agreed",
            "mborc",
        ]
        read_only_fields = fields


class AppointmentSerializer(ApiModelSerializer):
    partner = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    fault = serializers.SlugRelatedField(slug_field="buyer_fault_reference", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    closure_code = serializers.CharField(
        read_only=True, help_text="The supplier's code, as sent (FR, FNR, HAZ, …)."
    )
    missed_flags = MissedFlagsSerializer(source="*", read_only=True)
    history = AppointmentEventSerializer(many=True, read_only=True)

    class Meta:
        model = Appointment
        fields = [
            "id",
            "partner",
            "fault",
            "reservation_key",
            "appointment_date",
            "start_time",
            "end_time",
            "valid_until",
            "appointment_type",
            "product_name",
            "address_key",
            "is_reappointment",
            "state",
            "state_display",
            "confirmation_status",
            "cancelled",
            "closure_code",
            "closure_label",
            "missed",
            "missed_side",
            "missed_flags",
            "missed_at",
            "completed_at",
            "created_at",
            "updated_at",
            "history",
        ]
        read_only_fields = fields


class MissedSummarySerializer(serializers.Serializer):
    seller = serializers.IntegerField()
    end_user = serializers.IntegerField()
    mborc = serializers.IntegerField()
    unattributed = serializers.IntegerField()
    total = serializers.IntegerField()
