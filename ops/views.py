"""/metrics (protected), /healthz and /readyz (open to load balancers, revealing nothing but
which check failed)."""

import hmac

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from ops.health import check_broker, check_database, overdue_sweeps
from ops.metrics import render


def _bearer(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@login_not_required
@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus' scrape: with `Authorization: Bearer <METRICS_TOKEN>`, or as a staff user
    logged in. No credentials: 401; wrong ones: 403."""
    token = _bearer(request)
    expected = settings.METRICS_TOKEN
    if token is not None:
        if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
            return _refused(403, "This token may not read the metrics.")
    elif not request.user.is_authenticated:
        response = _refused(401, "Send the metrics token: Authorization: Bearer <token>.")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    elif not request.user.is_staff:
        return _refused(403, "Only staff may read the metrics.")
    return HttpResponse(render(), content_type=CONTENT_TYPE_LATEST)


def _refused(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answering; touches nothing else."""
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready when the database and the broker answer and no beat sweep is overdue; 503 with the
    failed checks named otherwise."""
    checks: dict[str, object] = {}
    database = check_database()
    checks["database"] = "ok" if database else "failed"
    checks["broker"] = "ok" if check_broker() else "failed"
    if not database:
        checks["sweeps"] = "unknown"  # recorded in the database
    else:
        late = overdue_sweeps()
        checks["sweeps"] = {"overdue": late} if late else "ok"
    ready = all(value == "ok" for value in checks.values())
    response = JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )
    # Polled every second: the checks above log why, once each; Django's own "Service
    # Unavailable" line for every poll would add nothing (it skips responses marked so).
    response._has_been_logged = True
    return response
