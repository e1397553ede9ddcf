import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from devtools.demo import DEFAULT_DEMO_PASSWORD, demo_data_load


class Command(BaseCommand):
    help = (
        "Load the demo partner, SLA policies, users (agent, manager, admin) and faults. "
        "Idempotent. The users' password comes from DEMO_PASSWORD."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even with DEBUG off (demo users have a known password).",
        )

    def handle(self, *args: object, force: bool = False, **options: object) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "Demo data gives users a known password; with DEBUG off pass --force to load it."
            )
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        summary = demo_data_load(password=password)
        if summary.changed:
            created = ", ".join(f"{kind}: {n}" for kind, n in summary.created.items())
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: created {created}."))
        else:
            self.stdout.write("Demo data already loaded: nothing changed.")
        self.stdout.write(f"Demo logins: {', '.join(summary.users)}; password: {password}")
