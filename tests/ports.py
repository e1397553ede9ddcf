"""Fixed port ranges shared between the test processes of one run.

Some servers a test starts must listen on a port chosen before they start (a callback URL is
registered first, or a listener is stopped and started again on the same port); their tests
pick "a port of this range nobody listens on now". Under pytest-xdist (`make test` runs two
processes) two processes could pick the same free port at the same moment, so each process
takes its own slice of the range."""

import os


def worker_share(ports: range) -> range:
    """This test process's slice of `ports` (all of it without xdist)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    if not worker.startswith("gw") or count <= 1:
        return ports
    index = int(worker[2:])
    size = len(ports) // count
    start = ports.start + index * size
    return range(start, start + size)
