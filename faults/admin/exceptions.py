"""The exception monitoring in the admin: rules switched on and off and tuned; exceptions read
(they are raised and solved by the sweep and by agents, never edited here)."""

from django.contrib import admin

from faults.exceptions.models import (
    CallToAction,
    EscalationThreshold,
    ExternalReference,
    TicketException,
    TicketExceptionRule,
)
from faults.exceptions.rules import registered_types


class CallToActionInline(admin.StackedInline):
    model = CallToAction
    can_delete = False
    extra = 0


@admin.register(TicketExceptionRule)
class TicketExceptionRuleAdmin(admin.ModelAdmin):
    list_display = ("type_id", "type_name", "name", "is_active", "threshold_hours")
    list_editable = ("is_active", "threshold_hours")
    list_filter = ("is_active",)
    search_fields = ("type_name", "name")
    readonly_fields = ("type_id", "type_name", "evaluated_in_code", "updated_at")
    fields = (
        "type_id",
        "type_name",
        "evaluated_in_code",
        "name",
        "description",
        "is_active",
        "threshold_hours",
        "updated_at",
    )
    inlines = [CallToActionInline]

    @admin.display(description="evaluated", boolean=True)
    def evaluated_in_code(self, rule: TicketExceptionRule) -> bool:
        """False: no evaluator is registered for the type (its app is not installed)."""
        return rule.type_name in registered_types()

    def has_add_permission(self, request) -> bool:
        return False  # a rule needs an evaluator in code; the shipped ones are all there is

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # switch it off instead: its exceptions keep pointing at it


class ExternalReferenceInline(admin.TabularInline):
    """The helpdesk tickets linked to the exception (linked and unlinked on the exceptions page,
    where the timeline records it; read here)."""

    model = ExternalReference
    extra = 0
    fields = readonly_fields = ("domain", "type", "identifier", "created_at", "created_by")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TicketException)
class TicketExceptionAdmin(admin.ModelAdmin):
    list_display = ("fault", "rule", "subject", "raised_at", "solved_at", "solved_automatically")
    list_filter = ("rule", "solved_automatically", ("solved_at", admin.EmptyFieldListFilter))
    search_fields = ("fault__buyer_fault_reference", "subject")
    list_select_related = ("fault", "rule")
    raw_id_fields = ("fault",)
    inlines = [ExternalReferenceInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(EscalationThreshold)
class EscalationThresholdAdmin(admin.ModelAdmin):
    list_display = ("__str__", "min_open_exceptions", "oldest_open_hours")

    def has_add_permission(self, request) -> bool:
        return not EscalationThreshold.objects.exists()  # one row

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
