"""The ingest benchmark: the real webhook against a view that only inserts the raw body, both
under gunicorn on the configured PostgreSQL and Redis, then the rate at which a real worker
applies what was acknowledged."""

import os
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.db import connection

from devtools.bench import apply
from devtools.bench.load import LoadResult, post_all
from devtools.pki import ensure_demo_pki
from faults.choices import FaultStatus
from faults.models import Fault
from integrations.choices import Environment
from integrations.models import BuyerIdentifier, InboundMessage, Partner
from integrations.security import proxy_headers

SLUG = "bench-supplier"
# The benchmark plays the proxy's mutual-TLS site for the gunicorn it starts.
BENCH_PROXY_SECRET = "bench-partner-proxy-secret"
STATUSES = ("accepted", "in-progress", "on-hold", "in-progress", "resolved")
NOTIFY = """<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<notifyFaultReportUpdate><apiVersion>1.0</apiVersion><buyerIdentifier>BENCH1</buyerIdentifier>
<sentAt>{sent}</sentAt><messageId>CF-{n}</messageId><serviceAffected>S{fault}</serviceAffected>
<buyerFaultReference>BENCH-{fault:05d}</buyerFaultReference>
<maintainerFaultReference>CS{fault:07d}</maintainerFaultReference>
<faultDetails><description>Bench fault {fault}</description><type>Impaired Service</type>
<status>{status}</status><statusReason>Step {n}</statusReason>
<faultStartTime>2026-11-20T09:00:00Z</faultStartTime><faultLocation>Cabinet {fault}</faultLocation>
<siteAccessDetails>Reception</siteAccessDetails>
<siteAccessContactDetails><phone>01632 960000</phone></siteAccessContactDetails>
<triageComplete>true</triageComplete>
<triageFindings>Fibre break</triageFindings></faultDetails>
<updates><update><description>{status} (message {n})</description><updatedBy>seller</updatedBy>
<updatedTime>{sent}</updatedTime></update></updates></notifyFaultReportUpdate>
</soap:Body></soap:Envelope>"""


@dataclass(frozen=True)
class BenchConfig:
    faults: int = 200
    requests: int = 3000
    concurrency: int = 8
    gunicorn_workers: int = 4
    port: int = 8765
    # The ratio webhook / minimal view swings with whatever else the machine runs: it is
    # measured this many times (each run both views, their order alternating) and the median
    # is the figure.
    ingest_runs: int = 3


def _setup(config: BenchConfig) -> dict[str, str]:
    pki = ensure_demo_pki(Path(settings.BASE_DIR) / "var" / "certs" / "bench")
    partner, _ = Partner.objects.update_or_create(
        slug=SLUG,
        defaults={
            "name": "Bench supplier",
            "protocol": "cityfibre",
            "environment": Environment.SIMULATOR,
            "base_url": "http://127.0.0.1:9/",
            "client_cert_fingerprints": pki.supplier_client.fingerprint,
            "allowed_networks": "127.0.0.1/32",
            "max_inbound_bytes": 256 * 1024,
        },
    )
    buyer, _ = BuyerIdentifier.objects.get_or_create(
        partner=partner, code="BENCH1", defaults={"is_default": True}
    )
    submitted = datetime.now(UTC) - timedelta(days=1)
    existing = set(
        Fault.objects.filter(supplier=partner).values_list("buyer_fault_reference", flat=True)
    )
    Fault.objects.bulk_create(
        Fault(
            buyer_fault_reference=f"BENCH-{i:05d}",
            supplier=partner,
            buyer_identifier=buyer,
            service_id=f"S{i}",
            fault_type="Impaired Service",
            status=FaultStatus.PENDING,
            submitted_at=submitted,
        )
        for i in range(config.faults)
        if f"BENCH-{i:05d}" not in existing
    )
    return {
        **proxy_headers(
            escaped_cert=pki.supplier_client.proxy_header,
            forwarded_for="127.0.0.1",
            secret=BENCH_PROXY_SECRET,
        ),
        "Content-Type": "text/xml; charset=utf-8",
    }


def _bodies(config: BenchConfig, offset: int) -> list[bytes]:
    start = datetime.now(UTC)
    bodies = []
    for n in range(offset, offset + config.requests):
        fault = n % config.faults
        step = n // config.faults
        # A millisecond apart from now on, whatever the offset: a message numbered 10 000 000
        # sent 2.8 hours ahead was taken as sent now (and an anomaly recorded), after which the
        # next batch's statuses, sent earlier, were stale.
        sent = (start + timedelta(milliseconds=n - offset)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        status = STATUSES[min(step, len(STATUSES) - 1)]
        bodies.append(NOTIFY.format(sent=sent, n=n, fault=fault, status=status).encode())
    return bodies


def _server_env() -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-" * 8,
        "ALLOWED_HOSTS": "127.0.0.1",
        "TRUSTED_PROXY_IPS": "127.0.0.1/32",
        "PARTNER_PROXY_SECRET": BENCH_PROXY_SECRET,
        "BENCH_ENDPOINTS": "1",
        "LOG_LEVEL": "WARNING",
    }


