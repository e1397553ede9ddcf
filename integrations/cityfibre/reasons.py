"""The supplier's reasons in the words an agent reads.

The Ticketing API answers a refusal with an `errorMessage` that is a JSON object naming the
offending element, e.g. `{"serviceAffected": "Service 'X' is not valid"}` (sample 23, and what
the supplier's validation returns); a `rejected` notification's `statusReason` may be either
that or plain text. That shape is this protocol's, so it is turned into domain text here, when
the reason is recorded, and nothing above the protocol package ever sees it:
`Service ID: Service 'X' is not valid`, the element named by the label the agent's forms use
(faults.field_labels).

Text that is not such an object is returned as it came (trimmed).
"""

import json
import re

from faults.field_labels import field_label
from integrations.cityfibre.builders import CONTACT_ELEMENTS, FIELD_ELEMENTS

__all__ = ["element_label", "reason_text"]

# The supplier's element -> the fault field (or contact) whose label the agent knows: the
# builders' table, read backwards.
_ELEMENT_FIELDS = {element: name for name, element in FIELD_ELEMENTS.items()}
_ELEMENT_CONTACTS = {element: prefix for prefix, element in CONTACT_ELEMENTS.items()}
# Keys that are not an element: the text is the whole reason.
_GENERAL_KEYS = frozenset({"message", "error", "errors", "detail", "reason", "_", ""})
# Elements that name no fault field, and error keys of the supplier's own.
_OTHER_LABELS = {
    "schema": "Message format",
    "buyerIdentifier": "Buyer identifier",
    "resolveAccepted": "Answer to the resolution",
    "rejectedReason": "Rejection reason",
    "messageId": "Message ID",
}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_MAX_DEPTH = 4


def element_label(key: str) -> str:
    """The label an agent sees for one of the supplier's element names (a path such as
    `faultDetails/description` or `faultDetails.description` is labelled by its last part)."""
    name = re.split(r"[/.]", key.strip())[-1]
    field_name = _ELEMENT_FIELDS.get(name)
    if field_name is not None:
        return field_label(field_name)
    contact = _ELEMENT_CONTACTS.get(name)
    if contact is not None:
        # "Reporter" -> "Reporter contact"; "Site access contact" already says it.
        words = field_label(contact)
        return words if words.lower().endswith("contact") else f"{words} contact"
    label = _OTHER_LABELS.get(name) or _CAMEL.sub(" ", name).replace("_", " ").lower()
    return label[:1].upper() + label[1:]


def _sentences(value: object, depth: int = 0) -> list[str]:
    """Each `Label: text` line a decoded errorMessage holds."""
    if depth > _MAX_DEPTH:
        return [json.dumps(value, ensure_ascii=False)]
    if isinstance(value, dict):
        lines = []
        for key, inner in value.items():
            texts = _sentences(inner, depth + 1)
            if str(key).strip() in _GENERAL_KEYS:
                lines += texts
            else:
                label = element_label(str(key))
                lines += [f"{label}: {text}" for text in texts]
        return lines
    if isinstance(value, list):
        return [line for item in value for line in _sentences(item, depth + 1)]
    if value is None:
        return []
    return [str(value).strip()]


def reason_text(error_message: str) -> str:
    """The supplier's errorMessage (or statusReason) as the sentence it means.

    >>> reason_text('{"serviceAffected": "Service \\'S1\\' is not valid"}')
    "Service ID: Service 'S1' is not valid"
    """
    text = (error_message or "").strip()
    if not text.startswith(("{", "[")):
        return text
    try:
        decoded = json.loads(text)
    except ValueError:
        return text
    if not isinstance(decoded, (dict, list)):
        return text
    lines = [line for line in _sentences(decoded) if line]
    return "; ".join(lines) if lines else text
