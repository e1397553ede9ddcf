"""The "conversation type" profile: how a TEP ticket's Details (Name/Value pairs) map to our
fault, per partner, in both directions.

TEP itself gives a Detail no meaning: each conversation type agrees which names a ticket carries
and which words their values use. A profile says, for one partner:

* ``details``: detail name → fault field (`FIELDS`: status, priority, service id, fault type,
  description, reported/resolved times, resolution text, the partner's reference …);
* ``status``: the partner's status word → our status, applied through the supplier path of the
  state machine (the supplier is the source of truth for its status);
* ``status_out``: our status → the partner's word, for the tickets we send;
* ``severity``: the partner's severity word → our priority (1 highest … 5), ``severity_out``
  the other way (keys "1" … "5");
* ``contact_types``: the partner's contact Type → which of the fault's contacts it fills.

`DEFAULT_PROFILE` is the one documented in ``README-profile.md``. A partner's profile
(`TepConnection.profile`, JSON) names only the sections it changes: each section it names
replaces the default's section as a whole; an empty profile is the default. `profile_errors`
says what is wrong with one, in words for the admin.

Words are matched as sent first, then ignoring case and runs of white space ("on  hold" is
"On Hold"). Times are read as xs:dateTime or the seed's note format ("5/21/2012 1:00:00 PM",
taken as UTC) and sent as xs:dateTime in UTC.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist

from faults.choices import FaultStatus

if TYPE_CHECKING:
    from faults.models import Fault
    from integrations.models import Partner
    from integrations.tep.messages import Detail

S = FaultStatus

# Fault fields a Detail can carry, and how its value is read and written.
TEXT, TIME, STATUS, PRIORITY = "text", "time", "status", "priority"
FIELDS: dict[str, str] = {
    "status": STATUS,
    "status_reason": TEXT,
    "priority": PRIORITY,
    "service_id": TEXT,
    "fault_type": TEXT,
    "description": TEXT,
    "fault_location": TEXT,
    "site_access_details": TEXT,
    "product_name": TEXT,
    "address_key": TEXT,
    "closure_code": TEXT,
    "triage_findings": TEXT,
    "fault_start_time": TIME,  # when the fault began (the partner's "reported")
    "resolved_at": TIME,  # when the partner resolved it
    "resolution": TEXT,  # the partner's words on the resolution
    "buyer_fault_reference": TEXT,  # ours
    "maintainer_fault_reference": TEXT,  # the partner's
}
# Fields we send (the rest are only read): our status and our data, never the partner's own
# resolution or reference.
OUTGOING_FIELDS = (
    "buyer_fault_reference",
    "maintainer_fault_reference",
    "status",
    "status_reason",
    "priority",
    "service_id",
    "fault_type",
    "description",
    "fault_location",
    "site_access_details",
    "product_name",
    "address_key",
    "fault_start_time",
)
# What a partner's status can move a fault to (the supplier side of the state machine; a
# draft is ours alone).
SUPPLIER_STATUSES = tuple(s for s in S.values if s != S.DRAFT)
CONTACT_ROLES = ("reporter", "site_access_contact", "end_user")
PRIORITIES = (1, 2, 3, 4, 5)
SECTIONS = ("details", "status", "status_out", "severity", "severity_out", "contact_types")
NAME_MAX = 200

DEFAULT_PROFILE: dict[str, Any] = {
    "details": {
        "Status": "status",
        "StatusReason": "status_reason",
        "Severity": "priority",
        "ServiceId": "service_id",
        "IncidentType": "fault_type",
        "Description": "description",
        "Location": "fault_location",
        "SiteAccess": "site_access_details",
        "Product": "product_name",
        "AddressKey": "address_key",
        "ReportedDateTime": "fault_start_time",
        "ResolvedDateTime": "resolved_at",
        "Resolution": "resolution",
        "ResolutionCode": "closure_code",
        "CustomerReference": "buyer_fault_reference",
        "PartnerReference": "maintainer_fault_reference",
    },
    "status": {
        "New": S.PENDING,
        "Accepted": S.ACCEPTED,
        "Active": S.OPEN,
        "In Progress": S.IN_PROGRESS,
        "On Hold": S.ON_HOLD,
        "Waiting On Customer": S.ON_HOLD,
        "Resolved": S.RESOLVED,
        "Reopened": S.REOPENED,
        "Closed": S.CLOSED,
        "Cancelled": S.CANCELLED,
        "Rejected": S.REJECTED,
    },
    "status_out": {
        S.PENDING: "New",
        S.ACCEPTED: "Accepted",
        S.OPEN: "Active",
        S.IN_PROGRESS: "In Progress",
        S.ON_HOLD: "On Hold",
        S.RESOLVED: "Resolved",
        S.REOPENED: "Reopened",
        S.CLOSED: "Closed",
        S.CANCELLED: "Cancelled",
        S.REJECTED: "Rejected",
    },
    "severity": {
        "1-Critical": 1,
        "Critical": 1,
        "2-High": 2,
        "High": 2,
        "3-Medium": 3,
        "Medium": 3,
        "4-Low": 4,
        "Low": 4,
        "5-Planning": 5,
        "Planning": 5,
    },
    "severity_out": {
        "1": "1-Critical",
        "2": "2-High",
        "3": "3-Medium",
        "4": "4-Low",
        "5": "5-Planning",
    },
    "contact_types": {
        "Reporter": "reporter",
        "SiteContact": "site_access_contact",
        "EndUser": "end_user",
    },
}


class ProfileError(ValueError):
    """A partner's stored profile is not usable; the message says what is wrong."""


