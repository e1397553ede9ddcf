"""The TMF621 API's routes under /tmf-api/troubleTicket/v4/ (mounted by the spine from
`package.api_urls`). Each route answers with and without a trailing slash, so a POST never meets
a redirect; only the spec's spelling (no slash) is published in the schema. Whatever else is
under the base is a TMF 404, after the hub's routes (`hub_urls`, when the hub is installed)."""

from importlib.util import find_spec

from django.urls import include, path, re_path

from integrations.tmf621_api import views

app_name = "tmf621_api"

TICKET_ID = r"(?P<ticket_id>[^/]+)"


def _unpublished(view: type) -> type:
    """The same view for the route's other spelling, left out of the schema."""
    return type(f"{view.__name__}Slash", (view,), {"schema": None})


urlpatterns = [
    path("troubleTicket", views.TicketListView.as_view(), name="ticket-list"),
    path("troubleTicket/", _unpublished(views.TicketListView).as_view()),
    re_path(rf"^troubleTicket/{TICKET_ID}$", views.TicketDetailView.as_view(), name="ticket"),
    re_path(rf"^troubleTicket/{TICKET_ID}/$", _unpublished(views.TicketDetailView).as_view()),
    re_path(
        rf"^troubleTicket/{TICKET_ID}/attachment/(?P<attachment_id>[0-9]{{1,18}})$",
        views.TicketAttachmentView.as_view(),
        name="ticket-attachment",
    ),
    re_path(
        rf"^troubleTicket/{TICKET_ID}/attachment/(?P<attachment_id>[0-9]{{1,18}})/$",
        _unpublished(views.TicketAttachmentView).as_view(),
    ),
]

# The hub's routes (POST /hub, DELETE /hub/{id}), once its module is there.
if find_spec("integrations.tmf621_api.hub_urls") is not None:
    urlpatterns.append(path("", include("integrations.tmf621_api.hub_urls")))

urlpatterns.append(re_path(r"", views.NoRouteView.as_view()))