def _start(args: list[str], wait_for_port: int | None = None) -> subprocess.Popen:
    process = subprocess.Popen(
        args,
        cwd=settings.BASE_DIR,
        env=_server_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    if wait_for_port:
        import socket

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", wait_for_port), timeout=0.5).close()
                return process
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")
    return process


def _stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def _line(out: TextIO, name: str, result: LoadResult) -> None:
    out.write(
        f"  {name:<46} {result.per_second:8.1f} ack/s   p50 {result.p50:7.2f} ms   "
        f"p99 {result.p99:7.2f} ms   ({result.ok}/{result.requests} ok)\n"
    )


def _ingest_runs(
    config: BenchConfig, *, raw: str, notify: str, headers: dict[str, str]
) -> list[tuple[LoadResult, LoadResult]]:
    """(minimal view, webhook) per run. Every run sends new messages (new message ids, the
    faults' statuses moving on), and runs the two views in turn, the first one alternating, so
    that a change in the machine's load during the run weighs on both alike."""
    runs = []
    for number in range(config.ingest_runs):
        bodies = _bodies(config, number * config.requests)
        order = ("raw", "notify") if number % 2 == 0 else ("notify", "raw")
        results = {}
        for which in order:
            url = raw if which == "raw" else notify
            results[which] = post_all(url, bodies, headers=headers, concurrency=config.concurrency)
        runs.append((results["raw"], results["notify"]))
    return runs


def _report_ingest(
    out: TextIO, config: BenchConfig, runs: list[tuple[LoadResult, LoadResult]]
) -> None:
    out.write(
        f"Webhook ingest, gunicorn {config.gunicorn_workers} sync workers, "
        f"{config.concurrency} concurrent clients, {config.requests} requests each, "
        f"{len(runs)} runs, PostgreSQL + Redis, {os.cpu_count()} CPUs "
        f"(load average {os.getloadavg()[0]:.1f})\n"
    )
    ratios = []
    for number, (baseline, webhook) in enumerate(runs, start=1):
        _line(out, f"run {number}: minimal view (insert raw body)", baseline)
        _line(out, f"run {number}: notifyFaultReportUpdate webhook", webhook)
        ratio = webhook.per_second / baseline.per_second if baseline.per_second else 0.0
        ratios.append(ratio)
        out.write(f"  run {number}: ratio webhook / minimal view {ratio:.2f}\n")
    median = statistics.median(ratios)
    out.write(
        f"  ratio webhook / minimal view: {' '.join(f'{r:.2f}' for r in ratios)}, "
        f"median {median:.2f}   (goal >= 0.8: {'PASS' if median >= 0.8 else 'FAIL'})\n"
    )


def run(out: TextIO, config: BenchConfig) -> None:
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis"):
        raise RuntimeError(
            "make bench needs DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL "
            "(Redis); the Makefile target sets both."
        )
    headers = _setup(config)
    base = f"http://127.0.0.1:{config.port}"
    gunicorn = _start(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-w",
            str(config.gunicorn_workers),
            "-b",
            f"127.0.0.1:{config.port}",
            "--log-level",
            "warning",
        ],
        wait_for_port=config.port,
    )
    try:
        notify = f"{base}/integrations/cityfibre/{SLUG}/notify/"
        raw = f"{base}/integrations/_bench/{SLUG}/raw/"
        warm = _bodies(BenchConfig(config.faults, 200), offset=10_000_000)
        post_all(raw, warm, headers=headers, concurrency=config.concurrency)
        post_all(notify, warm, headers=headers, concurrency=config.concurrency)
        InboundMessage.objects.filter(message_type="bench-raw").delete()
        runs = _ingest_runs(config, raw=raw, notify=notify, headers=headers)
    finally:
        _stop(gunicorn)

    _report_ingest(out, config, runs)

    # The apply part (devtools/bench/apply.py): the backlog the webhook left, then 1, 2 and 4
    # worker processes each on a backlog of the same messages, against the median ingest rate.
    apply.run(
        out,
        apply.ApplyBenchConfig(
            ingest_per_second=statistics.median(webhook.per_second for _, webhook in runs),
            gunicorn_workers=config.gunicorn_workers,
            bodies=lambda offset: _bodies(config, offset),
            slug=SLUG,
        ),
        start=_start,
        stop=_stop,
    )
