"""The project's URLs and two views that fail, for the log tests (tests/project/test_log_format.py):
a bug (500) and a refusal Django raises as an exception (403)."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def _a_bug(request):
    raise RuntimeError("a bug in a view")


def _refused(request):
    raise PermissionDenied("not yours")


urlpatterns = [
    path("test-logs/bug/", _a_bug),
    path("test-logs/refused/", _refused),
    *project_urlpatterns,
]
