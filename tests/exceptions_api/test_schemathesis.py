"""The ticket exceptions API keeps to the schema we publish for it (/api/schema/, the paths under
/ticketExceptions/v1/). Schemathesis reads the schema the app serves and sends generated
requests, valid and invalid, to each of the seed's operations (each a test of its own; the set-up
of tests/schema_fuzz.py) with an admin's JWT, who may also change rules and calls to action.
Every answer must be: no server error, a status code the schema lists, the content type it lists,
and a body that validates against the schema. Open, solved and linked exceptions give the
generated requests real rows to find."""

import re
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from drf_spectacular.generators import SchemaGenerator
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from faults.exceptions.models import CallToAction, TicketExceptionRule
from tests.exceptions_api.conftest import link
from tests.schema_fuzz import fuzz, in_process_wsgi_app

pytestmark = pytest.mark.django_db

# The seed's standard routes and our token routes (the public and diagnostics routes have their
# own tests).
OURS = re.compile(
    r"^/ticketExceptions/v1/(token|rules|ticketExceptions|callToActions|"
    r"serviceProviderEscalationCandidates)"
)


def _operations() -> list[str]:
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return sorted(
        f"{method.upper()} {path}"
        for path, item in paths.items()
        if OURS.match(path)
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    )


OPERATIONS = _operations()


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    yield from in_process_wsgi_app()


@pytest.fixture
def real_ids(raise_exception) -> dict[str, list[int]]:
    open_one = raise_exception("ETA_MISSING")
    link(open_one, "ZD-1")
    solved = raise_exception("NO_SUPPLIER_UPDATE", solved=True)
    return {
        "ruleId": list(TicketExceptionRule.objects.values_list("pk", flat=True)[:5]),
        "ticketExceptionId": [open_one.pk, solved.pk],
        "callToActionId": list(CallToAction.objects.values_list("pk", flat=True)[:5]),
    }


@pytest.fixture
def api_schema(wsgi_app, admin_user, real_ids):
    schema_token = Token.objects.create(user=admin_user).key
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/", wsgi_app, headers={"Authorization": f"Token {schema_token}"}
    ).include(path_regex=OURS.pattern)

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        generated = st.just(path_parameters)
        names = [name for name in path_parameters or {} if name in real_ids]
        if not names:
            return generated
        existing = st.fixed_dictionaries({n: st.sampled_from(real_ids[n]) for n in names})
        return generated | existing.map(lambda found: {**path_parameters, **found})

    return schema


def test_every_seed_operation_is_fuzzed(api_schema):
    served = {result.ok().label for result in api_schema.get_all_operations()}
    assert served == set(OPERATIONS)
    assert len(OPERATIONS) == 12


@pytest.mark.parametrize("label", OPERATIONS)
def test_every_answer_keeps_to_the_published_schema(api_schema, admin_user, token_for, label):
    operation = api_schema.find_operation_by_label(label)

    failures = fuzz(operation, headers={"Authorization": f"Bearer {token_for(admin_user)}"})

    assert not failures, failures
