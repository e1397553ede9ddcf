"""The fault admin. A fault changes only through the services, so its audit trail stays
complete: the form edits the fields an amend may change (saved with `fault_amend`), and the agent
transitions are actions and buttons offered only where the state machine allows them."""

from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse

from faults.admin.timeline import (
    FaultAttachmentInline,
    FaultCommentInline,
    FaultEventInline,
    FaultUpdateInline,
    SlaPauseInline,
)
from faults.admin.transitions import AGENT_ACTIONS, bulk_action, run_agent_action
from faults.choices import AMENDABLE_STATUSES, FaultStatus
from faults.errors import FaultError
from faults.models import Fault
from faults.roles import ACT_ON_FAULT
from faults.services import Actor, fault_allowed_transitions, fault_amend
from faults.services.raising import AMENDABLE_FIELDS, DRAFT_ONLY_FIELDS


def _duration(seconds: int | None) -> str:
    return "" if seconds is None else str(timedelta(seconds=seconds))


FAULT_FIELDSETS = (
    (
        None,
        {
            "fields": (
                ("buyer_fault_reference", "maintainer_fault_reference"),
                ("supplier", "buyer_identifier"),
                "parent",
                # Read-only here: an assignment is made on the fault page or the API, through
                # faults.services.ownership, which checks it and puts it on the timeline.
                ("owner", "team"),
                ("fault_type", "priority", "opened_by"),
                ("service_id", "address_key", "product_name"),
                "description",
                "fault_start_time",
                "fault_location",
            )
        },
    ),
    (
        "Status",
        {
            "fields": (
                ("status", "supplier_status_sent_at"),
                "status_reason",
                "closure_code",
                "auto_close_due_at",
                "allowed_actions",
            )
        },
    ),
    (
        "SLA",
        {
            "fields": (
                ("sla_policy", "sla_state"),
                ("sla_elapsed", "sla_paused", "sla_due_at"),
                "sla_computed_at",
            )
        },
    ),
    (
        "Site access and contacts",
        {
            "fields": (
                "site_access_details",
                ("site_access_contact_name", "site_access_contact_phone"),
                "site_access_contact_email",
                ("reporter_name", "reporter_phone", "reporter_email"),
                ("end_user_name", "end_user_phone", "end_user_email"),
            )
        },
    ),
    ("Triage", {"fields": ("triage_complete", "triage_findings")}),
    (
        "Late repair (from the supplier)",
        {
            "classes": ("collapse",),
            "fields": (
                ("late_repair_total_days", "late_repair_seller_days"),
                "late_repair_non_seller_days",
                "late_repair_exclusions",
            ),
        },
    ),
    (
        "Milestones",
        {
            "classes": ("collapse",),
            "fields": (
                ("created_by", "created_at", "updated_at"),
                ("submitted_at", "accepted_at", "rejected_at"),
                ("resolved_at", "closed_at", "cancelled_at"),
                "last_supplier_message_at",
            ),
        },
    ),
)
FAULT_DISPLAY_ONLY = ("allowed_actions", "sla_elapsed", "sla_paused")


def _editable_fields(fault: Fault | None) -> frozenset[str]:
    if fault is None:
        return frozenset()
    if fault.status == FaultStatus.DRAFT:
        return AMENDABLE_FIELDS | DRAFT_ONLY_FIELDS
    if fault.status in AMENDABLE_STATUSES:
        return AMENDABLE_FIELDS
    return frozenset()


@admin.register(Fault)
class FaultAdmin(admin.ModelAdmin):
    list_display = (
        "buyer_fault_reference",
        "maintainer_fault_reference",
        "supplier",
        "status",
        "priority",
        "fault_type",
        "sla_state",
        "sla_due_at",
        "owner",
        "team",
        "created_at",
    )
    list_filter = (
        "status",
        "supplier",
        "priority",
        "sla_state",
        "fault_type",
        "opened_by",
        "team",
    )
    search_fields = (
        "buyer_fault_reference",
        "maintainer_fault_reference",
        "service_id",
        "fault_location",
        "description",
    )
    date_hierarchy = "created_at"
    list_select_related = ("supplier", "owner", "team")
    list_per_page = 50
    fieldsets = FAULT_FIELDSETS
    inlines = (
        FaultUpdateInline,
        FaultCommentInline,
        FaultAttachmentInline,
        SlaPauseInline,
        FaultEventInline,
    )
    actions = [bulk_action(name) for name in AGENT_ACTIONS]
    change_form_template = "admin/faults/fault/change_form.html"

    def get_readonly_fields(self, request: HttpRequest, obj: Fault | None = None) -> list[str]:
        editable = _editable_fields(obj)
        model_fields = [f.name for f in Fault._meta.concrete_fields if f.name != "id"]
        return [*FAULT_DISPLAY_ONLY, *(name for name in model_fields if name not in editable)]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A fault is raised through the API or the UI: the service gives it its reference.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Fault | None = None) -> bool:
        # Deleting would take the audit trail with it; cancel instead.
        return False

    def has_act_on_fault_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ACT_ON_FAULT)

    def save_model(self, request: HttpRequest, obj: Fault, form, change: bool) -> None:
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if not changes:
            return
        try:
            fault_amend(fault_id=obj.pk, actor=Actor.for_user(request.user), changes=changes)
        except FaultError as exc:
            self.message_user(request, f"Not saved: {exc.message}", messages.ERROR)

    @admin.display(description="agent actions allowed now")
    def allowed_actions(self, fault: Fault) -> str:
        names = fault_allowed_transitions(fault=fault, among=tuple(AGENT_ACTIONS))
        return ", ".join(AGENT_ACTIONS[name][0] for name in names) or "none"

    @admin.display(description="SLA elapsed")
    def sla_elapsed(self, fault: Fault) -> str:
        return _duration(fault.sla_elapsed_seconds)

    @admin.display(description="SLA paused")
    def sla_paused(self, fault: Fault) -> str:
        return _duration(fault.sla_paused_seconds)

    # --- one transition from the change form -----------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        transition = path(
            "<path:object_id>/transition/<str:name>/",
            self.admin_site.admin_view(self.transition_view),
            name="faults_fault_transition",
        )
        return [transition, *super().get_urls()]

    def transition_view(self, request: HttpRequest, object_id: str, name: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if name not in AGENT_ACTIONS or not self.has_act_on_fault_permission(request):
            raise PermissionDenied
        fault = self.get_object(request, unquote(object_id))
        if fault is None:
            raise Http404(f"No fault with id {object_id}.")
        refused = run_agent_action(request, fault, name)
        label = AGENT_ACTIONS[name][0]
        if refused:
            self.message_user(request, f"{label}: not allowed for {refused}.", messages.ERROR)
        else:
            self.message_user(request, f"{label}: applied to {fault}.", messages.SUCCESS)
        return redirect(reverse("admin:faults_fault_change", args=[fault.pk]))

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        fault = self.get_object(request, unquote(object_id))
        offered = []
        if fault is not None and self.has_act_on_fault_permission(request):
            names = fault_allowed_transitions(fault=fault, among=tuple(AGENT_ACTIONS))
            offered = [
                (
                    AGENT_ACTIONS[name][0],
                    reverse("admin:faults_fault_transition", args=[fault.pk, name]),
                )
                for name in names
            ]
        context = {**(extra_context or {}), "fault_transitions": offered}
        return super().change_view(request, object_id, form_url, extra_context=context)
