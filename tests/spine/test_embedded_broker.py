"""Issue 10 #3: the embedded broker's transport (integrations.embedded_broker), through kombu's
public API, with writers and readers in processes of their own on one folder, as `make run`'s
web server, beat and worker share it."""

import logging
import multiprocessing
import random
import time
from pathlib import Path
from queue import Empty

import pytest
from kombu import Connection, Exchange, Queue

from integrations.embedded_broker import transport_options

TRANSPORT = "integrations.embedded_broker:Transport"
WRITERS = 4
MESSAGES_PER_WRITER = 400

# Forked children inherit the test process (Django settings, imports) and start in milliseconds.
fork = multiprocessing.get_context("fork")


def _options(root: Path) -> dict:
    return transport_options(root, polling_interval=0.01)


def _connection(root: Path) -> Connection:
    return Connection("filesystem://", transport=TRANSPORT, transport_options=_options(root))


def _write(root: Path, writer: int, count: int) -> None:
    with _connection(root) as connection:
        queue = connection.SimpleQueue("work")
        for n in range(count):
            queue.put({"writer": writer, "n": n, "text": "x" * random.randint(10, 4000)})
            time.sleep(random.uniform(0, 0.004))


def _take_all(root: Path, expected: int, *, deadline: float = 60) -> list[dict]:
    """Read as a busy consumer does: as soon as it is told the queue is empty, it looks again."""
    taken: list[dict] = []
    stop = time.monotonic() + deadline
    with _connection(root) as connection:
        queue = connection.SimpleQueue("work")
        while len(taken) < expected and time.monotonic() < stop:
            try:
                message = queue.get(block=False)
            except Empty:
                time.sleep(0.0002)
                continue
            taken.append(message.payload)
            message.ack()
    return taken


def _start(target, *args) -> multiprocessing.Process:
    process = fork.Process(target=target, args=args)
    process.start()
    return process


def test_a_consumer_never_takes_a_message_before_it_is_written(tmp_path):
    """kombu's transport creates the file, then writes it: a reader in between got an empty
    file, JSONDecodeError, and the worker exited (celery/kombu#1551)."""
    writers = [_start(_write, tmp_path, w, MESSAGES_PER_WRITER) for w in range(WRITERS)]
    try:
        taken = _take_all(tmp_path, WRITERS * MESSAGES_PER_WRITER)
    finally:
        for writer in writers:
            writer.join(timeout=60)

    assert sorted((m["writer"], m["n"]) for m in taken) == [
        (w, n) for w in range(WRITERS) for n in range(MESSAGES_PER_WRITER)
    ]


def _consume_into(root: Path, expected: int, results) -> None:
    results.put([(m["writer"], m["n"]) for m in _take_all(root, expected, deadline=8)])


def test_two_consumers_never_take_the_same_message(tmp_path):
    writers = [_start(_write, tmp_path, w, 200) for w in range(2)]
    results = fork.Queue()
    consumers = [_start(_consume_into, tmp_path, 400, results) for _ in range(2)]
    for writer in writers:
        writer.join(timeout=60)
    taken = [results.get(timeout=60) for _ in consumers]
    for consumer in consumers:
        consumer.join(timeout=60)

    both = taken[0] + taken[1]
    assert sorted(both) == [(w, n) for w in range(2) for n in range(200)]
    assert not set(taken[0]) & set(taken[1])


# Named like a message written at the epoch, so that it is the first a consumer reads.
DAMAGED = f"{0:020d}_damaged.work.msg"


def test_a_damaged_message_is_set_aside_and_the_consumer_carries_on(tmp_path, caplog):
    options = _options(tmp_path)
    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue("work")
        # What kombu's own writer leaves for a moment, or a crash for good: an empty message,
        # named to come first.
        (Path(options["data_folder_in"]) / DAMAGED).write_bytes(b"")
        queue.put({"writer": 0, "n": 1})

        with caplog.at_level(logging.ERROR, logger="integrations.embedded_broker"):
            message = queue.get(timeout=5)
            message.ack()

    assert message.payload == {"writer": 0, "n": 1}
    assert (tmp_path / "rejected" / DAMAGED).exists()
    assert f"{DAMAGED} is not valid JSON" in caplog.text
    assert list(Path(options["data_folder_in"]).iterdir()) == []


def _bind(root: Path, name: str, start) -> None:
    start.wait()
    with _connection(root) as connection:
        Queue(name, Exchange("broadcast", type="fanout"))(connection.default_channel).declare()


def test_bindings_made_at_once_by_several_processes_are_all_kept(tmp_path):
    """Every worker binds its remote-control queue to the same fanout exchange when it starts;
    a binding lost is a worker that `celery inspect` never reaches."""
    names = [f"worker{n}.pidbox" for n in range(6)]
    start = fork.Event()
    binders = [_start(_bind, tmp_path, name, start) for name in names]
    start.set()
    for binder in binders:
        binder.join(timeout=30)

    with _connection(tmp_path) as connection:
        table = connection.default_channel.get_table("broadcast")
    assert sorted(entry.queue for entry in table) == names


@pytest.mark.parametrize("name", ["../escape", "a/b", ".hidden"])
def test_an_exchange_name_cannot_leave_the_control_folder(tmp_path, name):
    from kombu.exceptions import ChannelError

    with _connection(tmp_path) as connection, pytest.raises(ChannelError):
        connection.default_channel.get_table(name)


def test_messages_are_taken_in_the_order_they_were_written(tmp_path):
    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue("work")
        for n in range(30):
            queue.put({"n": n})
        taken = []
        for _ in range(30):
            message = queue.get(timeout=5)
            message.ack()
            taken.append(message.payload["n"])

    assert taken == list(range(30))
