"""The simulator's TLS material: its HTTPS server certificate, the CA it trusts for client
certificates, and the supplier's client certificate its notifications carry.

The simulator makes none of it. It reads the files from a directory by fixed names
(`simulator_tls_in`); the demo PKI (`devtools.pki`, made by `manage.py load_demo` or
`manage.py demo_pki`) writes them there, with our own client certificate beside them.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from cryptography import x509
from cryptography.hazmat.primitives import serialization

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


def simulator_tls_layout(directory: Path) -> SimulatorTls:
    """Where the simulator's files are in `directory`, whether or not they exist yet."""
    return SimulatorTls(
        ca_cert_path=directory / CA_CERT,
        server=Identity.named(directory, SERVER),
        supplier_client=Identity.named(directory, SUPPLIER_CLIENT),
    )


class SimulatorTlsMissing(FileNotFoundError):
    """A directory lacks some of the simulator's TLS files."""


def simulator_tls_in(directory: Path) -> SimulatorTls:
    """The simulator's TLS files in `directory`; `SimulatorTlsMissing` names any that is not."""
    tls = simulator_tls_layout(directory)
    missing = [path.name for path in tls.files if not path.is_file()]
    if missing:
        raise SimulatorTlsMissing(
            f"{directory}: no {', '.join(missing)}. `python manage.py demo_pki --dir {directory}` "
            "makes the demo PKI there (`make run` makes it in var/certs)."
        )
    return tls
