"""Driving each ticket through its life: the buyer's changes, the supplier's timed steps, and the
event each change sends.

Every change happens under the state lock and writes its event (a snapshot of the ticket at that
moment) into the ticket's delivery lane in the same breath, so events leave in the order the
changes happened. Timed steps carry the ticket's epoch; a change of plan (the buyer cancels,
closes or reopens) renews the epoch and the older timers lapse when they fire. A ticket's
`lastUpdate` moves forward by at least a millisecond with every change, so each state of a
ticket has its own `lastUpdate` (the buyer keys what it stores of a ticket by it).
"""

import logging
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from integrations.simulation.scheduler import Scheduler
from integrations.tmf621.schema import validation_errors
from integrations.tmf621.simulator.events import event_body, listener_url
from integrations.tmf621.simulator.notifier import EventNotifier, Outgoing
from integrations.tmf621.simulator.scenarios import (
    ACKNOWLEDGED,
    AUTO_CLOSED,
    INFORMATION_RECEIVED,
    PLANS,
    REOPEN_PLAN,
    Scenario,
    Step,
)
from integrations.tmf621.simulator.state import SentEvent, SimState, SimTicket, utc_now
from integrations.tmf621.simulator.tickets import (
    SELLER,
    add_notes,
    amend,
    new_document,
    set_status,
    timestamp,
)

__all__ = ["Lifecycle"]

logger = logging.getLogger("integrations.tmf621.simulator")
MILLISECOND = timedelta(milliseconds=1)
_STATUS_FIELDS = ("status", "statusChangeReason")


