"""`manage.py serve_worker_metrics` (issue 17): on a machine of Celery workers only, what the
workers' processes counted in PROMETHEUS_MULTIPROC_DIR, behind the metrics token."""

import os
import re
import subprocess
import sys

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.command_process import ROOT, running_command

TOKEN = "worker-metrics-token"


def test_serves_what_the_workers_counted_and_only_with_the_token(tmp_path):
    directory = tmp_path / "prometheus"
    directory.mkdir()
    env = {"DEBUG": "1", "PROMETHEUS_MULTIPROC_DIR": str(directory), "METRICS_TOKEN": TOKEN}
    # Two processes count a task each, as two pool processes would.
    for outcome in ("success", "failure"):
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "shell",
                "-c",
                "from ops.metrics import CELERY_TASKS; "
                f"CELERY_TASKS.labels('faults.tasks.sweep_sla', '{outcome}').inc()",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )

    with running_command("serve_worker_metrics", "--port", "0", env=env, ready="Ctrl-C") as (
        banner,
        _,
    ):
        url = re.search(r"http://\S+/metrics", banner).group(0)
        without = requests.get(url, timeout=10)
        wrong = requests.get(url, headers={"Authorization": "Bearer wrong"}, timeout=10)
        scraped = requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)

    assert without.status_code == 401
    assert wrong.status_code == 403
    assert scraped.status_code == 200
    samples = {
        (sample.name, sample.labels.get("task"), sample.labels.get("outcome")): sample.value
        for family in text_string_to_metric_families(scraped.text)
        for sample in family.samples
    }
    assert samples[("noc_celery_tasks_total", "faults.tasks.sweep_sla", "success")] == 1
    assert samples[("noc_celery_tasks_total", "faults.tasks.sweep_sla", "failure")] == 1


def test_refuses_to_start_without_a_token(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "serve_worker_metrics", "--port", "0"],
        cwd=ROOT,
        env={
            **{name: value for name, value in os.environ.items() if name != "METRICS_TOKEN"},
            "DEBUG": "1",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
    )

    assert result.returncode != 0
    assert "METRICS_TOKEN" in result.stderr
