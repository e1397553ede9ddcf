"""The admin over the integration spine: partners and how we talk to them, and the outbox and
inbox rows, read-only, with the few actions an admin needs (retry, resume, apply again)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from faults.choices import OPEN_STATUSES
from faults.models import Fault
from integrations.auth.secrets import MIN_SECRET_LENGTH, encrypt_secret, hash_secret
from integrations.certificates import partner_certificates_check
from integrations.choices import InboundAuth
from integrations.http import request_url
from integrations.inbox import inbox_retry
from integrations.models import (
    BuyerIdentifier,
    InboundMessage,
    OutboundMessage,
    Partner,
    PartnerCertificate,
)
from integrations.outbox import outbox_retry, partner_credentials_restored
from integrations.packages import package_for
from integrations.xml import XmlRejected, parse_xml


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


class PartnerCertificateInline(admin.TabularInline):
    """The partner's certificates as the sweep last read them (`integrations.certificates`):
    read only; they change with the files and the pins above, on save."""

    model = PartnerCertificate
    fields = ("kind", "subject", "not_after", "source", "error", "warned_30_at", "warned_7_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "Certificates (read again from the files and pins on save)"

    def has_add_permission(self, request: HttpRequest, obj: Partner | None = None) -> bool:
        return False


class PartnerForm(forms.ModelForm):
    """The partner, with a write-only secret: what is typed in "Set a new secret" is stored
    hashed (Basic password, bearer token) or encrypted (HMAC key) for the chosen strategy and
    never shown again, not even on the next page (`integrations.auth.secrets`).

    The protocol offers the enabled packages; a partner whose package is no longer enabled
    still shows its protocol (so it can be saved as inactive; `Partner.clean` refuses it as
    active, saying why)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("protocol")
        stored = self.instance.protocol
        if field is not None and stored and package_for(stored) is None:
            field.choices = [*field.choices, (stored, f"{stored} (no enabled package)")]

    new_secret = forms.CharField(
        label="Set a new secret",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=f"The Basic password, the bearer token or the HMAC signing key, at least "
        f"{MIN_SECRET_LENGTH} random characters. Stored hashed or encrypted and never shown "
        "again: leave empty to keep the current one.",
    )

    class Meta:
        model = Partner
        # The admin passes the fields of its fieldsets; these are the ones this form reads.
        fields = ("inbound_auth", "inbound_username")

    def clean(self) -> dict:
        cleaned = super().clean()
        method = cleaned.get("inbound_auth")
        secret = cleaned.get("new_secret", "")
        if ":" in cleaned.get("inbound_username", ""):
            self.add_error("inbound_username", "An HTTP Basic user name cannot hold a colon.")
        if not secret:
            return cleaned
        if method == InboundAuth.CLIENT_CERTIFICATE:
            self.add_error("new_secret", "A client certificate needs no secret: pin it instead.")
        elif len(secret) < MIN_SECRET_LENGTH:
            self.add_error("new_secret", f"At least {MIN_SECRET_LENGTH} characters.")
        elif method in (InboundAuth.BASIC, InboundAuth.BEARER):
            # Set here, before the model's own checks, which look for a secret of this strategy.
            self.instance.inbound_secret_hash = hash_secret(secret, strategy=method)
            self.instance.inbound_signing_key = ""
            self.instance.inbound_secret_changed_at = timezone.now()
        elif method == InboundAuth.HMAC:
            self.instance.inbound_signing_key = encrypt_secret(secret)
            self.instance.inbound_secret_hash = ""
            self.instance.inbound_secret_changed_at = timezone.now()
        return cleaned


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    form = PartnerForm
    # A base URL typed without a scheme is https (Django 6's default; 5.2 warns and assumes http).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = (
        "name",
        "slug",
        "protocol",
        "environment",
        "base_url",
        "is_active",
        "credentials_broken",
        "open_faults",
        "updated_at",
    )
    list_filter = (
        "protocol",
        "inbound_auth",
        "environment",
        "is_active",
        ("credentials_broken_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("name", "slug", "base_url", "buyer_identifiers__code")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = (
        "secret_status",
        "credentials_broken_at",
        "credentials_broken_reason",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("name", "slug", "is_active")}),
        ("Connection", {"fields": ("protocol", "environment", "base_url")}),
        (
            "Who may call us",
            {
                "description": "Checked on every inbound call: the source address, then the "
                "chosen authentication. A client certificate is verified by the proxy's "
                "mutual-TLS site and pinned here; the other strategies need a secret.",
                "fields": (
                    "allowed_networks",
                    "inbound_auth",
                    "client_cert_fingerprints",
                    "inbound_username",
                    "new_secret",
                    "secret_status",
                ),
            },
        ),
        (
            "How we call them",
            {
                "fields": (
                    "client_cert_path",
                    "client_key_path",
                    "ca_bundle_path",
                    ("connect_timeout", "read_timeout"),
                    "max_attempts",
                    ("retry_base_seconds", "retry_max_seconds"),
                )
            },
        ),
        ("What they send us", {"fields": ("max_inbound_bytes", "reconcile_after")}),
        (
            "Credentials",
            {
                "description": "Set when the partner refused our credentials (HTTP 401); "
                "nothing is sent until the action “Credentials fixed: resume sending”.",
                "fields": ("credentials_broken_at", "credentials_broken_reason"),
            },
        ),
        ("History", {"fields": ("created_at", "updated_at")}),
    )
    inlines = (BuyerIdentifierInline, PartnerCertificateInline)
    actions = ("resume_sending",)

    def save_model(self, request: HttpRequest, obj: Partner, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # The certificate files or pins may have changed: their expiry is read again at once.
        partner_id = obj.pk
        transaction.on_commit(lambda: partner_certificates_check(partner_id=partner_id))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Partner]:
        raised_and_unfinished = Q(faults__status__in=OPEN_STATUSES)
        return (
            super()
            .get_queryset(request)
            .annotate(_open_faults=Count("faults", filter=raised_and_unfinished))
        )

    @admin.display(description="secret")
    def secret_status(self, partner: Partner) -> str:
        """Whether a secret is set and since when: never the secret, nor its hash."""
        if not (partner.inbound_secret_hash or partner.inbound_signing_key):
            return "None set."
        when = partner.inbound_secret_changed_at
        return f"Set{when.strftime(' on %Y-%m-%d %H:%M') if when else ''}; not shown."

    @admin.display(description="open faults", ordering="_open_faults")
    def open_faults(self, partner: Partner) -> int:
        return partner._open_faults

    @admin.display(description="credentials broken", ordering="credentials_broken_at")
    def credentials_broken(self, partner: Partner) -> str:
        if partner.credentials_broken_at is None:
            return ""
        return format_html(
            '<strong class="partner-flagged">since {}</strong><br>{}',
            partner.credentials_broken_at.strftime("%Y-%m-%d %H:%M"),
            partner.credentials_broken_reason,
        )

    @admin.action(description="Credentials fixed: resume sending", permissions=["change"])
    def resume_sending(self, request: HttpRequest, queryset: QuerySet[Partner]) -> None:
        broken = list(queryset.filter(credentials_broken_at__isnull=False))
        for partner in broken:
            partner_credentials_restored(partner_id=partner.pk)
        if broken:
            names = ", ".join(partner.name for partner in broken)
            self.message_user(request, f"Sending resumed for {names}.", messages.SUCCESS)
        else:
            self.message_user(
                request, "None of the selected partners had broken credentials.", messages.INFO
            )


