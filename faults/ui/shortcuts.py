"""The keyboard shortcuts of the NOC pages, defined once: the `?` dialog lists them and
static/js/shortcuts.js acts on them.

A page offers a shortcut by marking an element `data-shortcut="<keys>"` (a field is focused, a
button or link pressed); the main navigation's links carry their "g" shortcuts the same way. So
the script knows no URL and no page, and a shortcut whose element is not on the page does
nothing."""

from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class Shortcut:
    keys: str
    does: str
    where: str = ""


# The main navigation's pages by URL name (faults.ui.navigation gives each link its keys).
NAVIGATION_KEYS = {
    "queue": "g q",
    "fault-list": "g l",
    "fault-raise": "g r",
    "exception-list": "g e",
    "sla-dashboard": "g d",
    "wallboard": "g w",
}

PAGE_SHORTCUTS = (
    Shortcut("j", "Next fault", "on the queue, the fault list and a fault opened from them"),
    Shortcut("k", "Previous fault", "on the queue, the fault list and a fault opened from them"),
    Shortcut("/", "Filter the list", "on the fault list"),
    Shortcut("c", "Write a comment to the supplier", "on a fault"),
    Shortcut("n", "Write an internal note", "on a fault"),
    Shortcut("a", "Assign the fault to me", "on a fault"),
    Shortcut("Esc", "Leave the field you are typing in (then shortcuts work again)"),
    Shortcut("?", "Show or hide this list"),
)


def keyboard_shortcuts(request: HttpRequest) -> dict[str, tuple[Shortcut, ...]]:
    """Template context: the page shortcuts, for a signed-in person's `?` dialog."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"page_shortcuts": ()}
    return {"page_shortcuts": PAGE_SHORTCUTS}
