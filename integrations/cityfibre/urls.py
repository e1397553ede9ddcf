from django.urls import path

from integrations.cityfibre.views import NotifyFaultReportUpdateView

app_name = "cityfibre"
urlpatterns = [
    path("<slug:partner_slug>/notify/", NotifyFaultReportUpdateView.as_view(), name="notify"),
]
