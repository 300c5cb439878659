"""The API key format: `isk_` + 8-char lookup prefix + 40-char secret, all URL-safe letters."""
import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass

KEY_SCHEME = "isk_"
PREFIX_LENGTH = 8
SECRET_LENGTH = 40
_ALPHABET = string.ascii_letters + string.digits
_KEY_LENGTH = len(KEY_SCHEME) + PREFIX_LENGTH + SECRET_LENGTH


@dataclass(frozen=True)
class GeneratedKey:
    full_key: str
    prefix: str
    hashed_key: str


def key_hash(full_key: str) -> str:
    return hashlib.sha256(full_key.encode()).hexdigest()


def key_generate() -> GeneratedKey:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(PREFIX_LENGTH + SECRET_LENGTH))
    full_key = KEY_SCHEME + body
    return GeneratedKey(full_key=full_key, prefix=body[:PREFIX_LENGTH], hashed_key=key_hash(full_key))


def key_prefix(full_key: str) -> str | None:
    """The lookup prefix of a well-formed key, or None when the key is malformed."""
    if len(full_key) != _KEY_LENGTH or not full_key.startswith(KEY_SCHEME):
        return None
    body = full_key[len(KEY_SCHEME):]
    if any(ch not in _ALPHABET for ch in body):
        return None
    return body[:PREFIX_LENGTH]


def key_matches(full_key: str, hashed_key: str) -> bool:
    return hmac.compare_digest(key_hash(full_key), hashed_key)
