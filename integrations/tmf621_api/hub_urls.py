"""The hub's routes under the API's base path, with and without a trailing slash (included by
`urls.py`)."""

from django.urls import path

from integrations.tmf621_api.hub_views import (
    HubDetailSlashView,
    HubDetailView,
    HubSlashView,
    HubView,
)

urlpatterns = [
    path("hub", HubView.as_view(), name="hub"),
    path("hub/", HubSlashView.as_view()),
    path("hub/<str:subscription_id>", HubDetailView.as_view(), name="hub-detail"),
    path("hub/<str:subscription_id>/", HubDetailSlashView.as_view()),
]
