"""The fault list's bulk actions: whether the user may run them (agents), and the panel that
chooses the faults and the action (templates/faults/worklists/_bulk_panel.html)."""

from typing import Any

from django import template

from faults.models.workspace import Team
from faults.roles import can_act_on_faults
from faults.services.bulk import bulk_actions_available
from faults.services.ownership import eligible_owners

register = template.Library()


@register.simple_tag(takes_context=True)
def bulk_allowed(context: template.Context) -> bool:
    request = context.get("request")
    return request is not None and can_act_on_faults(request.user)


@register.inclusion_tag("faults/worklists/_bulk_panel.html", takes_context=True)
def bulk_panel(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    filters = request.GET.copy()
    filters.pop("page", None)
    return {
        "page": context["page"],
        "filters": filters.urlencode(),
        "actions": bulk_actions_available(),
        "owners": eligible_owners().exclude(pk=request.user.pk),
        "teams": Team.objects.order_by("name"),
        "csrf_token": context.get("csrf_token"),
    }