@admin.register(BuyerIdentifier)
class BuyerIdentifierAdmin(admin.ModelAdmin):
    list_display = ("code", "partner", "description", "is_default", "is_active")
    list_filter = ("partner", "is_default", "is_active")
    search_fields = ("code", "description", "partner__name", "partner__slug")
    list_select_related = ("partner",)
    autocomplete_fields = ("partner",)


# --- the outbox and the inbox: read-only rows, a few actions ----------------------------------
def _fault_link(fault: Fault | None) -> str:
    if fault is None:
        return ""
    url = reverse("admin:faults_fault_change", args=[fault.pk])
    return format_html('<a href="{}">{}</a>', url, fault.buyer_fault_reference)


def _pre(text: str) -> str:
    return format_html('<pre class="message-body">{}</pre>', text)


class MessageRowAdmin(admin.ModelAdmin):
    """Rows are written by the spine; the admin shows them and acts through its services."""

    list_select_related = ("partner", "fault")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_act_permission(self, request: HttpRequest) -> bool:
        """The actions change rows: they need the model's change permission, which this
        admin otherwise never uses (the rows themselves are not edited here)."""
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.display(description="fault", ordering="fault__buyer_fault_reference")
    def fault_link(self, message: OutboundMessage | InboundMessage) -> str:
        return _fault_link(message.fault)


