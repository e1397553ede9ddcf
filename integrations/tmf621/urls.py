"""The listener, at `/integrations/tmf621/<partner_slug>/listener/<eventType>` (v4's listener
paths under the callback we registered with `POST /hub`). The same listener answers, unpublished,
with a trailing slash, after a callback written with one (`…/<slug>//listener/…`) and with no
event type at all (a 404 in TMF's shape): a POST never meets a redirect."""

from django.urls import path, re_path

from integrations.tmf621.views import ListenerAliasView, TroubleTicketListenerView

app_name = "tmf621"
urlpatterns = [
    path(
        "<slug:partner_slug>/listener/<str:event_type>",
        TroubleTicketListenerView.as_view(),
        name="listener",
    ),
    re_path(
        r"^(?P<partner_slug>[-a-zA-Z0-9_]+)/+listener(?:/(?P<event_type>[^/]*))?/?$",
        ListenerAliasView.as_view(),
    ),
]
