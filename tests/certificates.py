"""Certificates made to expire when a test needs (the demo PKI's last 825 days): self-signed,
written as PEM, for the certificate expiry tests."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def certificate_expiring(common_name: str, *, in_: timedelta) -> x509.Certificate:
    """A certificate whose notAfter is `in_` from now (negative: already expired)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    not_after = datetime.now(UTC) + in_
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(min(not_after, datetime.now(UTC)) - timedelta(days=365))
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )


def pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def write_pem(path: Path, *certificates: x509.Certificate) -> str:
    path.write_bytes(b"".join(pem(c) for c in certificates))
    return str(path)


def proxy_header(certificate: x509.Certificate) -> str:
    """The certificate as nginx passes it on ($ssl_client_escaped_cert)."""
    return quote(pem(certificate).decode("ascii"))
