from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from faults.choices import NON_TERMINAL_STATUSES, FaultStatus
from integrations.models import BuyerIdentifier, Partner


class OneDefaultFormSet(BaseInlineFormSet):
    """Two rows ticked as default in one save would pass each form's own checks and then break
    the database constraint; refuse them here with a message instead."""

    def clean(self) -> None:
        super().clean()
        defaults = [
            form.cleaned_data.get("code")
            for form in self.forms
            if form.cleaned_data.get("is_default") and not form.cleaned_data.get("DELETE")
        ]
        if len(defaults) > 1:
            raise ValidationError(
                f"Only one buyer identifier can be the default; ticked: {', '.join(defaults)}."
            )


class BuyerIdentifierInline(admin.TabularInline):
    model = BuyerIdentifier
    formset = OneDefaultFormSet
    fields = ("code", "description", "is_default", "is_active")
    extra = 0


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "slug",
        "protocol",
        "environment",
        "base_url",
        "is_active",
        "open_faults",
        "updated_at",
    )
    list_filter = ("protocol", "environment", "is_active")
    search_fields = ("name", "slug", "base_url", "buyer_identifiers__code")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "slug", "is_active")}),
        ("Connection", {"fields": ("protocol", "environment", "base_url")}),
        ("History", {"fields": ("created_at", "updated_at")}),
    )
    inlines = (BuyerIdentifierInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Partner]:
        raised_and_unfinished = Q(faults__status__in=NON_TERMINAL_STATUSES) & ~Q(
            faults__status=FaultStatus.DRAFT
        )
        return (
            super()
            .get_queryset(request)
            .annotate(_open_faults=Count("faults", filter=raised_and_unfinished))
        )

    @admin.display(description="open faults", ordering="_open_faults")
    def open_faults(self, partner: Partner) -> int:
        return partner._open_faults


@admin.register(BuyerIdentifier)
class BuyerIdentifierAdmin(admin.ModelAdmin):
    list_display = ("code", "partner", "description", "is_default", "is_active")
    list_filter = ("partner", "is_default", "is_active")
    search_fields = ("code", "description", "partner__name", "partner__slug")
    list_select_related = ("partner",)
    autocomplete_fields = ("partner",)
