"""The project's URLs with the TEP package's, mounted where the spine mounts an enabled
package's (`/integrations/tep/`): the package is enabled by its registration (outbound's part),
and these tests need only its URLs."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("integrations/tep/", include("integrations.tep.urls")),
    *project_urlpatterns,
]
