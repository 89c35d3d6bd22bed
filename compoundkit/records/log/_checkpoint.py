"""Checkpoints kept outside the log: the entry count and head hash at a moment, in a file.

A hash chain shows edits to stored entries by someone who does not recompute every
later hash; someone who rewrites the whole chain (or deletes its end, or puts back an
older copy) makes a log that verifies on its own. A checkpoint kept elsewhere (a file
in another place, a printed worksheet) catches that: the log must still hold the
checkpoint's entry with the checkpoint's hash, and chain on from it.

>>> import tempfile, pathlib
>>> from compoundkit.records.log import RecordLog
>>> with tempfile.TemporaryDirectory() as tmp:
...     folder = pathlib.Path(tmp)
...     with RecordLog(folder / "records.db") as log:
...         _ = log.append("compounding-record", {"rx": "RX-1"})
...         saved = save_checkpoint(log, folder / "head.json")
...         _ = log.append("compounding-record", {"rx": "RX-2"})
...         report = log.verify(since=load_checkpoint(folder / "head.json").point)
...     (saved.entries, report.ok)
(1, True)
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final, Literal

from attrs import frozen

from compoundkit._files import UnreadableFileError, read_text
from compoundkit.errors import DocumentError, LogStorageError
from compoundkit.records.log._model import Checkpoint
from compoundkit.records.signing import Signature

if TYPE_CHECKING:
    from compoundkit.records.log._chain import RecordLog
    from compoundkit.records.signing import PublicKey, SigningKey

__all__ = [
    "CHECKPOINT_KIND",
    "CHECKPOINT_SCHEMA",
    "SavedCheckpoint",
    "load_checkpoint",
    "save_checkpoint",
]

CHECKPOINT_SCHEMA: Final = "compoundkit.checkpoint"
CHECKPOINT_KIND: Final = "checkpoint"
"""The record kind a checkpoint signature signs (the record id is the log's location)."""
_MAX_BYTES: Final = 64 * 1024


@frozen
class SavedCheckpoint:
    """A checkpoint file: which log, how many entries, the last entry's hash, and when;
    optionally signed (kind ``checkpoint``, the log's location and entry count, the head
    hash, at ``time``)."""

    schema: Literal["compoundkit.checkpoint"]
    log: str
    entries: int
    head_hash: str
    time: _dt.datetime
    signature: Signature | None = None

    def verify_signature(self, trusted: Iterable[PublicKey]) -> None:
        """Check the signature against ``trusted`` signers; an unsigned checkpoint is refused.

        Raises :class:`~compoundkit.errors.SignatureError` naming what failed.
        """
        from compoundkit.errors import SignatureError
        from compoundkit.records.signing import verify_signature

        if self.signature is None:
            raise SignatureError(f"checkpoint of {self.log}: not signed")
        verify_signature(
            self.signature,
            record_kind=CHECKPOINT_KIND,
            record_id=_signed_id(self.log, self.entries),
            content_hash=self.head_hash,
            trusted=trusted,
        )
        if self.signature.time != self.time:
            signed = self.signature
            raise SignatureError(
                f"signature of {signed.name!r} ({signed.meaning}, key {signed.key_id}): "
                f"signed at {signed.time.isoformat()}, but the checkpoint's time is "
                f"{self.time.isoformat()}"
            )

    @property
    def point(self) -> Checkpoint:
        """The checkpoint to verify from (``RecordLog.verify(since=...)``)."""
        return Checkpoint(self.entries, self.head_hash)


def _signed_id(location: str, entries: int) -> str:
    """The record id a checkpoint signature signs: the log's location and the entry count
    (the head hash is the content hash), so neither can be changed after signing."""
    return f"{location}#{entries}"


def save_checkpoint(
    log: RecordLog, path: str | os.PathLike[str], *, signer: SigningKey | None = None
) -> SavedCheckpoint:
    """Write ``log``'s head now to ``path`` (JSON, written atomically) and return it;
    signed (meaning ``checkpoint``) with ``signer`` when given."""
    from compoundkit._files import write_atomic
    from compoundkit.documents import unstructure

    head = log.head()
    now = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    signature = None
    if signer is not None:
        from compoundkit.records.signing import sign

        signature = sign(
            signer,
            record_kind=CHECKPOINT_KIND,
            record_id=_signed_id(log.location, head.entries),
            content_hash=head.head_hash,
            meaning="checkpoint",
            time=now,
        )
    saved = SavedCheckpoint(
        CHECKPOINT_SCHEMA, log.location, head.entries, head.head_hash, now, signature
    )
    write_atomic(path, json.dumps(unstructure(saved), indent=2) + "\n")
    return saved


def load_checkpoint(path: str | os.PathLike[str]) -> SavedCheckpoint:
    """Read a checkpoint file; a file that is not one names what is wrong."""
    from compoundkit.documents import structure

    name = os.fspath(path)
    try:
        data = json.loads(read_text(name, _MAX_BYTES, what="checkpoint file"))
    except UnreadableFileError as exc:
        raise LogStorageError(f"checkpoint {exc}") from None
    except ValueError:
        raise LogStorageError(f"checkpoint {name}: not a JSON checkpoint file") from None
    try:
        saved = structure(data, SavedCheckpoint, source=name)
    except DocumentError as exc:
        raise LogStorageError(f"checkpoint {exc}") from None
    if saved.entries < 0 or len(saved.head_hash) != 64:
        raise LogStorageError(f"checkpoint {name}: entries or head_hash is not a log head")
    return saved
