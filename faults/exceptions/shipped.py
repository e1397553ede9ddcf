"""The rules the product ships with (seed 003's types, our thresholds) and their calls to action.
The migration that made the tables writes them; the sweep puts back any that are missing (a table
emptied by hand or by a test's flush), as shipped. Admins tune them; they cannot delete them."""

from typing import Any, NamedTuple


class ShippedRule(NamedTuple):
    type_id: int
    type_name: str
    name: str
    threshold_hours: float | None
    description: str
    priority: int  # the call to action's
    dayside: str
    after_hours: str
    team: str


SHIPPED_RULES: tuple[ShippedRule, ...] = (
    ShippedRule(
        1, "SLA_BREACHED", "SLA breached", None,
        "Still open past its SLA target.",
        1,
        "Escalate to the supplier's duty manager now and record the new fix time.",
        "Escalate by phone to the supplier's out-of-hours desk; hand over to the day shift.",
        "Follow the standard escalation: call the supplier's duty manager, then e-mail the "
        "service manager.",
    ),
    ShippedRule(
        2, "SLA_AT_RISK", "SLA at risk", None,
        "The SLA clock is past its at-risk point.",
        2,
        "Ask the supplier for a fix time within the hour.",
        "Ask the supplier's out-of-hours desk for a fix time.",
        "Ask the supplier for a fix time; escalate if none comes within two hours.",
    ),
    ShippedRule(
        3, "NO_SUPPLIER_UPDATE", "No supplier update", 24,
        "Open with the supplier and nothing heard from it for this many hours.",
        3,
        "Request a full update and chase the supplier by phone.",
        "Request a full update; chase by phone at the start of the day shift.",
        "Request a full update; chase only if the customer's service is down.",
    ),
    ShippedRule(
        4, "RESOLVED_AWAITING_ANSWER", "Resolution awaiting our answer", 12,
        "Resolved by the supplier, unanswered, and closing itself within this many hours.",
        2,
        "Check the service with the customer, then accept or reject the resolution.",
        "Check the service's monitoring; accept or reject before the auto-close.",
        "Check the service's monitoring; accept or reject before the auto-close.",
    ),
    ShippedRule(
        5, "ON_HOLD_TOO_LONG", "On hold too long", 48,
        "On hold (the supplier waits on us) for more than this many hours.",
        4,
        "Give the supplier what it waits for, or ask it to take the fault off hold.",
        "Note it for the day shift: give the supplier what it waits for.",
        "Give the supplier what it waits for if you have it; otherwise leave for the day shift.",
    ),
    ShippedRule(
        6, "REJECTED_NOT_ACTIONED", "Rejection not actioned", 4,
        "Rejected by the supplier this many hours ago (within 14 days), and no agent has acted.",
        4,
        "Correct the fault and raise it again, or record why nothing is needed.",
        "Correct and raise it again if the customer is down; otherwise leave for the day shift.",
        "Correct and raise it again if the customer is down; otherwise leave for the day shift.",
    ),
    ShippedRule(
        8, "DELIVERY_DEAD", "Message to the supplier will not arrive", None,
        "A message of ours to the supplier is dead or refused and no agent has retried or "
        "dismissed it (evaluated by the integration layer).",
        2,
        "Retry the message from the fault's page, or phone the supplier and dismiss it.",
        "Retry the message; if it fails again, phone the supplier's out-of-hours desk.",
        "Retry the message; if it fails again, phone the supplier's out-of-hours desk.",
    ),
    ShippedRule(
        9, "APPOINTMENT_MISSED_BY_SUPPLIER", "Supplier missed the appointment", None,
        "The supplier missed the fault's engineer appointment and no new one is booked "
        "(evaluated by the appointments app).",
        2,
        "Book a new appointment with the supplier and tell the customer.",
        "Book a new appointment; tell the customer at the start of the day shift.",
        "Book a new appointment if the customer is down; otherwise leave for the day shift.",
    ),
    ShippedRule(
        7, "PARTNER_TICKET_PURGED", "Supplier purged its ticket", None,
        "Open with us while the supplier no longer has its ticket.",
        2,
        "Raise the fault again with the supplier, or close it here.",
        "Raise the fault again if the customer is down; otherwise leave for the day shift.",
        "Raise the fault again if the customer is down; otherwise leave for the day shift.",
    ),
    ShippedRule(
        10, "ETA_MISSING", "No fix time from the supplier", 4,
        "Accepted by the supplier this many hours ago, still being worked, with neither an "
        "expected resolution time nor an engineer appointment (evaluated by the appointments "
        "app).",
        3,
        "Ask the supplier for an expected resolution time or an appointment within two hours.",
        "Ask the supplier's out-of-hours desk for a fix time; chase at the start of the day "
        "shift.",
        "Ask the supplier for a fix time; escalate only if the customer's service is down.",
    ),
    ShippedRule(
        11, "LATE_REPAIR_MISMATCH", "Late repair figures disagree", None,
        "The supplier's late repair notification counts different delay days from ours (the "
        "SLA clock and the appointment history): the service credit is in question.",
        4,
        "Compare the figures on the fault's page and dispute the supplier's count in writing.",
        "Leave for the day shift: the service credit claim is not urgent.",
        "Leave for the day shift: the service credit claim is not urgent.",
    ),
)  # fmt: skip


def ship_rules(rule_model: Any, call_to_action_model: Any) -> int:
    """Create the shipped rules and calls to action the tables lack (the models, or a
    migration's historical ones); how many rules were created. What is there is left as the
    admins set it."""
    present = set(rule_model.objects.values_list("type_name", flat=True))
    rule_model.objects.bulk_create(
        [
            rule_model(
                type_id=shipped.type_id,
                type_name=shipped.type_name,
                name=shipped.name,
                threshold_hours=shipped.threshold_hours,
                description=shipped.description,
            )
            for shipped in SHIPPED_RULES
            if shipped.type_name not in present
        ],
        ignore_conflicts=True,
    )
    rules = dict(rule_model.objects.values_list("type_name", "pk"))
    with_call = set(call_to_action_model.objects.values_list("rule__type_name", flat=True))
    call_to_action_model.objects.bulk_create(
        [
            call_to_action_model(
                rule_id=rules[shipped.type_name],
                template_dayside=shipped.dayside,
                template_after_hours=shipped.after_hours,
                template_team=shipped.team,
                priority=shipped.priority,
            )
            for shipped in SHIPPED_RULES
            if shipped.type_name not in with_call and shipped.type_name in rules
        ],
        ignore_conflicts=True,
    )
    return len([s for s in SHIPPED_RULES if s.type_name not in present])
