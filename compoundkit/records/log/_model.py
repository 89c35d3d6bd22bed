"""What a record log holds, whatever stores it: entries, reports, checkpoints, hashes.

Nothing here touches a database: the storage backends (``_sqlite``, ``_postgres``) and the
chain logic (``_chain``) share these.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import re
import types
from collections.abc import Iterable, Iterator, Mapping
from json.encoder import encode_basestring
from typing import Any, Final, Literal, NamedTuple

from attrs import field, frozen

from compoundkit.documents import calendar_date
from compoundkit.errors import CompoundkitError, LogIntegrityError, RecordError
from compoundkit.names import name_key
from compoundkit.records._canonical import GENESIS_HASH, MAX_DEPTH, canonical_json, is_canonical

__all__ = [
    "APPLICATION_ID",
    "LOG_SCHEMA_VERSION",
    "MAX_PAYLOAD_BYTES",
    "BadEntry",
    "Checkpoint",
    "LogEntry",
    "NewEntry",
    "UnknownEntryError",
    "VerifyReport",
]

LOG_SCHEMA_VERSION: Final = 2
"""Version of the log's tables (SQLite ``PRAGMA user_version``; PostgreSQL ``meta``).

Version 2 added the lot index; a version 1 SQLite log is upgraded when opened for
writing. Other versions are refused."""
APPLICATION_ID: Final = 0x434B4C47
"""``PRAGMA application_id`` of a compoundkit record log ("CKLG")."""
MAX_PAYLOAD_BYTES: Final = 4 * 1024 * 1024
"""Largest canonical payload one entry may hold (UTF-8 bytes)."""
LOG_FORMAT: Final = "compoundkit record log"
_MAX_NAME: Final = 200
_KIND_RE: Final = re.compile(r"[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*")
ID_RE: Final = re.compile(r"R([0-9]{6,})-[0-9a-f]{8}")
_CONTROL_RE: Final = re.compile(r"[\x00-\x1f\x7f]")
COLUMNS: Final = "seq, id, kind, created_at, day, formula, lots, corrects, payload, prev_hash, hash"

Reason = Literal["edited", "deleted", "reordered", "out-of-chain"]


class UnknownEntryError(CompoundkitError, LookupError):
    """No entry in the record log has this id."""

    def __init__(self, entry_id: object, path: object) -> None:
        self.entry_id = entry_id
        super().__init__(f"no entry {entry_id!r} in record log {path}")

    def __str__(self) -> str:  # LookupError would otherwise repr() the message
        return str(self.args[0])


class BadText(bytes):
    """A stored text column that is not valid UTF-8 (the file was altered)."""


def decode_text(raw: bytes) -> str | BadText:
    """SQLite's text factory: text, or the raw bytes marked as damaged."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return BadText(raw)


# --------------------------------------------------------------------------- models


@frozen
class LogEntry:
    """One committed entry of a record log."""

    seq: int
    """Position in the log, 1, 2, 3..."""
    id: str
    """``R<seq, 6+ digits>-<8 random hex>``, e.g. ``R000042-1f3a9c0e``."""
    kind: str
    """What the entry records, e.g. ``"compounding-record"`` or ``"correction"``."""
    created_at: _dt.datetime
    """When it was appended (UTC, microseconds)."""
    day: _dt.date
    """The calendar day the entry is about (date queries use it)."""
    formula: str | None
    lots: tuple[str, ...]
    """Ingredient lot numbers the entry involves (recall queries use them)."""
    corrects: str | None
    """Id of the entry this one corrects, if any."""
    payload: Mapping[str, Any] = field(hash=False)
    """The logged content (read-only view)."""
    prev_hash: str
    hash: str

    @property
    def payload_json(self) -> str:
        """The payload's canonical JSON, exactly as stored and hashed."""
        return canonical_json(dict(self.payload))


