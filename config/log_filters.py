"""Logging filters for `settings.LOGGING`."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """A request refused with a 4xx (permission denied, not found, a bad request) is the caller's
    doing, not a fault of ours: Django logs it with the exception's traceback all the same (e.g.
    every PermissionDenied). Keep its one line; 5xx keep their tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
