"""The TMF621 API keeps to the schema we publish for it (/api/schema/, the paths under
/tmf-api/troubleTicket/v4/, described by the official v4 definitions). Schemathesis reads the
schema the app serves and, through the app's own WSGI handler in this process (the set-up of
tests/api/test_api_schema.py, in tests/schema_fuzz.py), as an agent (who may write) and as a
manager (who only reads):

- sends generated requests, valid and invalid, to every published operation (each a test of its
  own);
- runs sequences of calls along the links from POST to GET, PATCH and DELETE of the ticket it
  created (stateful), with the checks that follow a resource through them.

Every answer must be: no server error, a status code the schema lists, the content type it
lists, and a body that validates against the schema. Tickets in several states (a draft, one
raised and waiting, one in progress with a comment and an attachment, one resolved, one closed,
one raised through the API itself) give the generated requests real tickets to find.
"""

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import ensure_resource_availability, ignored_auth

from faults.services import Actor, fault_attachment_add, fault_comment_add
from tests.factories import FaultFactory
from tests.helpers import bring_to, client_for
from tests.schema_fuzz import (
    CHECKS,
    EXAMPLES_PER_OPERATION,
    fuzz,
    hypothesis_settings,
    in_process_wsgi_app,
)
from tests.tmf621_api.conftest import post_ticket, ticket_body, without_details

pytestmark = pytest.mark.django_db

API = "/tmf-api/troubleTicket/v4/"
ACTOR = Actor.system("test")
# Beyond the schema: a route that does not ask for the credentials it declares (ignored_auth sends
# each request again without them, or with made-up ones), and in sequences a ticket a POST created
# that its id does not find. (ignored_auth cannot judge a sequence's calls: their token goes with
# the resent request.)
TMF_CHECKS = [*CHECKS, ignored_auth]
STATEFUL_CHECKS = [*CHECKS, ensure_resource_availability]
# Scenarios of the stateful run (each a few calls long): as many as examples per operation.
SCENARIOS = EXAMPLES_PER_OPERATION


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    yield from in_process_wsgi_app()


@dataclass
class Tickets:
    """What the generated requests can find: real ticket ids and attachment ids."""

    ids: list[str]
    attachments: list[int]


@pytest.fixture
def tickets(partner, buyer_identifier, sla_policy, agent_user) -> Tickets:
    made = {
        status: bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), status)
        for status in ("draft", "pending", "in-progress", "resolved", "closed")
    }
    fault_comment_add(fault_id=made["in-progress"].pk, actor=ACTOR, text="Engineer on site.")
    attachment = fault_attachment_add(
        fault_id=made["in-progress"].pk,
        actor=ACTOR,
        upload=SimpleUploadedFile("trace.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
    )
    created = post_ticket(client_for(agent_user), ticket_body())
    assert created.status_code == 201, created.content
    ids = [fault.buyer_fault_reference for fault in made.values()]
    return Tickets(ids=[*ids, created.json()["id"]], attachments=[attachment.pk])


@pytest.fixture(params=["agent", "manager"])
def token(request) -> str:
    user = request.getfixturevalue(f"{request.param}_user")
    return Token.objects.create(user=user).key


@pytest.fixture
def tmf_schema(tickets, wsgi_app, token):
    """The schema the app publishes, its TMF621 paths; path parameters are now and then real
    ticket and attachment ids. (The tickets come first: Django's test client, which posts one,
    reconnects the signal that closes the connection after a request, which `wsgi_app` takes
    off.)"""
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/", wsgi_app, headers={"Authorization": f"Token {token}"}
    ).include(path_regex=f"^{API}")
    real = {"ticket_id": tickets.ids, "attachment_id": tickets.attachments}

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        generated = st.just(path_parameters)
        names = [name for name in path_parameters or {} if name in real]
        if not names:
            return generated
        existing = st.fixed_dictionaries({name: st.sampled_from(real[name]) for name in names})
        return generated | existing.map(lambda found: {**path_parameters, **found})

    @schema.hook
    def flatmap_body(context, body):
        """A POST body is now and then a ticket the API accepts (complete: raised at once; or
        missing a detail: a pending draft), so that sequences go on to the ticket it created;
        the schema alone (v4's, loose) almost never yields one."""
        generated = st.just(body)
        operation = context.operation
        if operation.method.upper() != "POST" or not operation.path.endswith("/troubleTicket"):
            return generated
        description = st.text(min_size=1, max_size=200).filter(lambda text: text.strip())
        complete = description.map(lambda text: ticket_body(description=text))
        draft = complete.map(lambda ticket: without_details(ticket, "faultLocation"))
        return generated | complete | draft

    return schema


