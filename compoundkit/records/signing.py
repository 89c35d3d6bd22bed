"""Electronic signatures: Ed25519 keys (the ``cryptography`` package) and signed records.

A signature shows the signer's printed name, the date and time and its meaning, and is
linked to its record (21 CFR 11.50, 11.70): it signs the canonical bytes of the record
kind, the record id, the record's content hash, the name, the key id, the meaning and the
time, so it cannot be moved to another record, kind or meaning, and a record changed
after signing no longer verifies. Keys are Ed25519 (RFC 8032); a private key is kept
encrypted with a passphrase (PKCS8, the library's best available encryption) in a file
only its owner can read (0600). Needs ``pip install 'compoundkit[sign]'``.

>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = pathlib.Path(tmp) / "chen.key"
...     public = new_key("A. Chen", "correct horse", path)
...     key = load_key(path, "correct horse")
...     signed = sign(key, record_kind="mfr", record_id="MFR-1", content_hash="ab" * 32,
...                   meaning="approved")
...     verify_signature(signed, record_kind="mfr", record_id="MFR-1",
...                      content_hash="ab" * 32, trusted=[public])
...     (signed.name, signed.meaning, signed.key_id == public.key_id)
('A. Chen', 'approved', True)
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as _dt
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, cast, get_args

from attrs import field, frozen

from compoundkit._files import UnreadableFileError, read_text
from compoundkit.errors import DocumentError, MissingDependencyError, SignatureError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

__all__ = [
    "KEY_SCHEMA",
    "MEANINGS",
    "PASSPHRASE_ENV",
    "KeyFile",
    "Meaning",
    "PublicKey",
    "Signature",
    "SigningKey",
    "default_key_folder",
    "list_keys",
    "load_key",
    "load_trusted",
    "manifestation",
    "new_key",
    "public_json",
    "read_public",
    "sign",
    "verify_signature",
]

Meaning = Literal["approved", "prepared", "verified", "released", "checkpoint"]
MEANINGS: Final = get_args(Meaning)
KEY_SCHEMA: Final = "compoundkit.signing-key"
PASSPHRASE_ENV: Final = "COMPOUNDKIT_PASSPHRASE"
_DOMAIN: Final = b"compoundkit.signature.v1\n"
_MAX_BYTES: Final = 256 * 1024
_KEY_SUFFIX: Final = ".key"


def _crypto() -> Any:
    """The ``cryptography`` modules, or a clear error naming the extra to install."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError as exc:
        raise MissingDependencyError(
            "signatures need the cryptography package, which is not installed "
            f"({exc}): pip install 'compoundkit[sign]'",
            name="cryptography",
        ) from exc
    return serialization, ed25519


@frozen
class PublicKey:
    """A signer's public record: what a pharmacy publishes in its trusted signers file."""

    name: str
    key_id: str
    created: _dt.datetime
    public_key: str
    """The Ed25519 public key, PEM (SubjectPublicKeyInfo)."""

    def key(self) -> Ed25519PublicKey:
        """The public key, after checking that ``key_id`` is this key's id."""
        serialization, ed25519 = _crypto()
        try:
            loaded = serialization.load_pem_public_key(self.public_key.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raise SignatureError(f"signer {self.name!r}: public_key is not a PEM key") from None
        if not isinstance(loaded, ed25519.Ed25519PublicKey):
            raise SignatureError(f"signer {self.name!r}: public_key is not an Ed25519 key")
        if _key_id(loaded) != self.key_id:
            raise SignatureError(
                f"signer {self.name!r}: key id {self.key_id} is not the id of its public key"
            )
        return cast("Ed25519PublicKey", loaded)


@frozen
class KeyFile:
    """A private key file: the public record and the encrypted private key (PKCS8 PEM)."""

    schema: Literal["compoundkit.signing-key"]
    name: str
    key_id: str
    created: _dt.datetime
    public_key: str
    private_key: str = field(repr=False)

    @property
    def public(self) -> PublicKey:
        """The public part (no private key)."""
        return PublicKey(self.name, self.key_id, self.created, self.public_key)


@frozen
class SigningKey:
    """A private key opened with its passphrase (held in memory only; never printed)."""

    public: PublicKey
    private: Ed25519PrivateKey = field(repr=False, eq=False)

    @property
    def name(self) -> str:
        """The signer's printed name."""
        return self.public.name

    @property
    def key_id(self) -> str:
        """First 16 hex digits of the SHA-256 of the raw public key."""
        return self.public.key_id


@frozen
class Signature:
    """One signature: who (printed name, key id), what it means, when, and the value."""

    name: str
    """The signer's printed name, as their key gives it."""
    key_id: str
    """The signing key's id (:attr:`PublicKey.key_id`)."""
    meaning: Meaning
    """What the signer means by it (21 CFR 11.50): approval, a step of a record, or a
    checkpoint of the record log."""
    time: _dt.datetime
    """When it was signed, with its time zone."""
    value: str
    """The Ed25519 signature, base64."""


def _key_id(public: Ed25519PublicKey) -> str:
    serialization, _ = _crypto()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _passphrase(passphrase: str | bytes) -> bytes:
    secret = passphrase.encode("utf-8") if isinstance(passphrase, str) else passphrase
    if not secret:
        raise SignatureError("the passphrase is empty; a private key needs a passphrase")
    return secret


def default_key_folder() -> Path:
    """Where ``keys new`` puts keys by default: the user's data folder, ``keys``."""
    import platformdirs

    return platformdirs.user_data_path("compoundkit") / "keys"


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0)


