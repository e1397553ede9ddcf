from django.urls import path

from integrations.ui import views

urlpatterns = [
    path("health/", views.integration_health_page, name="integration-health"),
    path(
        "health/outbound/<int:outbound_id>/retry/",
        views.outbound_retry,
        name="integration-outbound-retry",
    ),
    path(
        "health/outbound/<int:outbound_id>/dismiss/",
        views.outbound_dismiss,
        name="integration-outbound-dismiss",
    ),
    path(
        "health/partners/<int:partner_id>/retry-dead/",
        views.partner_retry_dead,
        name="integration-partner-retry-dead",
    ),
]
