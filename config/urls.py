from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("", include("faults.ui.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("appointments/", include("appointments.ui.urls")),
    path("integrations/", include("integrations.ui.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("faults.api.urls")),
    path("api/v1/", include("appointments.api.urls")),
    path("integrations/cityfibre/", include("integrations.cityfibre.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

if settings.BENCH_ENDPOINTS:
    from integrations.bench.views import raw_insert

    urlpatterns.append(path("integrations/_bench/<slug:partner_slug>/raw/", raw_insert))
