from django.urls import include, path

from faults.ui.home import home, no_role

urlpatterns = [
    path("", home, name="home"),
    path("no-role/", no_role, name="no-role"),
    path("", include("faults.ui.worklists.urls")),
    path("", include("faults.ui.fault.urls")),
    path("", include("faults.ui.reports.urls")),
    path("", include("faults.ui.exceptions.urls")),
]
