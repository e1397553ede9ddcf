"""Comments and attachments an agent adds to a fault."""

import hashlib
from datetime import UTC, datetime
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from faults.choices import TERMINAL_STATUSES, EventKind, FaultStatus, PartnerOperation, Party
from faults.exceptions import FaultValidationError, TransitionNotAllowed
from faults.models import Fault, FaultAttachment, FaultComment
from faults.models.fault import TEXT_MAX
from faults.ports import request_partner_call
from faults.services.actors import Actor
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
    fault_event_record(fault=fault, kind=EventKind.COMMENT, actor=actor, at=at, message=text)
    if fault.status != FaultStatus.DRAFT:
        request_partner_call(
            fault=fault,
            operation=PartnerOperation.COMMENT,
            payload={"comment_id": comment.pk},
            at=at,
        )
    return comment


def _check_attachment(upload: UploadedFile) -> str:
    name = PurePath(upload.name or "").name
    extension = PurePath(name).suffix.lower().lstrip(".")
    errors = []
    if not name or len(name) > 255:
        errors.append("The file needs a name of at most 255 characters.")
    if extension not in settings.ATTACHMENT_ALLOWED_EXTENSIONS:
        errors.append(
            f"Files of type '.{extension}' are not accepted."
            if extension
            else "The file has no extension; only listed file types are accepted."
        )
    if upload.size is not None and upload.size > settings.ATTACHMENT_MAX_BYTES:
        errors.append(
            f"The file is {upload.size} bytes; the limit is {settings.ATTACHMENT_MAX_BYTES} bytes."
        )
    if errors:
        raise FaultValidationError("The attachment was refused.", errors={"file": errors})
    return name


@transaction.atomic
def fault_attachment_add(
    *, fault_id: int, actor: Actor, upload: UploadedFile, at: datetime | None = None
) -> FaultAttachment:
    at = at or timezone.now()
    name = _check_attachment(upload)
    fault = fault_lock(fault_id=fault_id)
    _refuse_on_finished(fault, "attach")
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
