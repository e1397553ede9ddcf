"""Comments and attachments an agent adds to a fault."""

import hashlib
from datetime import UTC, datetime
from pathlib import PurePath

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.utils import timezone

from faults.choices import TERMINAL_STATUSES, EventKind, FaultStatus, PartnerOperation, Party
from faults.errors import FaultValidationError, TransitionNotAllowed
from faults.models import Fault, FaultAttachment, FaultComment
from faults.models.fault import TEXT_MAX
from faults.ports import ensure_partner_can_carry, request_partner_call
from faults.services.actors import Actor
from faults.services.attachment_checks import attachment_check
from faults.services.audit import fault_event_record
from faults.services.transitions import fault_lock
from faults.validators import is_blank


def content_fingerprint(*parts: object) -> str:
    """A stable key for content that suppliers resend: white space collapsed, times in UTC."""
    normalised = []
    for part in parts:
        if isinstance(part, datetime):
            part = part.astimezone(UTC).isoformat()
        elif isinstance(part, str):
            part = " ".join(part.split())
        normalised.append("" if part is None else str(part))
    return hashlib.sha256("\x1f".join(normalised).encode()).hexdigest()


def _refuse_on_finished(fault: Fault, action: str) -> None:
    if fault.status in TERMINAL_STATUSES:
        raise TransitionNotAllowed(
            reference=fault.buyer_fault_reference, status=fault.status, action=action
        )


@transaction.atomic
def fault_comment_add(
    *, fault_id: int, actor: Actor, text: str, at: datetime | None = None
) -> FaultComment:
    at = at or timezone.now()
    if is_blank(text):
        raise FaultValidationError("A comment needs text.", errors={"text": ["Write a comment."]})
    if len(text) > TEXT_MAX:
        raise FaultValidationError(
            "The comment is too long.",
            errors={"text": [f"At most {TEXT_MAX} characters (it has {len(text)})."]},
        )
    fault = fault_lock(fault_id=fault_id)
    _refuse_on_finished(fault, "comment")
    comment = FaultComment.objects.create(
        fault=fault,
        text=text,
        commented_by=Party.BUYER,
        commented_time=at,
        author=actor.user,
        fingerprint=content_fingerprint(text, Party.BUYER, at),
    )
    fault_event_record(
        fault=fault,
        kind=EventKind.COMMENT,
        actor=actor,
        at=at,
        message=text,
        data={"comment_id": comment.pk},
    )
    if fault.status != FaultStatus.DRAFT:
        request_partner_call(
            fault=fault,
            operation=PartnerOperation.COMMENT,
            payload={"comment_id": comment.pk},
            at=at,
        )
    return comment


@transaction.atomic
def fault_attachment_add(
    *, fault_id: int, actor: Actor, upload: UploadedFile, at: datetime | None = None
) -> FaultAttachment:
    at = at or timezone.now()
    name = attachment_check(upload)
    fault = fault_lock(fault_id=fault_id)
    _refuse_on_finished(fault, "attach")
    if fault.status != FaultStatus.DRAFT:  # before the file is written to storage
        ensure_partner_can_carry(supplier=fault.supplier, operation=PartnerOperation.AMEND)
    attachment = FaultAttachment(
        fault=fault, filename=name, size_bytes=upload.size, added_by=actor.user
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    fault_event_record(
        fault=fault,
        kind=EventKind.ATTACHMENT,
        actor=actor,
        at=at,
        message=name,
        data={"attachment_id": attachment.pk, "size_bytes": upload.size},
    )
    if fault.status != FaultStatus.DRAFT:
        request_partner_call(
            fault=fault,
            operation=PartnerOperation.AMEND,
            payload={"attachment_ids": [attachment.pk]},
            at=at,
        )
    return attachment


@transaction.atomic
def fault_attachment_from_supplier(
    *,
    fault_id: int,
    actor: Actor,
    filename: str,
    content: bytes | None,
    reference: str = "",
    at: datetime | None = None,
) -> FaultAttachment | None:
    """A file the supplier attached to its ticket: checked like every attachment and stored
    once per fault (by its name and `reference`, the supplier's id for the file). Without its
    content (not delivered to us), only the reference is recorded on the timeline. A file the
    check refuses is not stored; the refusal is recorded as an anomaly. Returns the stored
    attachment, None when nothing was stored now."""
    at = at or timezone.now()
    fault = fault_lock(fault_id=fault_id)
    name = PurePath(filename or "").name[:255]
    marker = content_fingerprint("supplier-file", name, reference)
    if fault.events.filter(data__supplier_file=marker).exists():
        return None
    data = {"supplier_file": marker, "reference": reference[:1000]}
    if content is None:
        fault_event_record(
            fault=fault,
            kind=EventKind.ATTACHMENT,
            actor=actor,
            at=at,
            message=f"{name} (the supplier's file, not delivered to us: {reference[:300]})",
            data=data,
        )
        return None
    upload = SimpleUploadedFile(name, content)
    try:
        name = attachment_check(upload)
    except FaultValidationError as refused:
        problems = [str(problem) for problems in refused.errors.values() for problem in problems]
        fault_event_record(
            fault=fault,
            kind=EventKind.ANOMALY,
            actor=actor,
            at=at,
            from_status=fault.status,
            message=f"The supplier's file {name} was refused: " + " ".join(problems),
            data={**data, "problems": problems},
        )
        return None
    attachment = FaultAttachment(fault=fault, filename=name, size_bytes=len(content), uploaded=True)
    attachment.file.save(name, upload, save=False)
    attachment.save()
    fault_event_record(
        fault=fault,
        kind=EventKind.ATTACHMENT,
        actor=actor,
        at=at,
        message=name,
        data={**data, "attachment_id": attachment.pk, "size_bytes": len(content)},
    )
    return attachment
