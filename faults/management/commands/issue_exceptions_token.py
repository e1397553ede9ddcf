"""A long-lived access token for a service account of the ticket exceptions API, e.g. the
helpdesk's webhook (a bearer token configured once in Zendesk would outlive the 15-minute tokens
of `POST /ticketExceptions/v1/token`). Revoke it by making the account inactive.

    manage.py issue_exceptions_token zendesk --persona ZendeskIntegration --days 365
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from faults.exceptions.api.auth import access_token_for, persona_for


class Command(BaseCommand):
    help = "Print a long-lived JWT for the ticket exceptions API, for a service account."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The account the token names (must be active).")
        parser.add_argument(
            "--persona",
            default="",
            help="The token's Persona claim (default: the account's, from its role group).",
        )
        parser.add_argument(
            "--days", type=int, default=365, help="How long the token is valid (365)."
        )

    def handle(self, *args: object, username: str, persona: str, days: int, **options: object):
        if not 1 <= days <= 3650:
            raise CommandError("--days must be between 1 and 3650.")
        user = get_user_model().objects.filter(username=username).first()
        if user is None or not user.is_active:
            raise CommandError(f"No active user named {username!r}.")
        persona = persona or persona_for(user)
        if not persona:
            raise CommandError(f"{username} has no role that gives it a persona: pass --persona.")
        token = access_token_for(user, persona=persona, lifetime=timedelta(days=days))
        self.stdout.write(str(token))