@admin.register(OutboundMessage)
class OutboundMessageAdmin(MessageRowAdmin):
    list_display = (
        "id",
        "created_at",
        "partner",
        "fault_link",
        "message_type",
        "status",
        "attempts",
        "next_attempt_at",
        "response_code",
        "short_last_error",
    )
    list_filter = ("status", "partner", "message_type", "created_at")
    search_fields = ("message_id", "fault__buyer_fault_reference")
    date_hierarchy = "created_at"
    actions = ("retry",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "partner",
                    "fault_link",
                    "operation",
                    "message_type",
                    "message_id",
                    "status",
                )
            },
        ),
        (
            "Delivery",
            {
                "fields": (
                    "attempts",
                    "next_attempt_at",
                    "lease_expires_at",
                    "delivered_at",
                    "last_error",
                    "response_code",
                    "response_shown",
                )
            },
        ),
        ("What was sent", {"fields": ("payload", "request_shown", "body_shown")}),
        ("History", {"fields": ("created_at", "updated_at")}),
    )
    readonly_fields = (
        "partner",
        "fault_link",
        "operation",
        "message_type",
        "message_id",
        "status",
        "attempts",
        "next_attempt_at",
        "lease_expires_at",
        "delivered_at",
        "last_error",
        "response_code",
        "response_shown",
        "payload",
        "request_shown",
        "body_shown",
        "created_at",
        "updated_at",
    )

    @admin.display(description="last error")
    def short_last_error(self, message: OutboundMessage) -> str:
        return Truncator(message.last_error).chars(80)

    @admin.display(description="request")
    def request_shown(self, message: OutboundMessage) -> str:
        """The call every attempt makes: method, URL and headers as stored."""
        request = message.request
        lines = [f"{request.method} {request_url(message.partner, request)}"]
        if request.content_type:
            lines.append(f"Content-Type: {request.content_type}")
        lines += [f"{name}: {value}" for name, value in request.headers.items()]
        return _pre("\n".join(lines))

    @admin.display(description="body")
    def body_shown(self, message: OutboundMessage) -> str:
        return _pre(message.body)

    @admin.display(description="response body")
    def response_shown(self, message: OutboundMessage) -> str:
        return _pre(message.response_body) if message.response_body else ""

    @admin.action(description="Retry", permissions=["act"])
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboundMessage]) -> None:
        selected = list(queryset.values_list("id", flat=True))
        retried = outbox_retry(outbound_ids=selected)
        skipped = len(selected) - retried
        text = f"{retried} message(s) queued again with a fresh set of attempts."
        if skipped:
            text += (
                f" {skipped} not dead or refused, or a refused raise (its fault is rejected),"
                " left as they were."
            )
        self.message_user(request, text, messages.SUCCESS if retried else messages.WARNING)


class HasDeviationsFilter(admin.SimpleListFilter):
    title = "deviations from the XSD"
    parameter_name = "deviations"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("yes", "Has deviations"), ("no", "None")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.exclude(deviations=[])
        if self.value() == "no":
            return queryset.filter(deviations=[])
        return queryset


def _decoded(body: bytes) -> str:
    """The stored body as text, in the encoding it declares (what was received, verbatim)."""
    raw = bytes(body)
    try:
        encoding = parse_xml(raw).getroottree().docinfo.encoding or "utf-8"
        return raw.decode(encoding)
    except (XmlRejected, LookupError, UnicodeDecodeError):
        return raw.decode("utf-8", "replace")


@admin.register(InboundMessage)
class InboundMessageAdmin(MessageRowAdmin):
    list_display = (
        "received_at",
        "partner",
        "fault_link",
        "message_type",
        "message_id",
        "status",
        "duplicates_received",
        "deviation_count",
    )
    list_filter = ("status", "partner", HasDeviationsFilter, "message_type")
    search_fields = ("message_id", "fault__buyer_fault_reference", "body_sha256")
    date_hierarchy = "received_at"
    actions = ("apply_again",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "partner",
                    "fault_link",
                    "message_type",
                    "message_id",
                    "sent_at",
                    "status",
                )
            },
        ),
        (
            "Received",
            {
                "fields": (
                    "received_at",
                    "remote_addr",
                    "client_cert_fingerprint",
                    "duplicates_received",
                    "body_sha256",
                )
            },
        ),
        ("Applied", {"fields": ("attempts", "applied_at", "last_error")}),
        ("Deviations from the XSD", {"fields": ("deviations_shown",)}),
        ("What was received", {"fields": ("body_shown",)}),
    )
    readonly_fields = (
        "partner",
        "fault_link",
        "message_type",
        "message_id",
        "sent_at",
        "status",
        "received_at",
        "remote_addr",
        "client_cert_fingerprint",
        "duplicates_received",
        "body_sha256",
        "attempts",
        "applied_at",
        "last_error",
        "deviations_shown",
        "body_shown",
    )

    @admin.display(description="deviations")
    def deviation_count(self, message: InboundMessage) -> int:
        return len(message.deviations or [])

    @admin.display(description="deviations")
    def deviations_shown(self, message: InboundMessage) -> str:
        if not message.deviations:
            return "None: the message is valid against the XSD."
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li>{}</li>", ((line,) for line in message.deviations)),
        )

    @admin.display(description="body")
    def body_shown(self, message: InboundMessage) -> str:
        return _pre(_decoded(message.body))

    @admin.action(description="Apply again", permissions=["act"])
    def apply_again(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        selected = list(queryset.values_list("id", flat=True))
        queued = inbox_retry(inbound_ids=selected)
        skipped = len(selected) - queued
        text = f"{queued} failed message(s) queued to be applied again."
        if skipped:
            text += f" {skipped} had not failed, left as they were."
        self.message_user(request, text, messages.SUCCESS if queued else messages.WARNING)
