"""Template helpers shared by the NOC pages: status and SLA badges, durations, countdowns."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html

from faults.choices import SLA_COLOURS, STATUS_COLOURS, FaultStatus, PartnerOperation, SlaState
from faults.field_labels import field_label as _field_label

register = template.Library()


@register.simple_tag
def status_badge(status: str) -> str:
    label = FaultStatus(status).label if status in FaultStatus.values else status
    colour = STATUS_COLOURS.get(status, "grey")
    return format_html('<span class="badge badge-{}">{}</span>', colour, label)


@register.simple_tag
def sla_badge(state: str) -> str:
    label = SlaState(state).label if state in SlaState.values else state
    colour = SLA_COLOURS.get(state, "grey")
    return format_html('<span class="badge badge-{} sla-{}">{}</span>', colour, state, label)


@register.simple_tag
def field_label(name: str) -> str:
    """A fault field's label as the forms and messages word it: {% field_label "service_id" %}."""
    return _field_label(name)


@register.filter
def operation_label(operation: str) -> str:
    """A call to the supplier as the agent knows it: "raise" -> "Raise fault"."""
    return PartnerOperation(operation).label if operation in PartnerOperation.values else operation


@register.filter
def duration(value: int | float | timedelta | None) -> str:
    """Seconds (or a timedelta) as '2 d 3 h', '3 h 12 m' or '45 m'; '—' for nothing."""
    if value is None or value == "":
        return "—"
    seconds = int(value.total_seconds() if isinstance(value, timedelta) else value)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{sign}{days} d {hours} h"
    if hours:
        return f"{sign}{hours} h {minutes} m"
    return f"{sign}{minutes} m"


@register.filter
def time_left(deadline: datetime | None) -> str:
    """Time from now until `deadline` ('overdue 5 m' once it has passed)."""
    if deadline is None:
        return "—"
    left = deadline - timezone.now()
    if left.total_seconds() < 0:
        return f"overdue {duration(-left)}"
    return duration(left)
