"""The supplier behind TEP: what it does with the tickets we post, the steps it takes on its own,
and the ticket messages and receipts TEP holds for us (or posts to us, in hosted mode).

A ticket we raise is accepted, put in progress and resolved, one step every `step_delay`
seconds, each step an Update to us with the supplier's status detail (and a note; the resolution
carries a small report as an attachment). Our Update answering the resolution closes the ticket
(accept) or re-opens it, and the walk starts again from in progress (reject); a cancel cancels
it; any other Update is taken as it comes. Every ticket message TEP accepts from us gets a
receipt. Methods expect nothing of the caller; they take `state.lock` themselves.
"""

import logging
import uuid
from datetime import timedelta
from functools import partial
from typing import Any

from integrations.simulation.scheduler import Scheduler
from integrations.simulation.settings import ConfigError
from integrations.tep import faults
from integrations.tep.faults import TepFault
from integrations.tep.simulator.delivery import HostedDelivery
from integrations.tep.simulator.scenarios import PROFILE, Scenario, scenario_for
from integrations.tep.simulator.state import (
    MAX_RECEIPTS_PER_CALL,
    OutgoingMessage,
    OutgoingReceipt,
    SimState,
    SimTicket,
)

__all__ = ["Lifecycle"]

logger = logging.getLogger("integrations.tep.simulator")
STATUSES: dict[str, str] = PROFILE["statuses"]
ANSWERS: dict[str, str] = PROFILE["answers"]
WALK = ("accepted", "in_progress", "resolved")
REPORT_FILENAME = "resolution-report.txt"


def _answer(status: str, notes) -> str:
    """What our Update says: "accept" or "reject" (the resolution), "cancel", or "" (an amend,
    a comment), by its status detail, else by its note."""
    for answer, value in ANSWERS.items():
        if status == value:
            return answer
    for note in notes:
        content = (note.get("Content") or "").strip()
        for answer, words in PROFILE["answer_notes"].items():
            if content.startswith(words):
                return answer
    return ""


def note_time(instant) -> str:
    """The seed's note time format: `5/21/2012 1:00:00 PM`."""
    hour = instant.hour % 12 or 12
    half = "AM" if instant.hour < 12 else "PM"
    return (
        f"{instant.month}/{instant.day}/{instant.year} "
        f"{hour}:{instant.minute:02d}:{instant.second:02d} {half}"
    )


