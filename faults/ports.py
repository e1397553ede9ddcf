"""The port through which the fault lifecycle asks for calls to a supplier.

`faults` never imports a protocol package: services call `request_partner_call` inside their
transaction, and the handler named by `settings.FAULT_PARTNER_CALL_HANDLER` decides what that
means. The default records the intended call on the fault's audit trail; the integration spine
replaces it with a handler that writes an outbox row in the same transaction.
"""

from datetime import datetime
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from faults.choices import EventKind, PartnerOperation
from faults.models import Fault


class PartnerCallHandler(Protocol):
    def __call__(
        self, *, fault: Fault, operation: PartnerOperation, payload: dict[str, Any], at: datetime
    ) -> None: ...


def request_partner_call(
    *, fault: Fault, operation: PartnerOperation, payload: dict[str, Any], at: datetime
) -> None:
    handler: PartnerCallHandler = import_string(settings.FAULT_PARTNER_CALL_HANDLER)
    handler(fault=fault, operation=operation, payload=payload, at=at)


def record_intended_call(
    *, fault: Fault, operation: PartnerOperation, payload: dict[str, Any], at: datetime
) -> None:
    from faults.services.actors import Actor
    from faults.services.audit import fault_event_record

    fault_event_record(
        fault=fault,
        kind=EventKind.PARTNER_CALL,
        actor=Actor.system("partner-port"),
        at=at,
        message=f"{PartnerOperation(operation).label} requested",
        data={"operation": str(operation), "payload": payload},
    )
