"""A ticket's priority between the wire and our fault (1 highest to 5 lowest).

v4 types it as a string ("Critical, High, Medium, Low"), MEF 124 as `critical`, `high`, `medium`,
`low`, the supplier profile as an integer: each is read, and a priority sent as a word is
returned as sent (MEF 124 R11) while it still means the fault's priority."""

from __future__ import annotations

from faults.models import Fault

LOWEST = Fault._meta.get_field("priority").validators[-1].limit_value
WORDS = {"critical": 1, "high": 2, "medium": 3, "low": 4}


def priority_from_wire(value: object) -> int:
    """Our priority for a wire value; ValueError saying what is accepted."""
    if isinstance(value, bool):
        raise ValueError("must be a number from 1 to 5 or critical, high, medium or low")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    elif isinstance(value, str) and value.strip().lower() in WORDS:
        return WORDS[value.strip().lower()]
    else:
        raise ValueError(
            f"{str(value)[:40]!r} is not a priority: 1 (highest) to {LOWEST}, or critical, high, "
            "medium or low"
        )
    if not 1 <= number <= LOWEST:
        raise ValueError(f"{number} is out of range: 1 (highest) to {LOWEST}")
    return number
