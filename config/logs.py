"""What each log line is about, and the two formats lines are written in (README "Logs").

A context variable holds the fields of the work under way: the request id of a request
(`RequestIdMiddleware`), the task of a Celery task (config.celery), the message, fault and
partner of a message being applied or delivered (`message_context`). `ContextFilter`, on the
console handler, copies them onto every record, so each line says what it concerns without its
caller naming it. `JsonFormatter` writes one JSON object a line (production); `KeyValueFormatter`
writes `key=value` pairs, a traceback below its line (development).
"""

import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

_fields: ContextVar[Mapping[str, object]] = ContextVar("log_fields", default={})  # noqa: B039

# A proxy's id is taken as it is when it looks like one (nginx's $request_id is 32 hex digits; a
# UUID, a ULID): anything else is replaced, so that a caller cannot write into our lines.
_WELL_FORMED_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
REQUEST_ID_HEADER = "X-Request-ID"


def log_fields() -> Mapping[str, object]:
    """The fields bound now (a read-only view)."""
    return _fields.get()


def request_id() -> str | None:
    value = _fields.get().get("request_id")
    return value if isinstance(value, str) else None


@contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Bind `fields` to every line logged inside the block (None values are left out); a value
    may be a callable, called once on the first line that needs it (a fault's reference read
    from the database only when something is logged)."""
    token = _fields.set({**_fields.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _fields.reset(token)


_task_tokens: dict[str, Token] = {}


def enter_task(key: str, **fields: object) -> None:
    """Bind a task's fields until `leave_task(key)` (Celery's prerun and postrun signals,
    which cannot hold a `with` block). A task run eagerly inside a request keeps the
    request's."""
    fields = {k: v for k, v in fields.items() if v is not None}
    _task_tokens[key] = _fields.set({**_fields.get(), **fields})


def leave_task(key: str) -> None:
    token = _task_tokens.pop(key, None)
    if token is not None:
        try:
            _fields.reset(token)
        except ValueError:  # set in another context: start the next task afresh
            _fields.set({})


def _once(read: Callable[[], object]) -> Callable[[], object]:
    done: list[object] = []

    def value() -> object:
        if not done:
            try:
                done.append(read())
            except Exception:  # e.g. a broken transaction: the line is written without it
                done.append(None)
        return done[0]

    return value


@contextmanager
def message_context(message: Any) -> Iterator[None]:
    """The lines logged while a message (`InboundMessage` or `OutboundMessage`) is applied or
    delivered: its row id, protocol message id, partner (slug) and fault (our reference, read
    once and only when a line is written, unless the fault is already loaded)."""
    from faults.models import Fault

    fault: object = None
    if message.fault_id is not None:
        if type(message).fault.is_cached(message):
            fault = message.fault.buyer_fault_reference
        else:
            fault_id = message.fault_id
            fault = _once(
                lambda: (
                    Fault.objects.filter(pk=fault_id)
                    .values_list("buyer_fault_reference", flat=True)
                    .first()
                )
            )
    partner = message.partner.slug if type(message).partner.is_cached(message) else None
    with log_context(
        **{f"{type(message)._meta.model_name.removesuffix('message')}_id": message.pk},
        message_id=message.message_id,
        partner=partner,
        fault=fault,
    ):
        yield


class ContextFilter(logging.Filter):
    """Copies the bound fields onto each record (a field the call passed itself wins). Django
    logs a response of 400 or more once the middleware have returned, outside the request's
    context: its record names the request, which holds the id."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _fields.get().items():
            if key not in record.__dict__:
                if callable(value):
                    value = value()
                if value is not None:
                    setattr(record, key, value)
        if "request_id" not in record.__dict__:
            request_id = getattr(getattr(record, "request", None), "request_id", None)
            if isinstance(request_id, str):
                record.request_id = request_id
        return True


class RequestIdMiddleware:
    """Each request gets an id: the proxy's X-Request-ID when well formed, else a new one. It is
    bound to the request's log lines and returned in the response's X-Request-ID."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _WELL_FORMED_ID.fullmatch(given) else uuid.uuid4().hex
        request.request_id = request_id
        with log_context(request_id=request_id):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


# Attributes of a record that are not fields of a line: Django's request log passes the request
# (and the development server its socket) along, which the request id stands for.
_NOT_FIELDS = frozenset({"request", "server_time"})


def _time(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class JsonFormatter(_JsonFormatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, then the bound and
    passed fields; a traceback is the `exc_info` field (a string), never lines of its own."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", ["levelname", "name", "message"])
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, *_NOT_FIELDS])
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)

    def add_fields(self, log_data: dict, record: logging.LogRecord, message_dict: dict) -> None:
        log_data["time"] = _time(record)  # first, as a person scans a line
        super().add_fields(log_data, record, message_dict)


_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
    *_NOT_FIELDS,
}
_BARE = re.compile(r"[^\s=\"]+")


def _value(value: object) -> str:
    text = value if isinstance(value, str) else str(value)
    return text if _BARE.fullmatch(text) else json.dumps(text, ensure_ascii=False)


class KeyValueFormatter(logging.Formatter):
    """`time=… level=… logger=… message="…"` then the other fields as `key=value` (quoted when
    they hold spaces); a traceback follows on its own lines, as a person reads it."""

    def format(self, record: logging.LogRecord) -> str:
        fields = {
            "time": _time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields.update(
            (key, value)
            for key, value in record.__dict__.items()
            if key not in _STANDARD and not key.startswith("_")
        )
        line = " ".join(f"{key}={_value(value)}" for key, value in fields.items())
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line = f"{line}\n{record.exc_text}"
        if record.stack_info:
            line = f"{line}\n{self.formatStack(record.stack_info)}"
        return line
