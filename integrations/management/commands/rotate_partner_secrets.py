"""Re-encrypt every encrypted partner secret under the first of PARTNER_SECRET_KEYS (key
rotation: `integrations/auth/secrets.py`): the partners' HMAC signing keys, and the secrets the
enabled protocol packages keep in their own models (`ProtocolPackage.encrypted_fields`, e.g. a
TMF621 supplier's client secret)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from integrations.auth.secrets import SecretUnreadable, reencrypt_secret
from integrations.models import Partner
from integrations.packages import encrypted_fields


class Command(BaseCommand):
    help = "Re-encrypt partners' stored secrets under the first of PARTNER_SECRET_KEYS."

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        unreadable = []
        rotated = 0
        for model, field in [(Partner, "inbound_signing_key"), *encrypted_fields()]:
            rows = model.objects.select_for_update().exclude(**{field: ""})
            for row in rows:
                try:
                    again = reencrypt_secret(getattr(row, field))
                except SecretUnreadable:
                    # A partner by its slug; a package's row by what it says it is.
                    unreadable.append(getattr(row, "slug", None) or str(row))
                    continue
                # The field only: save() would also move updated_at, which says an admin
                # changed it.
                model.objects.filter(pk=row.pk).update(**{field: again})
                rotated += 1
        if unreadable:
            # Nothing is changed: the secrets that were readable stay as they were too (the
            # transaction rolls back).
            raise CommandError(
                "No secret re-encrypted. Not readable with PARTNER_SECRET_KEYS (add the old key "
                "after the new one, or set them again in the admin): " + ", ".join(unreadable)
            )
        self.stdout.write(f"{rotated} secret(s) re-encrypted under the first key.")
