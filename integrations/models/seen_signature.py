from django.db import models


class SeenSignature(models.Model):
    """A partner's request signature already accepted (`integrations.auth.hmac_signature`):
    the same signature again before it expires is a replay. Kept in the database, not in a
    process's memory, so that every web worker refuses it; expired rows are deleted as new
    signatures arrive."""

    partner = models.ForeignKey("integrations.Partner", on_delete=models.CASCADE, related_name="+")
    signature = models.CharField(max_length=64)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "signature"], name="signature_seen_once")
        ]

    def __str__(self) -> str:
        return f"{self.signature[:12]}… until {self.expires_at:%Y-%m-%d %H:%M:%S}"
