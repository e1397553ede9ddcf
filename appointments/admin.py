"""The admin over appointments, read-only: the services write them, the admin shows them."""

from django.contrib import admin
from django.http import HttpRequest

from appointments.models import Appointment, AppointmentEvent


class AppointmentEventInline(admin.TabularInline):
    model = AppointmentEvent
    fields = ("at", "kind", "actor_kind", "actor_ref", "message")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "history"

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = (
        "reservation_key",
        "fault",
        "partner",
        "appointment_date",
        "slot",
        "state",
        "confirmation_status",
        "closure_code",
        "missed_side",
    )
    list_filter = ("state", "partner", "closure_code", "missed", "missed_side", "appointment_date")
    search_fields = ("reservation_key", "fault__buyer_fault_reference", "address_key")
    date_hierarchy = "appointment_date"
    list_select_related = ("fault", "partner")
    inlines = [AppointmentEventInline]
    fieldsets = (
        (
            None,
            {"fields": ("partner", "fault", "reservation_key", "state", "valid_until")},
        ),
        (
            "Slot",
            {
                "fields": (
                    "appointment_date",
                    "start_time",
                    "end_time",
                    "appointment_type",
                    "product_name",
                    "address_key",
                    "is_reappointment",
                )
            },
        ),
        (
            "Supplier outcome",
            {
                "fields": (
                    "confirmation_status",
                    "cancelled",
                    "closure_code",
                    "closure_label",
                    "completed_at",
                )
            },
        ),
        (
            "Missed",
            {
                "fields": (
                    "missed",
                    "missed_side",
                    "missed_at",
                    "seller_missed",
                    "amended",
                    "missed_cancelled",
                    "end_user_missed",
                    "end_user_pre_agreed",
                    "mborc",
                )
            },
        ),
        ("Recorded", {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description="slot")
    def slot(self, appointment: Appointment) -> str:
        if not appointment.start_time:
            return ""
        return f"{appointment.start_time}-{appointment.end_time}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
