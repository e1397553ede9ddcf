"""Until the package registry merges, the two things `package.py` will do for the fake
protocol: register its adapter with the decorator-era registry, and mount its URLs (this module
is also the urlconf the tests switch to: the project's URLs plus /integrations/fake/).

Delete this module at the registry merge; `tests/spine/drivers/fake.py` (`enable`) is the one
place that uses it."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns
from integrations.adapters import register
from tests.fake_protocol import PROTOCOL
from tests.fake_protocol.adapter import FakeAdapter

register(FakeAdapter)

urlpatterns = [
    path(f"integrations/{PROTOCOL}/", include("tests.fake_protocol.urls")),
    *project_urlpatterns,
]
