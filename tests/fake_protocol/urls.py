from django.urls import path

from tests.fake_protocol.endpoint import FakeNotifyEndpoint

app_name = "fake"
urlpatterns = [
    path("<slug:partner_slug>/notify/", FakeNotifyEndpoint.as_view(), name="notify"),
]
