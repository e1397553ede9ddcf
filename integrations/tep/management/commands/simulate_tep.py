"""`python manage.py simulate_tep`: the TEP simulator in the foreground until Ctrl-C (or SIGTERM,
as honcho sends), one log line per call received and message delivered."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.simulation.command import log_to, wait_for_signal
from integrations.simulation.settings import ConfigError
from integrations.simulation.tls import SimulatorTlsMissing, simulator_tls_in
from integrations.tep.simulator import Scenario, TepSimulator
from integrations.tep.simulator.state import DELIVERY_MODES


class Command(BaseCommand):
    help = (
        "Run the TEP simulator: TEP's Ticket and Attachment services (SOAP over HTTPS with "
        "mutual TLS) and a supplier behind them that walks each ticket we raise through its "
        "life. Control API under /_sim/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to bind (127.0.0.1).")
        parser.add_argument("--port", type=int, default=8083, help="Port (8083; 0 picks one).")
        parser.add_argument(
            "--tls-dir",
            type=Path,
            help=(
                "Serve HTTPS with mutual TLS from the demo PKI in this directory (`make run` "
                "and `manage.py demo_pki` make it); hosted delivery presents its supplier "
                "client certificate. Without it: plain HTTP (tests of the server only)."
            ),
        )
        parser.add_argument(
            "--step-delay",
            type=float,
            default=5.0,
            help="Seconds between the supplier's steps (5).",
        )
        parser.add_argument(
            "--scenario",
            default=Scenario.HAPPY.value,
            help=(
                "Scenario for tickets whose service id names none: "
                f"{', '.join(s.value for s in Scenario)} (happy)."
            ),
        )
        parser.add_argument(
            "--delivery-mode",
            choices=DELIVERY_MODES,
            default="polling",
            help=(
                "polling: we call GetTicket/GetReceipt; "
                "hosted: it calls our PostTicket/PostReceipt."
            ),
        )
        parser.add_argument(
            "--partner-ticket-url",
            default="",
            help="Hosted mode: our TicketService (PostTicket, PostReceipt).",
        )
        parser.add_argument(
            "--partner-attachment-url",
            default="",
            help="Hosted mode: our AttachmentService (PostAttachment before a ticket's message).",
        )
        parser.add_argument(
            "--poll-interval",
            type=float,
            default=60.0,
            help="Least seconds between two GetTicket (GetReceipt) calls of a caller (60).",
        )
        parser.add_argument(
            "--locked-count",
            type=int,
            default=2,
            help="Locked faults (1100) a SIM-LOCKED ticket's first PostTicket calls get (2).",
        )

        parser.add_argument(
            "--forwarded-for",
            default="127.0.0.1",
            help="Hosted mode: X-Forwarded-For on our calls, the address the proxy saw.",
        )
        parser.add_argument(
            "--send-proxy-secret",
            action="store_true",
            help=(
                "Hosted mode: send PARTNER_PROXY_SECRET, as the proxy's mutual-TLS site adds it. "
                "Only with DEBUG is it sent without this (its fixed development value)."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["delivery_mode"] == "hosted" and not options["partner_ticket_url"]:
            raise CommandError("--delivery-mode hosted needs --partner-ticket-url")
        try:
            tls = simulator_tls_in(options["tls_dir"]) if options["tls_dir"] else None
        except SimulatorTlsMissing as exc:
            raise CommandError(str(exc)) from None
        log_to(self.stdout, "integrations.tep.simulator", "integrations.simulation")
        # Sent only in DEBUG (the fixed development value) or when asked for: never the
        # production secret to an address typed by hand.
        send_secret = settings.DEBUG or options["send_proxy_secret"]
        proxy_secret = settings.PARTNER_PROXY_SECRET if send_secret else ""
        try:
            simulator = TepSimulator(
                host=options["host"],
                port=options["port"],
                tls=tls,
                step_delay=options["step_delay"],
                scenario=options["scenario"],
                delivery_mode=options["delivery_mode"],
                partner_ticket_url=options["partner_ticket_url"],
                partner_attachment_url=options["partner_attachment_url"],
                poll_interval=options["poll_interval"],
                locked_count=options["locked_count"],
                forwarded_for=options["forwarded_for"],
                proxy_secret=proxy_secret,
            )
        except ConfigError as exc:
            raise CommandError(str(exc)) from None
        try:
            simulator.start()
        except OSError as exc:
            where = f"{options['host']}:{options['port']}"
            raise CommandError(f"Cannot listen on {where}: {exc}") from None
        mode = options["delivery_mode"]
        if mode == "hosted":
            mode += f" to {options['partner_ticket_url']}"
        self.stdout.write(
            f"TEP simulator on {simulator.url}/ (TicketService.svc, AttachmentService.svc; "
            f"control API {simulator.url}/_sim/state), {'mutual TLS' if tls else 'plain HTTP'}, "
            f"delivery {mode}, step delay {options['step_delay']:g}s. Ctrl-C stops it."
        )
        self.stdout.flush()
        wait_for_signal()
        self.stdout.write("Stopping the simulator.")
        simulator.stop()
