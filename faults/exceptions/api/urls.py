"""The routes of the ticket exceptions API, under /ticketExceptions/ (config/urls.py). Each
route answers with and without a trailing slash; only the seed's spelling (no slash) is in the
schema. Paths no route names are answered 404 in the envelope (config/urls.py, after these)."""

from django.urls import URLPattern, path

from faults.exceptions.api import tokens

app_name = "exceptions-api"


def route(spelling: str, view: type, name: str) -> list[URLPattern]:
    """`spelling` (published) and `spelling/` (the same view, left out of the schema)."""
    unpublished = type(f"{view.__name__}Slash", (view,), {"schema": None})
    return [
        path(spelling, view.as_view(), name=name),
        path(f"{spelling}/", unpublished.as_view()),
    ]


urlpatterns = [
    *route("v1/token", tokens.TokenView, "token"),
    *route("v1/token/refresh", tokens.TokenRefreshView, "token-refresh"),
]