@frozen
class NewEntry:
    """One entry to append with :meth:`RecordLog.append_many` (the arguments of ``append``).

    >>> NewEntry("note", {"text": "fridge checked"}, lots=["K1"]).kind
    'note'
    """

    kind: str
    payload: Mapping[str, Any]
    corrects: str | None = field(default=None, kw_only=True)
    formula: str | None = field(default=None, kw_only=True)
    lots: Iterable[str] = field(default=(), kw_only=True)
    on: _dt.date | None = field(default=None, kw_only=True)


class BadEntry(NamedTuple):
    """The first entry at which a log's hash chain breaks."""

    seq: int
    id: str
    reason: Reason
    """``edited`` (content does not match its hash), ``deleted`` (entries missing),
    ``reordered`` (an entry stored at another position than it was made at), or
    ``out-of-chain`` (an entry not appended through the chain)."""


class Checkpoint(NamedTuple):
    """A log's state to verify from later: its entry count and the hash of its last entry.

    :meth:`RecordLog.head` returns one. ``verify(since=checkpoint)`` then checks only the
    entries appended after it.

    >>> Checkpoint(0, "0" * 64).entries
    0
    """

    entries: int
    """Number of entries (the seq of the last one)."""
    head_hash: str


@frozen
class VerifyReport:
    """The result of :meth:`RecordLog.verify`."""

    path: str
    count: int
    """Entries present in the log."""
    first_bad: BadEntry | None
    detail: str = ""
    """What is wrong at ``first_bad``, in words ("" when the log is intact)."""
    head_hash: str = GENESIS_HASH
    """The hash of the last entry (print it on reports to anchor the log)."""
    since: int = 0
    """Entries #1..#since were not read: a checkpoint vouched for them (0: all read)."""

    @property
    def ok(self) -> bool:
        """True when every entry matches its hash and the chain is complete."""
        return self.first_bad is None

    @property
    def checkpoint(self) -> Checkpoint:
        """The point this report verified up to (for a later ``verify(since=...)``)."""
        return Checkpoint(self.count, self.head_hash)

    def raise_if_broken(self) -> None:
        """Raise :class:`LogIntegrityError` naming the first bad entry, if any."""
        if self.first_bad is not None:
            raise LogIntegrityError(str(self))

    def __str__(self) -> str:
        if self.first_bad is None:
            noun = "entry" if self.count == 1 else "entries"
            text = f"record log {self.path}: intact, {self.count} {noun}, head {self.head_hash}"
            if self.since:
                text += f" (checked after the checkpoint at #{self.since})"
            return text
        seq, entry_id, reason = self.first_bad
        return (
            f"record log {self.path}: chain broken at entry #{seq} {entry_id}: {reason}: "
            f"{self.detail}"
        )


# --------------------------------------------------------------------------- stored rows


class Row(NamedTuple):
    """One stored entry, column by column, as the database returned it."""

    seq: Any
    id: Any
    kind: Any
    created_at: Any
    day: Any
    formula: Any
    lots: Any
    corrects: Any
    payload: Any
    prev_hash: Any
    hash: Any

    def content(self, seq: int) -> dict[str, Any]:
        """What the entry's hash covers (everything but the hashes), as parsed values."""
        return {
            "id": self.id,
            "seq": seq,
            "kind": self.kind,
            "created_at": self.created_at,
            "day": self.day,
            "formula": self.formula,
            "lots": json.loads(self.lots),
            "corrects": self.corrects,
            "payload": json.loads(self.payload),
        }

    def label(self) -> str:
        return self.id if isinstance(self.id, str) else repr(self.id)


def json_text(value: str | None) -> str:
    """The JSON of a text or None (as ``json.dumps(..., ensure_ascii=False)``)."""
    return "null" if value is None else encode_basestring(value)


def row_hash(row: Row, seq: int) -> str:
    """The hash of a row's content as stored at position ``seq``.

    The canonical JSON of the content, assembled from the stored (canonical) JSON of the
    payload and lots, so nothing is parsed: the same text ``entry_hash`` hashes when
    those are canonical, and a different one (so a mismatch) whenever a byte changed.
    Only for rows whose columns are text (see :func:`row_problem`).
    """
    text = (
        f'{row.prev_hash}{{"corrects":{json_text(row.corrects)},'
        f'"created_at":{encode_basestring(row.created_at)},"day":{encode_basestring(row.day)},'
        f'"formula":{json_text(row.formula)},"id":{encode_basestring(row.id)},'
        f'"kind":{encode_basestring(row.kind)},"lots":{row.lots},"payload":{row.payload},'
        f'"seq":{seq}}}'
    )
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


