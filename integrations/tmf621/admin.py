"""The admin of a TMF621 supplier's connection: how we get an access token (the client secret
write-only, like every partner secret), what its `held` means for our SLA, and the setup calls
an admin makes and reads the answer of at once: register our listener (`POST /hub`), stop its
events (`DELETE /hub/{id}`), back-fill tickets (`GET /troubleTicket`). A supplier that is down
or refuses is a message on the page, never an error page."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from faults.ui.widgets import DateTimeLocalInput
from integrations.auth.secrets import encrypt_secret
from integrations.choices import Environment
from integrations.models import Partner
from integrations.tmf621.backfill import tickets_backfill
from integrations.tmf621.calls import SupplierCallFailed
from integrations.tmf621.hub import hub_register, hub_stop, listener_callback
from integrations.tmf621.models import Tmf621Connection
from integrations.tmf621.package import PROTOCOL

# An admin waits for the back-fill: a long history is for `manage.py tmf621_backfill`.
ADMIN_BACKFILL_PAGES = 20


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _https_by_default(field: models.Field, **kwargs) -> forms.Field | None:
    """A URL typed without a scheme is https (Django 6's default; 5.2 warns and assumes http)."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class Tmf621ConnectionForm(forms.ModelForm):
    """The connection with a write-only client secret: what is typed is stored encrypted
    (`integrations.auth.secrets.encrypt_secret`, as the token request must present it) and
    never shown again, not even on the next page."""

    # The callback URL offered when none is set (our listener on the site the admin is using).
    suggested_callback = ""

    client_secret = forms.CharField(
        label="Set a new client secret",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="The secret the supplier issued with the client id, sent with HTTP Basic to "
        "its token endpoint. Stored encrypted and never shown again: leave empty to keep the "
        "current one.",
    )

    # One date-and-time input, as the browser's picker writes it (tests/ui/test_date_inputs.py),
    # rather than the admin's split date and time boxes.
    backfilled_until = forms.DateTimeField(
        label="Back-filled until",
        required=False,
        widget=DateTimeLocalInput(),
        help_text=Tmf621Connection._meta.get_field("backfilled_until").help_text,
    )

    class Meta:
        model = Tmf621Connection
        formfield_callback = _https_by_default
        fields = (
            "partner",
            "token_url",
            "client_id",
            "holds_pause_sla",
            "callback_url",
            "backfilled_until",
        )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.initial.get("callback_url") and self.suggested_callback:
            self.initial["callback_url"] = self.suggested_callback

    def clean(self) -> dict:
        cleaned = super().clean()
        partner: Partner | None = cleaned.get("partner")
        if partner is not None and partner.protocol != PROTOCOL:
            self.add_error("partner", f"{partner} does not use the TMF621 protocol.")
        local = partner is not None and partner.environment == Environment.SIMULATOR
        for name in ("token_url", "callback_url"):
            url = cleaned.get(name) or ""
            if url and not local and not url.lower().startswith("https://"):
                self.add_error(name, "Use HTTPS (plain HTTP only for a local simulator).")
        secret = cleaned.get("client_secret", "")
        if secret:
            self.instance.client_secret_encrypted = encrypt_secret(secret)
            self.instance.client_secret_changed_at = timezone.now()
        elif not self.instance.client_secret_encrypted:
            self.add_error("client_secret", "The token endpoint needs the client secret.")
        return cleaned


@admin.register(Tmf621Connection)
class Tmf621ConnectionAdmin(admin.ModelAdmin):
    form = Tmf621ConnectionForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # the admin's own form
    list_display = (
        "partner",
        "token_url",
        "client_id",
        "secret_status",
        "callback_url",
        "events",
        "backfilled_until",
    )
    list_select_related = ("partner",)
    search_fields = ("partner__name", "partner__slug", "client_id")
    readonly_fields = ("secret_status", "hub_id", "hub_registered_at")
    fieldsets = (
        (None, {"fields": ("partner",)}),
        (
            "Access token",
            {
                "description": "Every call to the supplier carries an access token from its "
                "token endpoint, fetched with HTTP Basic (client id and secret), kept until it "
                "expires and renewed once when the supplier answers 401.",
                "fields": ("token_url", "client_id", "client_secret", "secret_status"),
            },
        ),
        ("What its words mean", {"fields": ("holds_pause_sla",)}),
        (
            "Events to our listener",
            {
                "description": "The action “Register our listener (POST /hub)” gives the "
                "supplier this callback URL; “Stop events (DELETE /hub)” ends the subscription.",
                "fields": ("callback_url", "hub_id", "hub_registered_at"),
            },
        ),
        ("Back-fill", {"fields": ("backfilled_until",)}),
    )
    actions = ("register_listener", "stop_events", "backfill_tickets")

    def get_form(self, request: HttpRequest, obj: Tmf621Connection | None = None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:
            form.suggested_callback = listener_callback(_site_url(request), obj.partner)
        return form

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "partner":
            kwargs["queryset"] = Partner.objects.filter(protocol=PROTOCOL)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Tmf621Connection, form, change: bool) -> None:
        if not obj.callback_url:
            obj.callback_url = listener_callback(_site_url(request), obj.partner)
        super().save_model(request, obj, form, change)

    @admin.display(description="client secret")
    def secret_status(self, connection: Tmf621Connection) -> str:
        """Whether a secret is set and since when: never the secret."""
        if not connection.client_secret_encrypted:
            return "None set."
        when = connection.client_secret_changed_at
        return f"Set{when.strftime(' on %Y-%m-%d %H:%M') if when else ''}; not shown."

    @admin.display(description="events")
    def events(self, connection: Tmf621Connection) -> str:
        if not connection.hub_id:
            return "Not registered"
        when = connection.hub_registered_at
        since = when.strftime(" since %Y-%m-%d %H:%M") if when else ""
        return f"Subscription {connection.hub_id}{since}"

    def _each(self, request: HttpRequest, queryset: QuerySet, act) -> None:
        """Run `act(connection) -> (level, text)` on each selected connection; a supplier's
        failure is that connection's error message."""
        for connection in queryset.select_related("partner"):
            try:
                level, text = act(connection)
            except SupplierCallFailed as exc:
                level, text = messages.ERROR, str(exc)
            self.message_user(request, text, level)

    @admin.action(description="Register our listener (POST /hub)", permissions=["change"])
    def register_listener(self, request: HttpRequest, queryset: QuerySet) -> None:
        def register(connection: Tmf621Connection) -> tuple[int, str]:
            if not connection.callback_url:
                connection.callback_url = listener_callback(_site_url(request), connection.partner)
                connection.save(update_fields=["callback_url"])
            subscription = hub_register(connection=connection)
            return messages.SUCCESS, (
                f"{connection.partner} now sends its events to {connection.callback_url} "
                f"(subscription {subscription})."
            )

        self._each(request, queryset, register)

    @admin.action(description="Stop events (DELETE /hub)", permissions=["change"])
    def stop_events(self, request: HttpRequest, queryset: QuerySet) -> None:
        def stop(connection: Tmf621Connection) -> tuple[int, str]:
            subscription = connection.hub_id
            if hub_stop(connection=connection):
                return messages.SUCCESS, (
                    f"{connection.partner} no longer sends its events (subscription "
                    f"{subscription} deleted)."
                )
            return messages.WARNING, (
                f"{connection.partner} no longer knew subscription {subscription}: forgotten "
                "here too."
            )

        self._each(request, queryset, stop)

    @admin.action(description="Back-fill tickets (GET /troubleTicket)", permissions=["change"])
    def backfill_tickets(self, request: HttpRequest, queryset: QuerySet) -> None:
        def backfill(connection: Tmf621Connection) -> tuple[int, str]:
            result = tickets_backfill(connection=connection, max_pages=ADMIN_BACKFILL_PAGES)
            level = messages.SUCCESS if result.complete else messages.WARNING
            return level, f"{connection.partner}: {result.summary()}"

        self._each(request, queryset, backfill)
