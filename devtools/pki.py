"""The demo PKI: a local CA, the simulator's server certificate, the supplier's client
certificate (which it presents to our webhook through the proxy) and our client certificate
(which we present to the supplier). Made once under a directory (settings.DEMO_PKI_DIR for
`make run`), reused; the tests make their own.

The files the simulators read are where `integrations.simulation.tls` looks for them; our
client certificate sits beside them. Development only: production certificates come from the
partner and are named on the partner's admin page.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from integrations.simulation.tls import (
    SERVER,
    SUPPLIER_CLIENT,
    Identity,
    SimulatorTls,
    simulator_tls_layout,
)

__all__ = ["DemoPki", "Identity", "ensure_demo_pki"]

VALIDITY = timedelta(days=825)
BUYER_CLIENT = "buyer-client"  # .pem and .key


@dataclass(frozen=True)
class DemoPki(SimulatorTls):
    buyer_client: Identity  # us calling the supplier

    @property
    def files(self) -> tuple[Path, ...]:
        return (*super().files, *self.buyer_client.files)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "NOC demo PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_key(path: Path) -> ec.EllipticCurvePrivateKey:
    key = ec.generate_private_key(ec.SECP256R1())
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)
    return key


def _issue(
    *,
    directory: Path,
    stem: str,
    common_name: str,
    ca_key,
    ca_name: x509.Name,
    usage: ExtendedKeyUsageOID,
    server: bool = False,
) -> Identity:
    key = _write_key(directory / f"{stem}.key")
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    certificate = builder.sign(ca_key, hashes.SHA256())
    cert_path = directory / f"{stem}.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return Identity(cert_path=cert_path, key_path=directory / f"{stem}.key")


def ensure_demo_pki(directory: Path) -> DemoPki:
    """The demo PKI in `directory`, made there first unless all its files exist."""
    directory.mkdir(parents=True, exist_ok=True)
    simulator = simulator_tls_layout(directory)
    pki = DemoPki(
        ca_cert_path=simulator.ca_cert_path,
        server=simulator.server,
        supplier_client=simulator.supplier_client,
        buyer_client=Identity.named(directory, BUYER_CLIENT),
    )
    if all(path.exists() for path in pki.files):
        return pki

    ca_key = _write_key(directory / "ca.key")
    ca_name = _name("NOC demo CA")
    now = datetime.now(UTC)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pki.ca_cert_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    common = {"directory": directory, "ca_key": ca_key, "ca_name": ca_name}
    _issue(
        stem=SERVER,
        common_name="127.0.0.1",
        usage=ExtendedKeyUsageOID.SERVER_AUTH,
        server=True,
        **common,
    )
    _issue(
        stem=SUPPLIER_CLIENT,
        common_name="Demo supplier",
        usage=ExtendedKeyUsageOID.CLIENT_AUTH,
        **common,
    )
    _issue(
        stem=BUYER_CLIENT,
        common_name="Demo buyer NOC",
        usage=ExtendedKeyUsageOID.CLIENT_AUTH,
        **common,
    )
    return pki
