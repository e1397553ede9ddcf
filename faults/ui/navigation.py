"""The navigation each role sees (a template context processor)."""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from faults.roles import can_act_on_faults, can_read_faults, can_see_dashboards
from faults.ui.shortcuts import NAVIGATION_KEYS


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool
    shortcut: str = ""


def _items(request: HttpRequest) -> list[tuple[str, str]]:
    user = request.user
    items: list[tuple[str, str]] = []
    if can_act_on_faults(user):
        items += [
            ("My queue", "queue"),
            ("Faults", "fault-list"),
            ("Exceptions", "exception-list"),
            ("Raise a fault", "fault-raise"),
        ]
    elif can_read_faults(user):
        items += [("Faults", "fault-list"), ("Exceptions", "exception-list")]
    if can_see_dashboards(user):
        items += [
            ("SLA dashboard", "sla-dashboard"),
            ("Escalations", "escalation-candidates"),
            # The appointments app's page (as "Integration health" below is the integration
            # layer's): reversed by name, never imported.
            ("Service credits", "service-credits"),
        ]
    if can_read_faults(user):
        items += [("Integration health", "integration-health"), ("Wallboard", "wallboard")]
    if user.is_staff:
        items += [("Admin", "admin:index")]
    return items


def navigation(request: HttpRequest) -> dict[str, list[NavItem]]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"nav_items": []}
    path = request.path
    nav = [(label, reverse(name), NAVIGATION_KEYS.get(name, "")) for label, name in _items(request)]
    # The longest matching prefix wins, so /faults/new/ marks "Raise", not "Faults".
    best = max(
        (url for _, url, _ in nav if path.startswith(url) and url != "/"), key=len, default=""
    )
    return {"nav_items": [NavItem(label, url, url == best, keys) for label, url, keys in nav]}


def live_refresh(request: HttpRequest) -> dict[str, int]:
    """How often the agent's live panels (a fault's header and timeline, the queue) reload
    themselves. The wallboard keeps its own 30 s: it is a screen across the room."""
    return {"live_refresh_seconds": settings.UI_REFRESH_SECONDS}
