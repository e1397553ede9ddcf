"""The embedded broker of `make run`: kombu's filesystem transport, made safe for several
processes sharing one folder.

kombu's own transport creates a message file and then writes it, without the reader taking the
writer's lock, so a consumer that lists the folder in between reads an empty file; the
JSONDecodeError escapes the consumer and the worker exits ("Unrecoverable error", celery/kombu
#1551). It also moves a claimed message to the system temporary folder, which is a copy and a
delete when that folder is another filesystem (two consumers can both copy the same message, and
read each other's half-written copy), and it rewrites exchange tables in place, where a
publisher can read a table that another process has just created empty.

Here every file that another process may read appears whole or not at all:
- a message is written to a hidden file beside the queue and renamed into place;
- a consumer claims a message by renaming it into `processed_folder`, on the same filesystem:
  one rename wins, every other consumer moves on;
- an exchange table is rewritten the same way, under a lock file that serialises its writers.

A message that still cannot be decoded (a file damaged on disk, or written by another program)
is moved to `rejected/` beside the processed folder and logged, and the worker carries on.
"""

import fcntl
import logging
import os
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from queue import Empty
from time import monotonic, time_ns
from typing import ClassVar

from kombu.exceptions import ChannelError
from kombu.transport import filesystem, virtual
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)

MESSAGE_SUFFIX = ".msg"
PARTIAL_SUFFIX = ".part"
# An exchange name becomes a file name: only characters that cannot leave the control folder.
EXCHANGE_NAME = re.compile(r"[A-Za-z0-9._-]*")


def write_atomically(folder: Path, name: str, data: bytes) -> None:
    """Write `data` to folder/name so that no reader ever sees the file partly written: the
    bytes go to a hidden file in the same folder (never listed as a message, since its name
    does not end in `.msg`), which is then renamed over the final name."""
    partial = folder / f".{uuid.uuid4().hex}{PARTIAL_SUFFIX}"
    try:
        with open(partial, "wb") as file:
            file.write(data)
        os.replace(partial, folder / name)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ChannelError(f"Cannot write {name!r} to {folder}") from exc


class Channel(filesystem.Channel):
    """The filesystem channel, with whole-file writes and rename-based claims."""

    def _put(self, queue: str, payload: dict, **kwargs: object) -> None:
        # Consumers take messages in name order: the wall-clock time in microseconds, zero-padded
        # so that names sort as numbers do (an unpadded count sorts 10440200 before 9999999) and
        # so that messages left in the folder across a reboot keep their order.
        name = f"{time_ns() // 1000:020d}_{uuid.uuid4()}.{queue}{MESSAGE_SUFFIX}"
        write_atomically(Path(self.data_folder_out), name, dumps(payload).encode())

    def _get(self, queue: str) -> dict:
        folder = Path(self.data_folder_in)
        wanted = f"{queue}{MESSAGE_SUFFIX}"
        for name in sorted(os.listdir(folder)):
            # "<time>_<uuid>.<queue>.msg": the queue is everything after the first dot.
            if name.partition(".")[2] != wanted:
                continue
            claimed = self._claim(folder / name)
            if claimed is None:
                continue  # another consumer took it
            payload = self._read_claimed(claimed)
            try:
                return loads(payload)
            except ValueError:
                self._reject(claimed, payload)
        raise Empty()

    def _claim(self, path: Path) -> Path | None:
        """Move the message out of the queue folder; None if another consumer was first."""
        claimed = Path(self.processed_folder) / path.name
        try:
            os.rename(path, claimed)
        except FileNotFoundError:
            return None
        except OSError as exc:
            # EXDEV: a rename across filesystems would be a copy, which two consumers can both
            # make; the processed folder must sit beside the queue.
            raise ChannelError(
                f"Cannot claim {path.name!r}: processed_folder {self.processed_folder} must be "
                f"on the same filesystem as {path.parent}"
            ) from exc
        return claimed

    def _read_claimed(self, claimed: Path) -> bytes:
        try:
            payload = claimed.read_bytes()
            if not self.store_processed:
                claimed.unlink()
        except OSError as exc:
            raise ChannelError(f"Cannot read {claimed}") from exc
        return payload

    def _reject(self, claimed: Path, payload: bytes) -> None:
        rejected = Path(self.processed_folder).parent / "rejected"
        rejected.mkdir(exist_ok=True)
        (rejected / claimed.name).write_bytes(payload)
        claimed.unlink(missing_ok=True)
        logger.error(
            "Embedded broker: message %s is not valid JSON (%d bytes); kept in %s.",
            claimed.name,
            len(payload),
            rejected,
        )

    # --- exchange tables (which queues an exchange routes to) ---------------------------------

    def _table_file(self, exchange: str) -> Path:
        if not EXCHANGE_NAME.fullmatch(exchange) or exchange.strip(".") != exchange:
            raise ChannelError(f"Invalid exchange name: {exchange!r}")
        return Path(self.transport_options.get("control_folder", "control")) / (
            f"{exchange}.exchange"
        )

    @contextmanager
    def _table_lock(self, exchange: str) -> Iterator[Path]:
        file = self._table_file(exchange)
        file.parent.mkdir(parents=True, exist_ok=True)
        # A separate lock file: the table itself is replaced by rename, so a lock on it would
        # be a lock on a file that is about to disappear.
        with open(file.with_name(file.name + ".lock"), "a") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield file
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _read_table(self, file: Path) -> list[filesystem.exchange_queue_t]:
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ChannelError(f"Cannot open {file}") from exc
        try:
            return [filesystem.exchange_queue_t(*entry) for entry in loads(data)]
        except (ValueError, TypeError) as exc:
            raise ChannelError(f"Exchange table {file} is damaged") from exc

    def get_table(self, exchange: str) -> list[filesystem.exchange_queue_t]:
        return self._read_table(self._table_file(exchange))

    def _queue_bind(self, exchange: str, routing_key: str, pattern: str, queue: str) -> None:
        entry = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        with self._table_lock(exchange) as file:
            table = self._read_table(file)
            if entry not in table:
                table.insert(0, entry)
                write_atomically(file.parent, file.name, dumps(table).encode())

    def _delete(self, queue: str, exchange: str, routing_key: str, pattern: str, *args, **kwargs):
        # The virtual channel's own bookkeeping, then the table: kombu's filesystem _delete
        # rewrites the table in place, which is what this class replaces.
        super(filesystem.Channel, self)._delete(
            queue, exchange, routing_key, pattern, *args, **kwargs
        )
        entry = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        with self._table_lock(exchange) as file:
            table = self._read_table(file)
            if entry in table:
                table.remove(entry)
                write_atomically(file.parent, file.name, dumps(table).encode())