def new_key(
    name: str,
    passphrase: str | bytes,
    path: str | os.PathLike[str] | None = None,
    *,
    replace: bool = False,
) -> PublicKey:
    """Make an Ed25519 key pair for ``name``; write it (private part encrypted) to ``path``.

    ``path`` defaults to ``<key id>.key`` in :func:`default_key_folder`. The file is
    created 0600 and never replaces an existing one unless ``replace``.
    """
    serialization, ed25519 = _crypto()
    if not name.strip() or name != name.strip() or any(ch < " " for ch in name):
        raise SignatureError(f"name {name!r}: give the signer's printed name, such as 'A. Chen'")
    secret = _passphrase(passphrase)
    private = ed25519.Ed25519PrivateKey.generate()
    public = private.public_key()
    record = PublicKey(
        name,
        _key_id(public),
        _now(),
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii"),
    )
    encrypted = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(secret),
    ).decode("ascii")
    if path is None:
        folder = default_key_folder()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = folder / f"{record.key_id}{_KEY_SUFFIX}"
    else:
        target = Path(path)
    from compoundkit.documents import unstructure

    text = KeyFile(KEY_SCHEMA, name, record.key_id, record.created, record.public_key, encrypted)
    _write_private(target, json.dumps(unstructure(text), indent=2) + "\n", replace=replace)
    return record