def _published_operations() -> list[str]:
    """Every operation published under the API's base ("GET /tmf-api/…/troubleTicket", …)."""
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return sorted(
        f"{method.upper()} {path}"
        for path, item in paths.items()
        if path.startswith(API)
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    )


OPERATIONS = _published_operations()


def test_the_routes_of_the_spec_are_published_and_fuzzed(tmf_schema):
    served = {result.ok().label for result in tmf_schema.get_all_operations()}

    assert served == set(OPERATIONS)
    assert {
        f"POST {API}troubleTicket",
        f"GET {API}troubleTicket",
        f"GET {API}troubleTicket/{{ticket_id}}",
        f"PATCH {API}troubleTicket/{{ticket_id}}",
        f"DELETE {API}troubleTicket/{{ticket_id}}",
    } <= served


@pytest.mark.parametrize("label", OPERATIONS)
def test_every_answer_keeps_to_the_published_schema(tmf_schema, token, label):
    operation = tmf_schema.find_operation_by_label(label)

    failures = fuzz(operation, headers={"Authorization": f"Token {token}"}, checks=TMF_CHECKS)

    assert not failures, failures


def test_sequences_of_calls_keep_to_the_published_schema(tmf_schema, token, request):
    """POST a ticket, then GET, PATCH or DELETE the one it answered (the links between them),
    each scenario rolled back before the next."""
    headers = {"Authorization": f"Token {token}"}
    answered: Counter[tuple[str, int]] = Counter()
    # The ticket routes' links (POST → GET, PATCH, DELETE); the hub's routes are fuzzed one by one
    # above: in one machine with them, the hub's POST drew nearly every step.
    machine = tmf_schema.exclude(path_regex="/hub").as_state_machine()

    class Scenarios(machine):
        def setup(self) -> None:
            self.savepoint = transaction.savepoint()
            self.created: set[str] = set()

        def teardown(self) -> None:
            transaction.savepoint_rollback(self.savepoint)

        def get_call_kwargs(self, case) -> dict:
            return {"headers": headers}

        def after_call(self, response, case) -> None:
            super().after_call(response, case)
            operation = case.operation
            label = f"{operation.method.upper()} {operation.path.removeprefix(API)}"
            if label == "POST troubleTicket" and response.status_code == 201:
                self.created.add(response.json()["id"])
            if (case.path_parameters or {}).get("ticket_id") in self.created:
                label += " (the ticket this scenario created)"
            answered[(label, response.status_code)] += 1

        def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:
            case.validate_response(
                response,
                checks=STATEFUL_CHECKS,
                additional_checks=additional_checks,
                transport_kwargs=kwargs or None,
                recorder=getattr(self, "recorder", None),
            )

    Scenarios.run(settings=hypothesis_settings(max_examples=SCENARIOS))

    # The sequences went somewhere: an agent's tickets were created, then read, changed and
    # deleted by the id the POST answered (the links); a manager's POST is refused, reads go on.
    if "agent" in request.node.callspec.id:
        assert answered["POST troubleTicket", 201], answered
        for method, success in (("GET", 200), ("PATCH", 200), ("DELETE", 204)):
            label = f"{method} troubleTicket/{{ticket_id}} (the ticket this scenario created)"
            assert answered[label, success], (label, answered)
    else:
        assert answered["POST troubleTicket", 403], answered
        assert answered["GET troubleTicket/{ticket_id}", 200], answered


def test_the_schema_served_again_names_only_components_it_has(agent_api):
    """Every generation of the schema, not only the first, resolves each of its references
    (the v4 components were once shared between generations, and the second one lost the enums'
    components, so schemathesis could no longer build a ticket to POST)."""
    first, again = (agent_api.get("/api/schema/", {"format": "json"}).json() for _ in range(2))

    assert again == first
    names = set(again["components"]["schemas"])
    referenced = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(again)))
    assert referenced - names == set()
    assert {"ObservedImpactEnum", "Tmf621TroubleTicket_Create"} <= names
