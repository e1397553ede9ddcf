"""The admin over the fault domain: faults, their timeline and SLA policies."""

from faults.admin import fault, sla_policy, timeline

__all__ = ["fault", "sla_policy", "timeline"]
