"""Debian's nginx in front of the app, run by a test: the repository's `config/nginx/noc.conf` with
its ports, certificates, upstream and secret replaced (each replacement must match, so the test
follows the file), under a generated main configuration with its own prefix and temp dirs, as a
single foreground process on free loopback ports."""

import contextlib
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from devtools.pki import DemoPki

ROOT = Path(__file__).resolve().parents[1]
SITE_CONFIG = ROOT / "config" / "nginx" / "noc.conf"
WEBHOOK_HOST = "noc-webhooks.example.net"
STAFF_HOST = "noc.example.net"


def nginx_path() -> str:
    return os.environ.get("NGINX_PATH", "/usr/sbin/nginx")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _replace(text: str, old: str, new: str | list[str]) -> str:
    """Replace each occurrence of `old` in turn by `new` (one value, or one per occurrence)."""
    values = new if isinstance(new, list) else [new] * max(1, text.count(old))
    if text.count(old) != len(values):
        raise AssertionError(f"{SITE_CONFIG.name}: expected {old!r} {len(values)} time(s)")
    for value in values:
        text = text.replace(old, value, 1)
    return text


@dataclass
class Nginx:
    """`Nginx(workdir, pki=…, upstream="127.0.0.1:8123", secret=…).start()` … `.stop()`."""

    workdir: Path
    pki: DemoPki
    upstream: str
    secret: str

    def __post_init__(self) -> None:
        self.webhook_port = free_port()
        self.staff_port = free_port()
        self.http_port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def webhook_url(self) -> str:
        return f"https://127.0.0.1:{self.webhook_port}"

    @property
    def staff_url(self) -> str:
        return f"https://127.0.0.1:{self.staff_port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def error_log(self) -> Path:
        return self.workdir / "error.log"

    def site_config(self) -> str:
        server_cert, server_key = str(self.pki.server.cert_path), str(self.pki.server.key_path)
        text = SITE_CONFIG.read_text()
        for old, new in (
            ("server 127.0.0.1:8000;", f"server {self.upstream};"),
            (
                "listen 443 ssl;",  # the webhook site first, then the staff site
                [
                    f"listen 127.0.0.1:{self.webhook_port} ssl;",
                    f"listen 127.0.0.1:{self.staff_port} ssl;",
                ],
            ),
            ("listen 80;", f"listen 127.0.0.1:{self.http_port};"),
            ("/etc/nginx/tls/noc-webhooks.pem", server_cert),
            ("/etc/nginx/tls/noc-webhooks.key", server_key),
            ("/etc/nginx/tls/noc.pem", server_cert),
            ("/etc/nginx/tls/noc.key", server_key),
            ("/etc/nginx/tls/partner-cas.pem", str(self.pki.ca_cert_path)),
            ("CHANGE-ME-PARTNER_PROXY_SECRET", self.secret),
        ):
            text = _replace(text, old, new)
        return text

    def main_config(self) -> str:
        temp = {
            name: self.workdir / name
            for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        }
        for path in temp.values():
            path.mkdir(parents=True, exist_ok=True)
        return f"""
daemon off;
master_process off;
worker_processes 1;
pid {self.workdir / "nginx.pid"};
error_log {self.error_log} info;
events {{ worker_connections 64; }}
http {{
    access_log {self.workdir / "access.log"};
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {self.workdir / "noc.conf"};
}}
"""

    def start(self) -> "Nginx":
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "noc.conf").write_text(self.site_config())
        main = self.workdir / "nginx.conf"
        main.write_text(self.main_config())
        self.process = subprocess.Popen(
            [nginx_path(), "-p", str(self.workdir), "-c", str(main), "-e", str(self.error_log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while not all(self._listening(port) for port in self._ports()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                log = self.error_log.read_text() if self.error_log.exists() else ""
                raise AssertionError(f"nginx did not start:\n{log}")
            time.sleep(0.05)
        return self

    def _ports(self) -> tuple[int, ...]:
        return (self.webhook_port, self.staff_port, self.http_port)

    @staticmethod
    def _listening(port: int) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return True
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
