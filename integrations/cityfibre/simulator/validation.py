"""The rules the supplier applies to what it receives, beyond being well-formed (seed 004):

- the XSD (`integrations/cityfibre/xsd/faultReport.xsd`): an invalid request is rejected, HTTP 400;
- the documents' mandatory fields, some stricter than the XSD (addFaultReport's `sentAt`; a
  fault report without `faultDetails` is "missing mandatory information"), HTTP 400;
- a known buyer identifier, HTTP 400;
- the appointment validator (seed 001 step 3c): a `Service Outage` (TLOS) fault must carry an
  appointment reservation key and any other type must not, HTTP 403; and the key must be one this
  supplier issued, unexpired and unspent (`appointments.reservation_refusal`), HTTP 403.

Error messages are JSON objects keyed by field, in the style of the documents' only example
(`{"maintainerFaultReference": "No workflow found with that reference"}`).
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

__all__ = [
    "NO_WORKFLOW",
    "Refusal",
    "check_appointment_rule",
    "check_buyer_identifier",
    "check_mandatory",
    "error_text",
    "is_tlos",
    "xsd_refusal",
]

NO_WORKFLOW = '{"maintainerFaultReference": "No workflow found with that reference"}'
TLOS_TYPES = frozenset({"service outage", "tlos", "total loss of service"})
_MAX_XSD_ERRORS = 5


@dataclass(frozen=True)
class Refusal:
    """A request the supplier refuses: the HTTP status and the errorMessage it answers with."""

    http_status: int
    error: str


def error_text(**fields: str) -> str:
    return json.dumps(fields, ensure_ascii=False)


def xsd_refusal(errors: list[str]) -> Refusal | None:
    if not errors:
        return None
    shown = "; ".join(errors[:_MAX_XSD_ERRORS])
    if len(errors) > _MAX_XSD_ERRORS:
        shown += f"; and {len(errors) - _MAX_XSD_ERRORS} more"
    return Refusal(400, error_text(schema=shown))


def check_buyer_identifier(value: str, known: Iterable[str]) -> Refusal | None:
    if value in set(known):
        return None
    return Refusal(400, error_text(buyerIdentifier=f"Unknown buyer identifier '{value[:36]}'"))


def _present(element: etree._Element, name: str) -> bool:
    found = element.find(name)
    if found is None:
        return False
    return len(found) > 0 or bool((found.text or "").strip())


def check_mandatory(element: etree._Element, names: Iterable[str]) -> Refusal | None:
    missing = [name for name in names if not _present(element, name)]
    if not missing:
        return None
    return Refusal(400, error_text(**dict.fromkeys(missing, "Missing mandatory field")))


def is_tlos(fault_type: str) -> bool:
    return " ".join(fault_type.split()).casefold() in TLOS_TYPES


def check_appointment_rule(report: etree._Element) -> Refusal | None:
    """The appointment validator's rule, on a raise or on a fault as an amendment would leave it."""
    fault_type = (report.findtext("faultDetails/type") or "").strip()
    key = (report.findtext("appointment/appointmentReservationKey") or "").strip()
    if is_tlos(fault_type) and not key:
        return Refusal(
            403,
            error_text(
                appointmentReservationKey=(
                    "A Service Outage (TLOS) fault report must carry an appointment reservation key"
                )
            ),
        )
    if key and not is_tlos(fault_type):
        return Refusal(
            403,
            error_text(
                appointmentReservationKey=(
                    f"Only a Service Outage (TLOS) fault report may carry an appointment "
                    f"reservation key, not a '{fault_type[:100]}' one"
                )
            ),
        )
    return None
