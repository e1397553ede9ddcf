"""The routes of the ticket exceptions API, under /ticketExceptions/ (config/urls.py). Each
route answers with and without a trailing slash; only the seed's spelling (no slash) is in the
schema. Paths no route names are answered 404 in the envelope (config/urls.py, after these)."""

from django.urls import URLPattern, path, register_converter

from faults.exceptions.api import (
    call_to_actions,
    diagnostics,
    escalation,
    public,
    rules,
    ticket_exceptions,
    tokens,
)


class IdConverter:
    """A row id: digits, at most 18 (a longer number is no id of ours, and PostgreSQL would
    refuse it as a bigint)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "exception_api_id")

app_name = "exceptions-api"


def route(spelling: str, view: type, name: str) -> list[URLPattern]:
    """`spelling` (published) and `spelling/` (the same view, left out of the schema)."""
    unpublished = type(f"{view.__name__}Slash", (view,), {"schema": None})
    return [
        path(spelling, view.as_view(), name=name),
        path(f"{spelling}/", unpublished.as_view()),
    ]


urlpatterns = [
    *route("v1/token", tokens.TokenView, "token"),
    *route("v1/token/refresh", tokens.TokenRefreshView, "token-refresh"),
    *route("v1/rules", rules.RuleListView, "rules"),
    *route("v1/rules/<exception_api_id:ruleId>", rules.RuleDetailView, "rule"),
    *route("v1/ticketExceptions", ticket_exceptions.TicketExceptionListView, "ticket-exceptions"),
    *route(
        "v1/ticketExceptions/<exception_api_id:ticketExceptionId>",
        ticket_exceptions.TicketExceptionDetailView,
        "ticket-exception",
    ),
    *route("v1/callToActions", call_to_actions.CallToActionListView, "call-to-actions"),
    *route(
        "v1/callToActions/<exception_api_id:callToActionId>",
        call_to_actions.CallToActionDetailView,
        "call-to-action",
    ),
    *route(
        "v1/serviceProviderEscalationCandidates",
        escalation.EscalationCandidatesView,
        "escalation-candidates",
    ),
    *route(
        "v1/diagnostics/pendingTriggers/commands/fireNow",
        diagnostics.FireNowView,
        "diagnostics-fire-now",
    ),
    *route(
        "v1/diagnostics/pendingTriggers/<str:authorizationNumber>",
        diagnostics.PendingTriggersView,
        "diagnostics-pending-triggers",
    ),
    *route(
        "v1/diagnostics/unhandledErrorTest",
        diagnostics.UnhandledErrorTestView,
        "diagnostics-unhandled-error-test",
    ),
    *route(
        "public/v1/ticketExceptions/commands/updateStatus", public.UpdateStatusView, "update-status"
    ),
]