class Lifecycle:
    """The supplier's workflow. Methods taking a ticket expect the caller to hold `state.lock`."""

    def __init__(self, *, state: SimState, notifier: EventNotifier, scheduler: Scheduler) -> None:
        self.state = state
        self.notifier = notifier
        self.scheduler = scheduler

    # --- the buyer's requests ----------------------------------------------------------------
    def open_ticket(
        self, body: dict[str, Any], *, scenario: Scenario, digest: str, unavailable_key: str
    ) -> SimTicket:
        """Keep a POSTed ticket (checked already), in the status the 201 answers. Its life
        starts with `start`, once the answer has been sent."""
        now = _to_millisecond(utc_now())
        ticket_id = self.state.new_ticket_id()
        status = self.state.config.create_status
        reason = ACKNOWLEDGED.reason if status == "acknowledged" else "Ticket received."
        document = new_document(
            body,
            ticket_id=ticket_id,
            href=f"{self.state.api_url}/troubleTicket/{ticket_id}",
            status=status,
            reason=reason,
            now=now,
        )
        document["lastUpdate"] = timestamp(now)
        ticket = SimTicket(
            id=ticket_id,
            sequence=self.state.next_sequence(),
            scenario=scenario.value,
            document=document,
            create_digest=digest,
            unavailable_key=unavailable_key,
            epoch=self.state.new_epoch(),
            last_update=now,
        )
        self._record(ticket, now, cause="created by the buyer")
        self.state.tickets[ticket_id] = ticket
        return ticket

    def start(self, ticket_id: str, epoch: int) -> None:
        with self.state.lock:
            ticket = self._current(ticket_id, epoch)
            if ticket is None:
                return
            plan = PLANS[Scenario(ticket.scenario)]
            if ticket.status == "submitted":
                plan = (ACKNOWLEDGED, *plan)
            if plan:
                self._schedule(ticket, plan)

    def buyer_update(
        self, ticket: SimTicket, body: dict[str, Any], *, hold: threading.Event
    ) -> None:
        """Apply a PATCH (checked already): its notes and fields, then its status."""
        now = self._tick(ticket)
        changes = {key: value for key, value in body.items() if key not in _STATUS_FIELDS}
        changed = amend(ticket.document, changes, now=now)
        if changed:
            self._record(ticket, now, cause=f"buyer changed {', '.join(changed)}")
        requested = body.get("status")
        reason = str(body.get("statusChangeReason") or "").strip()
        if requested == "closed" and ticket.status != "closed":
            self._buyer_status(ticket, Step("closed", "Resolution accepted by the buyer."), hold)
        elif requested == "reopened" and ticket.status != "reopened":
            if "note" not in body:  # MEF 124 R46: the reason kept as a note
                add_notes(
                    ticket.document, [{"author": "closureRejection", "text": reason}], now=now
                )
            self._buyer_status(ticket, Step("reopened", reason), hold)
            self._schedule(ticket, REOPEN_PLAN)
        elif requested == "cancelled" and ticket.status != "cancelled":
            cancel = Step("cancelled", reason or "Cancelled at the buyer's request.")
            self._buyer_status(ticket, cancel, hold)
        elif changed and ticket.resume:
            # MEF 124 R37: information from the buyer takes a pending ticket back in progress.
            plan, ticket.resume = ticket.resume, ()
            ticket.epoch = self.state.new_epoch()
            self._apply(ticket, INFORMATION_RECEIVED, cause="information from the buyer", hold=hold)
            if plan:
                self._schedule(ticket, plan)

    def _buyer_status(self, ticket: SimTicket, step: Step, hold: threading.Event) -> None:
        ticket.epoch = self.state.new_epoch()  # the plan so far lapses
        ticket.resume = ()
        self._apply(ticket, step, cause=f"{step.status} by the buyer", hold=hold)

    # --- timers ------------------------------------------------------------------------------
    def _current(self, ticket_id: str, epoch: int) -> SimTicket | None:
        ticket = self.state.tickets.get(ticket_id)
        return ticket if ticket is not None and ticket.epoch == epoch else None

    def _schedule(self, ticket: SimTicket, plan: Sequence[Step], index: int = 0) -> None:
        self.scheduler.call_later(
            self.state.config.step_delay,
            partial(self._run_step, ticket.id, ticket.epoch, tuple(plan), index),
        )

    def _run_step(self, ticket_id: str, epoch: int, plan: tuple[Step, ...], index: int) -> None:
        with self.state.lock:
            ticket = self._current(ticket_id, epoch)
            if ticket is None:
                return
            step = plan[index]
            self._apply(ticket, step, cause=f"scenario {ticket.scenario}")
            if step.waits_for_buyer:
                ticket.resume = plan[index + 1 :]
            elif index + 1 < len(plan):
                self._schedule(ticket, plan, index + 1)
            elif ticket.status == "resolved":
                self.scheduler.call_later(
                    self.state.config.auto_close_after,
                    partial(self._auto_close, ticket_id, epoch),
                )

    def _auto_close(self, ticket_id: str, epoch: int) -> None:
        with self.state.lock:
            ticket = self._current(ticket_id, epoch)
            if ticket is not None and ticket.status == "resolved":
                self._apply(ticket, AUTO_CLOSED, cause="no answer to the resolution in time")

    # --- changes and their events ------------------------------------------------------------
    def _tick(self, ticket: SimTicket) -> datetime:
        """Now, for a change of this ticket: after its previous change by a millisecond at least."""
        now = max(_to_millisecond(utc_now()), ticket.last_update + MILLISECOND)
        ticket.last_update = now
        ticket.document["lastUpdate"] = timestamp(now)
        return now

    def _apply(
        self, ticket: SimTicket, step: Step, *, cause: str, hold: threading.Event | None = None
    ) -> None:
        now = self._tick(ticket)
        if step.status is not None:
            set_status(ticket.document, step.status, step.reason, now=now)
        if step.note:
            add_notes(ticket.document, [{"text": step.note}], now=now, author=SELLER)
        self._record(ticket, now, cause=cause)
        logger.info(
            "   ticket %s %s%s",
            ticket.id,
            ticket.status,
            f": {step.reason}" if step.reason else (f" (note: {step.note})" if step.note else ""),
        )
        self._notify(ticket, step, now, hold)

    def _record(self, ticket: SimTicket, now: datetime, *, cause: str) -> None:
        ticket.history.append(
            {
                "at": timestamp(now),
                "status": ticket.status,
                "reason": ticket.document.get("statusChangeReason", ""),
                "cause": cause,
            }
        )

    def _notify(
        self, ticket: SimTicket, step: Step, now: datetime, hold: threading.Event | None
    ) -> None:
        scenario = Scenario(ticket.scenario)
        if not scenario.sends_events:
            return  # silent: the supplier keeps its changes to itself (a GET shows them)
        event_id = self.state.new_event_id()
        event_type = step.event_type
        body = event_body(
            event_id=event_id,
            event_type=event_type,
            ticket=ticket.document,
            at=now,
            id_only=scenario.id_only,
            field_path=step.field_path,
        )
        errors = validation_errors(event_type, body)
        callbacks = self.state.listeners(event_type)
        for callback in callbacks or [""]:
            record = SentEvent(
                event_id=event_id,
                event_type=event_type,
                ticket_id=ticket.id,
                status=ticket.status,
                callback=callback,
                url=listener_url(callback, event_type) if callback else "",
                id_only=scenario.id_only,
                body=body,
                created_at=now,
                schema_errors=errors,
            )
            self.state.sent.append(record)
            if callback:
                self.notifier.enqueue(Outgoing(record, hold))
            else:
                record.done = True
                record.outcome = "no listener registered"


def _to_millisecond(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
