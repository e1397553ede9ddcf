"""The seed's types (seed 000) as dataclasses, each read from and written to its XML in
`tep-types.xsd`: `to_element(tag=None)` writes the element (the type's own name in the types
namespace unless a tag is given, e.g. a request's parameter element) and
`from_element(element)` reads one, whatever its tag.

Attributes are the seed's property names in snake case; the XML names are the seed's
(`Partner.id` is `ID`, `Contact.phone_number` is `PhoneNumber`, the seed's "Phone Number").
An optional property is None (or an empty list) when absent, and then not written, so a
message read and written again is the same message.

`from_element` reads a message that satisfies the schema (check it first: `schema`); on one
that does not, it may raise `ValueError`.

Times: xs:dateTime values are read as aware datetimes (a time without a zone is UTC, as TEP
sends them) and written as xs:dateTime in UTC. A note's CreatedDateTime may also be in the
seed's format ("5/21/2012 1:00:00 PM", `parse_note_time`).
"""

from __future__ import annotations

import base64
import mimetypes
import re
import uuid
from dataclasses import MISSING, dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Self

from lxml import etree

from integrations.tep.namespaces import TYPES_NS
from integrations.tep.schema import ATTACHMENT_EXTENSIONS

__all__ = [
    "ATTACHMENT_EXTENSIONS",
    "MAX_STRING",
    "Attachment",
    "AttachmentUri",
    "Contact",
    "Detail",
    "GetTicketResponse",
    "MessageType",
    "Note",
    "Partner",
    "PartnerPostTicketResponse",
    "PostTicketResponse",
    "ProcessingStatus",
    "Receipt",
    "ReceiptStatus",
    "RestfulTicketRequest",
    "Ticket",
    "TicketMessageProcessingResult",
    "format_datetime",
    "new_system_transaction_id",
    "parse_datetime",
    "parse_note_time",
]

MAX_STRING = 300_000  # TEP's "Max String Length"


class MessageType(StrEnum):
    NEW = "New"
    UPDATE = "Update"
    ADD = "Add"


class ReceiptStatus(StrEnum):
    TEP_VALIDATION_ERROR = "TEP_ValidationError"
    TEP_CONFIGURATION_ERROR = "TEP_ConfigurationError"
    TEP_PROCESSING_ERROR = "TEP_ProcessingError"
    DELIVERY_FAILED = "DeliveryFailed"
    DELIVERY_DELAYED = "DeliveryDelayed"
    DELIVERY_NOT_REQUIRED = "DeliveryNotRequired"
    DELIVERY_SUCCEEDED = "DeliverySuceeded"  # the seed's spelling, on the wire


class ProcessingStatus(StrEnum):
    SUCCESS = "Success"
    FAILURE = "Failure"
    UNAVAILABLE = "Unavailable"
    NOT_FOUND = "NotFound"


def new_system_transaction_id() -> str:
    """A fresh SystemTransactionID: a GUID, one per message (a retry reuses its own)."""
    return str(uuid.uuid4())


# --- times ---------------------------------------------------------------------------------

_NOTE_TIME = re.compile(
    r"\s*(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4})\s+"
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*(?P<half>[AaPp][Mm])\s*"
)


def parse_datetime(text: str) -> datetime:
    """An xs:dateTime as an aware datetime (UTC when it carries no zone)."""
    value = datetime.fromisoformat(text.strip())
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def format_datetime(value: datetime) -> str:
    """An xs:dateTime in UTC ("2012-05-21T13:00:00Z"); a naive datetime is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_note_time(text: str) -> datetime:
    """A note's CreatedDateTime: the seed's "MM/DD/YYYY HH:MM:SS AM|PM" (12h, e.g.
    "5/21/2012 1:00:00 PM", seconds optional) or an xs:dateTime; aware, UTC when the text
    carries no zone. Raises `ValueError` for anything else."""
    match = _NOTE_TIME.fullmatch(text)
    if match is None:
        try:
            return parse_datetime(text)
        except ValueError:
            raise ValueError(f"{text[:40]!r} is not a note time") from None
    hour = int(match["hour"])
    if not 1 <= hour <= 12:
        raise ValueError(f"{text[:40]!r}: the hour of a 12-hour time is 1 to 12")
    hour = hour % 12 + (12 if match["half"].upper() == "PM" else 0)
    return datetime(
        int(match["year"]),
        int(match["month"]),
        int(match["day"]),
        hour,
        int(match["minute"]),
        int(match["second"] or 0),
        tzinfo=UTC,
    )


# --- the generic reader and writer ---------------------------------------------------------


class _NoteTime:
    """The kind of Note.CreatedDateTime: read leniently, written as xs:dateTime."""


def _xml(name: str, kind: Any = str, *, item: str = "", default: Any = None) -> Any:
    """A field written as the element `name`; a list field's items are `item` elements."""
    metadata = {"xml": name, "kind": kind, "item": item}
    if item:
        return field(default_factory=list, metadata=metadata)
    if default is MISSING:
        return field(metadata=metadata)
    return field(default=default, metadata=metadata)


