"""Integration health (every role reads it) and its retry buttons (agents and admins).

The retry buttons go through `outbox_retry`, the same service as the admin's action: the row
gets a fresh set of attempts and is queued for delivery after commit."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from faults.roles import can_act_on_faults
from faults.ui.access import agent_required, reader_required
from integrations.health import dead_message_ids, integration_health
from integrations.models import OutboundMessage, Partner
from integrations.outbox import outbox_retry


@reader_required
@require_GET
def integration_health_page(request: HttpRequest) -> HttpResponse:
    context = {"partners": integration_health(), "can_retry": can_act_on_faults(request.user)}
    return render(request, "integrations/health.html", context)


def _waiting_note(partner: Partner) -> str:
    if partner.credentials_broken_at is None:
        return ""
    return " Nothing is sent to it until an admin marks its credentials as fixed."


@agent_required
@require_POST
def outbound_retry(request: HttpRequest, outbound_id: int) -> HttpResponseRedirect:
    message = get_object_or_404(OutboundMessage.objects.select_related("partner"), pk=outbound_id)
    if not outbox_retry(outbound_ids=[message.pk]):
        messages.info(request, f"Message {message.message_id} is not dead; nothing to retry.")
    else:
        messages.success(
            request,
            f"Message {message.message_id} is queued again with a fresh set of attempts."
            + _waiting_note(message.partner),
        )
    return redirect("integration-health")


@agent_required
@require_POST
def partner_retry_dead(request: HttpRequest, partner_id: int) -> HttpResponseRedirect:
    # By id, not slug: a slug stored without validation could not be put in the page's link.
    partner = get_object_or_404(Partner, pk=partner_id)
    queued = outbox_retry(outbound_ids=dead_message_ids(partner=partner))
    messages.success(
        request,
        f"{queued} dead message{'s' if queued != 1 else ''} to {partner.name} queued again."
        + _waiting_note(partner),
    )
    return redirect("integration-health")
