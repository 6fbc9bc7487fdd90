"""Optional Ed25519 signature over the ledger head (`ledger.sig`), and key-file helpers.

The signed message is `b"sleuth-ledger-head-v1\\n"` followed by the canonical JSON of
`{"case", "head_seq", "head_hash"}`. A signature proves the chain up to `head_seq` existed
when it was signed; entries after it are not covered. The public key inside `ledger.sig`
only proves self-consistency: pin the expected key (`--public-key`) to rule out a re-signer.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.case.canonical import canonical_json, sha256_hex
from agent.case.errors import SignatureError
from agent.case.fsutil import atomic_write
from agent.case.payloads import SHA256_PATTERN

SIG_FILE = "ledger.sig"
_DOMAIN = b"sleuth-ledger-head-v1\n"


class HeadSignature(BaseModel):
    """What `ledger.sig` holds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    algorithm: Literal["ed25519"] = "ed25519"
    """Signature algorithm."""
    case: str
    """The case id."""
    head_seq: int = Field(ge=1)
    """Seq of the signed head entry."""
    head_hash: str = Field(pattern=SHA256_PATTERN)
    """Hash of the signed head entry."""
    public_key: str = Field(pattern=r"^[0-9a-f]{64}$")
    """The signer's raw Ed25519 public key, hex."""
    signature: str = Field(pattern=r"^[0-9a-f]{128}$")
    """The signature, hex."""
    signed_at: datetime
    """When it was signed (UTC)."""


def signed_message(case: str, head_seq: int, head_hash: str) -> bytes:
    """The exact bytes that are signed for a head."""
    return _DOMAIN + canonical_json({"case": case, "head_seq": head_seq, "head_hash": head_hash})


def public_key_hex(key: Ed25519PublicKey) -> str:
    """The raw public key as hex."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def key_fingerprint(public_hex: str) -> str:
    """A short, stable name for a public key: `ed25519:` + the first 16 hex digits of its sha256."""
    return "ed25519:" + sha256_hex(bytes.fromhex(public_hex))[:16]


def generate_key(path: Path) -> Path:
    """Write a new private key (PEM, mode 0600, never overwriting) and `<path>.pub`; returns the .pub path."""
    pub_path = path.with_name(path.name + ".pub")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise SignatureError(f"{path} already exists; not overwriting a key") from exc
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    pub_path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo))
    return pub_path


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Load an unencrypted PEM Ed25519 private key."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise SignatureError(f"cannot read key {path}: {exc.strerror}") from exc
    except (ValueError, TypeError) as exc:
        raise SignatureError(f"{path} is not an unencrypted PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SignatureError(f"{path} is not an Ed25519 key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """Load a PEM Ed25519 public key."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except OSError as exc:
        raise SignatureError(f"cannot read public key {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise SignatureError(f"{path} is not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SignatureError(f"{path} is not an Ed25519 public key")
    return key


def write_signature(case_dir: Path, key: Ed25519PrivateKey, *, case: str, head_seq: int,
                    head_hash: str) -> HeadSignature:
    """Sign a head and write `ledger.sig` atomically (callers verify the chain first)."""
    sig = HeadSignature(
        case=case, head_seq=head_seq, head_hash=head_hash,
        public_key=public_key_hex(key.public_key()),
        signature=key.sign(signed_message(case, head_seq, head_hash)).hex(),
        signed_at=datetime.now(UTC),
    )
    atomic_write(case_dir / SIG_FILE, sig.model_dump_json(indent=2).encode("utf-8") + b"\n")
    return sig


def read_signature(case_dir: Path) -> HeadSignature | None:
    """Load `ledger.sig` (None when there is none)."""
    path = case_dir / SIG_FILE
    try:
        return HeadSignature.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return None
    except ValidationError as exc:
        raise SignatureError(f"{path} is malformed: {exc.errors()[0]['msg']}") from exc


def signature_problem(sig: HeadSignature, pinned: Ed25519PublicKey | None) -> str | None:
    """Why the signature does not hold (None when it does), under the pinned key if one is given."""
    if pinned is not None and public_key_hex(pinned) != sig.public_key:
        return (f"ledger.sig was made with key {key_fingerprint(sig.public_key)}, "
                f"not the pinned {key_fingerprint(public_key_hex(pinned))}")
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(sig.public_key))
        key.verify(bytes.fromhex(sig.signature), signed_message(sig.case, sig.head_seq, sig.head_hash))
    except (InvalidSignature, ValueError):
        return "ledger.sig does not verify: the signed head or the signature was altered"
    return None
