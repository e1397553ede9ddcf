"""`python manage.py demo_pki`: make the demo PKI (CA, simulator server, supplier and buyer client
certificates) in a directory, for running `simulate_cityfibre` without `load_demo`."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from devtools.pki import ensure_demo_pki


class Command(BaseCommand):
    help = (
        "Make the demo PKI in --dir (DEMO_PKI_DIR, var/certs by default) unless it is there: "
        "what `simulate_cityfibre --tls-dir/--pki-dir` reads and the demo partner pins."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, help="Directory (DEMO_PKI_DIR).")

    def handle(self, *args: Any, **options: Any) -> None:
        pki = ensure_demo_pki(options["dir"] or Path(settings.DEMO_PKI_DIR))
        self.stdout.write(
            f"Demo PKI in {pki.ca_cert_path.parent}; "
            f"supplier client certificate {pki.supplier_client.fingerprint}"
        )