def _write_private(target: Path, text: str, *, replace: bool) -> None:
    """Create ``target`` 0600 (O_EXCL: never over a file, never a chmod after)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    if not replace:
        if target.exists():
            raise SignatureError(f"key file {target} exists; a key is never written over")
        written = target
    else:
        written = target.with_name(f".{target.name}.{os.getpid()}.new")
    handle = os.open(written, flags, 0o600)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if replace:
            os.replace(written, target)
    except BaseException:
        if replace:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(written)
        raise


def _read_json(path: str | os.PathLike[str], what: str) -> Any:
    name = os.fspath(path)
    try:
        return json.loads(read_text(name, _MAX_BYTES, what=what))
    except UnreadableFileError as exc:
        raise SignatureError(f"{what} {exc}") from None
    except ValueError:
        raise SignatureError(f"{what} {name}: not a JSON {what}") from None


def _key_file(path: str | os.PathLike[str]) -> KeyFile:
    from compoundkit.documents import structure

    data = _read_json(path, "key file")
    try:
        return structure(data, KeyFile, source=os.fspath(path))
    except DocumentError as exc:
        raise SignatureError(f"key file {exc}") from None


def read_public(path: str | os.PathLike[str]) -> PublicKey:
    """The public record of key file ``path`` (no passphrase needed)."""
    public = _key_file(path).public
    public.key()  # the id matches the key
    return public


def load_key(path: str | os.PathLike[str], passphrase: str | bytes) -> SigningKey:
    """Open key file ``path`` with ``passphrase``; a wrong one is a clear error."""
    serialization, ed25519 = _crypto()
    kept = _key_file(path)
    secret = _passphrase(passphrase)
    try:
        private = serialization.load_pem_private_key(
            kept.private_key.encode("ascii"), password=secret
        )
    except (ValueError, TypeError, UnicodeEncodeError):
        raise SignatureError(
            f"key file {os.fspath(path)}: wrong passphrase, or the private key is damaged"
        ) from None
    if not isinstance(private, ed25519.Ed25519PrivateKey):
        raise SignatureError(f"key file {os.fspath(path)}: not an Ed25519 private key")
    if _key_id(private.public_key()) != kept.key_id:
        raise SignatureError(f"key file {os.fspath(path)}: key id does not match the key")
    return SigningKey(kept.public, private)


def list_keys(folder: str | os.PathLike[str] | None = None) -> list[tuple[Path, PublicKey]]:
    """The key files in ``folder`` (default :func:`default_key_folder`), oldest first."""
    where = Path(folder) if folder is not None else default_key_folder()
    if not where.is_dir():
        return []
    found = [(path, read_public(path)) for path in sorted(where.glob(f"*{_KEY_SUFFIX}"))]
    return sorted(found, key=lambda item: (item[1].created, item[1].key_id))


def public_json(*records: PublicKey) -> str:
    """JSON text of public records: one object for one, a list (trusted signers) for more."""
    from compoundkit.documents import unstructure

    data = [unstructure(record) for record in records]
    return json.dumps(data[0] if len(data) == 1 else data, indent=2) + "\n"


def load_trusted(path: str | os.PathLike[str]) -> tuple[PublicKey, ...]:
    """A trusted signers file: a JSON list of public records (or one exported record)."""
    from compoundkit.documents import structure

    data = _read_json(path, "trusted signers file")
    items = data if isinstance(data, list) else [data]
    try:
        records = structure(items, list[PublicKey], source=os.fspath(path))
    except DocumentError as exc:
        raise SignatureError(f"trusted signers file {exc}") from None
    for record in records:
        record.key()
    return tuple(records)


def _signed_bytes(
    *,
    record_kind: str,
    record_id: str,
    content_hash: str,
    name: str,
    key_id: str,
    meaning: str,
    time: _dt.datetime,
) -> bytes:
    from compoundkit.records._canonical import canonical_json

    fields = {
        "content_hash": content_hash,
        "key_id": key_id,
        "meaning": meaning,
        "name": name,
        "record_id": record_id,
        "record_kind": record_kind,
        "time": time.isoformat(),
    }
    return _DOMAIN + canonical_json(fields).encode("utf-8")


def _aware(time: _dt.datetime) -> _dt.datetime:
    if time.tzinfo is None or time.utcoffset() is None:
        raise SignatureError(f"time {time.isoformat()} has no time zone; give an aware time")
    return time


def sign(
    key: SigningKey,
    *,
    record_kind: str,
    record_id: str,
    content_hash: str,
    meaning: Meaning,
    time: _dt.datetime | None = None,
) -> Signature:
    """Sign a record (its kind, id and content hash) with ``meaning`` at ``time`` (now)."""
    if meaning not in MEANINGS:
        raise SignatureError(f"meaning {meaning!r} is not one of {', '.join(MEANINGS)}")
    moment = _now() if time is None else _aware(time)
    message = _signed_bytes(
        record_kind=record_kind,
        record_id=record_id,
        content_hash=content_hash,
        name=key.name,
        key_id=key.key_id,
        meaning=meaning,
        time=moment,
    )
    value = base64.b64encode(key.private.sign(message)).decode("ascii")
    return Signature(key.name, key.key_id, meaning, moment, value)


def _describe(signature: Signature) -> str:
    return f"signature of {signature.name!r} ({signature.meaning}, key {signature.key_id})"


def verify_signature(
    signature: Signature,
    *,
    record_kind: str,
    record_id: str,
    content_hash: str,
    trusted: Iterable[PublicKey],
) -> None:
    """Check ``signature`` on this record against the ``trusted`` signers.

    Raises :class:`~compoundkit.errors.SignatureError` naming the signature and what
    failed: an untrusted key, a name that is not the key's, or a value that does not
    sign this record (changed after signing, or from another record or meaning).
    """
    _crypto()
    from cryptography.exceptions import InvalidSignature

    what = _describe(signature)
    signer = next((item for item in trusted if item.key_id == signature.key_id), None)
    if signer is None:
        raise SignatureError(f"{what}: key {signature.key_id} is not a trusted signer")
    if signer.name != signature.name:
        raise SignatureError(
            f"{what}: key {signature.key_id} belongs to {signer.name!r}, not {signature.name!r}"
        )
    if signature.meaning not in MEANINGS:
        raise SignatureError(f"{what}: meaning is not one of {', '.join(MEANINGS)}")
    try:
        value = base64.b64decode(signature.value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise SignatureError(f"{what}: value is not base64") from None
    message = _signed_bytes(
        record_kind=record_kind,
        record_id=record_id,
        content_hash=content_hash,
        name=signature.name,
        key_id=signature.key_id,
        meaning=signature.meaning,
        time=_aware(signature.time),
    )
    try:
        signer.key().verify(value, message)
    except InvalidSignature:
        raise SignatureError(
            f"{what}: does not sign {record_kind} {record_id!r} with content hash "
            f"{content_hash[:16]}...: the record changed after signing, or the signature "
            "belongs to another record or meaning"
        ) from None


def manifestation(signature: Signature) -> str:
    """How a signature is printed: name, date and time with zone, meaning, key id.

    >>> manifestation(Signature("A. Chen", "1a2b3c4d5e6f7a8b", "approved",
    ...     _dt.datetime(2026, 12, 1, 9, 30, tzinfo=_dt.UTC), "..."))
    'Signed by A. Chen on 2026-12-01 09:30 +00:00 (approved), key 1a2b3c4d5e6f7a8b'
    """
    offset = signature.time.strftime("%z")
    zone = f"{offset[:3]}:{offset[3:]}" if offset else "+00:00"
    when = signature.time.strftime("%Y-%m-%d %H:%M")
    return (
        f"Signed by {signature.name} on {when} {zone} ({signature.meaning}), key {signature.key_id}"
    )
