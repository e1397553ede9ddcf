from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q

from integrations.choices import Environment, Protocol


class Partner(models.Model):
    """A wholesale supplier we raise faults with, and how we talk to it."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=50, unique=True)
    protocol = models.CharField(max_length=20, choices=Protocol.choices)
    base_url = models.URLField(max_length=500, help_text="Where we send the partner's calls.")
    environment = models.CharField(
        max_length=20, choices=Environment.choices, default=Environment.PRODUCTION
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def default_buyer_identifier(self) -> "BuyerIdentifier | None":
        return self.buyer_identifiers.filter(is_default=True, is_active=True).first()


class BuyerIdentifier(models.Model):
    """The code a supplier knows us by: `buyerIdentifier` in its messages, at most 36 characters."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="buyer_identifiers")
    code = models.CharField(max_length=36, validators=[MaxLengthValidator(36)])
    description = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_default = models.BooleanField(
        default=False, help_text="Used for new faults with this partner; one per partner."
    )

    class Meta:
        ordering = ["partner__name", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "code"], name="buyer_identifier_unique_code"
            ),
            models.UniqueConstraint(
                fields=["partner"],
                condition=Q(is_default=True),
                name="buyer_identifier_one_default_per_partner",
                violation_error_message="This partner already has a default buyer identifier.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.partner.slug})"
