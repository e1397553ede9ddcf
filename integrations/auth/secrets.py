"""How a partner's inbound secrets are kept (admin: Partner → "Who may call us").

* A Basic password or a bearer token is only ever compared, so only a salted SHA-256 of it is
  stored, as `<strategy>$<salt>$<digest>`. Not a slow password hash (PBKDF2, Argon2): it would
  be computed on every webhook, and these are machine-to-machine secrets of at least
  `MIN_SECRET_LENGTH` random characters that no dictionary holds. The strategy in the value
  keeps a secret set for one strategy from passing for another's.
* An HMAC signing key must be read back to compute the signature, so it is encrypted with
  Fernet under `settings.PARTNER_SECRET_KEYS` (the first key encrypts, all of them decrypt).
  To rotate: put a new key first, keep the old ones after it, deploy, run
  `manage.py rotate_partner_secrets` (re-encrypts every stored key under the first), then drop
  the old keys (no sooner than PARTNER_CACHE_SECONDS later: a process may still hold a partner
  read before the rotation). Unset, the one key is derived from SECRET_KEY, so changing
  SECRET_KEY without listing the old derivation (`derived_key(old)`) makes the stored keys
  unreadable (set them again in the admin).

Every comparison goes through `secrets_match`, i.e. `hmac.compare_digest`: its time does not
depend on where the two values first differ."""

import base64
import hashlib
import hmac
import secrets as random_secrets
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

MIN_SECRET_LENGTH = 24


class SecretUnreadable(Exception):
    """The stored signing key cannot be decrypted with the configured keys."""


def secrets_match(expected: bytes | str, presented: bytes | str) -> bool:
    """Equal, compared in constant time. The one place an inbound secret is compared."""
    if isinstance(expected, str):
        expected = expected.encode()
    if isinstance(presented, str):
        presented = presented.encode()
    return hmac.compare_digest(expected, presented)


def _digest(salt: str, raw: str) -> str:
    return hmac.new(salt.encode(), raw.encode(), hashlib.sha256).hexdigest()


def hash_secret(raw: str, *, strategy: str) -> str:
    salt = random_secrets.token_hex(16)
    return f"{strategy}${salt}${_digest(salt, raw)}"


def secret_matches(stored: str, presented: str, *, strategy: str) -> bool:
    """The presented secret is the one stored for this strategy."""
    hashed_for, _, rest = stored.partition("$")
    salt, _, digest = rest.partition("$")
    if hashed_for != strategy or not salt or not digest:
        # Still one comparison, so a partner with no usable secret costs what any other does.
        secrets_match(_digest("unset", presented), _digest("unset", ""))
        return False
    return secrets_match(digest, _digest(salt, presented))


def derived_key(secret_key: str) -> bytes:
    """A Fernet key derived from a SECRET_KEY (the default of PARTNER_SECRET_KEYS)."""
    digest = hashlib.sha256(b"noc partner secrets\x00" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest)


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _keys() -> MultiFernet:
    keys = tuple(settings.PARTNER_SECRET_KEYS) or (derived_key(settings.SECRET_KEY).decode(),)
    return _fernet(keys)


def encrypt_secret(raw: str) -> str:
    return _keys().encrypt(raw.encode()).decode()


def decrypt_secret(stored: str) -> bytes:
    try:
        return _keys().decrypt(stored.encode())
    except InvalidToken as exc:
        raise SecretUnreadable(
            "The signing key cannot be decrypted with PARTNER_SECRET_KEYS."
        ) from exc


def reencrypt_secret(stored: str) -> str:
    """The same secret under the first of PARTNER_SECRET_KEYS (key rotation)."""
    try:
        return _keys().rotate(stored.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable(
            "The signing key cannot be decrypted with PARTNER_SECRET_KEYS."
        ) from exc
