"""A small closed-loop load generator: `concurrency` threads, each sending its share of the
bodies one after another over its own connection, timing every request."""

import http.client
import statistics
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class LoadResult:
    requests: int
    ok: int
    seconds: float
    latencies_ms: list[float]

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p99(self) -> float:
        return self.percentile(99)


def post_all(
    url: str,
    bodies: Sequence[bytes],
    *,
    headers: dict[str, str],
    concurrency: int,
    ok_status: int = 200,
) -> LoadResult:
    parts = urlsplit(url)
    latencies: list[float] = []
    ok = 0
    lock = threading.Lock()

    def work(chunk: Sequence[bytes]) -> None:
        nonlocal ok
        mine: list[float] = []
        good = 0
        for body in chunk:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            started = time.perf_counter()
            connection.request(
                "POST", parts.path, body=body, headers={**headers, "Content-Length": str(len(body))}
            )
            response = connection.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            good += response.status == ok_status
            connection.close()
        with lock:
            latencies.extend(mine)
            ok += good

    chunks = [bodies[i::concurrency] for i in range(concurrency)]
    threads = [threading.Thread(target=work, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadResult(len(bodies), ok, time.perf_counter() - started, latencies)