class Lifecycle:
    def __init__(self, *, state: SimState, delivery: HostedDelivery, scheduler: Scheduler) -> None:
        self.state = state
        self.delivery = delivery
        self.scheduler = scheduler
        delivery.on_ticket_answer = self.delivered

    # --- the once-a-minute limit ------------------------------------------------------------
    def check_poll(self, caller: str, operation: str) -> None:
        """Refuse a GetTicket/GetReceipt within `poll_interval` of this caller's last accepted one
        (ServiceUnavailableFault 1000; a refused call does not restart the minute)."""
        state = self.state
        with state.lock:
            now = state.now()
            last = state.last_polls.get((caller, operation))
            interval = state.config.poll_interval
            if last is not None and (now - last).total_seconds() < interval:
                wait = interval - (now - last).total_seconds()
                raise TepFault(
                    faults.UNAVAILABLE,
                    f"{operation} may be called at most once every {interval:g} seconds; "
                    f"try again in {wait:.0f} s",
                )
            state.last_polls[(caller, operation)] = now

    # --- our PostTicket ---------------------------------------------------------------------
    def post_ticket(self, ticket: dict[str, Any], *, digest: str) -> int:
        """Take a ticket message we posted (checked against the XSD already); its InteractionID.
        Raises TepFault as TEP (or the supplier, through it) would answer."""
        state = self.state
        stid = ticket["SystemTransactionID"]
        with state.lock:
            taken = state.transactions.get(stid)
            if taken is not None:
                if taken["digest"] == digest:  # the same message again: the same answer
                    return taken["interaction_id"]
                raise TepFault(
                    faults.VALIDATION,
                    f"SystemTransactionID {stid} was already accepted for another message",
                )
            message_type = ticket["MessageType"]
            if message_type == "New":
                ticket_key = self._new_ticket(ticket)
            elif message_type == "Update":
                ticket_key = self._update(ticket)
            else:
                raise TepFault(
                    2000, f"MessageType {message_type} is not available for this conversation type"
                )
            interaction_id = state.next_interaction_id()
            state.transactions[stid] = {"digest": digest, "interaction_id": interaction_id}
            self._receipt(ticket, interaction_id, ticket_key)
            return interaction_id

    def _details(self, ticket: dict[str, Any]) -> dict[str, str]:
        return {d["Name"]: d.get("Value") or "" for d in ticket.get("Details") or ()}

    def _new_ticket(self, ticket: dict[str, Any]) -> str:
        state = self.state
        sender = ticket.get("Sender") or {}
        our_reference = sender.get("TicketReference") or ""
        if not our_reference:
            raise TepFault(faults.VALIDATION, "Sender.TicketReference is required")
        if not sender.get("ConversationRoleID"):
            raise TepFault(
                faults.VALIDATION, "Sender.ConversationRoleID is required on a New ticket"
            )
        details = self._details(ticket)
        scenario = scenario_for(details, state.config.scenario)
        if scenario is Scenario.VALIDATION:
            raise TepFault(faults.VALIDATION, "The ticket failed the conversation type's rules")
        if scenario is Scenario.CONFIG:
            raise TepFault(2000, "No conversation type routes this ticket to a receiver")
        if scenario is Scenario.AUTH:
            raise TepFault(faults.AUTHORIZATION_FAILURE, "The partner may not use this role")
        if scenario is Scenario.LOCKED:
            number = state.take_locked(our_reference)
            if number is not None:
                raise TepFault(
                    faults.LOCKED,
                    f"The conversation is locked ({number} of {state.config.locked_count})",
                )
        if our_reference in state.by_our_reference:
            raise TepFault(
                faults.VALIDATION, f"A conversation for ticket {our_reference} exists already"
            )
        key = state.new_supplier_reference()
        record = SimTicket(
            key=key,
            opened_by="us",
            scenario=scenario.value,
            our_reference=our_reference,
            supplier_reference=key,
            status="new",
            details=details,
            epoch=state.new_epoch(),
        )
        record.history.append({"at": state.now().isoformat(), "event": "raised by us"})
        state.tickets[key] = record
        state.by_our_reference[our_reference] = key
        logger.info("<- PostTicket New %s (%s): %s", our_reference, scenario.value, key)
        self._plan(record, WALK)
        if scenario is Scenario.INCIDENT:
            self.scheduler.call_later(
                state.config.step_delay,
                partial(
                    self.open_incident,
                    summary=f"Incident affecting {our_reference}",
                    service=details.get(PROFILE["service"], ""),
                ),
            )
        return key

    def _update(self, ticket: dict[str, Any]) -> str:
        state = self.state
        sender = ticket.get("Sender") or {}
        receiver = ticket.get("Receiver") or {}
        our_reference = sender.get("TicketReference") or ""
        key = state.by_our_reference.get(our_reference)
        if key is None and receiver.get("TicketReference") in state.tickets:
            key = receiver["TicketReference"]  # our first answer on an incident they opened
            if not state.tickets[key].our_reference and our_reference:
                state.tickets[key].our_reference = our_reference
                state.by_our_reference[our_reference] = key
        if key is None:
            raise TepFault(
                faults.VALIDATION, f"No conversation for ticket reference {our_reference!r}"
            )
        record = state.tickets[key]
        if record.purged:
            raise TepFault(
                faults.TICKET_NOT_FOUND,
                f"Ticket {record.supplier_reference} was not found in the partner IMS",
            )
        status = self._details(ticket).get(PROFILE["status"], "")
        record.history.append(
            {"at": state.now().isoformat(), "event": "update from us", "status": status}
        )
        logger.info("<- PostTicket Update %s %s", our_reference, status or "(no status)")
        if record.opened_by != "us":
            return key
        answer = _answer(status, ticket.get("Notes") or ())
        if answer == "cancel" and record.status not in ("closed", "cancelled"):
            self._plan(record, ("cancelled",))
        elif record.status == "resolved" and answer == "accept":
            self._plan(record, ("closed",))
        elif record.status == "resolved" and answer == "reject":
            self._plan(record, ("reopened", "in_progress", "resolved"))
        return key

    # --- the supplier's steps ---------------------------------------------------------------
    def _plan(self, record: SimTicket, steps: tuple[str, ...]) -> None:
        """Replace the ticket's plan: its timers so far lapse, `steps` follow one per delay."""
        record.epoch = self.state.new_epoch()
        self._next(record.key, record.epoch, steps)

    def _next(self, key: str, epoch: int, steps: tuple[str, ...]) -> None:
        if not steps:
            return
        self.scheduler.call_later(
            self.state.config.step_delay, partial(self._step, key, epoch, steps)
        )

    def _step(self, key: str, epoch: int, steps: tuple[str, ...]) -> None:
        state = self.state
        with state.lock:
            record = state.tickets.get(key)
            if record is None or record.epoch != epoch or record.purged:
                return
            step, rest = steps[0], steps[1:]
            record.status = step
            record.history.append({"at": state.now().isoformat(), "event": step})
            self._send_update(record, step)
            if record.scenario == Scenario.PURGED.value and step == "accepted":
                record.purged = True  # the supplier purges it: our later updates get 3100
                record.history.append({"at": state.now().isoformat(), "event": "purged"})
                return
            self._next(key, epoch, rest)

    def _send_update(self, record: SimTicket, step: str) -> None:
        state = self.state
        now = state.now()
        value = STATUSES[step]
        details = [{"Name": PROFILE["status"], "Value": value}]
        attachments = []
        if step == "accepted":
            details.append({"Name": PROFILE["partner_reference"], "Value": record.key})
        if step == "resolved":
            details += [
                {"Name": PROFILE["resolution_code"], "Value": PROFILE["resolution_code_value"]},
                {"Name": PROFILE["resolution"], "Value": PROFILE["resolution_text"]},
                {"Name": PROFILE["resolved_at"], "Value": now.isoformat()},
            ]
            attachments.append(self._store_attachment(REPORT_FILENAME, b"Resolved: fixed.\n"))
        note = {
            "NoteId": f"{record.supplier_reference}-N{len(record.history)}",
            "Type": "Public",
            "Content": f"Supplier status: {value}",
            "CreatedDateTime": note_time(now),
        }
        ticket = self._ticket(
            "Update", record, details=details, notes=[note], attachments=attachments
        )
        self._enqueue(record, ticket, "Update", value)

    def _ticket(
        self,
        message_type: str,
        record: SimTicket,
        *,
        details: list[dict[str, str]],
        notes: list[dict[str, str]] = (),
        attachments: list[dict[str, str]] = (),
    ) -> dict[str, Any]:
        config = self.state.config
        receiver: dict[str, Any] = {"ID": config.our_partner_id, "Name": config.our_partner_name}
        if message_type != "New" and record.our_reference:
            receiver["TicketReference"] = record.our_reference
        return {
            "MessageType": message_type,
            "RequestDateTime": self.state.now().isoformat(),
            "SystemTransactionID": str(uuid.uuid4()),
            "TrackingReference": f"{record.supplier_reference}-{uuid.uuid4().hex[:8]}",
            "Sender": {
                "ID": config.supplier_partner_id,
                "Name": config.supplier_partner_name,
                "ConversationRoleID": config.conversation_role_id,
                "TicketReference": record.supplier_reference,
            },
            "Receiver": receiver,
            "Details": list(details),
            "Notes": list(notes),
            "Attachments": list(attachments),
        }

    def _enqueue(
        self, record: SimTicket, ticket: dict[str, Any], message_type: str, status: str
    ) -> None:
        state = self.state
        message = OutgoingMessage(
            message_id=state.next_message_id(),
            ticket_key=record.key,
            message_type=message_type,
            status=status,
            ticket=ticket,
            created_at=state.now(),
        )
        state.messages.append(message)
        logger.info(
            "-> %s %s %s (message %d)", message_type, record.key, status, message.message_id
        )
        if state.config.delivery_mode == "hosted":
            self.delivery.post_ticket(message)

    def _store_attachment(
        self, filename: str, payload: bytes, system_transaction_id: str = ""
    ) -> dict[str, str]:
        state = self.state
        attachment_id = uuid.uuid4().hex
        state.attachments[attachment_id] = {
            "filename": filename,
            "payload": payload,
            "system_transaction_id": system_transaction_id or str(uuid.uuid4()),
        }
        return {
            "Filename": filename,
            "Uri": f"{state.base_url}/attachments/{attachment_id}/{filename}",
        }

    def attachment_for(self, uri: str) -> dict[str, Any] | None:
        with self.state.lock:
            parts = uri.rstrip("/").split("/")
            if len(parts) < 2:
                return None
            return self.state.attachments.get(parts[-2])

    def post_attachment(self, attachment: dict[str, Any]) -> dict[str, str]:
        """PostAttachment (checked against the XSD already): where it is kept."""
        with self.state.lock:
            return self._store_attachment(
                attachment["filename"],
                attachment["payload"],
                attachment["system_transaction_id"],
            )

    # --- receipts ---------------------------------------------------------------------------
    def _receipt(self, ticket: dict[str, Any], interaction_id: int, key: str) -> None:
        state = self.state
        now = state.now()
        receipt = OutgoingReceipt(
            number=state.next_receipt_number(),
            status="DeliverySuceeded",
            status_message=f"Delivered to {state.config.supplier_partner_name}",
            tracking_reference=ticket.get("TrackingReference") or "",
            interaction_id=interaction_id,
            system_transaction_id=ticket["SystemTransactionID"],
            created_at=now,
            our_reference=(ticket.get("Sender") or {}).get("TicketReference") or "",
            supplier_reference=key,
        )
        delay = state.config.receipt_delay
        if delay:
            receipt.ready_at = now + timedelta(seconds=delay)
        state.receipts.append(receipt)
        if state.config.delivery_mode == "hosted":
            self.delivery.post_receipt(receipt)

    def take_receipts(self, count: int) -> list[OutgoingReceipt]:
        """GetReceipt: the oldest ready receipts, at most `count` and never more than 20 (none
        in hosted mode: they are posted to us)."""
        state = self.state
        with state.lock:
            if state.config.delivery_mode != "polling":
                return []
            now = state.now()
            wanted = max(0, min(count, MAX_RECEIPTS_PER_CALL))
            taken = []
            for receipt in state.receipts:
                if len(taken) >= wanted:
                    break
                if receipt.done or (receipt.ready_at and receipt.ready_at > now):
                    continue
                receipt.done = True
                receipt.outcome = "taken by GetReceipt"
                taken.append(receipt)
            return taken

    # --- GetTicket / ReportTicketResult -------------------------------------------------------
    def next_message(self) -> OutgoingMessage | None:
        """GetTicket: the oldest message not yet reported (the same one until it is)."""
        state = self.state
        with state.lock:
            if state.config.delivery_mode != "polling":
                return None
            for message in state.messages:
                if not message.done:
                    message.returned += 1
                    return message
            return None

    def report(self, message_id: int, ticket_reference: str, status: str) -> None:
        """ReportTicketResult for a message GetTicket returned."""
        state = self.state
        with state.lock:
            message = next(
                (m for m in state.messages if m.message_id == message_id and not m.done), None
            )
            if message is None or not message.returned:
                raise TepFault(faults.VALIDATION, f"No ticket message {message_id} to report")
            message.reported = status
            logger.info("<- ReportTicketResult %d %s %s", message_id, ticket_reference, status)
            if status == "Unavailable":  # kept: GetTicket returns it again
                return
            message.done = True
            message.outcome = {"Success": "delivered", "Failure": "failed"}.get(status, "not found")
            record = state.tickets.get(message.ticket_key)
            if record is None:
                return
            if status == "Success" and message.message_type == "New" and ticket_reference:
                self._learn_reference(record, ticket_reference)
            elif status == "NotFound":
                self._removed(record)

    def _learn_reference(self, record: SimTicket, reference: str) -> None:
        if not record.our_reference:
            record.our_reference = reference
            self.state.by_our_reference[reference] = record.key
            record.history.append(
                {"at": self.state.now().isoformat(), "event": f"our reference {reference}"}
            )

    def _removed(self, record: SimTicket) -> None:
        """We purged the ticket: TEP takes us off the conversation, nothing more comes."""
        record.epoch = self.state.new_epoch()
        record.history.append({"at": self.state.now().isoformat(), "event": "we purged it"})
        record.status = "removed"

    def delivered(
        self, message: OutgoingMessage, *, ticket_reference: str, not_found: bool
    ) -> None:
        """Hosted mode: our PostTicket answered (`HostedDelivery` calls this)."""
        with self.state.lock:
            record = self.state.tickets.get(message.ticket_key)
            if record is None:
                return
            if not_found:
                self._removed(record)
            elif message.message_type == "New" and ticket_reference:
                self._learn_reference(record, ticket_reference)

    # --- the supplier opens an incident -------------------------------------------------------
    def open_incident(
        self,
        *,
        summary: str = "Supplier network incident",
        service: str = "",
        severity: str = PROFILE["severity_default"],
        note: str = "",
    ) -> dict[str, Any]:
        for name, value in (("summary", summary), ("service", service), ("severity", severity)):
            if not isinstance(value, str):
                raise ConfigError(f"{name}: expected a string")
        if not isinstance(note, str):
            raise ConfigError("note: expected a string")
        state = self.state
        with state.lock:
            key = state.new_supplier_reference("INC")
            details = {
                PROFILE["status"]: "New",
                PROFILE["summary"]: summary,
                PROFILE["severity"]: severity,
                PROFILE["reported_at"]: state.now().isoformat(),
                PROFILE["partner_reference"]: key,
            }
            if service:
                details[PROFILE["service"]] = service
            record = SimTicket(
                key=key,
                opened_by="partner",
                scenario="incident",
                our_reference="",
                supplier_reference=key,
                status="open",
                details=details,
                epoch=state.new_epoch(),
            )
            record.history.append({"at": state.now().isoformat(), "event": "opened by supplier"})
            state.tickets[key] = record
            notes = []
            if note:
                notes.append(
                    {
                        "NoteId": f"{key}-N1",
                        "Type": "Public",
                        "Content": note,
                        "CreatedDateTime": note_time(state.now()),
                    }
                )
            ticket = self._ticket(
                "New",
                record,
                details=[{"Name": name, "Value": value} for name, value in details.items()],
                notes=notes,
            )
            self._enqueue(record, ticket, "New", "open")
            return {"key": key, **record.as_json()}