_TEXT_COLUMNS: Final = ("id", "kind", "created_at", "day", "lots", "payload", "prev_hash", "hash")


def row_problem(row: Row) -> tuple[Reason, str] | None:
    """Why a stored row does not match its own hash, or None when it does."""
    for name in _TEXT_COLUMNS:
        if not isinstance(getattr(row, name), str):
            return "edited", f"column {name} is not valid text"
    for name in ("formula", "corrects"):
        value = getattr(row, name)
        if value is not None and not isinstance(value, str):
            return "edited", f"column {name} is not valid text"
    if isinstance(row.seq, int) and row_hash(row, row.seq) == row.hash:
        return None
    for name in ("payload", "lots"):
        if not is_canonical(getattr(row, name)):
            return "edited", f"stored {name} is not the canonical JSON compoundkit wrote"
    made_at = ID_RE.fullmatch(row.id)
    if made_at is not None and int(made_at.group(1)) != row.seq:
        other = int(made_at.group(1))
        if row_hash(row, other) == row.hash:
            return "reordered", f"entry made as #{other} is stored at #{row.seq}"
    return "edited", "content does not match its hash (changed after it was written)"


def row_entry(row: Row, location: str) -> LogEntry:
    """The :class:`LogEntry` a stored row holds; :class:`LogIntegrityError` if it was altered."""
    problem = row_problem(row)
    if problem is not None:
        raise LogIntegrityError(
            f"record log {location}: entry #{row.seq} {row.label()} is {problem[0]} "
            f"({problem[1]}); compoundkit log verify (RecordLog.verify() in Python) names "
            "the first bad entry"
        )
    return LogEntry(
        seq=int(row.seq),
        id=row.id,
        kind=row.kind,
        created_at=_dt.datetime.fromisoformat(row.created_at),
        day=_dt.date.fromisoformat(row.day),
        formula=row.formula,
        lots=tuple(json.loads(row.lots)),
        corrects=row.corrects,
        payload=types.MappingProxyType(json.loads(row.payload)),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


lot_key = functools.lru_cache(maxsize=16384)(name_key)
"""The lot index key of one lot number: :func:`compoundkit.names.name_key` (cached: the
same lots come back in many entries)."""


def lot_keys(lots_json: str) -> list[str]:
    """The lot index keys of an entry's stored lots (normalised by :func:`name_key`)."""
    try:
        lots = json.loads(lots_json)
    except (ValueError, TypeError, RecursionError):
        return []
    if not isinstance(lots, list):
        return []
    return sorted({lot_key(lot) for lot in lots if isinstance(lot, str)})


# --------------------------------------------------------------------------- new entries


class Draft(NamedTuple):
    """A checked entry, ready to be numbered, chained and stored."""

    kind: str
    payload_text: str
    corrects: str | None
    formula: str | None
    lots: list[str]
    lots_text: str
    day: _dt.date


class StoredPayload(Mapping[str, Any]):
    """A read-only payload, parsed from its stored JSON when first looked at.

    What :meth:`RecordLog.append` returns (appending never has to read its JSON back);
    equal to the mapping that reading the entry gives.
    """

    __slots__ = ("_text", "_value")

    def __init__(self, text: str) -> None:
        self._text = text
        self._value: dict[str, Any] | None = None

    def _data(self) -> dict[str, Any]:
        if self._value is None:
            self._value = json.loads(self._text)
        return self._value

    def __getitem__(self, key: str) -> Any:
        return self._data()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())

    def __repr__(self) -> str:
        return f"mappingproxy({self._data()!r})"


_SCALARS: Final = frozenset({str, int, float, bool, type(None)})


