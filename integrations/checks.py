"""System checks of the spine: every enabled protocol package's declaration loads (`manage.py
check`, run by runserver and migrate), and, with --deploy, the partner edge is configured to
trust only the proxy's mutual-TLS site (design §7, "Security at the edge")."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.checks import Warning as CheckWarning

from integrations.packages import PackageError, declaration_errors

MIN_SECRET_LENGTH = 32


@register()
def protocol_packages_check(app_configs, **kwargs) -> list[Error]:
    """A wrong path in a package's declaration is found at start-up, not on its first message."""
    hint = "Check INTEGRATION_PACKAGES and the package's package.py."
    try:
        errors = declaration_errors()
    except PackageError as exc:
        return [Error(str(exc), hint=hint, id="integrations.E001")]
    return [Error(error, hint=hint, id="integrations.E002") for error in errors]


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
