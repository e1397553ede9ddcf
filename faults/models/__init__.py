# The exception monitoring's models live with its code (faults/exceptions) and register here.
from faults.exceptions.models import (
    CallToAction,
    EscalationThreshold,
    ExternalReference,
    TicketException,
    TicketExceptionRule,
)
from faults.models.bulk import BulkRun, BulkRunItem
from faults.models.fault import Fault
from faults.models.sla import SlaPolicy
from faults.models.summary import DailyFaultCount
from faults.models.timeline import FaultAttachment, FaultComment, FaultEvent, FaultUpdate, SlaPause
from faults.models.workspace import FaultNote, SavedView, Team, WorkspacePreference

__all__ = [
    "BulkRun",
    "BulkRunItem",
    "CallToAction",
    "DailyFaultCount",
    "EscalationThreshold",
    "ExternalReference",
    "Fault",
    "FaultAttachment",
    "FaultComment",
    "FaultEvent",
    "FaultNote",
    "FaultUpdate",
    "SavedView",
    "SlaPause",
    "SlaPolicy",
    "Team",
    "TicketException",
    "TicketExceptionRule",
    "WorkspacePreference",
]
