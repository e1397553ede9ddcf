"""Every route under /ticketExceptions/, walked from the URL configuration (so a route added
later is covered too): an anonymous caller is asked for a bearer token in the envelope, and each
route answers with and without a trailing slash. The OpenAPI schema publishes the seed's
routes with their JSON names and builds without a warning."""

import re

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.exceptions_api.test_auth import assert_envelope

pytestmark = pytest.mark.django_db

PREFIX = "ticketExceptions/"
# Routes that take no token (they hand them out).
TOKEN_ROUTES = ("/ticketExceptions/v1/token",)
SEED_OPERATIONS = {
    ("get", "/ticketExceptions/v1/rules"),
    ("get", "/ticketExceptions/v1/rules/{ruleId}"),
    ("patch", "/ticketExceptions/v1/rules/{ruleId}"),
    ("get", "/ticketExceptions/v1/ticketExceptions"),
    ("get", "/ticketExceptions/v1/ticketExceptions/{ticketExceptionId}"),
    ("get", "/ticketExceptions/v1/callToActions"),
    ("post", "/ticketExceptions/v1/callToActions"),
    ("get", "/ticketExceptions/v1/callToActions/{callToActionId}"),
    ("patch", "/ticketExceptions/v1/callToActions/{callToActionId}"),
    ("get", "/ticketExceptions/v1/serviceProviderEscalationCandidates"),
    # Published where the diagnostics are switched on (DEBUG, as in the tests).
    ("get", "/ticketExceptions/v1/diagnostics/pendingTriggers/{authorizationNumber}"),
    ("post", "/ticketExceptions/v1/diagnostics/pendingTriggers/commands/fireNow"),
    ("get", "/ticketExceptions/v1/diagnostics/unhandledErrorTest"),
    ("patch", "/ticketExceptions/public/v1/ticketExceptions/commands/updateStatus"),
}


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _routes() -> list[str]:
    paths = set()
    for route in _walk(get_resolver().url_patterns):
        if not route.startswith(PREFIX):
            continue
        route = re.sub(r"<[a-z_]+:(\w+)>", "1", route)
        if re.search(r"[\\^$()\[\]*+?]", route):
            continue  # the catch-all 404
        paths.add("/" + route)
    return sorted(paths)


def test_the_routes_are_walked():
    assert len(_routes()) >= 18


@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
def test_every_route_asks_an_anonymous_caller_for_a_token(method):
    for path in _routes():
        if path.rstrip("/").startswith(TOKEN_ROUTES):
            continue
        answer = getattr(APIClient(), method)(path)
        assert_envelope(answer, 401, "Unauthorized")
        assert answer["WWW-Authenticate"].startswith("Bearer"), path


def test_each_route_answers_without_and_with_a_final_slash(api):
    for path in ("/ticketExceptions/v1/rules", "/ticketExceptions/v1/callToActions"):
        assert api.get(path).status_code == 200
        assert api.get(f"{path}/").status_code == 200


def test_the_schema_publishes_the_seeds_operations():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    published = {(method, path) for path, item in paths.items() for method in item}

    assert published >= SEED_OPERATIONS
    assert not any(path.endswith("/") for path in paths if path.startswith("/ticketExceptions/"))
    exception = paths["/ticketExceptions/v1/ticketExceptions/{ticketExceptionId}"]["get"]
    shape = exception["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert shape.endswith("/TicketException")


def test_the_schema_builds_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
