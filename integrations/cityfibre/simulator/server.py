"""The simulator's HTTP(S) server, its control API, and `CityFibreSimulator`, the handle tests and
the management command use.

Supplier API: `POST /<operation>` (as our adapter calls it) or `POST /` (dispatched by the root
element), XML bare or in a SOAP 1.1 envelope: the fault-report operations (addFaultReport,
amendFaultReport, resolveResponse, requestFaultReportUpdate) and the NICC ALA appointment ones
(queryAppointmentAvailability, reserveAppointment).

Control API (JSON, `integrations.simulation.server`), for tests and the demo:
- `GET  /_sim/state`  — config, faults by buyer reference (each with its appointment), the
  reservations issued, every request received, every notification sent (with what our endpoint
  answered);
- `POST /_sim/config` — e.g. `{"scenario": "on-hold", "step_delay": 0.5, "fail_next": 3,
  "fail_status": 503, "fail_for_seconds": 10, "reservation_ttl": 60, "appointment_shape": "xsd"}`;
- `POST /_sim/reset`  — forget everything and go back to the starting configuration.

With a demo PKI it serves HTTPS and requires a client certificate signed by the demo CA (mutual
TLS, as the supplier does).
"""

import logging
from urllib.parse import urlsplit

# Importing the operations registers them in the dispatch table.
from integrations.cityfibre.simulator import appointments, fault_reports  # noqa: F401
from integrations.cityfibre.simulator.dispatch import Reply, handle_request
from integrations.cityfibre.simulator.lifecycle import Lifecycle
from integrations.cityfibre.simulator.notifier import Notifier
from integrations.cityfibre.simulator.scenarios import Scenario
from integrations.cityfibre.simulator.state import SimConfig, SimState, configured
from integrations.simulation.server import ServedSimulator, SimulatorHandler
from integrations.simulation.tls import Identity, SimulatorTls

__all__ = ["CityFibreSimulator"]

logger = logging.getLogger("integrations.cityfibre.simulator")
XML = "text/xml; charset=utf-8"


class _Handler(SimulatorHandler):
    server_version = "CityFibreSimulator/1.0"

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if not self.control_get(path):
            self.send_json(404, {"error": f"nothing at {path}; the supplier API takes POST"})

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        body = self.read_body()
        if body is None:
            return
        if path.startswith("/_sim/"):
            self.control_post(path, body)
            return
        simulator = self.server.simulator
        try:
            reply = handle_request(
                simulator.lifecycle, path, body, soap_action=self.headers.get("SOAPAction", "")
            )
        except Exception:  # a simulator bug: say so loudly, in the log and the answer
            logger.exception("failed to answer POST %s", path)
            self.send_body(500, b"simulator error, see its log", "text/plain")
            return
        try:
            self.send_body(reply.http_status, reply.body, XML)
        finally:
            _run_after(reply)


def _run_after(reply: Reply) -> None:
    for callback in reply.after:
        try:
            callback()
        except Exception:
            logger.exception("after-answer callback failed")


class CityFibreSimulator(ServedSimulator):
    """The supplier, in-process: `CityFibreSimulator(notify_url=…).start()` … `.stop()`.

    `tls` serves HTTPS with mutual TLS from its files (`integrations.simulation.tls`);
    `supplier_client_cert` is the identity the notifications carry in `X-SSL-Client-Cert` (and
    present, when `notify_url` is https); `proxy_secret` is the `PARTNER_PROXY_SECRET` they
    carry, as the proxy's mutual-TLS site adds.
    `reservation_ttl` is how long, in seconds, a reservation key stays valid; `appointment_shape`
    writes appointment notifications as the samples do ("samples") or as the XSD allows ("xsd").
    """

    handler_class = _Handler
    require_client_certificate = True  # mutual TLS, as the supplier does
    label = "CityFibre simulator"
    state_store: SimState
    notifier: Notifier

    def __init__(
        self,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        notify_url: str = "http://127.0.0.1:8000/integrations/cityfibre/demo-supplier/notify/",
        buyer_identifiers: set[str] | frozenset[str] | list[str] = frozenset({"SPDEV1"}),
        step_delay: float = 5.0,
        scenario: str = Scenario.HAPPY.value,
        auto_close_after: float = 172800.0,
        unavailable_count: int = 2,
        supplier_client_cert: Identity | None = None,
        tls: SimulatorTls | None = None,
        forwarded_for: str = "127.0.0.1",
        proxy_secret: str = "",
        notify_attempts: int = 5,
        notify_backoff: float = 1.0,
        notify_timeout: tuple[float, float] = (3.0, 10.0),
        reservation_ttl: float = 1800.0,
        appointment_shape: str = "samples",
    ) -> None:
        config = SimConfig(
            notify_url=notify_url,
            buyer_identifiers=set(buyer_identifiers),
            scenario=Scenario.parse(scenario).value,
            step_delay=step_delay,
            auto_close_after=auto_close_after,
            unavailable_count=unavailable_count,
        )
        # Checked as the control API checks them.
        config = configured(
            config, {"reservation_ttl": reservation_ttl, "appointment_shape": appointment_shape}
        )
        state = SimState(config)
        notifier = Notifier(
            state=state,
            identity=supplier_client_cert,
            ca_cert_path=tls.ca_cert_path if tls else None,
            forwarded_for=forwarded_for,
            proxy_secret=proxy_secret,
            attempts=notify_attempts,
            backoff=notify_backoff,
            timeout=notify_timeout,
        )
        super().__init__(
            host=host, port=port, tls=tls, logger=logger, state_store=state, notifier=notifier
        )
        self.lifecycle = Lifecycle(state=state, notifier=notifier, scheduler=self.scheduler)
