"""`python manage.py simulate_cityfibre`: the supplier simulator in the foreground until Ctrl-C
(or SIGTERM, as honcho sends), one log line per request received and notification sent."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.cityfibre.simulator import CityFibreSimulator, Scenario
from integrations.cityfibre.simulator.state import APPOINTMENT_SHAPES
from integrations.simulation.command import log_to, wait_for_signal
from integrations.simulation.tls import SimulatorTlsMissing, simulator_tls_in

DEFAULT_NOTIFY_URL = "http://127.0.0.1:8000/integrations/cityfibre/demo-supplier/notify/"
DEFAULT_BUYER_IDENTIFIER = "SPDEV1"


class Command(BaseCommand):
    help = (
        "Run the supplier (Ticketing API) simulator: it validates and answers addFaultReport, "
        "amendFaultReport, resolveResponse and requestFaultReportUpdate, then drives each fault "
        "through its life by notifying --notify-url. Control API under /_sim/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to bind (127.0.0.1).")
        parser.add_argument("--port", type=int, default=8081, help="Port (8081; 0 picks one).")
        parser.add_argument(
            "--notify-url",
            default=DEFAULT_NOTIFY_URL,
            help=f"Our webhook, where notifications go ({DEFAULT_NOTIFY_URL}).",
        )
        parser.add_argument(
            "--buyer-identifier",
            action="append",
            dest="buyer_identifiers",
            metavar="CODE",
            help=f"A buyer identifier the supplier knows; repeatable ({DEFAULT_BUYER_IDENTIFIER}).",
        )
        parser.add_argument(
            "--step-delay", type=float, default=5.0, help="Seconds between workflow steps (5)."
        )
        parser.add_argument(
            "--scenario",
            default=Scenario.HAPPY.value,
            help=(
                "Default scenario for faults whose service has no SIM- prefix: "
                f"{', '.join(s.value for s in Scenario)} (happy)."
            ),
        )
        parser.add_argument(
            "--auto-close-after",
            type=float,
            default=172800.0,
            help="Seconds a resolved fault waits for our resolveResponse before closing (48 h).",
        )
        parser.add_argument(
            "--tls-dir",
            type=Path,
            help=(
                "Serve HTTPS with mutual TLS from the demo PKI in this directory (`make run` and "
                "`manage.py demo_pki` make it); notifications then carry the supplier's client "
                "certificate."
            ),
        )
        parser.add_argument(
            "--pki-dir",
            type=Path,
            help=(
                "Plain HTTP, but notifications carry the supplier's client certificate from the "
                "demo PKI in this directory (see --tls-dir), as the TLS proxy would pass it."
            ),
        )
        parser.add_argument(
            "--forwarded-for",
            default="127.0.0.1",
            help="X-Forwarded-For on notifications: the address the proxy saw (127.0.0.1).",
        )
        parser.add_argument(
            "--send-proxy-secret",
            action="store_true",
            help=(
                "Send PARTNER_PROXY_SECRET on notifications, as the proxy's mutual-TLS site "
                "adds it. Only with DEBUG is it sent without this (its fixed development value): "
                "otherwise it is the real secret, and it would go to whatever --notify-url names."
            ),
        )
        parser.add_argument(
            "--notify-attempts",
            type=int,
            default=5,
            help="Attempts per notification until our endpoint answers 200 (5).",
        )
        parser.add_argument(
            "--reservation-ttl",
            type=float,
            default=1800.0,
            help="Seconds an appointment reservation key stays valid (1800).",
        )
        parser.add_argument(
            "--appointment-shape",
            choices=sorted(APPOINTMENT_SHAPES),
            default="samples",
            help=(
                "Appointment notifications as the supplier's samples write them (samples: "
                "<appointments><appointment>, which its XSD does not allow) or as the XSD "
                "allows (xsd: one <appointment>)."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            scenario = Scenario.parse(options["scenario"]).value
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if options["reservation_ttl"] < 0:
            raise CommandError("--reservation-ttl: must be at least 0")
        try:
            tls = simulator_tls_in(options["tls_dir"]) if options["tls_dir"] else None
            pki = tls or (simulator_tls_in(options["pki_dir"]) if options["pki_dir"] else None)
        except SimulatorTlsMissing as exc:
            raise CommandError(str(exc)) from None
        log_to(self.stdout, "integrations.cityfibre.simulator", "integrations.simulation")
        # What the proxy's mutual-TLS site adds: sent only in DEBUG (the fixed development
        # value) or when asked for, never the production secret to an address typed by hand.
        send_secret = settings.DEBUG or options["send_proxy_secret"]
        proxy_secret = settings.PARTNER_PROXY_SECRET if send_secret else ""
        simulator = CityFibreSimulator(
            host=options["host"],
            port=options["port"],
            notify_url=options["notify_url"],
            buyer_identifiers=set(options["buyer_identifiers"] or [DEFAULT_BUYER_IDENTIFIER]),
            step_delay=options["step_delay"],
            scenario=scenario,
            auto_close_after=options["auto_close_after"],
            supplier_client_cert=pki.supplier_client if pki else None,
            tls=tls,
            forwarded_for=options["forwarded_for"],
            proxy_secret=proxy_secret,
            notify_attempts=options["notify_attempts"],
            reservation_ttl=options["reservation_ttl"],
            appointment_shape=options["appointment_shape"],
        )
        try:
            simulator.start()
        except OSError as exc:
            where = f"{options['host']}:{options['port']}"
            raise CommandError(f"Cannot listen on {where}: {exc}") from None
        identity = "with" if pki else "WITHOUT"
        secret = "with" if proxy_secret else "without"
        self.stdout.write(
            f"CityFibre simulator on {simulator.url}/ (control API {simulator.url}/_sim/state), "
            f"notifying {options['notify_url']} {identity} a supplier client certificate "
            f"and {secret} the proxy secret; "
            f"scenario {scenario}, step delay {options['step_delay']:g}s. Ctrl-C stops it."
        )
        self.stdout.flush()
        wait_for_signal()
        self.stdout.write("Stopping the simulator.")
        simulator.stop()
