"""Errors the fault services raise. The API turns them into 4xx answers; nothing is changed when
one is raised (services raise before they write, inside a transaction)."""


class FaultError(Exception):
    code = "fault_error"
    status_code = 400

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class FaultValidationError(FaultError):
    code = "invalid"
    status_code = 400


class TransitionNotAllowed(FaultError):
    """The state machine does not allow this action from the fault's current status."""

    code = "transition_not_allowed"
    status_code = 409

    def __init__(self, *, reference: str, status: str, action: str) -> None:
        super().__init__(f"Fault {reference} is {status}: '{action}' is not allowed from {status}.")
        self.reference = reference
        self.status = status
        self.action = action


class FaultNotFound(FaultError):
    code = "not_found"
    status_code = 404
