"""`manage.py check --deploy`: the partner edge is configured to trust only the proxy's mutual-TLS
site (design §7, "Security at the edge")."""

from django.conf import settings
from django.core.checks import Tags, register
from django.core.checks import Warning as CheckWarning

MIN_SECRET_LENGTH = 32


@register(Tags.security, deploy=True)
def partner_proxy_secret_check(app_configs, **kwargs) -> list[CheckWarning]:
    secret = settings.PARTNER_PROXY_SECRET
    if not secret:
        return [
            CheckWarning(
                "PARTNER_PROXY_SECRET is not set: every partner webhook is refused (403).",
                hint="Set it to a long random value and put the same value in the webhook site "
                "of config/nginx/noc.conf.",
                id="integrations.W001",
            )
        ]
    if len(secret) < MIN_SECRET_LENGTH or secret.startswith("dev-only-"):
        return [
            CheckWarning(
                f"PARTNER_PROXY_SECRET is shorter than {MIN_SECRET_LENGTH} characters or the "
                "development value: another site of the proxy could guess it.",
                hint='python -c "import secrets; print(secrets.token_urlsafe(32))"',
                id="integrations.W002",
            )
        ]
    return []
