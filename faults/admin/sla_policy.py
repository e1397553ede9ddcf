from django.contrib import admin

from faults.models import SlaPolicy


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "partner",
        "fault_type_or_any",
        "priority",
        "target",
        "calendar",
        "business_day_start",
        "business_day_end",
        "at_risk_percent",
        "is_active",
    )
    list_filter = ("partner", "calendar", "is_active", "priority")
    search_fields = ("fault_type", "partner__name", "partner__slug")
    list_select_related = ("partner",)
    autocomplete_fields = ("partner",)

    @admin.display(description="fault type", ordering="fault_type")
    def fault_type_or_any(self, policy: SlaPolicy) -> str:
        return policy.fault_type or "(any)"
