"""What a TMF621 supplier needs beyond the spine's `Partner`: how we get an access token (seed 002:
"Every API method requires an access token", obtained with HTTP Basic credentials from the
supplier's token endpoint), whether its `held` pauses our SLA, and our listener registration
(`POST /hub`)."""

from django.db import models

from integrations.models import Partner


class Tmf621Connection(models.Model):
    partner = models.OneToOneField(Partner, on_delete=models.CASCADE, related_name="tmf621")
    # --- how we get an access token (outbound) ---------------------------------------------
    token_url = models.URLField(
        max_length=500,
        help_text="The supplier's token endpoint; we POST to it with HTTP Basic credentials.",
    )
    client_id = models.CharField("client id", max_length=200)
    # Never shown: encrypted with PARTNER_SECRET_KEYS like every partner secret
    # (`integrations.auth.secrets`); set through the admin's "client secret" field.
    client_secret_encrypted = models.TextField(blank=True, editable=False)
    client_secret_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # --- what the supplier's words mean for us -------------------------------------------------
    holds_pause_sla = models.BooleanField(
        "its holds pause the SLA",
        default=False,
        help_text="TMF 'held' means the supplier is stuck on its own side: by default the fault "
        "stays in progress and the SLA keeps running. Tick when the contract says its holds "
        "pause the SLA (the fault goes on hold).",
    )
    # --- our listener, registered with POST /hub ---------------------------------------------
    callback_url = models.URLField(
        max_length=500,
        blank=True,
        help_text="Where the supplier sends its events: our listener, "
        "https://<our host>/integrations/tmf621/<partner>/ (it appends listener/<eventType>).",
    )
    hub_id = models.CharField("subscription id", max_length=200, blank=True, editable=False)
    hub_registered_at = models.DateTimeField(null=True, blank=True, editable=False)
    # --- back-fill (GET /troubleTicket) ------------------------------------------------------
    backfilled_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Tickets updated up to this time have been read back from the supplier.",
    )

    class Meta:
        verbose_name = "TMF621 connection"

    def __str__(self) -> str:
        return f"TMF621 connection to {self.partner}"
