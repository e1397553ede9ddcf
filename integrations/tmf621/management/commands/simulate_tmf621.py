"""`python manage.py simulate_tmf621`: the TMF621 supplier simulator in the foreground until
Ctrl-C (or SIGTERM, as honcho sends), one log line per request received and event sent."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.simulation.command import log_to, wait_for_signal
from integrations.simulation.settings import ConfigError
from integrations.simulation.tls import SimulatorTlsMissing, simulator_tls_in
from integrations.tmf621.simulator import Scenario, Tmf621Simulator


class Command(BaseCommand):
    help = (
        "Run the TMF621 Trouble Ticket supplier simulator: a token endpoint (/oauth/token, HTTP "
        "Basic), the API under /tmf-api/troubleTicket/v4/, and events posted to the listener "
        "registered with POST /hub (or --callback). Control API under /_sim/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to bind (127.0.0.1).")
        parser.add_argument("--port", type=int, default=8082, help="Port (8082; 0 picks one).")
        parser.add_argument(
            "--tls-dir",
            type=Path,
            help=(
                "Serve HTTPS with the demo PKI's server certificate from this directory "
                "(`make run` and `manage.py demo_pki` make it); no client certificate is asked."
            ),
        )
        parser.add_argument(
            "--client-id", required=True, help="The client id the token endpoint takes."
        )
        parser.add_argument(
            "--client-secret", required=True, help="The client secret the token endpoint takes."
        )
        parser.add_argument(
            "--listener-token",
            required=True,
            help="The bearer token events carry to our listener (Authorization: Bearer …).",
        )
        parser.add_argument(
            "--callback",
            default="",
            help=(
                "Where events go until a listener registers with POST /hub, e.g. "
                "http://127.0.0.1:8000/integrations/tmf621/<partner slug> (none)."
            ),
        )
        parser.add_argument(
            "--step-delay", type=float, default=5.0, help="Seconds between workflow steps (5)."
        )
        parser.add_argument(
            "--token-ttl", type=float, default=3600.0, help="Seconds an access token lives (3600)."
        )
        parser.add_argument(
            "--scenario",
            default=Scenario.HAPPY.value,
            help=(
                "Scenario of tickets whose service has no SIM- prefix: "
                f"{', '.join(s.value for s in Scenario)} (happy)."
            ),
        )
        parser.add_argument(
            "--unavailable-count",
            type=int,
            default=2,
            help="How many of a SIM-503- ticket's first calls are answered 503 (2).",
        )
        parser.add_argument(
            "--auto-close-after",
            type=float,
            default=172800.0,
            help="Seconds a resolved ticket waits for our answer before closing (48 h).",
        )
        parser.add_argument(
            "--notify-attempts",
            type=int,
            default=20,
            help="Attempts per event until our listener answers (20; backoff up to 30 s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            tls = None
            if options["tls_dir"]:
                tls = simulator_tls_in(options["tls_dir"], client_certificate=False)
            simulator = Tmf621Simulator(
                host=options["host"],
                port=options["port"],
                tls=tls,
                client_id=options["client_id"],
                client_secret=options["client_secret"],
                listener_token=options["listener_token"],
                callback=options["callback"],
                step_delay=options["step_delay"],
                token_ttl=options["token_ttl"],
                scenario=options["scenario"],
                unavailable_count=options["unavailable_count"],
                auto_close_after=options["auto_close_after"],
                notify_attempts=options["notify_attempts"],
            )
        except (SimulatorTlsMissing, ConfigError) as exc:
            raise CommandError(str(exc)) from None
        log_to(self.stdout, "integrations.tmf621.simulator", "integrations.simulation")
        try:
            simulator.start()
        except OSError as exc:
            where = f"{options['host']}:{options['port']}"
            raise CommandError(f"Cannot listen on {where}: {exc}") from None
        callback = options["callback"] or "the listener registered with POST /hub"
        config = simulator.state()["config"]
        self.stdout.write(
            f"TMF621 simulator on {simulator.api_url}/ (token {simulator.token_url}, control API "
            f"{simulator.url}/_sim/state), events to {callback}; scenario {config['scenario']}, "
            f"step delay {config['step_delay']:g}s, tokens live {config['token_ttl']:g}s. "
            "Ctrl-C stops it."
        )
        self.stdout.flush()
        wait_for_signal()
        self.stdout.write("Stopping the simulator.")
        simulator.stop()
