"""Errors the appointment services raise. They are fault-domain errors, so the API's one error
handler (`faults.api.errors`) answers them with their own code and status; nothing is stored when
one is raised."""

from faults.errors import FaultError, FaultNotFound, FaultValidationError


class AppointmentError(FaultValidationError):
    """The request cannot be done as asked (input, or the fault or appointment it names): 400."""


class AppointmentNotAllowed(FaultError):
    """The appointment's or the fault's state does not allow the action: 409."""

    code = "transition_not_allowed"
    status_code = 409


class AppointmentNotFound(FaultNotFound):
    pass


class AppointmentSupplierUnavailable(FaultError):
    """The supplier's appointment service did not answer (timeout, connection, 5xx)."""

    code = "supplier_unavailable"
    status_code = 503
    default_message = "The supplier's appointment service is not answering; try again in a minute."

    def __init__(self, message: str | None = None, *, detail: str = "") -> None:
        super().__init__(message or self.default_message)
        self.detail = detail


class AppointmentRefused(FaultError):
    """The supplier refused the query or the reservation (e.g. the slot has just gone): the
    agent picks another slot or queries again."""

    code = "refused_by_supplier"
    status_code = 409


class AppointmentSupplierError(FaultError):
    """The supplier answered something we cannot use (e.g. a reservation key over 36
    characters): a problem on the supplier's side, not the agent's."""

    code = "supplier_error"
    status_code = 502
