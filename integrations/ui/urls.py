from django.urls import path

from integrations.ui import views

urlpatterns = [
    path("health/", views.integration_health, name="integration-health"),
]
