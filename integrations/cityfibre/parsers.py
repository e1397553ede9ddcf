"""Tolerant readers for what the supplier sends us (samples/STATUS.md: "read inbound messages
tolerantly, write outbound messages strictly").

Input is an element from `integrations.xml.parse_xml`, unwrapped by `soap.unwrap`. Element names
are matched by local name, ignoring namespace and case, and in any order; the first of a repeated
element wins. A value that cannot be read (a bad date, an unknown status) becomes None and a line
in `problems`; only a message that cannot be tied to anything raises (wrong root element, or for a
notification a missing messageId, buyerIdentifier or buyerFaultReference).

Datetimes come back aware in UTC: fractional seconds (".0001Z"), offsets and a missing zone
(taken as UTC) are accepted. Text is trimmed; multi-line text keeps its inner newlines but loses
the indentation the supplier's pretty-printing adds to each line.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import TypeVar

from lxml import etree

from faults.choices import FaultStatus
from integrations.cityfibre.messages import (
    Contact,
    GenericResponse,
    LateRepairExclusion,
    LateRepairNotification,
    MissedAppointment,
    Notification,
    NotifiedAppointment,
    NotifiedAttachment,
    NotifiedComment,
    NotifiedFaultDetails,
    UpdateEntry,
)

__all__ = [
    "MessageUnreadable",
    "NotificationUnreadable",
    "parse_generic_response",
    "parse_notification",
    "read_date",
    "read_datetime",
]

SUPPLIER_STATUSES = frozenset(FaultStatus.values) - {FaultStatus.DRAFT}
_STATUS_ALIASES = {"reopened": "re-opened", "inprogress": "in-progress", "onhold": "on-hold"}
_PARTIES = frozenset({"buyer", "seller"})
_CONFIRMATION = {"confirmed": "Confirmed", "failed": "Failed"}
_TRUE = frozenset({"true", "1", "y", "yes"})
_FALSE = frozenset({"false", "0", "n", "no"})
GENERIC_RESPONSE_ROOTS = frozenset(
    {
        "receivedAmendFaultReport",
        "receivedResolvedResponse",
        "receivedRequestFaultReportUpdate",
        "receivedNotifyFaultReportUpdate",
        "receivedFaultReport",
    }
)
T = TypeVar("T")


class MessageUnreadable(Exception):
    """The message cannot be understood at all; `reason` says why, briefly."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotificationUnreadable(MessageUnreadable):
    """A notifyFaultReportUpdate that cannot be tied to a buyer, a fault or a message id."""


def _local(tag: object) -> str | None:
    if not isinstance(tag, str):
        return None  # comments, processing instructions, entities
    return tag.rsplit("}", 1)[1] if tag[:1] == "{" else tag


class _Node:
    """An element's children by lower-cased local name, and the reading helpers that record
    what they could not read in the shared `problems` list."""

    __slots__ = ("children", "path", "problems")

    def __init__(self, element: etree._Element | None, path: str, problems: list[str]) -> None:
        self.children: dict[str, etree._Element] = {}
        self.path = path
        self.problems = problems
        if element is not None:
            for child in element:
                name = _local(child.tag)
                if name is not None:
                    self.children.setdefault(name.lower(), child)

    def problem(self, name: str, message: str) -> None:
        self.problems.append(f"{self.path}{name}: {message}")

    def node(self, name: str) -> "_Node | None":
        element = self.children.get(name.lower())
        if element is None:
            return None
        return _Node(element, f"{self.path}{name}/", self.problems)

    def all(self, name: str, item: str) -> list["_Node"]:
        """The `item` children of the `name` child (a list wrapper such as updates/update)."""
        element = self.children.get(name.lower())
        if element is None:
            return []
        items = [child for child in element if (_local(child.tag) or "").lower() == item.lower()]
        return [
            _Node(child, f"{self.path}{name}/{item}[{index}]/", self.problems)
            for index, child in enumerate(items, start=1)
        ]

    def raw(self, name: str) -> str | None:
        element = self.children.get(name.lower())
        if element is None:
            return None
        return "".join(element.itertext()) if len(element) else (element.text or "")

    def text(self, name: str) -> str:
        return (self.raw(name) or "").strip()

    def multiline(self, name: str) -> str:
        raw = (self.raw(name) or "").strip()
        if "\n" not in raw:
            return raw
        return "\n".join(line.strip() for line in raw.splitlines())

    def _convert(self, name: str, kind: str, convert: Callable[[str], T]) -> T | None:
        text = self.text(name)
        if not text:
            return None
        try:
            return convert(text)
        except (ValueError, OverflowError):
            self.problem(name, f"not {kind}: {text[:60]!r}")
            return None

    def as_datetime(self, name: str) -> datetime | None:
        return self._convert(name, "a date-time", read_datetime)

    def as_date(self, name: str) -> date | None:
        return self._convert(name, "a date", read_date)

    def as_time(self, name: str) -> time | None:
        return self._convert(name, "a time", _to_time)

    def as_int(self, name: str) -> int | None:
        return self._convert(name, "an integer", int)

    def as_bool(self, name: str) -> bool | None:
        return self._convert(name, "a yes/no value", _to_bool)

    def as_status(self, name: str) -> str | None:
        return self._convert(name, "a known status", _to_status)

    def contact(self, name: str) -> Contact | None:
        node = self.node(name)
        if node is None:
            return None
        return Contact(name=node.text("name"), phone=node.text("phone"), email=node.text("email"))


