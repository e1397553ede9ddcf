"""Issue 17: the log lines as production writes them (settings.LOGGING with LOG_FORMAT=json):
one JSON object a line, each carrying the request id it belongs to (the one the response
returns in X-Request-ID), or the message, fault and partner it concerns; a refusal (403, 404,
409) is one line without a traceback, a server error keeps its traceback as a field. In
development the same lines are key=value pairs."""

import contextlib
import copy
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils.log import configure_logging

from faults.services import Actor, fault_submit
from integrations.choices import InboundStatus, OutboundStatus
from integrations.inbox import inbox_apply
from integrations.models import InboundMessage, OutboundMessage, Partner
from integrations.outbox import outbox_deliver
from tests.factories import FaultFactory
from tests.helpers import bring_to
from tests.scripted_partner import Reply, ScriptedPartner

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
FAULTS = "/api/v1/faults/"


def _configured(settings, fmt: str):
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["formatter"] = fmt
    buffer = io.StringIO()
    with contextlib.redirect_stderr(buffer):  # the handler takes sys.stderr when configured
        configure_logging(settings.LOGGING_CONFIG, config)
    return buffer


@contextlib.contextmanager
def _restored(settings):
    try:
        yield
    finally:
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


@pytest.fixture
def json_lines(settings):
    """The console handler as production configures it (the JSON formatter), into a buffer;
    returns a function that parses what was written, one JSON object a line."""
    with _restored(settings):
        buffer = _configured(settings, "json")
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]


@pytest.fixture
def keyvalue_output(settings):
    with _restored(settings):
        yield _configured(settings, "keyvalue")


# --- requests -----------------------------------------------------------------------------------
@pytest.mark.urls("tests.project.log_urls")
def test_a_requests_lines_carry_the_id_the_response_returns(json_lines, agent_client):
    response = agent_client.get("/test-logs/refused/")  # logged inside the request

    assert response.status_code == 403
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    [line] = json_lines()
    assert line["request_id"] == request_id
    assert line["level"] == "WARNING"
    assert line["logger"] == "django.request"
    assert line["message"] == "Forbidden (Permission denied): /test-logs/refused/"
    assert line["status_code"] == 403
    assert "exc_info" not in line


def test_the_proxys_request_id_is_kept_and_a_malformed_one_replaced(json_lines, agent_client):
    given = "0123456789abcdef0123456789abcdef"  # nginx's $request_id

    kept = agent_client.get("/no-such-page/", HTTP_X_REQUEST_ID=given)
    replaced = agent_client.get("/no-such-page/", HTTP_X_REQUEST_ID='x" level="DEBUG')

    assert kept["X-Request-ID"] == given
    assert replaced["X-Request-ID"] != 'x" level="DEBUG'
    assert len(replaced["X-Request-ID"]) == 32
    first, second = json_lines()
    assert (first["request_id"], first["status_code"]) == (given, 404)
    assert second["request_id"] == replaced["X-Request-ID"]


def test_two_requests_have_two_ids(agent_client):
    first = agent_client.get("/")
    second = agent_client.get("/")

    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.urls("tests.project.log_urls")
def test_refusals_403_404_409_are_one_line_each_without_a_traceback(
    json_lines, agent_client, agent_api, draft
):
    pending = bring_to(draft, "pending")
    answers = [
        agent_client.get("/test-logs/refused/"),  # Django's PermissionDenied
        agent_client.get("/no-such-page/"),  # Django's Http404
        agent_api.get(f"{FAULTS}NO-SUCH-FAULT/"),  # DRF's NotFound, handled by DRF
        agent_api.post(f"{FAULTS}{pending.buyer_fault_reference}/submit/"),  # 409
    ]

    assert [answer.status_code for answer in answers] == [403, 404, 404, 409]
    lines = json_lines()
    refusals = [line for line in lines if line["logger"] == "django.request"]
    assert [line["status_code"] for line in refusals] == [403, 404, 404, 409]
    assert [line["request_id"] for line in refusals] == [a["X-Request-ID"] for a in answers]
    assert not [line for line in lines if "exc_info" in line], lines


