"""One fault held, locked and read once, for a run of changes in one transaction (issue 17).

The inbox applies a burst of one fault's messages in one transaction, each message in a
savepoint of its own. Each message used to lock and read the whole fault row again
(`fault_lock`) and write every column back (`Fault.save()`): two of the five queries of a
message, and most of its Python time (building a 60-column SELECT and UPDATE). Within
`fault_held(fault_id)`, `fault_lock` of that fault returns one instance, loaded with its lock
on first use, and `fault_save` writes only the columns that changed since it was last read or
written (nothing when nothing changed).

The instance always matches the row between two messages: `fault_held_settle()` after a message
forgets it when it holds a change that was not saved (as before, where such a change was lost
with the instance), and `fault_held_forget()` after a message that failed forgets it, since its
savepoint's rollback undid in the row what the instance may still hold. Forgotten, it is read
again (the lock is still ours) by the next `fault_lock`. Hold a fault only for as long as the
transaction that locked it: at its end the lock goes, and another process may change the row.
"""

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from faults.errors import FaultNotFound
from faults.models import Fault

# Mutable values (the JSON fields) are copied when remembered: a change made in place to the
# instance's list must still show as a change.
_IMMUTABLE = (str, int, float, bool, type(None))


@dataclass
class _Held:
    fault_id: int
    fault: Fault | None = None
    saved: dict[str, Any] = field(default_factory=dict)

    def lock(self) -> Fault:
        if self.fault is None:
            try:
                self.fault = Fault.objects.select_for_update().get(pk=self.fault_id)
            except Fault.DoesNotExist:
                raise FaultNotFound(f"No fault with id {self.fault_id}.") from None
            self.remember()
        return self.fault

    def remember(self) -> None:
        self.saved = {
            attname: value if isinstance(value, _IMMUTABLE) else copy.deepcopy(value)
            for attname, value in _values(self.fault).items()
        }

    def changed(self) -> list[str]:
        if self.fault is None:
            return []
        return [
            attname
            for attname, value in _values(self.fault).items()
            if attname not in self.saved or self.saved[attname] != value
        ]


_held: ContextVar[_Held | None] = ContextVar("fault_held", default=None)


def _values(fault: Fault) -> dict[str, Any]:
    return {
        f.attname: getattr(fault, f.attname)
        for f in Fault._meta.concrete_fields
        if not f.primary_key and f.attname != "updated_at"
    }


@contextmanager
def fault_held(fault_id: int) -> Iterator[None]:
    """Hold the fault for the block (inside a transaction): see the module's docstring."""
    token = _held.set(_Held(fault_id))
    try:
        yield
    finally:
        _held.reset(token)


def held_fault_lock(fault_id: int) -> Fault | None:
    """The held instance of the fault, locked and read on first use; None when this fault is
    not held (the caller locks and reads it itself)."""
    held = _held.get()
    if held is None or held.fault_id != fault_id:
        return None
    return held.lock()


def fault_save(fault: Fault) -> None:
    """Save the fault: only the columns that changed when it is the held instance, the whole
    row otherwise."""
    held = _held.get()
    if held is None or held.fault is not fault:
        fault.save()
        return
    changed = held.changed()
    if changed:
        fault.save(update_fields=[*changed, "updated_at"])
        held.remember()


def fault_held_settle() -> None:
    """After a message applied: forget the instance if it holds an unsaved change."""
    held = _held.get()
    if held is not None and held.changed():
        held.fault = None


def fault_held_forget() -> None:
    """After a message failed (its savepoint rolled back): read the row again next time."""
    held = _held.get()
    if held is not None:
        held.fault = None
