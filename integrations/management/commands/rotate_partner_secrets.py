"""Re-encrypt every partner's HMAC signing key under the first of PARTNER_SECRET_KEYS (key
rotation: `integrations/auth/secrets.py`)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from integrations.auth.secrets import SecretUnreadable, reencrypt_secret
from integrations.models import Partner


class Command(BaseCommand):
    help = "Re-encrypt partners' HMAC signing keys under the first of PARTNER_SECRET_KEYS."

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        partners = Partner.objects.select_for_update().exclude(inbound_signing_key="")
        unreadable = []
        rotated = 0
        for partner in partners:
            try:
                partner.inbound_signing_key = reencrypt_secret(partner.inbound_signing_key)
            except SecretUnreadable:
                unreadable.append(partner.slug)
                continue
            # The key only: save() would also move updated_at, which says an admin changed it.
            Partner.objects.filter(pk=partner.pk).update(
                inbound_signing_key=partner.inbound_signing_key
            )
            rotated += 1
        if unreadable:
            # Nothing is changed: the keys that were readable stay as they were too.
            raise CommandError(
                "No key re-encrypted. Not readable with PARTNER_SECRET_KEYS (add the old key "
                f"after the new one, or set their keys again in the admin): {', '.join(unreadable)}"
            )
        self.stdout.write(f"{rotated} signing key(s) re-encrypted under the first key.")