def _worker_stopping() -> bool:
    from celery.worker import state

    # Celery stores the exit code there, and a warm stop's is 0: "not None/False" is the test.
    return any(flag not in (None, False) for flag in (state.should_stop, state.should_terminate))


class Transport(filesystem.Transport):
    Channel = Channel
    # The bindings a process has declared, per broker folder: kombu keeps one state for every
    # connection of the process, so a second folder would be taken as already bound and its
    # messages routed nowhere.
    _states: ClassVar[dict[str, virtual.BrokerState]] = {}

    def __init__(self, client, **kwargs) -> None:
        super().__init__(client, **kwargs)
        folder = os.path.abspath(client.transport_options.get("control_folder", "control"))
        self.state = self._states.setdefault(folder, virtual.BrokerState())

    def drain_events(self, connection, timeout: float | None = None) -> None:
        """kombu's polling loop, which also gives up when the Celery worker in this process has
        been asked to stop: Celery's loop for a polling transport looks at that request only
        between two calls, each allowed 2 s, and honcho kills what still runs 5 s after
        Ctrl-C (the worker's unacknowledged messages with it)."""
        started = monotonic()
        while True:
            try:
                self.cycle.get(self._deliver, timeout=timeout)
                return
            except Empty:
                left = None if timeout is None else timeout - (monotonic() - started)
                if _worker_stopping() or (left is not None and left <= 0):
                    raise TimeoutError() from None  # socket.timeout, which callers expect
                time.sleep(
                    self.polling_interval if left is None else min(self.polling_interval, left)
                )

    @property
    def default_connection_params(self) -> dict:
        # A folder, not a host: without this kombu logs "No hostname was supplied" in every
        # process that connects.
        return {"port": self.default_port}


def transport_options(root: Path, *, polling_interval: float = 0.02) -> dict:
    """The broker's folders under `root`, created, as transport options: the queue, where a
    consumer claims a message by renaming it (beside the queue, on the same filesystem), and the
    broadcast exchanges (remote control; kombu's default is ./control in the working directory).

    A worker with prefetch 1 per process sleeps `polling_interval` whenever its processes are busy
    or the queue is empty: 20 ms gave ~12 ms per idle task and ~570 tasks/s on two cores for 0.4 %
    of a core while idle; 100 ms gave ~50 ms and ~100 tasks/s (README)."""
    for sub in ("queue", "processed", "control"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(root / "queue"),
        "data_folder_out": str(root / "queue"),
        "processed_folder": str(root / "processed"),
        "control_folder": str(root / "control"),
        "polling_interval": polling_interval,
    }
