"""The benchmark's baseline: a view that only inserts the raw body, nothing else (no
authentication, parsing or validation). Routed only when settings.BENCH_ENDPOINTS is on."""

import hashlib
import uuid

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.models import InboundMessage, Partner


# Like the partner endpoints it stands for, it is not behind the pages' login.
@login_not_required
@csrf_exempt
@require_POST
def raw_insert(request: HttpRequest, partner_slug: str) -> HttpResponse:
    body = request.body
    partner_id = Partner.objects.only("id").get(slug=partner_slug).pk
    InboundMessage.objects.create(
        partner_id=partner_id,
        message_type="bench-raw",
        message_id=uuid.uuid4().hex,
        body_sha256=hashlib.sha256(body).hexdigest(),
        body=body,
        status="applied",
    )
    return HttpResponse(b"<ok/>", content_type="text/xml")
