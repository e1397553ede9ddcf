"""The admin over the fault domain: faults, their timeline, SLA policies and the exception
monitoring's rules and exceptions."""

from faults.admin import exceptions, fault, sla_policy, timeline, workspace

__all__ = ["exceptions", "fault", "sla_policy", "timeline", "workspace"]
