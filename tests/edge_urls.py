"""The project's URLs plus test-only routes:

* the partner endpoints of a protocol that has none yet, as a new protocol package would add
  them: a listener that meets outages (tests/spine/test_partner_edge.py) and one that stores
  ticket events in the inbox (tests/spine/ticket_events.py, for test_partner_auth.py and
  test_inbound_edge.py);
* for tests/spine/test_nginx_edge.py, paths the proxy's staff site passes to the app (outside
  `/integrations/<protocol>/`, which it refuses itself): the supplier's webhook mounted there,
  and a page that answers with the partner headers it received. They show the staff site clears
  those headers, not merely that it refuses the partner paths."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns
from integrations.cityfibre.views import NotifyFaultReportUpdateView
from integrations.security import CERT_HEADER, FORWARDED_FOR_HEADER, PROXY_SECRET_HEADER
from tests.spine.test_partner_edge import ListenerEndpoint
from tests.spine.ticket_events import EVENTS_URL, TicketEventEndpoint

STAFF_REACHABLE_NOTIFY = "/staff-reachable/cityfibre/{slug}/notify/"
HEADERS_SEEN = "/staff-reachable/headers-seen/"


@login_not_required
def headers_seen(request: HttpRequest) -> JsonResponse:
    """The partner headers as the app received them (None: not received)."""
    return JsonResponse(
        {
            "X-SSL-Client-Cert": request.META.get(CERT_HEADER),
            "X-Partner-Proxy-Secret": request.META.get(PROXY_SECRET_HEADER),
            "X-Forwarded-For": request.META.get(FORWARDED_FOR_HEADER),
        }
    )


urlpatterns = [
    path("integrations/json-listener/<slug:partner_slug>/listener/", ListenerEndpoint.as_view()),
    path(EVENTS_URL.format(slug="<slug:partner_slug>").lstrip("/"), TicketEventEndpoint.as_view()),
    path(
        STAFF_REACHABLE_NOTIFY.format(slug="<slug:partner_slug>").lstrip("/"),
        NotifyFaultReportUpdateView.as_view(),
    ),
    path(HEADERS_SEEN.lstrip("/"), headers_seen),
    *project_urlpatterns,
]
