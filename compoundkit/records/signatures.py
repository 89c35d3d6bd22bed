"""Signed records: what the signatures of an MFR or a CR sign, and checking them.

Every signature of a record (:mod:`compoundkit.records.signing`) signs the record's
kind (``mfr`` or ``compounding-record``), its id and its content hash, with the
signer's printed name, key id, meaning and time:

- an MFR: the id is ``<record_id> v<version>``, the hash its
  :attr:`~compoundkit.records.mfr.MasterFormulationRecord.content_hash` (the approval
  and the signatures are not content); the author signs ``prepared``
  (:meth:`~compoundkit.records.mfr.MasterFormulationRecord.sign`), the approver
  ``approved`` (``approve(..., signer=KEY)``);
- a CR: the id is its internal id, the hash :func:`record_hash` (the whole record
  document without its signatures, the copy of its MFR included); each person signs
  the steps they did (:meth:`~compoundkit.records.cr.CompoundingRecord.sign`).

:func:`verify_signatures` checks them all against the trusted signers (a CR's MFR copy
too), and that each signer did what the signature says (the approver approved, the
verifier verified). When signatures are required, an approved MFR counts as approved
only with a valid ``approved`` signature (:func:`require_signed_approval`): a copied
``approved_hash`` alone is not an approval.

The trusted signers file (:func:`trust_file`) is ``--trust FILE`` when given, else the
file named by ``COMPOUNDKIT_TRUST``, else ``trusted-signers.json`` in the user's
configuration folder if it exists; with none of them, signatures are not checked.

>>> import datetime as dt, pathlib, tempfile
>>> from compoundkit.formulas import load_formula
>>> from compoundkit.records.mfr import MasterFormulationRecord
>>> from compoundkit.records.signing import load_key, new_key
>>> mfr = MasterFormulationRecord.create(load_formula("examples/ketoprofen-gel.toml"))
>>> with tempfile.TemporaryDirectory() as tmp:
...     public = new_key("A. Chen", "a passphrase", pathlib.Path(tmp) / "chen.key")
...     key = load_key(pathlib.Path(tmp) / "chen.key", "a passphrase")
>>> subject(mfr)[:2]
('mfr', 'MFR-ketoprofen-10-plo-gel v1')
>>> signed = sign_record(mfr, key, "prepared")
>>> verify_signature(signed, record_kind="mfr", record_id="MFR-ketoprofen-10-plo-gel v1",
...                  content_hash=mfr.content_hash, trusted=[public])
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Final

from compoundkit.errors import SignatureError
from compoundkit.records.mfr import MasterFormulationRecord, same_person
from compoundkit.records.signing import PublicKey, Signature, sign, verify_signature

if TYPE_CHECKING:
    from collections.abc import Iterable

    from compoundkit.records.cr import CompoundingRecord
    from compoundkit.records.signing import Meaning, SigningKey

__all__ = [
    "SIGNED_STEPS",
    "TRUST_ENV",
    "TRUST_FILE_NAME",
    "approval_signature",
    "record_hash",
    "require_signed_approval",
    "sign_record",
    "signed_steps",
    "subject",
    "trust_file",
    "verify_signatures",
]

TRUST_ENV: Final = "COMPOUNDKIT_TRUST"
"""The environment variable naming the trusted signers file."""
TRUST_FILE_NAME: Final = "trusted-signers.json"
"""The trusted signers file's name in the user's configuration folder."""
SIGNED_STEPS: Final = ("prepared", "verified", "released")
"""The steps of a compounding record that are signed (weighing is part of preparing)."""


def trust_file(given: str | os.PathLike[str] | None = None) -> Path | None:
    """The trusted signers file in use: ``given``, else ``$COMPOUNDKIT_TRUST``, else
    ``trusted-signers.json`` in the user's configuration folder if it exists, else None."""
    if given is not None:
        return Path(given)
    named = os.environ.get(TRUST_ENV)
    if named:
        return Path(named)
    import platformdirs

    configured = platformdirs.user_config_path("compoundkit") / TRUST_FILE_NAME
    return configured if configured.is_file() else None


def record_hash(record: MasterFormulationRecord | CompoundingRecord) -> str:
    """The hash a record's signatures sign: an MFR's content hash; for a CR, the SHA-256 of
    the canonical JSON of its document without ``schema``, ``schema_version`` and
    ``signatures``."""
    if isinstance(record, MasterFormulationRecord):
        return record.content_hash
    from compoundkit.records._canonical import canonical_json
    from compoundkit.records.schema import record_to_dict

    body = {
        key: value
        for key, value in record_to_dict(record).items()
        if key not in ("schema", "schema_version", "signatures")
    }
    return hashlib.sha256(canonical_json(body, what="CR").encode("utf-8")).hexdigest()