@pytest.mark.urls("tests.project.log_urls")
def test_a_server_error_keeps_its_traceback_as_a_field(json_lines, agent_client):
    agent_client.raise_request_exception = False

    response = agent_client.get("/test-logs/bug/")

    assert response.status_code == 500
    [line] = json_lines()  # the traceback inside the line, not lines of its own
    assert line["level"] == "ERROR"
    assert line["message"] == "Internal Server Error: /test-logs/bug/"
    assert line["request_id"] == response["X-Request-ID"]
    assert line["exc_info"].startswith("Traceback (most recent call last):")
    assert "RuntimeError: a bug in a view" in line["exc_info"]


# --- messages -----------------------------------------------------------------------------------
def test_a_message_that_fails_to_apply_is_logged_with_its_message_fault_and_partner(
    json_lines, partner, buyer_identifier, sla_policy
):
    fault = bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "pending")
    message = InboundMessage.objects.create(
        partner=partner,
        fault=fault,
        message_type="notifyFaultReportUpdate",
        message_id="CF-LOG-1",
        body_sha256="0" * 64,
        body=b"<not a notification",
    )

    inbox_apply(inbound_id=message.pk)

    assert InboundMessage.objects.get(pk=message.pk).status == InboundStatus.RECEIVED  # retried
    [line] = [line for line in json_lines() if line["logger"] == "integrations.inbox"]
    assert line["message"].startswith("Applying notifyFaultReportUpdate CF-LOG-1")
    assert line["message_id"] == "CF-LOG-1"
    assert line["inbound_id"] == message.pk
    assert line["fault"] == fault.buyer_fault_reference
    assert line["partner"] == partner.slug
    assert "Traceback" in line["exc_info"]


def test_a_delivery_is_logged_with_its_message_fault_and_partner(
    json_lines, partner, buyer_identifier, sla_policy
):
    Partner.objects.filter(pk=partner.pk).update(read_timeout=0.5, connect_timeout=0.5)
    fault = FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)
    fault_submit(fault_id=fault.pk, actor=Actor.system("test"))
    message = OutboundMessage.objects.get(fault=fault)

    with ScriptedPartner(Reply(503)) as server:
        Partner.objects.filter(pk=partner.pk).update(base_url=f"{server.url}/api/")
        assert outbox_deliver(outbound_id=message.pk) == OutboundStatus.PENDING

    [line] = [line for line in json_lines() if line["logger"] == "integrations.http"]
    assert line["message"].endswith("-> 503 (retry)")
    assert line["message_id"] == message.message_id
    assert line["outbound_id"] == message.pk
    assert line["fault"] == fault.buyer_fault_reference
    assert line["partner"] == partner.slug


# --- development, and production's default -----------------------------------------------------
def test_development_lines_are_key_value_pairs(keyvalue_output, agent_client):
    response = agent_client.get("/no-such-page/", HTTP_X_REQUEST_ID="dev-request-0001")

    assert response.status_code == 404
    [line] = keyvalue_output.getvalue().splitlines()
    assert line.split(" ", 1)[0].startswith("time=")
    assert ' level=WARNING logger=django.request message="Not Found: /no-such-page/"' in line
    assert line.endswith(" status_code=404 request_id=dev-request-0001")


def test_production_writes_json_without_being_told():
    """Without DEBUG (and without LOG_FORMAT) a process logs JSON; LOG_FORMAT=keyvalue and a
    wrong LOG_FORMAT are honoured and refused."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "SECRET_KEY": "x" * 60,
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",  # nothing here reads it
        "ALLOWED_HOSTS": "noc.example",
    }
    script = "import logging; logging.getLogger('noc').warning('hello %s', 'world')"

    def run(*command: str, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=120,
        )

    shell = ("shell", "--no-imports", "-c", script)
    production, development = run(*shell), run(*shell, LOG_FORMAT="keyvalue")
    wrong = run("check", LOG_FORMAT="xml")

    assert production.returncode == 0, production.stderr
    [line] = [json.loads(text) for text in production.stderr.splitlines()]
    assert {k: line[k] for k in ("level", "logger", "message")} == {
        "level": "WARNING",
        "logger": "noc",
        "message": "hello world",
    }
    assert 'level=WARNING logger=noc message="hello world"' in development.stderr
    assert wrong.returncode != 0
    assert "LOG_FORMAT must be json or keyvalue" in wrong.stderr
