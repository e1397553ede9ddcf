"""Date-times as the API reads them: RFC 3339 with an offset (v4's `format: date-time`), made
UTC. A value Python reads but the database cannot store (an offset beyond ±15:59, a moment
outside years 1 to 9999 once in UTC) is refused like any other bad value (ValueError)."""

from datetime import UTC, datetime, timedelta

MAX_OFFSET = timedelta(hours=15, minutes=59)


def parse_date_time(text: str) -> datetime:
    """An aware UTC datetime; ValueError for anything that is not a storable RFC 3339 value."""
    if not isinstance(text, str):
        raise ValueError("not text")
    text = text.strip()
    moment = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "Zz" else text)
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("no offset")
    if abs(offset) > MAX_OFFSET:
        raise ValueError("offset out of range")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range") from None
