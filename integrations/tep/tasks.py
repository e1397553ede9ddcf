"""Celery tasks of the TEP package: the poll (beat, every 60 s: `package.PACKAGE.polls`) fanned
out one task per polling partner, and the asynchronous answer to a RestfulTicketRequest."""

import logging

from celery import shared_task

from integrations.broker import publish
from integrations.models import Partner
from integrations.tep import polling

logger = logging.getLogger(__name__)


@shared_task(name="integrations.tep.tasks.poll_tep_partners")
def poll_tep_partners() -> int:
    """One `poll_tep_partner` per active TEP partner in polling mode; how many were queued."""
    return sum(
        publish(poll_tep_partner, partner_id) for partner_id in polling.polling_partner_ids()
    )


@shared_task(name="integrations.tep.tasks.poll_tep_partner")
def poll_tep_partner(partner_id: int) -> dict:
    result = polling.poll_partner(partner_id)
    return {"ticket": result.ticket, "receipts": result.receipts}


REPORT_RETRIES = 4
REPORT_RETRY_SECONDS = 30  # then 60, 120, 240: minutes, never the long delays ETAs must not have


@shared_task(
    bind=True, name="integrations.tep.tasks.report_ticket_result", max_retries=REPORT_RETRIES
)
def report_ticket_result(
    self, partner_id: int, message_id: int, reference: str, status: str
) -> str:
    """The asynchronous answer to a RestfulTicketRequest, once the message is stored (queued
    after the commit): ReportTicketResult (SOAP), tried again a few times when TEP cannot be
    reached. If it is lost all the same, TEP sends the request again, and the duplicate is
    answered again."""
    from integrations.tep.messages import ProcessingStatus

    partner = Partner.objects.filter(pk=partner_id, is_active=True).first()
    if partner is None:
        return "unreported"
    reported = polling.report(partner, message_id, reference, ProcessingStatus(status))
    if reported == "unreported" and self.request.retries < self.max_retries:
        raise self.retry(countdown=REPORT_RETRY_SECONDS * 2**self.request.retries)
    return reported
