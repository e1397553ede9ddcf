import ipaddress
from datetime import timedelta
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from integrations.choices import Environment, InboundAuth
from integrations.packages import non_supplying_protocols, package_for, protocol_choices


class PartnerQuerySet(models.QuerySet):
    def suppliers(self) -> "PartnerQuerySet":
        """The partners we may raise faults with: every partner but those of an enabled package
        whose partners are never suppliers (`ProtocolPackage.supplies=False`, e.g. the
        subscribers of our TMF621 hub, which only hear about our faults). What the fault pages,
        the fault API and the appointment pages offer as suppliers (`faults.suppliers`).

        The enabled packages are read when this is called: a form or serializer that builds its
        queryset at import reads them at start, as the URLs are."""
        return self.exclude(protocol__in=non_supplying_protocols())


class Partner(models.Model):
    """A partner we exchange messages with: a wholesale supplier we raise faults with (most),
    or a partner that only hears about our faults (a subscriber of our TMF621 hub: its
    package's `supplies` is False, and `Partner.objects.suppliers()` leaves it out)."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=50, unique=True)
    # One choice per enabled protocol package (INTEGRATION_PACKAGES); a partner whose package is
    # no longer enabled keeps its value but cannot be active (`clean`).
    protocol = models.CharField(max_length=20, choices=protocol_choices)
    base_url = models.URLField(max_length=500, help_text="Where we send the partner's calls.")
    environment = models.CharField(
        max_length=20, choices=Environment.choices, default=Environment.PRODUCTION
    )
    is_active = models.BooleanField(default=True)

    # --- who may call us: the source networks, then the partner's authentication strategy ----
    inbound_auth = models.CharField(
        "authentication",
        max_length=20,
        choices=InboundAuth.choices,
        default=InboundAuth.CLIENT_CERTIFICATE,
        help_text="How the partner proves who it is on every call to us.",
    )
    inbound_username = models.CharField(
        "user name", max_length=150, blank=True, help_text="HTTP Basic only."
    )
    # Never shown: `integrations.auth.secrets`. A salted SHA-256 of the Basic password or the
    # bearer token; the HMAC key, which must be read back to verify, encrypted (Fernet).
    inbound_secret_hash = models.CharField(max_length=200, blank=True, editable=False)
    inbound_signing_key = models.TextField(blank=True, editable=False)
    inbound_secret_changed_at = models.DateTimeField(
        "secret last set", null=True, blank=True, editable=False
    )
    client_cert_fingerprints = models.TextField(
        blank=True,
        help_text="SHA-256 fingerprints of the partner's client certificates, one per line "
        "(hex, colons optional).",
    )
    allowed_networks = models.TextField(
        blank=True,
        help_text="Source addresses or networks the partner calls from, one per line (CIDR).",
    )
    # --- how we call them ----------------------------------------------------------------
    client_cert_path = models.CharField(
        max_length=500, blank=True, help_text="Our client certificate (PEM) for this partner."
    )
    client_key_path = models.CharField(max_length=500, blank=True)
    ca_bundle_path = models.CharField(
        max_length=500, blank=True, help_text="CA bundle that signs the partner's server."
    )
    connect_timeout = models.FloatField(default=5.0, validators=[MinValueValidator(0.1)])
    read_timeout = models.FloatField(default=20.0, validators=[MinValueValidator(0.1)])
    max_attempts = models.PositiveSmallIntegerField(default=8, validators=[MinValueValidator(1)])
    retry_base_seconds = models.FloatField(default=30.0, validators=[MinValueValidator(0.01)])
    retry_max_seconds = models.FloatField(default=3600.0, validators=[MinValueValidator(0.01)])
    max_inbound_bytes = models.PositiveIntegerField(default=256 * 1024)
    reconcile_after = models.DurationField(
        default=timedelta(hours=6),
        help_text="Ask for a full update of an open fault that has heard nothing for this long.",
    )
    credentials_broken_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when the partner refused our credentials (401); nothing is sent until "
        "an admin clears it.",
    )
    credentials_broken_reason = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean_fields(self, exclude=None) -> None:
        # A stored protocol that no enabled package has is not one of the choices; `clean` says
        # what that means instead of the generic "not a valid choice".
        if self.protocol and package_for(self.protocol) is None:
            exclude = {*(exclude or ()), "protocol"}
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        errors = {}
        if self.is_active and self.protocol and package_for(self.protocol) is None:
            errors["protocol"] = (
                f"No enabled protocol package handles '{self.protocol}', so this partner cannot "
                "be active: save it as inactive, or ask whoever deploys the product to add the "
                "package to INTEGRATION_PACKAGES."
            )
        try:
            self.pinned_fingerprints  # noqa: B018 - parses and validates
        except ValueError as exc:
            errors["client_cert_fingerprints"] = str(exc)
        try:
            self.networks  # noqa: B018
        except ValueError as exc:
            errors["allowed_networks"] = str(exc)
        missing = self.missing_credentials()
        if missing:
            errors["inbound_auth"] = missing
        if errors:
            raise ValidationError(errors)

    def missing_credentials(self) -> str:
        """What the chosen authentication still needs before the partner can be let in, or ""."""
        # A stored hash names the strategy it was set for: a bearer token left behind when the
        # partner moves to HTTP Basic must not become its password.
        hashed_for = self.inbound_secret_hash.split("$", 1)[0]
        if self.inbound_auth == InboundAuth.BASIC and not (
            self.inbound_username and hashed_for == InboundAuth.BASIC
        ):
            return "HTTP Basic needs a user name and a password."
        if self.inbound_auth == InboundAuth.BEARER and hashed_for != InboundAuth.BEARER:
            return "A bearer token needs a secret."
        if self.inbound_auth == InboundAuth.HMAC and not self.inbound_signing_key:
            return "An HMAC signature needs a signing key."
        return ""

    @property
    def pinned_fingerprints(self) -> frozenset[str]:
        return _pinned_fingerprints(self.client_cert_fingerprints)

    @property
    def networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return _networks(self.allowed_networks)

    @property
    def default_buyer_identifier(self) -> "BuyerIdentifier | None":
        return self.buyer_identifiers.filter(is_default=True, is_active=True).first()

    @property
    def is_supplier(self) -> bool:
        """Whether we may raise faults with it (see `PartnerQuerySet.suppliers`): False for a
        partner that only hears about our faults, such as a subscriber of our TMF621 hub."""
        return self.protocol not in non_supplying_protocols()

    @property
    def offers_appointments(self) -> bool:
        """Whether we book engineer appointments with this partner: its protocol's package has
        an appointment gateway (the supplier Ticketing API has; TMF621 has none)."""
        package = package_for(self.protocol)
        return package is not None and package.appointment_gateway is not None


def normalise_fingerprint(value: str) -> str:
    hex_digits = value.replace(":", "").strip().lower()
    if len(hex_digits) != 64 or any(c not in "0123456789abcdef" for c in hex_digits):
        raise ValueError(f"'{value}' is not a SHA-256 fingerprint (64 hex digits).")
    return hex_digits


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


# The webhook reads a partner's pins and networks on every request: each text is parsed once per
# process (keyed by the text itself, so an admin's edit is read at once).
@lru_cache(maxsize=256)
def _pinned_fingerprints(text: str) -> frozenset[str]:
    return frozenset(normalise_fingerprint(line) for line in text.split() if line)


@lru_cache(maxsize=256)
def _networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(
        ipaddress.ip_network(line.strip(), strict=False) for line in text.split() if line.strip()
    )
