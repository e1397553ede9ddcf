"""The seed's web service fault types and codes (seed 000, "Web Service Fault Types and Codes").

ServiceUnavailableFault    1000-1999  1000-1099 Unavailable, 1100 Locked        TEP retries it
ServiceConfigurationFault  2000-2999  2000-2099 Configuration Error, 2100 Authorization Failure
ServiceValidationFault     3000-3999  3000-3099 Validation Failure, 3100 Ticket Not Found
ServiceErrorFault          4000-4999  4000-4299 Processing Exception
ServiceUnknownFault        5000       5000 Unhandled Exception

Only the first type is retried, by TEP and by us.

`TepFault` is both what we raise to answer a partner with a SOAP fault (`soap.fault_envelope`)
and what a call to TEP raises when it answers with one (`soap.fault_from_envelope`). Its family
follows from its code; a code outside every range is of the unknown family.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "AUTHORIZATION_FAILURE",
    "CONFIGURATION",
    "FAULT_TYPES",
    "LOCKED",
    "PROCESSING",
    "TICKET_NOT_FOUND",
    "UNAVAILABLE",
    "UNHANDLED",
    "VALIDATION",
    "FaultFamily",
    "TepFault",
    "code_name",
    "family_of",
]

UNAVAILABLE = 1000
LOCKED = 1100
CONFIGURATION = 2000
AUTHORIZATION_FAILURE = 2100
VALIDATION = 3000
TICKET_NOT_FOUND = 3100
PROCESSING = 4000
UNHANDLED = 5000


class FaultFamily(StrEnum):
    """A fault type of the seed, by what it means for the caller."""

    UNAVAILABLE = "unavailable"
    CONFIGURATION = "configuration"
    VALIDATION = "validation"
    ERROR = "error"
    UNKNOWN = "unknown"

    @property
    def fault_type(self) -> str:
        """The fault type's name: the detail element of its SOAP faults."""
        return _FAULT_TYPE[self]

    @property
    def codes(self) -> range:
        return _CODES[self]

    @property
    def base_code(self) -> int:
        """The family's generic code, for a fault whose code is missing or unreadable."""
        return self.codes.start

    @property
    def retryable(self) -> bool:
        """Only the unavailable family is retried (TEP auto-retries it, so do we)."""
        return self is FaultFamily.UNAVAILABLE


_FAULT_TYPE = {
    FaultFamily.UNAVAILABLE: "ServiceUnavailableFault",
    FaultFamily.CONFIGURATION: "ServiceConfigurationFault",
    FaultFamily.VALIDATION: "ServiceValidationFault",
    FaultFamily.ERROR: "ServiceErrorFault",
    FaultFamily.UNKNOWN: "ServiceUnknownFault",
}
_CODES = {
    FaultFamily.UNAVAILABLE: range(1000, 2000),
    FaultFamily.CONFIGURATION: range(2000, 3000),
    FaultFamily.VALIDATION: range(3000, 4000),
    FaultFamily.ERROR: range(4000, 5000),
    FaultFamily.UNKNOWN: range(5000, 5001),
}
# Fault type name -> family: what a fault's detail element says.
FAULT_TYPES = {name: family for family, name in _FAULT_TYPE.items()}

_CODE_NAMES = {
    LOCKED: "Locked",
    AUTHORIZATION_FAILURE: "Authorization Failure",
    TICKET_NOT_FOUND: "Ticket Not Found",
    UNHANDLED: "Unhandled Exception",
}
_RANGE_NAMES = (
    (range(1000, 1100), "Unavailable"),
    (range(2000, 2100), "Configuration Error"),
    (range(3000, 3100), "Validation Failure"),
    (range(4000, 4300), "Processing Exception"),
)


def family_of(code: int) -> FaultFamily:
    """The family a fault code belongs to; unknown for a code outside every range."""
    for family, codes in _CODES.items():
        if code in codes:
            return family
    return FaultFamily.UNKNOWN


def code_name(code: int) -> str:
    """The seed's name for a code ("Locked", "Validation Failure"), or "" if it names none."""
    if code in _CODE_NAMES:
        return _CODE_NAMES[code]
    return next((name for codes, name in _RANGE_NAMES if code in codes), "")


class TepFault(Exception):
    """A fault of the seed: `code` (FaultCode), `message`, `family` and `fault_type` (the detail
    element's name). `soap_code` is the SOAP faultcode it came with (empty when we raise it)."""

    def __init__(self, code: int, message: str = "", *, soap_code: str = "") -> None:
        self.code = int(code)
        self.message = message or code_name(self.code)
        self.soap_code = soap_code
        super().__init__(self.code, self.message)

    def __str__(self) -> str:
        return f"{self.fault_type} {self.code}: {self.message}".rstrip(": ")

    def __reduce__(self) -> tuple:
        """Pickled (a Celery task's exception) with everything it carries."""
        return (_rebuild, (self.code, self.message, self.soap_code))

    @property
    def family(self) -> FaultFamily:
        return family_of(self.code)

    @property
    def fault_type(self) -> str:
        return self.family.fault_type

    @property
    def retryable(self) -> bool:
        return self.family.retryable

    @property
    def purged(self) -> bool:
        """3100 Ticket Not Found: the partner purged the ticket (never retried)."""
        return self.code == TICKET_NOT_FOUND

    def __repr__(self) -> str:
        return f"TepFault({self.code!r}, {self.message!r})"


def _rebuild(code: int, message: str, soap_code: str) -> TepFault:
    return TepFault(code, message, soap_code=soap_code)