def _required(name: str, kind: Any = str) -> Any:
    return _xml(name, kind, default=MISSING)


def _write_value(parent: etree._Element, tag: str, kind: Any, value: Any) -> None:
    if isinstance(kind, type) and issubclass(kind, _Message):
        parent.append(value.to_element(tag))
        return
    element = etree.SubElement(parent, tag)
    if kind is bool:
        element.text = "true" if value else "false"
    elif kind is datetime or kind is _NoteTime:
        element.text = format_datetime(value)
    elif kind is bytes:
        element.text = base64.b64encode(value).decode("ascii")
    else:
        element.text = str(value)


def _read_value(element: etree._Element, kind: Any) -> Any:
    if isinstance(kind, type) and issubclass(kind, _Message):
        return kind.from_element(element)
    text = element.text or ""
    if kind is bool:
        if text.strip() not in ("true", "false", "1", "0"):
            raise ValueError(f"{text[:20]!r} is not a boolean")
        return text.strip() in ("true", "1")
    if kind is int:
        return int(text)
    if kind is datetime:
        return parse_datetime(text)
    if kind is _NoteTime:
        return parse_note_time(text)
    if kind is bytes:
        return base64.b64decode("".join(text.split()), validate=True)
    return kind(text)  # str, or one of the enumerations (ValueError for an unknown value)


def _children(element: etree._Element) -> list[etree._Element]:
    return [child for child in element if isinstance(child.tag, str)]


class _Message:
    """What every type shares: its element, written and read through its fields' metadata."""

    xml_name: ClassVar[str]

    def to_element(self, tag: str | None = None) -> etree._Element:
        """The type's element: `{types}<TypeName>` unless `tag` (a Clark name) is given."""
        tag = tag or f"{{{TYPES_NS}}}{self.xml_name}"
        # The types namespace as the default only on an element of its own: lxml would write
        # an element of another namespace under that default, unqualified.
        in_types = etree.QName(tag).namespace == TYPES_NS
        element = etree.Element(tag, nsmap={None: TYPES_NS} if in_types else {"t": TYPES_NS})
        for spec in fields(self):  # type: ignore[arg-type]
            value = getattr(self, spec.name)
            if value is None or (spec.metadata["item"] and not value):
                continue
            name, kind, item = spec.metadata["xml"], spec.metadata["kind"], spec.metadata["item"]
            if item:
                wrapper = etree.SubElement(element, f"{{{TYPES_NS}}}{name}")
                for entry in value:
                    _write_value(wrapper, f"{{{TYPES_NS}}}{item}", kind, entry)
            else:
                _write_value(element, f"{{{TYPES_NS}}}{name}", kind, value)
        return element

    @classmethod
    def from_element(cls, element: etree._Element) -> Self:
        """The message an element of this type holds, whatever the element's own name."""
        by_name: dict[str, list[etree._Element]] = {}
        for child in _children(element):
            by_name.setdefault(etree.QName(child).localname, []).append(child)
        values = {}
        for spec in fields(cls):  # type: ignore[arg-type]
            name, kind, item = spec.metadata["xml"], spec.metadata["kind"], spec.metadata["item"]
            found = by_name.get(name, [])
            if item:
                values[spec.name] = [
                    _read_value(entry, kind)
                    for wrapper in found[:1]
                    for entry in _children(wrapper)
                    if etree.QName(entry).localname == item
                ]
            elif found:
                values[spec.name] = _read_value(found[0], kind)
            elif spec.default is MISSING and spec.default_factory is MISSING:
                raise ValueError(f"{cls.xml_name} without {name}")
        return cls(**values)


def _message(cls: type) -> type:
    """A dataclass of the seed's type of the same name."""
    cls.xml_name = cls.__name__
    return dataclass(kw_only=True)(cls)


# --- the seed's types ----------------------------------------------------------------------


@_message
class Detail(_Message):
    """A name-value pair (Ticket.Details, and the Details of a contact, note or attachment)."""

    name: str = _required("Name")
    value: str | None = _xml("Value")
    context: str | None = _xml("Context")


