"""Helpdesk tickets on the exceptions page: each exception's linked tickets, as a link into the
helpdesk when settings.HELPDESK_TICKET_URL is set (plain text otherwise), and the form an agent
links one with (`views.exception_link_view`)."""

from dataclasses import dataclass
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.db.models import prefetch_related_objects

from faults.exceptions.models import ExternalReference, TicketException


class LinkForm(forms.Form):
    identifier = forms.CharField(
        label="Helpdesk ticket",
        max_length=300,
        help_text="Its number (e.g. 12345) or its address.",
    )


@dataclass(frozen=True)
class TicketLink:
    reference: ExternalReference
    url: str

    @property
    def label(self) -> str:
        return f"{self.reference.domain.capitalize()} #{self.reference.identifier}"


def ticket_url(reference: ExternalReference) -> str:
    """The ticket's address in the helpdesk, or "" when none is configured for its system."""
    template = settings.HELPDESK_TICKET_URL
    if not template or reference.domain != settings.HELPDESK_SYSTEM:
        return ""
    return template.replace("{identifier}", quote(reference.identifier, safe=""))


def with_ticket_links(exceptions: list[TicketException]) -> list[TicketException]:
    """Each exception with `ticket_links`: its linked tickets, oldest link first (one query)."""
    prefetch_related_objects(exceptions, "external_references")
    for exception in exceptions:
        exception.ticket_links = [
            TicketLink(reference, ticket_url(reference))
            for reference in exception.external_references.all()
        ]
    return exceptions
