"""The simulator's own clock: what the once-a-minute polling limit, receipts and message times
read.

It runs with the real time until a test sets it (`POST /_sim/config` with
`{"clock": "2026-01-01T10:00:00Z"}`): from then on it stands still at that moment and moves only
when told (`{"advance_clock": 61}`), so a test of the 60-second limit never sleeps.
`{"clock": null}` gives it back to the real time (keeping no offset).
"""

import threading
from datetime import UTC, datetime, timedelta

__all__ = ["SimClock", "parse_instant"]


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant (`Z` or an offset; a naive one is read as UTC)."""
    value = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class SimClock:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frozen_at: datetime | None = None
        self._offset = timedelta()

    def now(self) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return datetime.now(UTC) + self._offset

    @property
    def frozen(self) -> bool:
        with self._lock:
            return self._frozen_at is not None

    def set(self, instant: datetime | None) -> None:
        """Stand still at `instant`; None: run with the real time again."""
        with self._lock:
            self._frozen_at = instant
            self._offset = timedelta()

    def advance(self, seconds: float) -> None:
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += timedelta(seconds=seconds)
            else:
                self._offset += timedelta(seconds=seconds)

    def reset(self) -> None:
        self.set(None)

    def as_json(self) -> dict[str, object]:
        return {"now": self.now().isoformat(), "frozen": self.frozen}