@_message
class Partner(_Message):
    """A ticket's Sender or Receiver (a receipt's TicketSender or TicketReceiver)."""

    id: int | None = _xml("ID", int)
    name: str | None = _xml("Name")
    conversation_role_id: int | None = _xml("ConversationRoleID", int)
    ticket_reference: str | None = _xml("TicketReference")


@_message
class Contact(_Message):
    email: str = _required("Email")
    first_name: str | None = _xml("FirstName")
    last_name: str = _required("LastName")
    phone_number: str | None = _xml("PhoneNumber")
    type: str = _required("Type")
    is_primary: bool = _required("IsPrimary", bool)
    is_email_enabled: bool = _required("IsEmailEnabled", bool)
    details: list[Detail] = _xml("Details", Detail, item="Detail")


@_message
class Note(_Message):
    """A note: immutable once sent (TEP ignores updates to an existing NoteId)."""

    note_id: str = _required("NoteId")
    type: str | None = _xml("Type")
    content: str | None = _xml("Content")
    created_date_time: datetime | None = _xml("CreatedDateTime", _NoteTime)
    details: list[Detail] = _xml("Details", Detail, item="Detail")


@_message
class AttachmentUri(_Message):
    filename: str = _required("Filename")
    uri: str = _required("Uri")
    details: list[Detail] = _xml("Details", Detail, item="Detail")


@_message
class Attachment(_Message):
    """A file (PostAttachment, GetAttachment); the payload travels inline as base64."""

    filename: str = _required("Filename")
    payload: bytes = _required("Payload", bytes)
    system_transaction_id: str = _required("SystemTransactionID")

    @property
    def extension(self) -> str:
        return self.filename.rsplit(".", 1)[1].lower() if "." in self.filename else ""

    @property
    def mime_type(self) -> str:
        """The content type its extension names (the seed's type carries none)."""
        guessed, _encoding = mimetypes.guess_type(f"x.{self.extension}", strict=False)
        return guessed or "application/octet-stream"


@_message
class Ticket(_Message):
    message_type: MessageType = _required("MessageType", MessageType)
    request_date_time: datetime | None = _xml("RequestDateTime", datetime)
    system_transaction_id: str = _required("SystemTransactionID")
    tracking_reference: str | None = _xml("TrackingReference")
    sender: Partner = _required("Sender", Partner)
    receiver: Partner | None = _xml("Receiver", Partner)
    details: list[Detail] = _xml("Details", Detail, item="Detail")
    contacts: list[Contact] = _xml("Contacts", Contact, item="Contact")
    notes: list[Note] = _xml("Notes", Note, item="Note")
    attachments: list[AttachmentUri] = _xml("Attachments", AttachmentUri, item="AttachmentUri")

    def detail(self, name: str) -> str | None:
        """The value of the first detail of that name (None when there is none)."""
        return next((d.value for d in self.details if d.name == name), None)


@_message
class Receipt(_Message):
    date_time: datetime | None = _xml("DateTime", datetime)
    status: ReceiptStatus = _required("Status", ReceiptStatus)
    status_message: str | None = _xml("StatusMessage")
    ticket_sender: Partner | None = _xml("TicketSender", Partner)
    ticket_receiver: Partner | None = _xml("TicketReceiver", Partner)
    tracking_reference: str | None = _xml("TrackingReference")
    interaction_id: int | None = _xml("InteractionID", int)


@_message
class PostTicketResponse(_Message):
    """TEP's answer to PostTicket: the InteractionID its receipts will carry."""

    interaction_id: int = _required("InteractionID", int)


@_message
class GetTicketResponse(_Message):
    """TEP's answer to GetTicket when a message waits: report it by its MessageID."""

    message_id: int = _required("MessageID", int)
    ticket: Ticket = _required("Ticket", Ticket)


@_message
class TicketMessageProcessingResult(_Message):
    """ReportTicketResult's request, and the asynchronous REST answer to a RestfulTicketRequest."""

    message_id: int = _required("MessageID", int)
    ticket_reference: str = _required("TicketReference")
    processing_status: ProcessingStatus = _required("ProcessingStatus", ProcessingStatus)


@_message
class PartnerPostTicketResponse(_Message):
    """A partner's answer to PostTicket: its reference for the ticket (required for New)."""

    ticket_reference: str = _required("TicketReference")


@_message
class RestfulTicketRequest(_Message):
    """A ticket posted by REST for an asynchronous answer, which quotes the MessageID."""

    message_id: str = _required("MessageID")
    input_ticket: Ticket = _required("InputTicket", Ticket)
