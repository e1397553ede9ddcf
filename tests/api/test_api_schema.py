"""The API keeps to its published OpenAPI schema (/api/schema/), the contract partners generate
clients from. Schemathesis reads the schema the app serves and sends generated requests, valid
and invalid, to every operation under /api/v1/ (each a test of its own), as an agent (who may
write) and as a manager (who only reads), through the app's own WSGI handler in this process.
Every answer must be: no server error, a status code the schema lists, the content type it lists,
and a body that validates against the schema. Faults in several states, a comment, an attachment
and an appointment reserved from the supplier simulator on loopback give the generated requests
real objects to find."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from appointments.gateways import SlotQuery
from appointments.services import appointment_reserve, appointment_slots_query
from faults.choices import FaultType
from faults.models import Fault
from faults.services import Actor, fault_attachment_add, fault_comment_add
from integrations.cityfibre.simulator import CityFibreSimulator
from integrations.models import Partner
from tests.factories import FaultFactory
from tests.helpers import bring_to
from tests.schema_fuzz import fuzz, in_process_wsgi_app

pytestmark = pytest.mark.django_db

UPRN = "10002491172"
PRODUCT = "ftthl2r"
ACTOR = Actor.system("test")
STORED_BEFORE_THE_RULE = "HO-a/b"


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    yield from in_process_wsgi_app()


@pytest.fixture
def supplier_server(partner, buyer_identifier) -> Iterator[CityFibreSimulator]:
    simulator = CityFibreSimulator(
        port=0,
        notify_url="http://127.0.0.1:9/notify/",
        buyer_identifiers={buyer_identifier.code},
        step_delay=3600,
    ).start()
    Partner.objects.filter(pk=partner.pk).update(base_url=simulator.url)
    partner.refresh_from_db()
    yield simulator
    simulator.stop()


@dataclass
class Rows:
    """What the generated requests can find: real references and ids."""

    faults: list[str]
    appointments: list[int]
    attachments: list[int]


@pytest.fixture
def rows(partner, buyer_identifier, sla_policy, supplier_server) -> Rows:
    """A fault in each kind of state (a draft child of an open parent; optional e-mails left
    blank), a comment and a stored attachment, and a Service Outage draft with an appointment
    reserved from the simulator."""
    made = {
        status: bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), status)
        for status in ("draft", "pending", "in-progress", "resolved", "closed")
    }
    Fault.objects.filter(pk=made["draft"].pk).update(parent=made["in-progress"])
    fault_comment_add(fault_id=made["in-progress"].pk, actor=ACTOR, text="Engineer on site.")
    attachment = fault_attachment_add(
        fault_id=made["in-progress"].pk,
        actor=ACTOR,
        upload=SimpleUploadedFile("trace.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
    )
    outage = FaultFactory(
        supplier=partner,
        buyer_identifier=buyer_identifier,
        fault_type=FaultType.SERVICE_OUTAGE,
        address_key=UPRN,
        product_name=PRODUCT,
        end_user_email="end.user@example.test",
    )
    query = SlotQuery(address_key=UPRN, from_date=timezone.localdate(), product_name=PRODUCT)
    slot = next(s for s in appointment_slots_query(partner=partner, query=query) if s.available)
    appointment = appointment_reserve(
        partner=partner, actor=ACTOR, query=query, slot=slot, fault_id=outage.pk
    )
    # Stored before the reference rule: listed (with url null), never a path parameter.
    old = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)
    Fault.objects.filter(pk=old.pk).update(buyer_fault_reference=STORED_BEFORE_THE_RULE)
    return Rows(
        faults=[fault.buyer_fault_reference for fault in [*made.values(), outage]],
        appointments=[appointment.pk],
        attachments=[attachment.pk],
    )


@pytest.fixture(params=["agent", "manager"])
def token(request) -> str:
    user = request.getfixturevalue(f"{request.param}_user")
    return Token.objects.create(user=user).key


@pytest.fixture
def api_schema(wsgi_app, token, rows):
    """The schema the app publishes; path parameters are now and then real references."""
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/", wsgi_app, headers={"Authorization": f"Token {token}"}
    ).include(path_regex=r"^/api/v1/")
    real = {
        "buyer_fault_reference": rows.faults,
        "id": rows.appointments,
        "attachment_id": rows.attachments,
    }

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        generated = st.just(path_parameters)
        names = [name for name in path_parameters or {} if name in real]
        if not names:
            return generated
        existing = st.fixed_dictionaries({name: st.sampled_from(real[name]) for name in names})
        return generated | existing.map(lambda found: {**path_parameters, **found})

    return schema


def _published_operations() -> list[str]:
    """Every operation under /api/v1/ ("GET /api/v1/faults/", …), from the schema generator, so
    that each is a test of its own (its own rows, its own transaction, its own report)."""
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return sorted(
        f"{method.upper()} {path}"
        for path, item in paths.items()
        if path.startswith("/api/v1/")
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    )


OPERATIONS = _published_operations()


def test_every_operation_the_app_serves_is_fuzzed(api_schema):
    served = {result.ok().label for result in api_schema.get_all_operations()}
    assert served == set(OPERATIONS)


@pytest.mark.parametrize("label", OPERATIONS)
def test_every_answer_keeps_to_the_published_schema(api_schema, token, label):
    operation = api_schema.find_operation_by_label(label)

    failures = fuzz(operation, headers={"Authorization": f"Token {token}"})

    assert not failures, failures


# --- what the fuzzing cannot see: the schema's own promises and the unrouted URLs --------------
def test_the_schema_generates_valid_and_without_warnings(tmp_path):
    # A warning is a part of the API that drf-spectacular had to guess (and partners with it).
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))


def test_the_schema_documents_what_the_api_refuses(agent_api):
    schema = agent_api.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    create = components["FaultCreateRequest"]
    faults = schema["paths"]["/api/v1/faults/"]

    assert create["additionalProperties"] is False  # unknown fields are refused
    assert create["properties"]["service_id"]["minLength"] == 1  # so are blanks
    assert components["AttachmentUploadRequest"]["properties"]["file"]["format"] == "binary"
    assert "404" in faults["get"]["responses"]  # a page past the end
    assert "415" in faults["post"]["responses"]
    assert (
        "404"
        in schema["paths"]["/integrations/cityfibre/{partner_slug}/notify/"]["post"]["responses"]
    )  # an unknown partner slug


def test_a_reference_stored_before_the_rule_is_answered_as_the_schema_says(api_schema, token):
    operation = api_schema["/api/v1/faults/"]["GET"]

    response = operation.Case().call(headers={"Authorization": f"Token {token}"})

    listed = {row["buyer_fault_reference"]: row for row in response.json()["results"]}
    assert listed[STORED_BEFORE_THE_RULE]["url"] is None
    operation.validate_response(response)  # raises with the mismatch


def test_the_reference_rule_is_published_for_what_the_api_accepts(agent_api):
    components = agent_api.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    requested = components["FaultCreateRequest"]["properties"]["buyer_fault_reference"]

    assert re.fullmatch(requested["pattern"], "HO-a.b_1")
    assert not re.fullmatch(requested["pattern"], STORED_BEFORE_THE_RULE)
    assert requested["maxLength"] == 36


def test_the_schema_allows_what_the_api_answers_for_missing_values(agent_api):
    schema = agent_api.get("/api/schema/", {"format": "json"}).json()
    detail = schema["components"]["schemas"]["FaultDetail"]["properties"]

    assert detail["parent"]["nullable"] is True
    assert {"type": "string", "maxLength": 0} in detail["end_user_email"]["oneOf"]
    assert schema["components"]["schemas"]["Sla"]["properties"]["due_at"]["nullable"] is True


UNROUTED = ["/api/v1/appointments/-1/", "/api/v1/faults/TEST-1/attachments/x/", "/api/v1/"]


@pytest.mark.parametrize("method", ["get", "post", "patch"])
@pytest.mark.parametrize("path", [*UNROUTED, "/api/v1/faults/TEST-1/no-such-action/"])
def test_a_url_under_the_api_that_names_no_endpoint_answers_the_apis_404(agent_api, method, path):
    response = getattr(agent_api, method)(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert path in error["message"]


def test_a_path_without_its_final_slash_is_told_so(agent_api):
    response = agent_api.get("/api/v1/faults")

    assert response.status_code == 404
    assert "end with a slash" in response.json()["error"]["message"]


@pytest.mark.parametrize("path", UNROUTED)
def test_an_anonymous_caller_is_asked_to_authenticate_there_too(path):
    # As at every API URL: no login page redirect, no CSRF page, no HTML.
    response = Client(enforce_csrf_checks=True).post(path)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_date_time_is_answered_in_utc_whatever_its_year(agent_api, partner, buyer_identifier):
    # In Europe/London time 1763 has a -00:01:15 offset, which no RFC 3339 date-time can carry.
    fault = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)
    url = f"/api/v1/faults/{fault.buyer_fault_reference}/"

    answer = agent_api.patch(url, {"fault_start_time": "1763-07-25T17:01:34Z"}, format="json")

    assert answer.status_code == 200
    assert answer.json()["fault_start_time"] == "1763-07-25T17:01:34Z"
    assert agent_api.get(url).json()["created_at"].endswith("Z")