@dataclass(frozen=True)
class Profile:
    details: Mapping[str, str]
    status: Mapping[str, str]
    status_out: Mapping[str, str]
    severity: Mapping[str, int]
    severity_out: Mapping[str, str]
    contact_types: Mapping[str, str]

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | None) -> Profile:
        """The profile `data` describes over the default; raises ProfileError when it has
        errors."""
        errors = profile_errors(data)
        if errors:
            raise ProfileError("; ".join(errors))
        merged = copy.deepcopy(DEFAULT_PROFILE)
        merged.update(copy.deepcopy(dict(data or {})))
        return cls(**{section: merged[section] for section in SECTIONS})

    def field_for(self, name: str) -> str | None:
        return _lookup(self.details, name)

    def contact_role(self, their_type: str) -> str | None:
        """Which of the fault's contacts a ticket contact of this Type fills (None: none)."""
        return _lookup(self.contact_types, their_type) if their_type else None

    def name_for(self, field_name: str) -> str | None:
        """The detail name that carries the field (the first, should several)."""
        return next((name for name, f in self.details.items() if f == field_name), None)


def _key(word: str) -> str:
    return " ".join(word.split()).casefold()


def _lookup(vocabulary: Mapping[str, Any], word: str) -> Any:
    if word in vocabulary:
        return vocabulary[word]
    wanted = _key(word)
    return next((value for key, value in vocabulary.items() if _key(key) == wanted), None)


# --- checking a profile -------------------------------------------------------------------
def profile_errors(data: object) -> list[str]:
    """What is wrong with a profile as an admin wrote it (empty: nothing), one sentence each."""
    if data in (None, {}):
        return []
    if not isinstance(data, Mapping):
        return ["The profile must be a JSON object (or empty for the default profile)."]
    errors = [
        f"Unknown section '{key}': the sections are {', '.join(SECTIONS)}."
        for key in data
        if key not in SECTIONS
    ]
    for section in SECTIONS:
        if section not in data:
            continue
        value = data[section]
        if not isinstance(value, Mapping):
            errors.append(f"'{section}' must be a JSON object of name → value.")
            continue
        errors += _section_errors(section, value)
    return errors


def _section_errors(section: str, entries: Mapping[Any, Any]) -> list[str]:
    errors = []
    seen: dict[str, str] = {}
    for key, value in entries.items():
        if not isinstance(key, str) or not key.strip() or len(key) > NAME_MAX:
            errors.append(f"'{section}': a name must be text of 1 to {NAME_MAX} characters.")
            continue
        folded = _key(key)
        if folded in seen and section not in ("status_out", "severity_out"):
            errors.append(
                f"'{section}': '{key}' and '{seen[folded]}' are the same word "
                "(case and spaces are ignored)."
            )
        seen[folded] = key
        problem = _entry_error(section, key, value)
        if problem:
            errors.append(problem)
    if section == "details":
        errors += _duplicate_fields(entries)
    return errors


def _entry_error(section: str, key: str, value: object) -> str | None:
    if section == "details" and value not in FIELDS:
        return (
            f"'details': '{key}' maps to '{value}', which is not a fault field we map "
            f"({', '.join(FIELDS)})."
        )
    if section == "status" and value not in SUPPLIER_STATUSES:
        return (
            f"'status': '{key}' maps to '{value}', which is not one of our statuses "
            f"({', '.join(SUPPLIER_STATUSES)})."
        )
    if section == "status_out":
        if key not in SUPPLIER_STATUSES:
            statuses = ", ".join(SUPPLIER_STATUSES)
            return f"'status_out': '{key}' is not one of our statuses ({statuses})."
        return _word_error(section, key, value)
    if section == "severity" and (isinstance(value, bool) or value not in PRIORITIES):
        return f"'severity': '{key}' maps to {value!r}; a priority is a whole number from 1 to 5."
    if section == "severity_out":
        if key not in {str(p) for p in PRIORITIES}:
            return f"'severity_out': '{key}' is not a priority (\"1\" to \"5\")."
        return _word_error(section, key, value)
    if section == "contact_types" and value not in CONTACT_ROLES:
        return (
            f"'contact_types': '{key}' maps to '{value}', which is not one of the fault's "
            f"contacts ({', '.join(CONTACT_ROLES)})."
        )
    return None


def _word_error(section: str, key: str, value: object) -> str | None:
    if not isinstance(value, str) or not value.strip() or len(value) > NAME_MAX:
        return f"'{section}': '{key}' must map to a word of 1 to {NAME_MAX} characters."
    return None


