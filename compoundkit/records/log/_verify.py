"""Checking a chain row by row, in order, in bounded memory; what a backend provides.

:class:`ChainCheck` is fed the stored rows one at a time (``verify`` and ``copy_log`` read
them in chunks) and names the first bad entry exactly as a check of the whole log at once
would. :class:`Tx` is what a storage backend gives the chain logic to run its SQL.
"""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Final

from compoundkit.errors import RecordError
from compoundkit.records._canonical import GENESIS_HASH
from compoundkit.records.log._model import (
    BadEntry,
    Checkpoint,
    Reason,
    Row,
    VerifyReport,
    lot_keys,
    row_problem,
)

__all__ = ["CHUNK", "ChainCheck", "Tx", "checkpoint", "lot_index_report"]

CHUNK: Final = 2000
"""Rows read or written at a time when streaming (bounded memory)."""


class Tx(abc.ABC):
    """A backend's statements, written with ``?`` placeholders, inside one session."""

    lock_head: str = ""
    """A statement that locks the log's head row until the transaction ends (PostgreSQL:
    ``SELECT ... FOR UPDATE``; SQLite's ``BEGIN IMMEDIATE`` has locked the file already)."""

    @abc.abstractmethod
    def all(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Every row of a query."""

    def one(self, sql: str, params: Sequence[object] = ()) -> tuple[Any, ...] | None:
        """The first row of a query, or None."""
        rows = self.all(sql, params)
        return rows[0] if rows else None

    @abc.abstractmethod
    def many(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        """Run one statement once per parameter row."""

    @abc.abstractmethod
    def stream(self, sql: str, params: Sequence[object] = ()) -> Iterator[tuple[Any, ...]]:
        """The rows of a query, fetched :data:`CHUNK` at a time (never all at once)."""

    @abc.abstractmethod
    def insert(self, table: str, columns: str, rows: Sequence[Sequence[object]]) -> None:
        """Insert many rows into ``table`` (the fastest way the backend has)."""


def checkpoint(since: object) -> Checkpoint:
    if not isinstance(since, tuple) or len(since) != 2:
        raise RecordError(f"since must be a Checkpoint (entries, head hash), got {since!r}")
    count, head_hash = since
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise RecordError(f"a checkpoint's count must be a whole number >= 0, got {count!r}")
    if not isinstance(head_hash, str):
        raise RecordError(f"a checkpoint's head hash must be text, got {head_hash!r}")
    return Checkpoint(count, head_hash)


class ChainCheck:
    """Verification fed one row at a time, in seq order (bounded memory)."""

    def __init__(self, location: str, tx: Tx) -> None:
        self.location, self.tx = location, tx
        self.meta: Mapping[object, object] = dict(tx.all("SELECT key, value FROM meta"))
        self.prev_hash, self.prev_seq, self.prev_id = GENESIS_HASH, 0, ""
        self.since = self.read = 0
        self.bad: tuple[int, str, Reason, str] | None = None
        self.report_hash = GENESIS_HASH
        self.lot_digest = 0
        """The sum (mod 2**256) of a hash of every (entry, lot key) the entries hold."""

    def start_at(self, point: Checkpoint, row: Row | None) -> VerifyReport | None:
        """Continue from a checkpoint: its entry must still be there, with its hash."""
        self.since = point.entries
        reason: Reason
        if row is None:
            seq, entry_id, reason = point.entries, f"#{point.entries}", "deleted"
            detail = (
                f"the checkpoint records {point.entries} entries but entry #{point.entries} is "
                "missing"
            )
        elif row.hash != point.head_hash:
            seq, entry_id, reason = point.entries, row.label(), "edited"
            detail = (
                f"entry #{point.entries} is not the one the checkpoint recorded: the log was "
                "changed at or before it (compoundkit log verify without --against names the "
                "first bad entry)"
            )
        else:
            self.prev_hash, self.prev_seq, self.prev_id = row.hash, point.entries, row.label()
            return None
        self.bad = (seq, entry_id, reason, detail)
        return VerifyReport(
            self.location,
            self._total(),
            BadEntry(seq, entry_id, reason),
            detail,
            point.head_hash,
            since=point.entries,
        )

    def feed(self, row: Row) -> bool:
        """Check the next row; True when it is bad (stop reading)."""
        self.read += 1
        seq = int(row.seq)
        problem = row_problem(row)
        if problem is not None:
            return self._fail(seq, row.label(), *problem)
        if seq != self.prev_seq + 1:
            missing = f"#{self.prev_seq + 1}" + (
                f"..#{seq - 1}" if seq - 1 > self.prev_seq + 1 else ""
            )
            return self._fail(
                seq, row.label(), "deleted", f"entries {missing} before it are missing"
            )
        if row.prev_hash != self.prev_hash:
            other = self.tx.one(
                "SELECT seq FROM entries WHERE hash = ? ORDER BY seq DESC LIMIT 1",
                (row.prev_hash,),
            )
            if other is not None:
                return self._fail(
                    seq,
                    row.label(),
                    "reordered",
                    f"it follows entry #{other[0]} in the chain but is stored after "
                    f"#{self.prev_seq}",
                )
            return self._fail(
                seq,
                row.label(),
                "out-of-chain",
                "its previous-hash matches no entry: it was not appended through the chain",
            )
        self.prev_hash, self.prev_seq, self.prev_id = row.hash, seq, row.label()
        for key in lot_keys(row.lots):
            self.lot_digest = (self.lot_digest + _lot_hash(seq, key)) % _MODULUS
        return False

    def _fail(self, seq: int, entry_id: str, reason: Reason, detail: str) -> bool:
        self.bad = (seq, entry_id, reason, detail)
        return True

    def _total(self) -> int:
        found = self.tx.one("SELECT count(*) FROM entries")
        return 0 if found is None else int(found[0])

    def _report(self, seq: int, entry_id: str, reason: Reason, detail: str) -> VerifyReport:
        count = self.since + self.read if self.bad is None else self._total()
        return VerifyReport(
            self.location,
            count,
            BadEntry(seq, entry_id, reason),
            detail,
            self.prev_hash,
            since=self.since,
        )

    def finish(self) -> VerifyReport:
        """The report, once every row was fed (or one was bad)."""
        if self.bad is not None:
            return self._report(*self.bad)
        prev_seq, prev_id, prev_hash = self.prev_seq, self.prev_id, self.prev_hash
        try:
            head_seq = int(str(self.meta.get("head_seq")))
        except ValueError:
            return self._report(prev_seq, prev_id, "edited", "the log head (meta table) is damaged")
        head_id, head_hash = str(self.meta.get("head_id")), self.meta.get("head_hash")
        if prev_seq < head_seq:
            missing_id = head_id if head_seq == prev_seq + 1 else f"#{prev_seq + 1}..#{head_seq}"
            return self._report(
                prev_seq + 1,
                missing_id,
                "deleted",
                f"the log head records {head_seq} entries (last {head_id}) but the log ends "
                f"at #{prev_seq}: entries at the end were deleted",
            )
        if prev_seq > head_seq:
            extra = self.tx.one("SELECT id FROM entries WHERE seq = ?", (head_seq + 1,))
            label = "?" if extra is None else str(extra[0])
            return self._report(
                head_seq + 1,
                label,
                "out-of-chain",
                f"the log head ends at #{head_seq}: this entry was added outside compoundkit",
            )
        if head_hash != prev_hash or (prev_seq and head_id != prev_id):
            return self._report(
                prev_seq,
                prev_id,
                "edited",
                "the last entry is not the one the log head records (it was replaced)",
            )
        return VerifyReport(
            self.location, self.since + self.read, None, "", prev_hash, since=self.since
        )


_MODULUS: Final = 2**256


def _lot_hash(seq: object, key: object) -> int:
    return int.from_bytes(hashlib.sha256(f"{seq}\x00{key}".encode()).digest(), "big")


def lot_index_report(tx: Tx, check: ChainCheck, chained: VerifyReport) -> VerifyReport:
    """``chained`` (a full, intact verify), unless the lot index that ``find(lot=...)``
    searches does not hold exactly the entries' own lots (rows deleted, added or moved
    there would make a recall miss or invent entries; the index is outside the chain).

    The index is compared by an order-free digest in one streaming pass; only when the
    digests differ are both read in entry order to name the first entry that differs.
    """
    digest = 0
    for seq, key in tx.stream("SELECT seq, lot_key FROM entry_lots"):
        digest = (digest + _lot_hash(seq, key)) % _MODULUS
    if digest == check.lot_digest:
        return chained
    indexed = tx.stream("SELECT seq, lot_key FROM entry_lots ORDER BY seq")
    pending = next(indexed, None)
    for seq, entry_id, lots in tx.stream("SELECT seq, id, lots FROM entries ORDER BY seq"):
        found = []
        while pending is not None and int(pending[0]) <= int(seq):
            found.append(str(pending[1]))  # a row of an earlier, missing seq counts here
            pending = next(indexed, None)
        if sorted(found) != lot_keys(lots):
            return _index_report(chained, int(seq), str(entry_id), lot_keys(lots), found)
    return _index_report(chained, chained.count + 1, "(none)", [], ["rows of no entry"])


def _index_report(
    chained: VerifyReport, seq: int, entry_id: str, holds: list[str], indexed: list[str]
) -> VerifyReport:
    return VerifyReport(
        chained.path,
        chained.count,
        BadEntry(seq, entry_id, "edited"),
        f"the lot index (what log lot searches for recalls) does not match the entry: the "
        f"entry holds lots {holds or 'none'}, the index {indexed or 'none'}; the index is "
        "outside the hash chain, so it was changed outside compoundkit",
        chained.head_hash,
    )
