"""The foreground life of a `simulate_*` management command: its log on stdout, and running until
Ctrl-C or SIGTERM (as honcho sends)."""

import logging
import signal
import threading
from typing import TextIO

__all__ = ["log_to", "wait_for_signal"]


def log_to(stream: TextIO, *logger_names: str) -> None:
    """Send these loggers' INFO lines to `stream` (the command's stdout), one line each."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    for name in logger_names:
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM; the previous handlers are put back afterwards."""
    stop = threading.Event()
    previous = {
        signum: signal.signal(signum, lambda *_: stop.set())
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        while not stop.wait(0.5):
            pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
