"""My queue: what needs an agent now, in sections that reload themselves (UI_REFRESH_SECONDS)."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from faults.choices import NON_TERMINAL_STATUSES, FaultStatus, OpenedBy, SavedViewPage, SlaState
from faults.contributions import QueueSectionSource, contributions
from faults.exceptions.shifts import shift_at, shift_label, with_calls_to_action
from faults.ui.access import agent_required
from faults.ui.worklists.rendering import render_page_or_fragment
from faults.ui.worklists.saved_views import open_saved_view, views_bar
from faults.worklists import Assigned, QueueSection, queue_sections


@dataclass(frozen=True)
class ShownSection:
    """A queue section with how the page shows it: the table's template and where 'N more'
    leads (the fault list with the matching filter, or a contribution's own page)."""

    section: QueueSection
    table_template: str
    more_url: str
    when_empty: str  # what an empty section means, said as good news
    see_all: tuple[str, str] = ()  # (lead-in, link text) to more_url when every row is shown


# An empty section says what is true then, not just "nothing".
WHEN_EMPTY = {
    "exceptions": "No exception is open: every supplier is doing what it should.",
    "rejected": "No supplier has rejected a fault in the last 7 days.",
    "resolved": "No resolved fault is waiting for our answer.",
    "on-hold": "No supplier is waiting for information from us.",
    "supplier-opened": "No supplier has an open incident with us.",
    "sla": "No open fault is close to its SLA target or past it.",
    "drafts": "You have no drafts: a fault saved with “Save draft” waits here until submitted.",
}


def _fault_list(**params: object) -> str:
    return f"{reverse('fault-list')}?{urlencode(params, doseq=True)}"


# The queue's switch: whose faults its sections show ("" for everyone's).
SCOPES = (("", "All"), *Assigned.CHOICES)


@dataclass(frozen=True)
class ScopeLink:
    value: str
    label: str
    url: str
    current: bool


def scope_links(assigned: str) -> list[ScopeLink]:
    base = reverse("queue")
    return [
        ScopeLink(value, label, f"{base}?{urlencode({'assigned': value})}", value == assigned)
        for value, label in SCOPES
    ]


def _more_urls(assigned: str = "") -> dict[str, str]:
    """Where each section's 'N more' leads: the fault list with the same filters (and the
    queue's switch, so the list shows the same faults)."""
    urls = _more_urls_of_all()
    if not assigned:
        return urls
    return {
        key: url if key == "exceptions" else f"{url}&{urlencode({'assigned': assigned})}"
        for key, url in urls.items()
    }


def _more_urls_of_all() -> dict[str, str]:
    return {
        "exceptions": reverse("exception-list"),
        "rejected": _fault_list(status=FaultStatus.REJECTED),
        "resolved": _fault_list(status=FaultStatus.RESOLVED),
        "on-hold": _fault_list(status=FaultStatus.ON_HOLD),
        "supplier-opened": _fault_list(
            opened_by=OpenedBy.SUPPLIER, status=list(NON_TERMINAL_STATUSES)
        ),
        "sla": _fault_list(sla_state=[SlaState.AT_RISK, SlaState.BREACHED], sort="sla"),
        "drafts": _fault_list(status=FaultStatus.DRAFT, mine="on"),
    }


def _shown(section: QueueSection, source: QueueSectionSource) -> ShownSection:
    return ShownSection(
        section=section,
        table_template=source.table_template,
        more_url=source.more_url(),
        when_empty=source.when_empty,
        see_all=source.see_all,
    )


@agent_required
def queue(request: HttpRequest) -> HttpResponse:
    if opened := open_saved_view(request, SavedViewPage.QUEUE):
        return opened
    now = timezone.now()
    assigned = request.GET.get("assigned", "")
    scope_is_valid = assigned in dict(SCOPES)
    if not scope_is_valid:
        assigned = ""
    more_urls = _more_urls(assigned)
    added = {source.key: source for source in contributions(QueueSectionSource)}
    sections = [
        _shown(section, added[section.key])
        if section.key in added
        else ShownSection(
            section=section,
            table_template=f"faults/worklists/queue/_{section.key}.html",
            more_url=more_urls[section.key],
            when_empty=WHEN_EMPTY[section.key],
        )
        for section in queue_sections(user=request.user, now=now, assigned=assigned)
    ]
    for shown in sections:
        if shown.section.key == "exceptions":
            with_calls_to_action(shown.section.rows, now)  # sets each row's text, in place
    return render_page_or_fragment(
        request,
        page="faults/worklists/queue.html",
        fragment="faults/worklists/_queue_panel.html",
        context={
            "sections": sections,
            "refreshed_at": now,
            "shift": shift_label(shift_at(now)),
            "views_bar": views_bar(request, SavedViewPage.QUEUE),
            "scopes": scope_links(assigned),
            "scope_is_valid": scope_is_valid,
        },
        # An unknown switch value is the caller's error: the page says so and shows all.
        status=200 if scope_is_valid else 400,
    )
