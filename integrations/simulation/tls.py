"""A simulator's TLS material: its HTTPS server certificate, the CA the demo PKI signs with (which
it trusts for client certificates and for our HTTPS listener), and the supplier's client
certificate its notifications carry where the protocol asks for one.

The simulator makes none of it. It reads the files from a directory by fixed names
(`simulator_tls_in`); the demo PKI (`devtools.pki`, made by `manage.py load_demo` or
`manage.py demo_pki`) writes them there, with our own client certificate beside them.
"""

import hashlib
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from cryptography import x509
from cryptography.hazmat.primitives import serialization

__all__ = [
    "CA_CERT",
    "SERVER",
    "SUPPLIER_CLIENT",
    "Identity",
    "SimulatorTls",
    "SimulatorTlsMissing",
    "server_tls_context",
    "simulator_tls_in",
    "simulator_tls_layout",
]

CA_CERT = "ca.pem"
SERVER = "simulator-server"  # .pem and .key
SUPPLIER_CLIENT = "supplier-client"  # .pem and .key


@dataclass(frozen=True)
class Identity:
    """A certificate and its private key, as PEM files."""

    cert_path: Path
    key_path: Path

    @classmethod
    def named(cls, directory: Path, stem: str) -> "Identity":
        return cls(cert_path=directory / f"{stem}.pem", key_path=directory / f"{stem}.key")

    @property
    def files(self) -> tuple[Path, Path]:
        return self.cert_path, self.key_path

    @property
    def pem(self) -> bytes:
        return self.cert_path.read_bytes()

    @property
    def fingerprint(self) -> str:
        certificate = x509.load_pem_x509_certificate(self.pem)
        return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()

    @property
    def proxy_header(self) -> str:
        """The certificate as nginx's `$ssl_client_escaped_cert` passes it on."""
        return quote(self.pem.decode("ascii"), safe="")


@dataclass(frozen=True)
class SimulatorTls:
    ca_cert_path: Path
    server: Identity  # the supplier simulator's HTTPS server
    supplier_client: Identity  # the supplier calling our webhook

    @property
    def files(self) -> tuple[Path, ...]:
        return (self.ca_cert_path, *self.server.files, *self.supplier_client.files)

    @property
    def server_files(self) -> tuple[Path, ...]:
        """What serving HTTPS needs (and checking our HTTPS listener's certificate)."""
        return (self.ca_cert_path, *self.server.files)


def simulator_tls_layout(directory: Path) -> SimulatorTls:
    """Where the simulator's files are in `directory`, whether or not they exist yet."""
    return SimulatorTls(
        ca_cert_path=directory / CA_CERT,
        server=Identity.named(directory, SERVER),
        supplier_client=Identity.named(directory, SUPPLIER_CLIENT),
    )


class SimulatorTlsMissing(FileNotFoundError):
    """A directory lacks some of the simulator's TLS files."""


def simulator_tls_in(directory: Path, *, client_certificate: bool = True) -> SimulatorTls:
    """The simulator's TLS files in `directory`; `SimulatorTlsMissing` names any that is not.
    Without `client_certificate` the supplier's client certificate is not needed (a simulator
    that only serves HTTPS)."""
    tls = simulator_tls_layout(directory)
    needed = tls.files if client_certificate else tls.server_files
    missing = [path.name for path in needed if not path.is_file()]
    if missing:
        raise SimulatorTlsMissing(
            f"{directory}: no {', '.join(missing)}. `python manage.py demo_pki --dir {directory}` "
            "makes the demo PKI there (`make run` makes it in var/certs)."
        )
    return tls


def server_tls_context(tls: SimulatorTls, *, require_client_certificate: bool) -> ssl.SSLContext:
    """The HTTPS server side: the simulator's certificate and, with `require_client_certificate`,
    mutual TLS (no client certificate signed by the demo CA, no connection)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(tls.server.cert_path), str(tls.server.key_path))
    if require_client_certificate:
        context.load_verify_locations(cafile=str(tls.ca_cert_path))
        context.verify_mode = ssl.CERT_REQUIRED
    return context
