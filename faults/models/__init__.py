from faults.models.fault import Fault
from faults.models.sla import SlaPolicy
from faults.models.timeline import FaultAttachment, FaultComment, FaultEvent, FaultUpdate, SlaPause

__all__ = [
    "Fault",
    "FaultAttachment",
    "FaultComment",
    "FaultEvent",
    "FaultUpdate",
    "SlaPause",
    "SlaPolicy",
]
