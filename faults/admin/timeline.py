"""The timeline around a fault, read-only: the services write it, the admin shows it."""

from django.contrib import admin
from django.http import HttpRequest

from faults.models import FaultAttachment, FaultComment, FaultEvent, FaultUpdate, SlaPause

FAULT_REFERENCE_SEARCH = ("fault__buyer_fault_reference", "fault__maintainer_fault_reference")


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> tuple[str, ...]:
        return self.fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class FaultEventInline(ReadOnlyInline):
    model = FaultEvent
    fields = ("at", "kind", "actor_display", "from_status", "to_status", "message")
    readonly_fields = ("actor_display",)
    verbose_name_plural = "audit trail"


class FaultUpdateInline(ReadOnlyInline):
    model = FaultUpdate
    fields = ("updated_time", "updated_by", "description")


class FaultCommentInline(ReadOnlyInline):
    model = FaultComment
    fields = ("commented_time", "commented_by", "author", "text")


class FaultAttachmentInline(ReadOnlyInline):
    model = FaultAttachment
    fields = ("created_at", "filename", "file", "url", "size_bytes", "uploaded", "added_by")


class SlaPauseInline(ReadOnlyInline):
    model = SlaPause
    fields = ("started_at", "ended_at", "reason")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Timeline rows are written by the services; the admin shows them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(FaultEvent)
class FaultEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "fault", "kind", "actor_display", "from_status", "to_status", "message")
    list_filter = ("kind", "actor_kind", "to_status")
    search_fields = (*FAULT_REFERENCE_SEARCH, "actor_ref", "message")
    date_hierarchy = "at"
    list_select_related = ("fault", "actor_user")


@admin.register(FaultUpdate)
class FaultUpdateAdmin(ReadOnlyAdmin):
    list_display = ("updated_time", "fault", "updated_by", "description")
    list_filter = ("updated_by",)
    search_fields = (*FAULT_REFERENCE_SEARCH, "description")
    date_hierarchy = "created_at"
    list_select_related = ("fault",)


@admin.register(FaultComment)
class FaultCommentAdmin(ReadOnlyAdmin):
    list_display = ("commented_time", "fault", "commented_by", "author", "text")
    list_filter = ("commented_by",)
    search_fields = (*FAULT_REFERENCE_SEARCH, "text")
    date_hierarchy = "commented_time"
    list_select_related = ("fault", "author")


@admin.register(FaultAttachment)
class FaultAttachmentAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "fault", "filename", "size_bytes", "uploaded", "added_by")
    list_filter = ("uploaded",)
    search_fields = (*FAULT_REFERENCE_SEARCH, "filename")
    date_hierarchy = "created_at"
    list_select_related = ("fault", "added_by")


@admin.register(SlaPause)
class SlaPauseAdmin(ReadOnlyAdmin):
    list_display = ("fault", "started_at", "ended_at", "paused_for", "reason")
    list_filter = ("ended_at",)
    search_fields = (*FAULT_REFERENCE_SEARCH, "reason")
    date_hierarchy = "started_at"
    list_select_related = ("fault",)

    @admin.display(description="paused for")
    def paused_for(self, pause: SlaPause) -> str:
        if pause.ended_at is None:
            return "ongoing"
        return str(pause.ended_at - pause.started_at)
