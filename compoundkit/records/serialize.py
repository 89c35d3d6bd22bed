"""Record files and the record log: an MFR or a CR as JSON or TOML text, a file, a log entry.

Both formats hold the same document (:mod:`compoundkit.records.schema`): TOML has no
null, so absent values are left out in both. Reading refuses text that is too large
(:data:`MAX_RECORD_BYTES`), not UTF-8, not valid JSON or TOML, or that spells NaN or
infinity; the document is then checked as a whole, every problem named as
``file:line: field.path: message``. Nothing is ever evaluated or unpickled.

>>> from compoundkit.formulas import load_formula
>>> from compoundkit.records.mfr import MasterFormulationRecord
>>> mfr = MasterFormulationRecord.create(load_formula("examples/ketoprofen-gel.toml"))
>>> loads_record(dumps_record(mfr, "toml"), "toml") == mfr
True
>>> loads_record(dumps_record(mfr, "json"), "json") == mfr
True
>>> loads_record('{"schema": "compoundkit.mfr", "schema_version": 7}', "json")
Traceback (most recent call last):
...
compoundkit.errors.SchemaVersionError: <string>: schema_version 7 is newer ... reads (1)...
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias

from compoundkit.errors import RecordError
from compoundkit.records._canonical import canonical_json
from compoundkit.records.schema import Record, record_from_dict, record_to_dict

if TYPE_CHECKING:
    from compoundkit.records.corrections import Correction
    from compoundkit.records.log import LogEntry, RecordLog
    from compoundkit.records.mfr import MasterFormulationRecord
    from compoundkit.records.signing import PublicKey

__all__ = [
    "CORRECTION_KIND",
    "CR_KIND",
    "MAX_RECORD_BYTES",
    "MFR_KIND",
    "RecordFormat",
    "correction_chain",
    "dumps_record",
    "entry_state",
    "find_draft",
    "latest_version",
    "load_record",
    "loads_record",
    "log_correction",
    "log_record",
    "mfr_versions",
    "record_from_entry",
    "save_record",
]

RecordFormat: TypeAlias = Literal["json", "toml"]
"""The text formats of a record file."""
MFR_KIND: Final = "mfr"
"""Record-log entry kind of a master formulation record."""
CR_KIND: Final = "compounding-record"
"""Record-log entry kind of a compounding record (a draft, or a final record)."""
CORRECTION_KIND: Final = "correction"
"""Record-log entry kind of a correction (:mod:`compoundkit.records.corrections`)."""
MAX_RECORD_BYTES: Final = 4 * 1024 * 1024
"""Largest record document read (a record is a few kilobytes)."""

_SUFFIXES: Final[Mapping[str, RecordFormat]] = {".json": "json", ".toml": "toml"}


def dumps_record(record: Record, fmt: RecordFormat) -> str:
    """The record as JSON (indented) or TOML text."""
    data = record_to_dict(record)
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    if fmt == "toml":
        import tomli_w

        text: str = tomli_w.dumps(data)
        return text
    raise RecordError(f"a record is written as 'json' or 'toml', not {fmt!r}")


def loads_record(
    text: str,
    fmt: RecordFormat,
    *,
    source: str = "<string>",
    trusted: Iterable[PublicKey] | None = None,
) -> Record:
    """An MFR or a CR from JSON or TOML text; ``source`` names it in errors.

    With ``trusted`` signers, every signature is checked
    (:func:`~compoundkit.records.signatures.verify_signatures`): a
    :class:`~compoundkit.errors.SignatureError` names the first that fails.
    """
    if not isinstance(text, str):
        raise RecordError(f"{source}: expected text, got {type(text).__name__}")
    if len(text) > MAX_RECORD_BYTES:
        raise RecordError(f"{source}: larger than {MAX_RECORD_BYTES} bytes")
    if fmt == "json":
        data = _parse_json(text, source)
    elif fmt == "toml":
        from compoundkit._toml import TomlTextError, parse

        try:
            data = parse(text)
        except TomlTextError as exc:
            raise RecordError(f"{source}: {exc}") from None
    else:
        raise RecordError(f"a record is read from 'json' or 'toml', not {fmt!r}")
    record = record_from_dict(data, source=source, text=text)
    if trusted is not None:
        from compoundkit.errors import SignatureError
        from compoundkit.records.signatures import verify_signatures

        try:
            verify_signatures(record, trusted)
        except SignatureError as exc:
            raise SignatureError(f"{source}: {exc}") from None
    return record


def _parse_json(text: str, source: str) -> object:
    from compoundkit._json import JsonTextError, parse

    try:
        return parse(text)  # a key given twice is refused, as TOML refuses it
    except JsonTextError as exc:
        raise RecordError(f"{source}: {exc}") from None


def _format_of(path: Path) -> RecordFormat:
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise RecordError(f"{path}: a record file ends in .json or .toml")
    return fmt


def load_record(
    path: str | os.PathLike[str], *, trusted: Iterable[PublicKey] | None = None
) -> Record:
    """An MFR or CR from a ``.json`` or ``.toml`` file; its signatures checked against
    ``trusted`` signers when given (as :func:`loads_record`)."""
    target = Path(path)
    fmt = _format_of(target)
    from compoundkit._files import UnreadableFileError, read_text

    try:
        text = read_text(target, MAX_RECORD_BYTES, what="record file")
    except UnreadableFileError as exc:
        raise RecordError(str(exc)) from None
    return loads_record(text, fmt, source=str(target), trusted=trusted)


def save_record(record: Record, path: str | os.PathLike[str]) -> Path:
    """Write ``record`` to a ``.json`` or ``.toml`` file, atomically (never half-written).

    An existing record file is replaced; a record log (or its journal) never is.
    """
    from compoundkit._files import check_output_path, write_atomic

    target = check_output_path(path, what="record file", force=True)
    write_atomic(target, dumps_record(record, _format_of(target)))
    return target


# --------------------------------------------------------------------------- the log


def log_record(log: RecordLog, record: Record, *, completes: str | None = None) -> LogEntry:
    """Append a record to a record log (an MFR as ``mfr``, a CR as ``compounding-record``).

    A CR is indexed by its formula, its preparation day and every lot it used, so
    ``log.find(lot=...)`` answers recalls. ``completes`` is the id of the draft entry a
    final CR completes: the new entry points at it (``corrects``), the draft stays.
    """
    from compoundkit.records.cr import CompoundingRecord

    payload = record_to_dict(record)
    if isinstance(record, CompoundingRecord):
        return log.append(
            CR_KIND,
            payload,
            corrects=completes,
            formula=record.name,
            lots=record.lots,
            on=record.prepared_at.date(),
        )
    return log.append(
        MFR_KIND, payload, corrects=completes, formula=record.name, on=record.approved_on
    )


def log_correction(log: RecordLog, entry_id: str, correction: Correction) -> LogEntry:
    """Append ``correction`` as a ``correction`` entry pointing at ``entry_id``.

    Indexed by the corrected record's lots, so a recall finds a corrected lot number.
    """
    record = correction.record
    return log.append(
        CORRECTION_KIND,
        correction.payload(),
        corrects=entry_id,
        formula=record.name,
        lots=record.lots,
        on=record.prepared_at.date(),
    )


def record_from_entry(entry: LogEntry) -> Record:
    """The MFR or CR a record-log entry holds (a correction: the corrected record)."""
    if entry.kind == CORRECTION_KIND:
        record = entry.payload.get("record")
        return record_from_dict(_thaw(record), source=f"log entry {entry.id} record")
    if entry.kind not in (MFR_KIND, CR_KIND):
        raise RecordError(f"log entry {entry.id} is a {entry.kind!r} entry, not a record")
    return record_from_dict(_thaw(entry.payload), source=f"log entry {entry.id}")


def entry_state(entry: LogEntry) -> str | None:
    """A CR entry's state as ``log list`` shows it: ``released``, or ``draft (weighed)``...;
    ``correction`` for a correction; None for other entries."""
    if entry.kind == CORRECTION_KIND:
        return "correction"
    if entry.kind != CR_KIND:
        return None
    steps = entry.payload.get("signoffs")
    last = steps[-1].get("step") if isinstance(steps, list | tuple) and steps else None
    if last == "released":
        return "released"
    return f"draft ({last})" if isinstance(last, str) else "draft"


def correction_chain(log: RecordLog, entry_id: str) -> list[LogEntry]:
    """Every entry that corrects or completes ``entry_id``, then their own, depth first,
    in log order: the chain of corrections ``log show`` prints."""
    chain: list[LogEntry] = []
    pending = list(reversed(log.corrections_of(entry_id)))
    while pending:
        entry = pending.pop()
        chain.append(entry)
        pending.extend(reversed(log.corrections_of(entry.id)))
    return chain


def latest_version(log: RecordLog, entry_id: str) -> tuple[LogEntry, Record]:
    """The newest entry of ``entry_id``'s chain (its last correction or completion, or
    the entry itself) and the record it holds."""
    entry = log.get(entry_id)
    while True:
        later = [e for e in log.corrections_of(entry.id) if e.kind in (CR_KIND, CORRECTION_KIND)]
        if not later:
            return entry, record_from_entry(entry)
        entry = later[-1]


def find_draft(log: RecordLog, internal_id: str) -> LogEntry | None:
    """The draft CR logged for ``internal_id`` that nothing completes yet, if any.

    Raises :class:`RecordError` when ``internal_id`` is already logged as a final record
    (change it with a correction, not a second record).
    """
    draft = None
    for entry in log.find(kind=CR_KIND):
        if entry.payload.get("internal_id") != internal_id:
            continue
        if entry_state(entry) == "released":
            raise RecordError(
                f"{internal_id} is already logged as a final record (entry {entry.id}); "
                f"correct it: compoundkit record correct {entry.id} --reason ... --by ..."
            )
        completed = any(e.kind == CR_KIND for e in log.corrections_of(entry.id))
        draft = None if completed else entry
    return draft


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_thaw(v) for v in value]
    return value


def mfr_versions(log: RecordLog, record_id: str) -> tuple[MasterFormulationRecord, ...]:
    """Every logged version of the MFR ``record_id``, oldest version first."""
    from compoundkit.records.mfr import MasterFormulationRecord

    found: dict[str, MasterFormulationRecord] = {}
    for entry in log.find(kind=MFR_KIND):
        if entry.payload.get("record_id") != record_id:
            continue
        record = record_from_entry(entry)
        assert isinstance(record, MasterFormulationRecord)
        found[canonical_json(record_to_dict(record))] = record
    return tuple(sorted(found.values(), key=lambda r: (r.version, r.is_approved)))
