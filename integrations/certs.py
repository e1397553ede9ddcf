"""A small local PKI for the demo and the tests: a CA, the simulator's server certificate, the
supplier's client certificate (which it presents to our webhook through the proxy) and our
client certificate (which we present to the supplier). Made once under a directory, reused."""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import quote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = timedelta(days=825)


@dataclass(frozen=True)
class Identity:
    cert_path: Path
    key_path: Path

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
class DemoPki:
    ca_cert_path: Path
    server: Identity  # the supplier simulator's HTTPS server
    supplier_client: Identity  # the supplier calling our webhook
    buyer_client: Identity  # us calling the supplier


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
    directory.mkdir(parents=True, exist_ok=True)
    ca_cert_path = directory / "ca.pem"
    pki = DemoPki(
        ca_cert_path=ca_cert_path,
        server=Identity(directory / "simulator-server.pem", directory / "simulator-server.key"),
        supplier_client=Identity(
            directory / "supplier-client.pem", directory / "supplier-client.key"
        ),
        buyer_client=Identity(directory / "buyer-client.pem", directory / "buyer-client.key"),
    )
    every_file = [
        ca_cert_path,
        *(
            p
            for i in (pki.server, pki.supplier_client, pki.buyer_client)
            for p in (i.cert_path, i.key_path)
        ),
    ]
    if all(path.exists() for path in every_file):
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
    ca_cert_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    common = {"directory": directory, "ca_key": ca_key, "ca_name": ca_name}
    _issue(
        stem="simulator-server",
        common_name="127.0.0.1",
        usage=ExtendedKeyUsageOID.SERVER_AUTH,
        server=True,
        **common,
    )
    _issue(
        stem="supplier-client",
        common_name="Demo supplier",
        usage=ExtendedKeyUsageOID.CLIENT_AUTH,
        **common,
    )
    _issue(
        stem="buyer-client",
        common_name="Demo buyer NOC",
        usage=ExtendedKeyUsageOID.CLIENT_AUTH,
        **common,
    )
    return pki
