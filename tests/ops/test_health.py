"""/healthz and /readyz (issue 17): open to a load balancer, cheap, and /readyz answers 503 naming
the check that failed: the database (a closed port, a database that does not exist), the broker
(a closed port) or a beat sweep that has not run for too long."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.utils import timezone

from integrations.tasks import sweep_outbox
from ops.models import SweepRun
from tests.e2e.processes import free_port

OUTBOX_SWEEP = "integrations-outbox-sweep"


def test_healthz_answers_without_credentials_or_the_database(client):
    # No django_db mark: pytest-django fails any database access in this test.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ready_when_everything_answers(client, django_assert_max_num_queries):
    first = client.get("/readyz")

    assert first.status_code == 200
    assert first.json() == {
        "status": "ready",
        "checks": {"database": "ok", "broker": "ok", "sweeps": "ok"},
    }
    # Polled every second: a SELECT 1 and one read of the sweeps' last runs.
    with django_assert_max_num_queries(2):
        assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_readyz_is_503_when_the_broker_does_not_answer(client, settings, caplog):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "not ready",
        "checks": {"database": "ok", "broker": "failed", "sweeps": "ok"},
    }
    assert "redis" not in response.text
    # Polled every second: one line saying why, no traceback, no second line from Django.
    lines = [r for r in caplog.records if r.name in ("ops.health", "django.request")]
    assert [(r.name, r.exc_info) for r in lines] == [("ops.health", None)]
    assert "the broker did not answer" in lines[0].getMessage()


@pytest.fixture(params=["closed port", "no such database"])
def database_down(request, transactional_db):
    """The default connection pointed at a closed port, or at a database that does not exist;
    put back afterwards."""
    connection = connections["default"]
    saved = dict(connection.settings_dict)
    connection.close()
    if request.param == "closed port":
        connection.settings_dict["PORT"] = str(free_port())
    else:
        connection.settings_dict["NAME"] = f"{saved['NAME']}_does_not_exist"
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


def test_readyz_is_503_when_the_database_does_not_answer(client, database_down):
    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body == {
        "status": "not ready",
        "checks": {"database": "failed", "broker": "ok", "sweeps": "unknown"},
    }
    # Nothing about where the database is or why it failed.
    assert "does_not_exist" not in response.text
    assert "connection" not in response.text.lower()


@pytest.mark.django_db
def test_readyz_is_503_while_a_sweep_is_overdue_and_ready_again_once_it_ran(client):
    long_ago = timezone.now() - timedelta(hours=1)
    SweepRun.objects.create(
        task="integrations.tasks.sweep_outbox", last_run_at=long_ago, watched_since=long_ago
    )

    overdue = client.get("/readyz")

    assert overdue.status_code == 503
    assert overdue.json() == {
        "status": "not ready",
        "checks": {"database": "ok", "broker": "ok", "sweeps": {"overdue": [OUTBOX_SWEEP]}},
    }

    sweep_outbox.apply()  # the task as a worker runs it: its run is recorded

    assert SweepRun.objects.get(task="integrations.tasks.sweep_outbox").last_run_at > long_ago
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_a_sweep_that_never_ran_is_overdue_once_its_schedule_and_grace_have_passed(client):
    interval = django_settings.CELERY_BEAT_SCHEDULE[OUTBOX_SWEEP]["schedule"]
    grace = timedelta(seconds=django_settings.READYZ_SWEEP_GRACE_SECONDS)
    assert client.get("/readyz").status_code == 200  # watched from now: not late yet

    SweepRun.objects.filter(task="integrations.tasks.sweep_outbox").update(
        watched_since=timezone.now() - interval - max(grace, interval) - timedelta(seconds=5)
    )

    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["sweeps"] == {"overdue": [OUTBOX_SWEEP]}
