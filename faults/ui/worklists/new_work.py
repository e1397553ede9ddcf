"""What the queue and the wallboard poll for their announcements of new work (faults.new_work):
JSON, since the moment the previous answer gave."""

from datetime import datetime

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from faults.new_work import new_work_since
from faults.ui.access import reader_required


def _since(value: str | None) -> datetime | None:
    try:
        moment = parse_datetime(value or "")
    except ValueError:
        return None
    if moment is None or timezone.is_naive(moment):
        return None
    return moment


@reader_required
def new_work(request: HttpRequest) -> JsonResponse:
    now = timezone.now()
    since = _since(request.GET.get("since"))
    if since is None:
        return JsonResponse(
            {"error": "since must be an ISO 8601 time with its offset, e.g. 2026-11-27T09:30:00Z."},
            status=400,
        )
    items = new_work_since(since, now)
    return JsonResponse(
        {
            "now": now.isoformat(),
            "items": [
                {
                    "kind": item.kind,
                    "title": item.title,
                    "reference": item.reference,
                    "text": item.text,
                    "at": item.at.isoformat(),
                    "url": reverse("fault-detail", args=[item.reference]),
                }
                for item in items
            ],
        }
    )