def read_datetime(text: str) -> datetime:
    """An xs:dateTime in UTC; one without a zone is taken as UTC."""
    value = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "zZ" else text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def read_date(text: str) -> date:
    """An xs:date, with or without a zone, or the day of an xs:dateTime."""
    if len(text) > 10 and text[10] in "Zz+-":  # xs:date allows a zone: "2012-01-20Z"
        text = text[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        return read_datetime(text).date()


def _to_time(text: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        hours, _, minutes = text.partition(":")  # "8:00"
        return time(int(hours), int(minutes or 0))


def _to_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(text)


def _to_status(text: str) -> str:
    status = "-".join(text.lower().replace("_", " ").split())
    status = _STATUS_ALIASES.get(status, status)
    if status not in SUPPLIER_STATUSES:
        raise ValueError(text)
    return status


def _root(element: etree._Element, expected: frozenset[str], error: type[MessageUnreadable]) -> str:
    name = _local(element.tag) or ""
    for candidate in expected:
        if name.lower() == candidate.lower():
            return candidate
    expected_text = ", ".join(sorted(expected))
    raise error(f"unexpected root element {name[:60]!r}, expected one of {expected_text}")


def parse_generic_response(element: etree._Element) -> GenericResponse:
    """Every received* answer: receivedFaultReport and receivedAmendFaultReport (which also
    carry the buyer fault reference and the status), receivedResolvedResponse,
    receivedRequestFaultReportUpdate, receivedNotifyFaultReportUpdate."""
    root = _root(element, GENERIC_RESPONSE_ROOTS, MessageUnreadable)
    problems: list[str] = []
    node = _Node(element, "", problems)
    return GenericResponse(
        root=root,
        message_id=node.text("messageId"),
        response_code=node.as_int("responseCode"),
        error_message=node.multiline("errorMessage"),
        buyer_identifier=node.text("buyerIdentifier"),
        sent_at=node.as_datetime("sentAt"),
        status=node.as_status("status"),
        buyer_fault_reference=node.text("buyerFaultReference"),
        problems=problems,
    )


def _details(node: _Node | None) -> NotifiedFaultDetails:
    if node is None:
        return NotifiedFaultDetails()
    return NotifiedFaultDetails(
        description=node.multiline("description"),
        type=node.text("type"),
        status=node.as_status("status"),
        status_reason=node.multiline("statusReason"),
        fault_start_time=node.as_datetime("faultStartTime"),
        fault_location=node.multiline("faultLocation"),
        site_access_details=node.multiline("siteAccessDetails"),
        site_access_contact=node.contact("siteAccessContactDetails"),
        triage_complete=node.as_bool("triageComplete"),
        triage_findings=node.multiline("triageFindings"),
    )


def _missed(node: _Node | None) -> MissedAppointment | None:
    if node is None:
        return None
    return MissedAppointment(
        reservation_key=node.text("appointmentReservationKey"),
        date=node.as_date("appointmentDate"),
        start_time=node.as_time("appointmentStartTime"),
        end_time=node.as_time("appointmentEndTime"),
        seller_missed=node.as_bool("sellerMissedAppointment"),
        amended=node.as_bool("Amended"),
        cancelled=node.as_bool("Cancelled"),
        end_user_missed=node.as_bool("endUserMissedAppointment"),
        end_user_pre_agreed=node.as_bool("endUserPreAgreed"),
        mborc=node.as_bool("MBORC"),
    )


def _party(node: _Node, name: str) -> str:
    value = node.text(name).lower()
    if value and value not in _PARTIES:
        node.problem(name, f"not buyer or seller: {value[:20]!r}")
        return ""
    return value


def _update(node: _Node) -> UpdateEntry:
    return UpdateEntry(
        description=node.multiline("description"),
        updated_by=_party(node, "updatedBy"),
        updated_time=node.as_datetime("updatedTime"),
    )


def _appointment(node: _Node) -> NotifiedAppointment:
    status_text = node.text("appointmentConfirmationStatus")
    confirmation = _CONFIRMATION.get(status_text.lower()) if status_text else None
    if status_text and confirmation is None:
        node.problem("appointmentConfirmationStatus", f"not Confirmed or Failed: {status_text!r}")
    return NotifiedAppointment(
        reservation_key=node.text("appointmentReservationKey"),
        date=node.as_date("appointmentDate"),
        start_time=node.as_time("appointmentStartTime"),
        end_time=node.as_time("appointmentEndTime"),
        confirmation_status=confirmation,
        cancelled=node.as_bool("appointmentCancelled"),
        closure_code=node.text("appointmentClosureCode").upper(),
    )


def _comment(node: _Node | None) -> NotifiedComment | None:
    if node is None:
        return None
    value = node.multiline("value")
    if not value:
        return None
    return NotifiedComment(
        value=value,
        commented_by=_party(node, "commentedBy"),
        commented_time=node.as_datetime("commentedTime"),
    )


def _late_repair(node: _Node | None) -> LateRepairNotification | None:
    if node is None:
        return None
    return LateRepairNotification(
        total_delay_days=node.as_int("totalDelayInDays"),
        seller_delay_days=node.as_int("sellerDelayDays"),
        non_seller_delay_days=node.as_int("nonSellerDelayDays"),
        exclusions=[
            LateRepairExclusion(
                reason=item.text("exclusionReason"),
                days=item.as_int("numberOfDays"),
                start=item.as_datetime("startDateTime"),
                end=item.as_datetime("endDateTime"),
            )
            for item in node.all("exclusions", "exclusion")
        ],
    )


def parse_notification(element: etree._Element) -> Notification:
    """notifyFaultReportUpdate, tolerantly. Appointments are read from a single `<appointment>`
    (the XSD) and from the `<appointments><appointment>…` wrapper (the samples)."""
    _root(element, frozenset({"notifyFaultReportUpdate"}), NotificationUnreadable)
    problems: list[str] = []
    node = _Node(element, "", problems)
    required = {
        name: node.text(name) for name in ("messageId", "buyerIdentifier", "buyerFaultReference")
    }
    missing = [name for name, value in required.items() if not value]
    if missing:
        raise NotificationUnreadable(f"missing {', '.join(missing)}")

    details_node = node.node("faultDetails")
    appointments = [_appointment(item) for item in node.all("appointments", "appointment")]
    single = node.node("appointment")
    if single is not None:
        appointments.insert(0, _appointment(single))
    return Notification(
        message_id=required["messageId"],
        buyer_identifier=required["buyerIdentifier"],
        buyer_fault_reference=required["buyerFaultReference"],
        api_version=node.text("apiVersion"),
        sent_at=node.as_datetime("sentAt"),
        report_date_time=node.as_datetime("reportDateTime"),
        maintainer_fault_reference=node.text("maintainerFaultReference"),
        parent_fault_reference=node.text("parentFaultReference"),
        service_affected=node.text("serviceAffected"),
        priority=node.as_int("priorityLevel"),
        reporter_contact=node.contact("reporterContactDetails"),
        end_user_contact=node.contact("endUserContactDetails"),
        details=_details(details_node),
        missed_appointment=_missed(details_node and details_node.node("missedAppointment")),
        updates=[_update(item) for item in node.all("updates", "update")],
        comment=_comment(node.node("comment")),
        attachments=[
            NotifiedAttachment(
                filename=item.text("filename"),
                url=item.text("url"),
                uploaded=item.as_bool("uploaded"),
            )
            for item in node.all("attachments", "attachment")
        ],
        late_repair_notification=_late_repair(node.node("lateRepairNotification")),
        appointments=appointments,
        resolve_accepted=node.as_bool("resolveAccepted"),
        error_message=node.multiline("errorMessage"),
        problems=problems,
    )
