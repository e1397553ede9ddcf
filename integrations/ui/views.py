"""Integration health (every role reads it) and its retry and dismiss buttons (agents and
admins), which the agent's queue shows too.

The retry buttons go through `outbox_retry`, the same service as the admin's action: the row
gets a fresh set of attempts and is queued for delivery after commit. Dismiss (`outbox_dismiss`)
takes a dead or refused message the agent dealt with another way out of the queue. Both go back
to the page they were pressed on (`next`, when it is one of ours), else to integration health."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from faults.roles import can_act_on_faults
from faults.ui.access import agent_required, reader_required
from integrations.health import dead_message_ids, integration_health
from integrations.models import OutboundMessage, Partner
from integrations.outbox import outbox_dismiss, outbox_retry


@reader_required
@require_GET
def integration_health_page(request: HttpRequest) -> HttpResponse:
    context = {"partners": integration_health(), "can_retry": can_act_on_faults(request.user)}
    return render(request, "integrations/health.html", context)


def _waiting_note(partner: Partner) -> str:
    if partner.credentials_broken_at is None:
        return ""
    return " Nothing is sent to it until an admin marks its credentials as fixed."


def _back(request: HttpRequest) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("integration-health")


@agent_required
@require_POST
def outbound_retry(request: HttpRequest, outbound_id: int) -> HttpResponseRedirect:
    message = get_object_or_404(OutboundMessage.objects.select_related("partner"), pk=outbound_id)
    if not outbox_retry(outbound_ids=[message.pk]):
        messages.info(
            request,
            f"Message {message.message_id} is not dead or refused; nothing to retry. A refused "
            "raise cannot be retried either: its fault is rejected, so raise a new fault.",
        )
    else:
        messages.success(
            request,
            f"Message {message.message_id} is queued again with a fresh set of attempts."
            + _waiting_note(message.partner),
        )
    return _back(request)


@agent_required
@require_POST
def outbound_dismiss(request: HttpRequest, outbound_id: int) -> HttpResponseRedirect:
    message = get_object_or_404(OutboundMessage, pk=outbound_id)
    if outbox_dismiss(outbound_ids=[message.pk], user=request.user, at=timezone.now()):
        messages.success(
            request,
            f"Message {message.message_id} is dismissed: it is no longer in the queue, and the "
            "fault's timeline records that you dismissed it.",
        )
    else:
        messages.info(
            request,
            f"Message {message.message_id} is not dead or refused, already dismissed, or a "
            "refused raise (shown as its rejected fault); nothing to dismiss.",
        )
    return _back(request)


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
