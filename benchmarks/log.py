"""Record-log benchmarks: each figure as a ratio to a baseline measured in the same run.

Run with ``make bench`` (after ``benchmarks/run.py``) or ``python benchmarks/log.py
[--quick] [--entries N] [--json PATH]``. Results print as a table and are written as JSON
(``benchmarks/results-log.json``).

- verify of an N-entry SQLite log (default 1,000,000 entries of about 1 KB, built once per
  run with ``append_many``; the build time is reported) against ``sha256sum`` of the same
  file, and verify's peak memory (``ru_maxrss`` of the process that verifies);
- recall by lot (``find(lot=...)``, 10 matching entries) at N entries against the same
  recall at 1,000 entries;
- ``append_many`` of 100,000 entries against plain ``executemany`` of the same rows into a
  table of the same shape (the same columns and indexes, the same WAL and
  ``synchronous=FULL``);
- appends from 8 writer processes, entries per second: PostgreSQL (a throwaway server with
  durable commits, started here as ``tests/postgres.py`` does) beside SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import _fmt, _row, machine, table  # noqa: E402

from compoundkit.records.log import NewEntry, open_log  # noqa: E402

PYTHON = sys.executable
ENV = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
}
RECALL_LOT = "RECALL-0042"
RECALL_HITS = 10
BUILD_BATCH = 20_000


def _payload(i: int) -> dict[str, Any]:
    """A compounding record of about 1 KB of canonical JSON."""
    return {
        "schema": "compoundkit.cr",
        "internal_id": f"RX-{i:08d}",
        "formula": "Muscle spasm cream",
        "prepared_at": "2026-11-25T10:30:00",
        "compounded_by": "A. Chen",
        "verified_by": "B. Osei",
        "batch": {"size": {"value": 120.0, "unit": "gram"}, "count": 1, "excess": None},
        "components": [
            {
                "name": name,
                "lot": f"{name[:3].upper()}-{(i * 7 + n) % 997}",
                "expiry": "2027-06-30",
                "required_g": grams,
                "weighed_g": round(grams * 1.001, 3),
            }
            for n, (name, grams) in enumerate(
                [
                    ("ketoprofen", 12.0),
                    ("cyclobenzaprine hydrochloride", 2.4),
                    ("guaifenesin", 12.0),
                    ("lipoderm activemax", 87.6),
                ]
            )
        ],
        "qc": [{"test": "appearance", "result": "smooth white cream, no grit"}],
        "bud": {"date": "2026-12-08", "storage": "refrigerator", "rule": "usp795-2023 aqueous"},
        "notes": ["container: 120 g airless pump", f"label printed for RX-{i:08d}"],
    }


def _entries(total: int, start: int = 0, stop: int | None = None) -> Iterator[NewEntry]:
    """Entries ``start``..``stop`` of a ``total``-entry log; every (total/RECALL_HITS)th
    uses RECALL_LOT, so a recall of it finds RECALL_HITS entries at any size."""
    step = max(1, total // RECALL_HITS)
    for i in range(start, total if stop is None else stop):
        lots = [f"K-{i % 997}", f"C-{i % 991}", f"G-{i % 983}"]
        if i % step == step // 2:
            lots.append(RECALL_LOT)
        yield NewEntry("compounding-record", _payload(i), formula="Muscle spasm cream", lots=lots)


def build(path: Path, count: int) -> float:
    """Make an N-entry log with append_many in batches; seconds taken."""
    started = time.perf_counter()
    with open_log(path) as log:
        for start in range(0, count, BUILD_BATCH):
            log.append_many(list(_entries(count, start, min(count, start + BUILD_BATCH))))
    return time.perf_counter() - started


def build_apart(path: Path, count: int) -> float:
    """:func:`build` in a process of its own: this one stays small, so the processes it
    starts later report their own peak memory (Linux keeps a parent's peak in ``ru_maxrss``
    across fork and exec)."""
    code = f"import log, pathlib; print(log.build(pathlib.Path({str(path)!r}), {count}))"
    done = subprocess.run(
        [PYTHON, "-c", code],
        capture_output=True,
        text=True,
        env={**ENV, "PYTHONPATH": os.pathsep.join([str(ROOT / "benchmarks"), ENV["PYTHONPATH"]])},
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


_VERIFY = """
import json, resource, sys, time
from compoundkit.records.log import open_log
with open_log(sys.argv[1], readonly=True) as log:
    started = time.perf_counter()
    report = log.verify()
    seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "ok": report.ok, "count": report.count,
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def _verify_once(path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [PYTHON, "-c", _VERIFY, str(path)], capture_output=True, text=True, env=ENV, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _sha256sum(path: Path) -> float:
    started = time.perf_counter()
    subprocess.run(["sha256sum", str(path)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def verify_figures(path: Path, count: int, runs: int) -> tuple[list[dict[str, Any]], str]:
    _sha256sum(path)  # warm the page cache for both
    verified, hashed, rss = [], [], []
    for _ in range(runs):
        hashed.append(_sha256sum(path))
        result = _verify_once(path)
        assert result["ok"], result
        assert result["count"] == count, result
        verified.append(result["seconds"])
        rss.append(result["maxrss_kb"] * 1024)
    mine, theirs, peak = statistics.median(verified), statistics.median(hashed), max(rss)
    size = path.stat().st_size
    rows = [
        _row(f"verify, {count:,}-entry SQLite log", mine, theirs, 10.0, "sha256sum of the file"),
        {
            "figure": "verify: peak memory (maxrss of its process)",
            "seconds": 0.0,
            "baseline": "200 MB (absolute)",
            "baseline_seconds": 0.0,
            "ratio": peak / 200e6,
            "target": 1.0,
            "ok": peak < 200e6,
            "bytes": peak,
        },
    ]
    note = (
        f"log file {size / 1e6:,.0f} MB; verify {count / mine:,.0f} entries/s; "
        f"peak memory {peak / 1e6:.0f} MB"
    )
    return rows, note


def recall_figure(small: Path, large: Path, count: int) -> dict[str, Any]:
    with open_log(small, readonly=True) as few, open_log(large, readonly=True) as many:
        assert len(few.find(lot=RECALL_LOT)) == len(many.find(lot=RECALL_LOT)) == RECALL_HITS
        t_large, t_small = _alternate(
            lambda: many.find(lot=RECALL_LOT.lower()), lambda: few.find(lot=RECALL_LOT.lower())
        )
    return _row(
        f"recall by lot ({RECALL_HITS} hits) at {count:,} entries",
        t_large,
        t_small,
        3.0,
        "the same recall at 1,000 entries",
    )


def _alternate(first: Any, second: Any, repeat: int = 9) -> tuple[float, float]:
    timers = [timeit.Timer(first), timeit.Timer(second)]
    numbers = [max(1, t.autorange()[0]) for t in timers]
    runs: list[list[float]] = [[], []]
    for _ in range(repeat):
        for timer, number, times in zip(timers, numbers, runs, strict=True):
            times.append(timer.timeit(number) / number)
    return statistics.median(runs[0]), statistics.median(runs[1])


def append_many_figure(folder: Path, count: int, runs: int) -> dict[str, Any]:
    from compoundkit.records.log._model import COLUMNS
    from compoundkit.records.log._sqlite import _SCHEMA

    entries = list(_entries(count))
    rows: list[tuple[Any, ...]] = []
    mine, theirs = [], []
    for n in range(runs):
        target = folder / f"bulk-{n}.db"
        with open_log(target) as log:
            started = time.perf_counter()
            log.append_many(entries)
            mine.append(time.perf_counter() - started)
            if not rows:
                with sqlite3.connect(target) as raw:
                    rows = raw.execute(f"SELECT {COLUMNS} FROM entries ORDER BY seq").fetchall()
                raw.close()
        plain = folder / f"plain-{n}.db"
        conn = sqlite3.connect(plain, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        for statement in _SCHEMA[:6]:  # the tables and indexes (no triggers: plain)
            conn.execute(statement)
        started = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO entries ({COLUMNS}) VALUES ({', '.join('?' * 11)})", rows)
        conn.execute("COMMIT")
        theirs.append(time.perf_counter() - started)
        conn.close()
    return _row(
        f"append_many, {count:,} entries",
        statistics.median(mine),
        statistics.median(theirs),
        5.0,
        "plain executemany, same rows and table shape",
    )


_WRITER = """
import sys
from compoundkit.records.log import open_log
target, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
payload = {"writer": name, "text": "x" * 800}
with open_log(target) as log:
    for i in range(count):
        log.append("compounding-record", {**payload, "i": i}, lots=[f"{name}-{i % 10}"])
"""


def writers_rate(target: str, writers: int, each: int) -> float:
    """Entries per second that ``writers`` processes appending ``each`` entries reach."""
    with open_log(target):
        pass  # the log exists first
    started = time.perf_counter()
    procs = [
        subprocess.Popen([PYTHON, "-c", _WRITER, target, f"w{n}", str(each)], env=ENV)
        for n in range(writers)
    ]
    for proc in procs:
        if proc.wait(timeout=600) != 0:
            raise RuntimeError(f"a writer failed on {target}")
    seconds = time.perf_counter() - started
    with open_log(target, readonly=True) as log:
        assert log.verify().count == writers * each
    return writers * each / seconds


def writer_figures(folder: Path, each: int) -> tuple[list[dict[str, Any]], str]:
    sys.path.insert(0, str(ROOT / "tests"))
    from postgres import PostgresServer, _bindir

    sqlite_rate = writers_rate(str(folder / "writers.db"), 8, each)
    bindir = _bindir()
    if bindir is None:
        return [], f"SQLite, 8 writers: {sqlite_rate:,.0f} entries/s (no PostgreSQL server here)"
    server = PostgresServer(bindir, durable=True)
    try:
        server.start()
        pg_rate = writers_rate(f"{server.url}?schema=bench", 8, each)
    finally:
        server.stop()
    row = {
        "figure": f"appends from 8 writer processes ({8 * each:,} entries), PostgreSQL",
        "seconds": 1 / pg_rate,
        "baseline": "the same on SQLite (one file)",
        "baseline_seconds": 1 / sqlite_rate,
        "ratio": sqlite_rate / pg_rate,
        "target": None,
        "ok": None,
    }
    note = (
        f"8 writers: PostgreSQL {pg_rate:,.0f} entries/s, SQLite {sqlite_rate:,.0f} entries/s "
        "(durable commits on both)"
    )
    return [row], note


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 entries, fewer runs")
    parser.add_argument("--entries", type=int, default=None, help="entries of the big log")
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results-log.json"))
    args = parser.parse_args(argv)
    count = args.entries or (100_000 if args.quick else 1_000_000)
    runs = 2 if args.quick else 3
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="compoundkit-bench-log-"))
    notes = []
    try:
        large, small = folder / "large.db", folder / "small.db"
        built = build_apart(large, count)
        build_apart(small, 1_000)
        notes.append(f"built the {count:,}-entry log with append_many in {built:.0f} s")
        rows, note = verify_figures(large, count, runs)
        notes.append(note)
        rows.append(recall_figure(small, large, count))
        rows.append(append_many_figure(folder, 100_000, runs))
        writer_rows, note = writer_figures(folder, 250 if args.quick else 500)
        rows += writer_rows
        notes.append(note)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    elapsed = time.perf_counter() - started
    print(f"Record log. Machine: {machine()}\n")
    print(table([r for r in rows if r["seconds"]] + []))
    memory = next(r for r in rows if "bytes" in r)
    print(
        f"| verify peak memory | {memory['bytes'] / 1e6:.0f} MB | - | - | - | < 200 MB | "
        f"{'yes' if memory['ok'] else 'NO'} |"
    )
    for line in notes:
        print(f"\n{line}", end="")
    print(f"\n\n({elapsed:.0f} s; {_fmt(elapsed)})")
    Path(args.json).write_text(
        json.dumps(
            {"machine": machine(), "seconds": elapsed, "notes": notes, "results": rows}, indent=2
        )
        + "\n",
        encoding="utf-8",
    )
    return 0 if all(row["ok"] is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
