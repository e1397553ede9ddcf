"""/metrics over real processes (issue 17): a fault raised through the API is delivered by a real
Celery worker to the supplier's simulator, whose notifications reach our webhook and are applied
by the worker; the scrape, summing the worker's processes (prometheus_client's multiprocess mode),
counts the deliveries, their latency, the applied notifications and the tasks that did it."""

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from integrations.choices import InboundStatus, OutboundStatus
from integrations.models import InboundMessage, OutboundMessage
from ops.models import SweepRun
from tests.e2e.conftest import SLUG, raise_fault
from tests.e2e.fault_life import all_settled, reaches
from tests.e2e.processes import wait_for
from tests.ops.scrape import TOKEN, value

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def scrape(url: str) -> dict:
    response = requests.get(
        f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_the_scrape_counts_what_a_real_worker_delivered_and_applied(
    simulator, start_worker, api, live_server, settings, tmp_path
):
    directory = tmp_path / "prometheus"
    directory.mkdir()
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_TOTALS_SECONDS = 0
    settings.PROMETHEUS_MULTIPROC_DIR = str(directory)
    start_worker(PROMETHEUS_MULTIPROC_DIR=str(directory))

    idle = scrape(live_server.url)
    assert value(idle, "noc_outbound_messages", partner=SLUG, status="delivered") == 0

    reference = raise_fault(api, "SIM-METRICS-1")
    reaches(reference, "accepted")
    wait_for(all_settled, timeout=30, what="every message delivered and applied")

    delivered = OutboundMessage.objects.filter(status=OutboundStatus.DELIVERED).count()
    applied = InboundMessage.objects.filter(status=InboundStatus.APPLIED).count()
    assert delivered >= 1 and applied >= 1
    samples = scrape(live_server.url)
    # From the database, at scrape time.
    assert value(samples, "noc_outbound_messages", partner=SLUG, status="delivered") == delivered
    assert value(samples, "noc_outbound_messages", partner=SLUG, status="pending") == 0
    assert value(samples, "noc_inbound_messages", partner=SLUG, status="applied") == applied
    assert value(samples, "noc_outbound_oldest_undelivered_age_seconds", partner=SLUG) == 0

    # From the worker's pool processes, summed over their files. The outbox counts a call after
    # its commit, so the count can trail the database by a moment: awaited on later scrapes.
    def attempts_counted() -> bool:
        later = scrape(live_server.url)
        return (
            value(later, "noc_outbound_attempts_total", partner=SLUG, outcome="delivered")
            == delivered
            and value(later, "noc_outbound_delivery_latency_seconds_count", partner=SLUG)
            == delivered
            and value(later, "noc_outbound_delivery_latency_seconds_sum", partner=SLUG) > 0
        )

    wait_for(attempts_counted, timeout=30, what=f"{delivered} delivered calls counted on /metrics")

    # The worker's tasks: each message was delivered or applied by its own task, or by the sweep
    # that picks up a message whose task was not published (both count). A task is counted in its
    # task_postrun signal, after its transaction committed: the database can show a message
    # applied a moment before the count moves (it failed once so in fresh-clone CI), so the
    # counts are awaited on later scrapes.
    def succeeded(*tasks: str) -> bool:
        later = scrape(live_server.url)
        return (
            sum(
                value(later, "noc_celery_tasks_total", task=task, outcome="success")
                for task in tasks
            )
            >= 1
        )

    wait_for(
        lambda: succeeded("integrations.tasks.deliver_outbound", "integrations.tasks.sweep_outbox"),
        timeout=30,
        what="a delivery task counted on /metrics",
    )
    wait_for(
        lambda: succeeded("integrations.tasks.apply_inbound", "integrations.tasks.sweep_inbox"),
        timeout=30,
        what="an apply task counted on /metrics",
    )
    # Beat's outbox sweep runs every second in the worker; its first run may end after the
    # scrape above (it failed once so in CI): its duration shows on a later scrape.
    wait_for(
        lambda: (
            value(
                scrape(live_server.url),
                "noc_celery_task_duration_seconds_count",
                task="integrations.tasks.sweep_outbox",
            )
            >= 1
        ),
        timeout=30,
        what="the outbox sweep's duration on /metrics",
    )
    # Beat's sweeps ran in the worker (every second here) and recorded their runs for /readyz.
    wait_for(
        lambda: SweepRun.objects.filter(
            task="integrations.tasks.sweep_outbox", last_run_at__isnull=False
        ).exists(),
        timeout=30,
        what="the outbox sweep's run to be recorded",
    )
    assert requests.get(f"{live_server.url}/readyz", timeout=10).status_code == 200
