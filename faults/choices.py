"""One home for the fault domain's status values, their groups and their colours."""

from django.db import models


class FaultStatus(models.TextChoices):
    """The supplier's words (the XSD's faultStateType) plus our local `draft`."""

    DRAFT = "draft", "Draft"
    PENDING = "pending", "Pending"
    REJECTED = "rejected", "Rejected"
    ACCEPTED = "accepted", "Accepted"
    OPEN = "open", "Open"
    IN_PROGRESS = "in-progress", "In progress"
    ON_HOLD = "on-hold", "On hold"
    RESOLVED = "resolved", "Resolved"
    REOPENED = "re-opened", "Re-opened"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


TERMINAL_STATUSES = frozenset({FaultStatus.REJECTED, FaultStatus.CLOSED, FaultStatus.CANCELLED})
NON_TERMINAL_STATUSES = tuple(s for s in FaultStatus.values if s not in TERMINAL_STATUSES)
# With the supplier and not finished (a draft is ours alone): "open" on every page and report.
OPEN_STATUSES = tuple(s for s in NON_TERMINAL_STATUSES if s != FaultStatus.DRAFT)
# The SLA clock runs in these, is paused in on-hold and stops everywhere else (design §5).
SLA_RUNNING_STATUSES = frozenset(
    {FaultStatus.ACCEPTED, FaultStatus.OPEN, FaultStatus.IN_PROGRESS, FaultStatus.REOPENED}
)
SLA_PAUSED_STATUSES = frozenset({FaultStatus.ON_HOLD})
# Only the supplier can move these next (design §4): it accepts or rejects a pending fault,
# works an accepted, open, in-progress or re-opened one to resolution and takes an on-hold one
# off hold (our SLA clock stays paused until it does). Not here: a draft (not sent yet), a
# resolved fault (we accept or reject the resolution), a finished one. Reconciliation asks
# suppliers about these faults only, so a lost notification cannot leave one stuck.
SUPPLIER_MOVES_NEXT_STATUSES = (
    FaultStatus.PENDING,
    FaultStatus.ACCEPTED,
    FaultStatus.OPEN,
    FaultStatus.IN_PROGRESS,
    FaultStatus.ON_HOLD,
    FaultStatus.REOPENED,
)
# Statuses a fault can be amended in: submitted to the supplier and not yet finished.
AMENDABLE_STATUSES = tuple(
    s for s in NON_TERMINAL_STATUSES if s not in (FaultStatus.DRAFT, FaultStatus.RESOLVED)
)

STATUS_COLOURS = {
    FaultStatus.DRAFT: "grey",
    FaultStatus.PENDING: "blue",
    FaultStatus.REJECTED: "red",
    FaultStatus.ACCEPTED: "cyan",
    FaultStatus.OPEN: "cyan",
    FaultStatus.IN_PROGRESS: "indigo",
    FaultStatus.ON_HOLD: "amber",
    FaultStatus.RESOLVED: "green",
    FaultStatus.REOPENED: "orange",
    FaultStatus.CLOSED: "dark-green",
    FaultStatus.CANCELLED: "grey",
}


class FaultType(models.TextChoices):
    """The types our agents raise. Suppliers send free-text types too, so the field is not limited
    to these."""

    SERVICE_OUTAGE = "Service Outage", "Service Outage (TLOS)"
    IMPAIRED_SERVICE = "Impaired Service", "Impaired Service"
    PERFORMANCE_ISSUE = "Performance Issue", "Performance Issue"


# The type of a fault a supplier opened with us (an incident on its side that affects our
# services): not one an agent raises, so not among FaultType's choices.
SUPPLIER_INCIDENT = "Supplier Incident"


class OpenedBy(models.TextChoices):
    """Who opened the fault: we raise most with a supplier; a supplier may open one with us."""

    US = "us", "Us"
    SUPPLIER = "supplier", "The supplier"


def is_tlos_type(fault_type: object) -> bool:
    """Whether a fault type (as typed or sent: any case, spaces around) is a Service Outage,
    the type the supplier raises only with an engineer appointment."""
    return str(fault_type or "").strip().lower() == FaultType.SERVICE_OUTAGE.lower()


