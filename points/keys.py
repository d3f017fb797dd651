"""The secrets the ledger's proofs rest on, none of which ever lives in the database.

- **Chain keys** (``LEDGER_KEYS``, id → secret; ``LEDGER_KEY_ID`` the one new entries use): every
  entry's hash is an HMAC-SHA256 under one of them, and the entry stores the key's id, so keys can
  rotate while old entries still verify. Whoever can write the database but not read these keys
  cannot make an entry that verifies.
- **The checkpoint signing key** (``LEDGER_SIGNING_KEY_FILE``, Ed25519): signs the checkpoints kept
  outside the database (``points.checkpoints``); its public half verifies them and may be published.

Development and tests use keys whose names say so; ``config.settings_production`` refuses them.
"""
import hashlib
import hmac
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEV_KEY_ID = "DEVELOPMENT-ONLY"
DEV_KEY = b"DEVELOPMENT-ONLY ledger chain key: never use in production"
_DEV_SIGNING_SEED = hashlib.sha256(b"DEVELOPMENT-ONLY ledger checkpoint signing key").digest()
MIN_KEY_BYTES = 32


def parse_keys(text: str) -> dict:
    """``id:secret`` pairs separated by commas or new lines (a file's lines) → {id: secret bytes}."""
    keys = {}
    for item in text.replace("\n", ",").split(","):
        item = item.strip()
        if not item or item.startswith("#"):
            continue
        key_id, sep, secret = item.partition(":")
        if not sep or not key_id.strip() or not secret.strip():
            raise ImproperlyConfigured("LEDGER_KEYS: each key is written id:secret")
        keys[key_id.strip()] = secret.strip().encode()
    return keys


@cache
def _chain_keys() -> dict:
    keys = dict(settings.LEDGER_KEYS)
    for key_id, secret in keys.items():
        if len(key_id) > 32:
            raise ImproperlyConfigured(f"LEDGER_KEYS: key id {key_id!r} is longer than 32 characters")
        if key_id != DEV_KEY_ID and len(secret) < MIN_KEY_BYTES:
            raise ImproperlyConfigured(f"LEDGER_KEYS: key {key_id!r} is shorter than {MIN_KEY_BYTES} bytes")
    return keys


@cache
def _keyed(key_id: str):
    """A pre-keyed HMAC object: copying it skips hashing the key for every entry."""
    return hmac.new(_chain_keys()[key_id], digestmod=hashlib.sha256)


def current_key_id() -> str:
    key_id = settings.LEDGER_KEY_ID
    if key_id not in _chain_keys():
        raise ImproperlyConfigured(f"LEDGER_KEY_ID {key_id!r} is not one of LEDGER_KEYS")
    return key_id


def has_key(key_id: str) -> bool:
    return key_id in _chain_keys()


def mac(key_id: str, message: str) -> str:
    """HMAC-SHA256 of ``message`` under chain key ``key_id``, in hex (``KeyError`` if unknown)."""
    h = _keyed(key_id).copy()
    h.update(message.encode())
    return h.hexdigest()


@cache
def signing_key() -> Ed25519PrivateKey:
    """The Ed25519 key that signs checkpoints: ``LEDGER_SIGNING_KEY_FILE`` (PEM), else the development key."""
    path = settings.LEDGER_SIGNING_KEY_FILE
    if not path:
        return Ed25519PrivateKey.from_private_bytes(_DEV_SIGNING_SEED)
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("LEDGER_SIGNING_KEY_FILE must hold an Ed25519 private key")
    return key


def key_fingerprint(public: Ed25519PublicKey) -> str:
    """A short name for a public key, written into every checkpoint it signs."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@cache
def verify_keys() -> dict:
    """{fingerprint: public key} accepted on checkpoints: ``LEDGER_CHECKPOINT_PUBLIC_KEYS`` (PEM files;
    old keys stay listed after a rotation), else the signing key's own public half."""
    publics = [serialization.load_pem_public_key(Path(p).read_bytes()) for p in settings.LEDGER_CHECKPOINT_PUBLIC_KEYS]
    if not publics:
        publics = [signing_key().public_key()]
    for public in publics:
        if not isinstance(public, Ed25519PublicKey):
            raise ImproperlyConfigured("LEDGER_CHECKPOINT_PUBLIC_KEYS must hold Ed25519 public keys")
    return {key_fingerprint(p): p for p in publics}


def public_key_pem() -> str:
    """The signing key's public half, to publish next to the checkpoints."""
    return signing_key().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def forget() -> None:
    """Drop the cached keys (tests and key rotation in one process)."""
    for cached in (_chain_keys, _keyed, signing_key, verify_keys):
        cached.cache_clear()
