from django.urls import include, path

from faults.ui.home import home, no_role
from faults.ui.preferences import work_notifications

urlpatterns = [
    path("", home, name="home"),
    path("no-role/", no_role, name="no-role"),
    path("account/notifications/", work_notifications, name="work-notifications"),
    path("", include("faults.ui.worklists.urls")),
    path("", include("faults.ui.worklists.bulk_urls")),
    path("", include("faults.ui.fault.urls")),
    path("", include("faults.ui.reports.urls")),
    path("", include("faults.ui.exceptions.urls")),
]
