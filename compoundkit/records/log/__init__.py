"""The tamper-evident, append-only record log: one SQLite file, or a PostgreSQL database.

Every entry stores its content as canonical JSON and the SHA-256 of (the previous
entry's hash + that JSON), so :meth:`RecordLog.verify` finds any entry that was edited,
deleted, reordered or slipped in out of chain, and names the first one. Corrections are
new entries that point at the entry they correct (``corrects=``); nothing is ever
updated or deleted.

Storage: :func:`open_log` (or ``RecordLog(...)``) takes a file path for SQLite, the
embedded default for one workstation, or ``postgresql://user@host:port/dbname`` for a
PostgreSQL database that many workstations share (``pip install
'compoundkit[postgresql]'``). Both keep the same chain, with appends serialised so that
no two writers ever fork it, each append one transaction (an entry is committed whole or
not at all), the same verify, find and recall. ``compoundkit log copy`` moves a log
between them, keeping ids and hashes.

What the hash chain can and cannot show: it detects changes made to the stored entries by
anyone who does not recompute every later hash. Someone who rewrites the whole chain
produces a log that verifies; to catch that, keep :meth:`RecordLog.head` (entry count and
last hash) somewhere else, e.g. printed on a signed report, and compare it later.

>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as tmp:
...     with RecordLog(pathlib.Path(tmp) / "records.db") as log:
...         first = log.append("compounding-record", {"rx": "RX-1"}, formula="cream",
...                            lots=["K7"])
...         fix = log.append("correction", {"rx": "RX-1", "note": "yield 118 g"},
...                          corrects=first.id)
...         ([e.kind for e in log.find(lot="k7")], log.verify().ok, len(log))
(['compounding-record'], True, 2)
"""

from __future__ import annotations

from compoundkit.records._canonical import GENESIS_HASH
from compoundkit.records.log._chain import RecordLog, copy_log, is_log_url, open_log
from compoundkit.records.log._checkpoint import SavedCheckpoint, load_checkpoint, save_checkpoint
from compoundkit.records.log._model import (
    APPLICATION_ID,
    LOG_SCHEMA_VERSION,
    MAX_PAYLOAD_BYTES,
    BadEntry,
    Checkpoint,
    LogEntry,
    NewEntry,
    UnknownEntryError,
    VerifyReport,
)

__all__ = [
    "APPLICATION_ID",
    "GENESIS_HASH",
    "LOG_SCHEMA_VERSION",
    "MAX_PAYLOAD_BYTES",
    "BadEntry",
    "Checkpoint",
    "LogEntry",
    "NewEntry",
    "RecordLog",
    "SavedCheckpoint",
    "UnknownEntryError",
    "VerifyReport",
    "copy_log",
    "is_log_url",
    "load_checkpoint",
    "open_log",
    "save_checkpoint",
]
