"""Which errors mean "something the app depends on is briefly down" rather than a bug: the
database (a restart, a failover, a dropped connection), the broker or a cache server. A request
that meets one is answered 503 with `Retry-After` (`config.middleware.OutageMiddleware`), so that a
partner or an API client retries; anything else stays a bug (500, logged with its traceback).

Only OperationalError and InterfaceError of the database count: an IntegrityError, DataError or
ProgrammingError would fail the same way on every retry."""

import kombu.exceptions
import redis.exceptions
from django.db import InterfaceError, OperationalError

_OUTAGES: tuple[tuple[str, tuple[type[BaseException], ...]], ...] = (
    ("database", (OperationalError, InterfaceError)),
    # kombu wraps a broker's connection errors in its OperationalError; a Redis cache or broker
    # used directly raises redis-py's own; a raw socket to either, the built-in ones.
    ("broker", (kombu.exceptions.OperationalError,)),
    (
        "cache or broker",
        (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, ConnectionError),
    ),
)


def outage_of(exc: BaseException) -> str | None:
    """What is down, if `exc` is an outage of something the app depends on; else None."""
    for what, errors in _OUTAGES:
        if isinstance(exc, errors):
            return what
    return None