class Party(models.TextChoices):
    """Who wrote an update or a comment (the XSD's updatedByType / commentedByType)."""

    BUYER = "buyer", "Buyer (us)"
    SELLER = "seller", "Seller (supplier)"


class ClosureCode(models.TextChoices):
    FR = "FR", "Fault Resolved"
    FNR = "FNR", "Fault Not Resolved"
    HAZ = "HAZ", "Site Unsafe"
    NA = "NA", "No access"
    NAPUV = "NAPUV", "No Access Possible Hazard"
    ASQ = "ASQ", "Sales Query"
    NDT = "NDT", "No dial tone"
    UNF = "UNF", "Unforeseen Circumstance e.g. Asbestos"
    MBORC = "MBORC", "Matters Beyond Reasonable Control"
    FTA = "FTA", "Failed to Attend"
    SREQ = "SREQ", "Service Request"


class SlaState(models.TextChoices):
    NONE = "none", "No SLA"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    AT_RISK = "at-risk", "At risk"
    BREACHED = "breached", "Breached"
    MET = "met", "Met"
    MISSED = "missed", "Missed"


SLA_ACTIVE_STATES = frozenset(
    {SlaState.RUNNING, SlaState.PAUSED, SlaState.AT_RISK, SlaState.BREACHED}
)

SLA_COLOURS = {
    SlaState.NONE: "grey",
    SlaState.RUNNING: "blue",
    SlaState.PAUSED: "amber",
    SlaState.AT_RISK: "orange",
    SlaState.BREACHED: "red",
    SlaState.MET: "green",
    SlaState.MISSED: "red",
}


class SlaCalendar(models.TextChoices):
    ALWAYS = "24x7", "24x7"
    BUSINESS_HOURS = "business-hours", "Business hours (Europe/London, UK bank holidays)"


class ActorKind(models.TextChoices):
    USER = "user", "User"
    PARTNER = "partner", "Partner message"
    TIMER = "timer", "Timer"
    SYSTEM = "system", "System"


class EventKind(models.TextChoices):
    """What a row of the audit trail records."""

    CREATED = "created", "Created"
    STATUS = "status", "Status changed"
    AMENDED = "amended", "Amended"
    COMMENT = "comment", "Comment added"
    ATTACHMENT = "attachment", "Attachment added"
    ANOMALY = "anomaly", "Anomaly"
    STALE_STATUS = "stale-status", "Older status ignored"
    SUPPLIER_DATA = "supplier-data", "Supplier data updated"
    AUTO_ACCEPTED = "auto-accepted", "Resolution auto-accepted"
    PARTNER_CALL = "partner-call", "Call to supplier requested"
    # An agent took a refused or dead call to the supplier out of the queue (dealt with another
    # way); the outbound row's mark is cleared by a retry, this row is not.
    MESSAGE_DISMISSED = "message-dismissed", "Message dismissed"
    SLA = "sla", "SLA"
    # A ticket exception raised or solved (faults.exceptions).
    EXCEPTION = "exception", "Exception"
    # The NOC workspace (issue 16): who owns a fault, our internal notes, a fault raised again.
    ASSIGNED = "assigned", "Owner or team changed"
    NOTE = "note", "Internal note"
    RAISED_AGAIN = "raised-again", "Raised again"


class PartnerOperation(models.TextChoices):
    """The calls a fault's lifecycle asks the integration layer to make to the supplier."""

    RAISE = "raise", "Raise fault"
    AMEND = "amend", "Amend fault"
    COMMENT = "comment", "Send comment"
    CANCEL = "cancel", "Cancel fault"
    RESOLUTION_ANSWER = "resolution-answer", "Answer resolution"
    REQUEST_UPDATE = "request-update", "Request full update"


class SavedViewPage(models.TextChoices):
    """The pages whose filters, sort and columns a user can save."""

    LIST = "list", "Fault list"
    QUEUE = "queue", "Queue"


class DigestFrequency(models.TextChoices):
    """How often a user's e-mail digest of new work is sent."""

    OFF = "off", "Never"
    HOURLY = "hourly", "Hourly"
    DAILY = "daily", "Daily"
