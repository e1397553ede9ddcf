"""The project's URLs plus the partner endpoint of a protocol that has none yet, as a new protocol
package would add it (tests/test_partner_edge.py)."""

from django.urls import path

from config.urls import urlpatterns as project_urlpatterns
from tests.test_partner_edge import ListenerEndpoint

urlpatterns = [
    path("integrations/tmf621/<slug:partner_slug>/listener/", ListenerEndpoint.as_view()),
    *project_urlpatterns,
]