def _text_keys(value: object) -> bool:
    """Whether every object key inside ``value`` is text (``json.dumps`` would quietly turn
    a number, boolean or None key into text). Only for values ``json.dumps`` accepted."""
    stack = [value]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        if isinstance(node, dict):
            for key, item in node.items():
                if not isinstance(key, str):
                    return False
                if type(item) not in _SCALARS:
                    push(item)
        elif isinstance(node, list | tuple):
            for item in node:
                if type(item) not in _SCALARS:
                    push(item)
    return True


def payload_json(payload: Mapping[str, Any]) -> str:
    """The canonical JSON of a payload, exactly as :func:`canonical_json` spells it.

    Fast path: one ``json.dumps`` (which refuses NaN, infinities and anything that is not
    JSON) plus the checks it does not make (text keys, depth, unpaired surrogates);
    anything it cannot vouch for takes :func:`canonical_json`'s full check instead.
    """
    try:
        text = json.dumps(  # a cycle ends in RecursionError, then canonical_json's check
            payload,
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
            check_circular=False,
        )
        if text.count("{") + text.count("[") <= MAX_DEPTH and _text_keys(payload):
            text.encode("utf-8")  # unpaired surrogates
            return text
    except (ValueError, TypeError, RecursionError):
        pass
    return canonical_json(payload)


def draft(
    kind: object,
    payload: object,
    *,
    corrects: object = None,
    formula: object = None,
    lots: object = (),
    on: object = None,
    today: _dt.date,
) -> Draft:
    """Check one entry's arguments (a :class:`RecordError` names the wrong one)."""
    kind = check_kind(kind)
    if not isinstance(payload, Mapping):
        raise RecordError(f"payload must be a mapping, got {type(payload).__name__}")
    text = payload_json(payload)
    if len(text) > MAX_PAYLOAD_BYTES // 4 and len(text.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise RecordError(f"payload is larger than {MAX_PAYLOAD_BYTES} bytes")
    checked_formula = _check_name("formula", formula)
    lot_list = _check_lots(lots)
    if corrects is not None and not isinstance(corrects, str):
        raise RecordError(f"corrects must be an entry id, got {corrects!r}")
    on = today if on is None else calendar_date(on, "on", RecordError)
    return Draft(
        kind,
        text,
        corrects,
        checked_formula,
        lot_list,
        # checked text in a list: spelt as canonical_json spells it
        "[" + ",".join(map(encode_basestring, lot_list)) + "]",
        on,
    )


def check_kind(kind: object) -> str:
    if type(kind) is str and kind in _KINDS_SEEN:
        return kind
    if not isinstance(kind, str) or len(kind) > 64 or not _KIND_RE.fullmatch(kind):
        raise RecordError(
            f"kind must be a short lower-case word such as 'compounding-record' "
            f"(letters, digits, '-', '_', '.'), got {kind!r}"
        )
    if len(_KINDS_SEEN) < 1000:
        _KINDS_SEEN.add(kind)
    return kind


_KINDS_SEEN: set[str] = set()


def _check_name(what: str, value: object) -> str | None:
    if value is None:
        return None
    if type(value) is str and value in _NAMES_SEEN:
        return value
    if (
        not isinstance(value, str)
        or not value.strip()
        or len(value) > _MAX_NAME
        or _CONTROL_RE.search(value)
    ):
        raise RecordError(
            f"{what} must be non-empty text of at most {_MAX_NAME} characters without "
            f"control characters, got {value!r}"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # as canonical_json words it
        raise RecordError(f"{what}: text contains an unpaired surrogate {value!r}") from None
    if type(value) is str and len(_NAMES_SEEN) < 100_000:
        _NAMES_SEEN.add(value)  # lot numbers and formulas come back in many entries
    return value


_NAMES_SEEN: set[str] = set()


def _check_lots(lots: object) -> list[str]:
    if isinstance(lots, str | bytes) or not isinstance(lots, Iterable):
        raise RecordError(f"lots must be a list of lot numbers, got {lots!r}")
    checked: list[str] = []
    for lot in lots:
        name = _check_name("lot", lot) if lot is not None else None
        if name is None:
            raise RecordError(f"lots: a lot number must be text, got {lot!r}")
        checked.append(name)
    return checked