def _duplicate_fields(entries: Mapping[Any, Any]) -> list[str]:
    by_field: dict[str, list[str]] = {}
    for name, target in entries.items():
        if isinstance(name, str) and isinstance(target, str):
            by_field.setdefault(target, []).append(name)
    return [
        f"'details': {' and '.join(repr(n) for n in names)} both map to '{target}'; "
        "a field has one detail name."
        for target, names in by_field.items()
        if len(names) > 1
    ]


# --- a partner's profile ------------------------------------------------------------------
def profile_for(partner: Partner) -> Profile:
    """The partner's profile: its TEP connection's, the default when it has none or an empty
    one. Raises ProfileError when the stored profile has errors (the admin form refuses those;
    one saved another way is not guessed at)."""
    try:
        data = partner.tep_connection.profile
    except (AttributeError, ObjectDoesNotExist):
        data = None
    return Profile.from_data(data or None)


# --- incoming -----------------------------------------------------------------------------
class Incoming(dict):
    """The fault fields a ticket's details carry, read (``status`` is our status word,
    ``priority`` an int, times aware datetimes, text stripped). Besides: ``problems``, values
    that could not be read (shown to people, never raised), and ``unmapped``, details the profile
    does not name (name → value)."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.unmapped: dict[str, str] = {}
        self.words: dict[str, str] = {}  # field → the partner's own word, for status/priority


def _name_value(detail: Detail) -> tuple[str, str]:
    name = detail.name
    value = detail.value
    return (name or "").strip(), value if isinstance(value, str) else ""


def incoming_fields(details: Iterable[Detail], profile: Profile) -> Incoming:
    """What the details say about the fault, in our terms (see `Incoming`). A name repeated: the
    last one counts. A value left empty says nothing."""
    fields = Incoming()
    for detail in details:
        name, value = _name_value(detail)
        value = clean_text(value)
        target = profile.field_for(name)
        if target is None:
            if name:
                fields.unmapped[name[:NAME_MAX]] = value[:1000]
            continue
        if not value:
            continue
        read = _read(FIELDS[target], value, profile)
        if read is None:
            fields.problems.append(_unreadable(name, target, value))
            fields.pop(target, None)
            if FIELDS[target] in (STATUS, PRIORITY):
                fields.words[target] = value[:200]
            continue
        fields[target] = read
        if FIELDS[target] in (STATUS, PRIORITY):
            fields.words[target] = value[:200]
    return fields


def _read(kind: str, value: str, profile: Profile) -> object:
    if kind == STATUS:
        return _lookup(profile.status, value)
    if kind == PRIORITY:
        return _lookup(profile.severity, value)
    if kind == TIME:
        return read_time(value)
    return value


def _unreadable(name: str, target: str, value: str) -> str:
    shown = value[:200]
    if FIELDS[target] == STATUS:
        return f"The partner's status '{shown}' ({name}) is not in the profile; status not changed."
    if FIELDS[target] == PRIORITY:
        return f"The partner's severity '{shown}' ({name}) is not in the profile; priority kept."
    return f"{name}: '{shown}' is not a date and time we can read."


def read_time(value: str) -> datetime | None:
    """An xs:dateTime (without a zone: UTC) or the seed's "5/21/2012 1:00:00 PM" (UTC); None
    when it is neither."""
    from integrations.tep.messages import parse_note_time

    try:
        return parse_note_time(value.strip())
    except (ValueError, OverflowError):
        return None


def clean_text(value: str) -> str:
    """A partner's text as the database keeps it: NUL dropped, lone surrogates replaced."""
    value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value.strip()


# --- outgoing -----------------------------------------------------------------------------
def format_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _outgoing_value(fault: Fault, target: str, profile: Profile) -> str:
    kind = FIELDS[target]
    if kind == STATUS:
        return _lookup(profile.status_out, fault.status) or ""
    if kind == PRIORITY:
        return profile.severity_out.get(str(fault.priority), "")
    value = getattr(fault, target)
    if kind == TIME:
        return format_time(value) if value else ""
    return str(value or "")


def outgoing_details(
    fault: Fault, profile: Profile, *, only: Iterable[str] | None = None
) -> list[Detail]:
    """The details a ticket we send carries for the fault, in the profile's names and words
    (only the fields in `only`, when given). A field without a name in the profile, or without a
    value (or a word for it), is left out."""
    from integrations.tep.messages import Detail

    wanted = OUTGOING_FIELDS if only is None else tuple(f for f in OUTGOING_FIELDS if f in only)
    details = []
    for target in wanted:
        name = profile.name_for(target)
        if name is None:
            continue
        value = _outgoing_value(fault, target, profile)
        if value:
            details.append(Detail(name=name, value=value))
    return details


DEFAULT = Profile.from_data(None)

__all__ = [
    "DEFAULT",
    "DEFAULT_PROFILE",
    "FIELDS",
    "Incoming",
    "Profile",
    "ProfileError",
    "incoming_fields",
    "outgoing_details",
    "profile_errors",
    "profile_for",
    "read_time",
]
