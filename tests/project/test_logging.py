"""Issue 10 #21: the console shows each request error once, and a refused request (4xx) as one line
without a traceback, as `make run` prints them (DEBUG on, `settings.LOGGING`)."""

import contextlib
import io
import logging
import sys

import pytest
from django.http import HttpRequest
from django.utils.log import configure_logging

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def console(settings):
    """The project's logging configuration, writing to a buffer instead of the terminal."""
    settings.DEBUG = True  # as under `make run`: Django's own console handler prints only then
    buffer = io.StringIO()
    terminal = sys.stderr
    with contextlib.redirect_stderr(buffer):
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    yield buffer
    with contextlib.redirect_stderr(terminal):
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def test_a_permission_denied_page_is_one_line_without_a_traceback(console, client, manager_user):
    client.login(username=manager_user.username, password=TEST_PASSWORD, request=HttpRequest())

    response = client.get("/queue/")  # agents' page: a manager may only read

    assert response.status_code == 403
    output = console.getvalue()
    assert output.count("Forbidden (Permission denied): /queue/") == 1, output
    assert "Traceback" not in output
    assert len(output.splitlines()) == 1


def test_a_page_not_found_is_logged_once(console, client, manager_user):
    client.login(username=manager_user.username, password=TEST_PASSWORD, request=HttpRequest())

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    output = console.getvalue()
    assert output.count("Not Found: /no-such-page/") == 1, output
    assert len(output.splitlines()) == 1


def test_a_server_error_keeps_its_traceback(console):
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        logging.getLogger("django.request").error(
            "Internal Server Error: /x/", exc_info=True, extra={"status_code": 500}
        )

    output = console.getvalue()
    assert "Traceback" in output
    assert output.count("Internal Server Error: /x/") == 1
