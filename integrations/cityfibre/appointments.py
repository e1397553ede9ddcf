"""The supplier's appointment gateway (the `appointments.gateways` port): availability and
reservations, asked synchronously while an agent waits.

Each call is one POST of an ALA message in a SOAP envelope to `<base_url>/<operation>`
(`soap.request`), sent through the one hardened client, `integrations.http.send` (the partner's
client certificate, CA bundle, timeouts, no redirects, capped answers). Nothing goes through the
outbox: the agent needs the answer now, and a failure is theirs to see.

    DELIVERED            -> the answer, parsed (a refusal inside a 200 is still a refusal; an
                            answer that cannot be read is `ala.AlaAnswerUnreadable`)
    RETRY                -> SupplierUnavailable (timeout, connection error, 5xx, 429)
    CREDENTIALS_REFUSED  -> SupplierUnavailable (our credentials are broken: an admin must act)
    FINAL (4xx)          -> ReservationRefused with the supplier's reason
"""

import logging
import time
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.utils import timezone
from lxml import etree

from appointments.gateways import (
    GatewayError,
    Reservation,
    ReservationRefused,
    Slot,
    SlotQuery,
    SupplierUnavailable,
)
from integrations.cityfibre import ala, soap
from integrations.http import CallResult, Outcome, send
from integrations.models import Partner
from integrations.outbox import partner_credentials_refused

__all__ = ["CityFibreAppointmentGateway"]

logger = logging.getLogger(__name__)
QUERY = "queryAppointmentAvailability"
RESERVE = "reserveAppointment"
T = TypeVar("T")


def _unavailable(partner: Partner, result: CallResult) -> SupplierUnavailable:
    if result.outcome == Outcome.CREDENTIALS_REFUSED:
        return SupplierUnavailable(
            f"{partner} refused our credentials (HTTP 401). An administrator must check the "
            "partner's client certificate; appointments cannot be booked until then."
        )
    if result.status_code is None:
        what = "did not answer in time" if result.error.startswith("timeout") else "is unreachable"
        return SupplierUnavailable(f"{partner} {what}. Please try again in a few minutes.")
    return SupplierUnavailable(
        f"{partner} is unavailable (HTTP {result.status_code}). Please try again in a few minutes."
    )


def _refused(result: CallResult) -> ReservationRefused:
    reason = ala.refusal_reason(result.body) or "no reason given"
    return ReservationRefused(f"{reason} (HTTP {result.status_code})")


class CityFibreAppointmentGateway:
    """The package's appointment gateway (`integrations/cityfibre/package.py`)."""

    seller_identifier = ala.SELLER_IDENTIFIER

    def query_availability(self, partner: Partner, query: SlotQuery) -> list[Slot]:
        ids = self._ids()
        element = ala.build_query_appointment_availability(
            **ids, **self._parties(partner), sent_at=timezone.now(), query=query
        )
        return self._call(
            partner,
            QUERY,
            element,
            ids["message_id"],
            lambda root: ala.parse_availability_response(
                root, correlation_id=ids["correlation_id"]
            ),
        )

    def reserve(self, partner: Partner, query: SlotQuery, slot: Slot) -> Reservation:
        ids = self._ids()
        element = ala.build_reserve_appointment(
            **ids, **self._parties(partner), sent_at=timezone.now(), query=query, slot=slot
        )
        return self._call(
            partner,
            RESERVE,
            element,
            ids["message_id"],
            lambda root: ala.parse_reserve_response(
                root, correlation_id=ids["correlation_id"], requested=slot
            ),
        )

    @staticmethod
    def _ids() -> dict[str, str]:
        return {"message_id": str(uuid.uuid4()), "correlation_id": str(uuid.uuid4())}

    def _parties(self, partner: Partner) -> dict[str, str]:
        buyer = partner.default_buyer_identifier
        if buyer is None:
            raise GatewayError(
                f"{partner} has no active default buyer identifier; an administrator must set "
                "one before appointments can be booked."
            )
        return {"buyer_identifier": buyer.code, "seller_identifier": self.seller_identifier}

    def _call(
        self,
        partner: Partner,
        operation: str,
        element: etree._Element,
        message_id: str,
        parse: Callable[[etree._Element], T],
    ) -> T:
        started = time.monotonic()
        result = send(partner, soap.request(element, name=operation))
        outcome = "ok"
        try:
            if result.outcome == Outcome.DELIVERED:
                return parse(ala.read_answer(result.body))
            if result.outcome == Outcome.FINAL:
                raise _refused(result)
            if result.outcome == Outcome.CREDENTIALS_REFUSED:
                partner_credentials_refused(
                    partner_id=partner.pk, reason=f"HTTP 401 to {operation}", at=timezone.now()
                )
            raise _unavailable(partner, result)
        except GatewayError as exc:
            outcome = f"{type(exc).__name__}: {exc.message}"
            raise
        finally:
            logger.info(
                "ALA %s to %s message %s: HTTP %s in %.0f ms -> %s",
                operation,
                partner.slug,
                message_id,
                result.status_code if result.status_code is not None else "-",
                (time.monotonic() - started) * 1000,
                outcome[:300],
            )
