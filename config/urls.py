from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from faults.api.views import EndpointNotFoundView
from faults.exceptions.api.base import NoRouteView as ExceptionsNoRouteView
from integrations.packages import enabled_packages

urlpatterns = [
    path("", include("ops.urls")),  # /metrics, /healthz, /readyz
    path("", include("faults.ui.urls")),
    # Log in and out, and change one's own password; no reset by e-mail (admins reset passwords).
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(success_url="/"),
        name="password_change",
    ),
    path("appointments/", include("appointments.ui.urls")),
    path("integrations/", include("integrations.ui.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("faults.api.urls")),
    path("api/v1/", include("appointments.api.urls")),
    # After every API route: the API's own 404 (JSON) for a URL that names no endpoint.
    re_path(r"^api/v1/", EndpointNotFoundView.as_view()),
    # The ticket exceptions API of seed 003 (JWT, the seed's error envelope), then its own 404.
    path("ticketExceptions/", include("faults.exceptions.api.urls")),
    re_path(r"^ticketExceptions/", ExceptionsNoRouteView.as_view()),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

# Each enabled protocol package's inbound URLs, at /integrations/<protocol>/ (the paths the
# proxy's webhook site passes: config/nginx/noc.conf).
urlpatterns += [
    path(f"integrations/{package.protocol}/", include(package.urls))
    for package in enabled_packages()
    if package.urls
]

# Public APIs an enabled package serves at its own prefix (the TMF621 Trouble Ticket API).
urlpatterns += [
    path(prefix, include(urlconf))
    for package in enabled_packages()
    for prefix, urlconf in package.api_urls
]

if settings.BENCH_ENDPOINTS:
    from devtools.bench.views import raw_insert

    urlpatterns.append(path("integrations/_bench/<slug:partner_slug>/raw/", raw_insert))
