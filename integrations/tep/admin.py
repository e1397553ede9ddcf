"""The admin of a TEP partner's setup: the TEP PartnerIDs (ours and theirs), how we receive
(polling TEP or hosting the endpoints TEP posts to), and the conversation type profile, checked
(`integrations.tep.profiles.profile_errors`) before it is saved; and, read-only, what we sent
through TEP and the receipts that came back."""

import json

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from integrations.models import Partner
from integrations.tep.models import TepConnection, TepTransaction
from integrations.tep.package import PROTOCOL
from integrations.tep.profiles import profile_errors


class TepConnectionForm(forms.ModelForm):
    class Meta:
        model = TepConnection
        fields = (
            "partner",
            "our_partner_id",
            "their_partner_id",
            "conversation_role_id",
            "receive_mode",
            "profile",
        )

    def clean_profile(self) -> dict:
        profile = self.cleaned_data.get("profile") or {}
        if not isinstance(profile, dict):
            raise forms.ValidationError("The profile is a JSON object (name → setting).")
        if profile:
            errors = profile_errors(profile)
            if errors:
                raise forms.ValidationError(errors)
        return profile

    def clean(self) -> dict:
        cleaned = super().clean()
        partner: Partner | None = cleaned.get("partner")
        if partner is not None and partner.protocol != PROTOCOL:
            self.add_error("partner", f"{partner} does not use the TEP protocol.")
        ours, theirs = cleaned.get("our_partner_id"), cleaned.get("their_partner_id")
        if ours is not None and ours == theirs:
            self.add_error("their_partner_id", "The partner's PartnerID cannot be ours.")
        return cleaned


@admin.register(TepConnection)
class TepConnectionAdmin(admin.ModelAdmin):
    form = TepConnectionForm
    list_display = ("partner", "our_partner_id", "their_partner_id", "receive_mode", "profile_kind")
    list_select_related = ("partner",)
    search_fields = ("partner__name", "partner__slug", "our_partner_id", "their_partner_id")
    readonly_fields = ("last_ticket_poll_at", "last_receipt_poll_at")
    fieldsets = (
        (None, {"fields": ("partner",)}),
        (
            "TEP PartnerIDs",
            {
                "description": "TEP names every party by its PartnerID: ours is the Sender of "
                "every ticket we post, the partner's the Receiver of the tickets we raise.",
                "fields": ("our_partner_id", "their_partner_id", "conversation_role_id"),
            },
        ),
        (
            "Receiving",
            {
                "description": "Polling: we call GetTicket and GetReceipt, each at most once a "
                "minute. Hosted: TEP posts tickets and receipts to our endpoints "
                "(/integrations/tep/<partner>/TicketService.svc).",
                "fields": ("receive_mode", "last_ticket_poll_at", "last_receipt_poll_at"),
            },
        ),
        (
            "Conversation type",
            {
                "description": "How ticket Details map to our fault (name → field, value "
                "vocabularies). Leave empty for the default profile.",
                "fields": ("profile",),
            },
        ),
    )

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "partner":
            kwargs["queryset"] = Partner.objects.filter(protocol=PROTOCOL)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="profile")
    def profile_kind(self, connection: TepConnection) -> str:
        return "Own profile" if connection.profile else "Default profile"


@admin.register(TepTransaction)
class TepTransactionAdmin(admin.ModelAdmin):
    list_display = (
        "system_transaction_id",
        "kind",
        "message_type",
        "tracking_reference",
        "interaction_id",
        "fault_code",
        "last_receipt_status",
        "created_at",
    )
    list_filter = ("kind", "message_type")
    search_fields = ("system_transaction_id", "tracking_reference", "outbound__message_id")
    readonly_fields = [field.name for field in TepTransaction._meta.fields] + ["receipts_shown"]
    exclude = ("receipts",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="receipts")
    def receipts_shown(self, transaction: TepTransaction) -> str:
        return json.dumps(transaction.receipts, indent=2, ensure_ascii=False)

    @admin.display(description="last receipt")
    def last_receipt_status(self, transaction: TepTransaction) -> str:
        return transaction.last_receipt_status