def subject(record: MasterFormulationRecord | CompoundingRecord) -> tuple[str, str, str]:
    """(kind, id, hash): what a signature of ``record`` signs besides its own fields."""
    if isinstance(record, MasterFormulationRecord):
        return "mfr", f"{record.record_id} v{record.version}", record.content_hash
    return "compounding-record", record.internal_id, record_hash(record)


def sign_record(
    record: MasterFormulationRecord | CompoundingRecord,
    key: SigningKey,
    meaning: Meaning,
    at: _dt.datetime | None = None,
) -> Signature:
    """A signature of ``record`` as it stands, with ``meaning``, at ``at`` (now)."""
    kind, record_id, content = subject(record)
    return sign(key, record_kind=kind, record_id=record_id, content_hash=content,
                meaning=meaning, time=at)  # fmt: skip


def signed_steps(record: CompoundingRecord, name: str) -> tuple[Meaning, ...]:
    """The signed steps (:data:`SIGNED_STEPS`) of ``record`` that ``name`` did, in order."""
    done = [s.step for s in record.steps if s.step in SIGNED_STEPS and same_person(s.by, name)]
    return tuple(dict.fromkeys(done))  # type: ignore[arg-type]


def _describe(signature: Signature) -> str:
    return f"signature of {signature.name!r} ({signature.meaning}, key {signature.key_id})"


def _check_role(record: MasterFormulationRecord | CompoundingRecord, signed: Signature) -> None:
    """Refuse a signature whose signer did not do what it says."""
    what = _describe(signed)
    if isinstance(record, MasterFormulationRecord):
        where = f"MFR {record.record_id} v{record.version}"
        if signed.meaning == "prepared":
            if not same_person(signed.name, record.author):
                raise SignatureError(f"{what}: {where} was written by {record.author!r}")
            return
        if signed.meaning != "approved":
            raise SignatureError(f"{what}: an MFR is signed 'prepared' or 'approved'")
        if not same_person(signed.name, record.approved_by):
            approval = (
                f"approved by {record.approved_by!r}" if record.is_approved else "not approved"
            )
            raise SignatureError(f"{what}: {where} is {approval}")
        authors = {
            s.key_id
            for s in record.signatures or ()
            if s.meaning == "prepared" and same_person(s.name, record.author)
        }
        if signed.key_id in authors:
            raise SignatureError(f"{what}: the approval is signed with the author's key")
        return
    steps = [s for s in record.steps if s.step == signed.meaning]
    if not any(same_person(s.by, signed.name) for s in steps):
        done = f"is by {steps[0].by!r}" if steps else "is not recorded"
        raise SignatureError(
            f"{what}: the {signed.meaning} step of compounding record {record.internal_id} {done}"
        )


def verify_signatures(
    record: MasterFormulationRecord | CompoundingRecord, trusted: Iterable[PublicKey]
) -> tuple[Signature, ...]:
    """Check every signature of ``record`` (and of a CR's MFR copy) against ``trusted``.

    Returns the signatures checked. Raises :class:`~compoundkit.errors.SignatureError`
    naming the first one that fails (signer, meaning, key id) and why: an untrusted key,
    a record changed after signing, a signature from another record, or a signer who did
    not do what it says.
    """
    signers = tuple(trusted)
    checked: list[Signature] = []
    if not isinstance(record, MasterFormulationRecord):
        checked += verify_signatures(record.mfr, signers)
    kind, record_id, content = subject(record)
    for signed in record.signatures or ():
        verify_signature(signed, record_kind=kind, record_id=record_id, content_hash=content,
                         trusted=signers)  # fmt: skip
        _check_role(record, signed)
        checked.append(signed)
    return tuple(checked)


def approval_signature(
    mfr: MasterFormulationRecord, trusted: Iterable[PublicKey]
) -> Signature | None:
    """The valid ``approved`` signature of ``mfr``'s approver by a trusted key, if any."""
    if not mfr.is_approved:
        return None
    signers = tuple(trusted)
    for signed in mfr.signatures or ():
        if signed.meaning != "approved" or not same_person(signed.name, mfr.approved_by):
            continue
        try:
            verify_signature(signed, record_kind="mfr",
                             record_id=f"{mfr.record_id} v{mfr.version}",
                             content_hash=mfr.content_hash, trusted=signers)  # fmt: skip
            _check_role(mfr, signed)
        except SignatureError:
            continue
        return signed
    return None


def require_signed_approval(mfr: MasterFormulationRecord, trusted: Iterable[PublicKey]) -> None:
    """Refuse an approved ``mfr`` whose approval has no valid ``approved`` signature by a
    trusted key (:class:`~compoundkit.errors.SignatureError`): when signatures are
    required, an ``approved_hash`` without one is not an approval. An unapproved MFR
    passes (the record gates report it as not approved)."""
    if mfr.is_approved and approval_signature(mfr, trusted) is None:
        raise SignatureError(
            f"MFR {mfr.record_id} v{mfr.version} is not approved: its approval (by "
            f"{mfr.approved_by} on {mfr.approved_on}) has no valid 'approved' signature "
            "by a trusted signer"
        )
