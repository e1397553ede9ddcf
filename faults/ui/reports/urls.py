from django.urls import path

from faults.ui.reports import views

urlpatterns = [
    path("dashboard/", views.sla_dashboard, name="sla-dashboard"),
    path("dashboard/export.csv", views.sla_dashboard_export, name="sla-dashboard-export"),
]
