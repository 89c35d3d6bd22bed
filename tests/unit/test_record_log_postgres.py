"""The PostgreSQL record log against a real server: many writers, killed writers, dropped
connections, roles, foreign schemas, and the CLI with a ``postgresql://`` log.

The server is the throwaway one ``tests/postgres.py`` starts for the session. Writers are
real processes (``sys.executable``), as in the SQLite fault tests.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from logs import split_url

from compoundkit.errors import LogStorageError, MissingDependencyError
from compoundkit.records.log import open_log

REPO = Path(__file__).resolve().parents[2]
THOROUGH = os.environ.get("COMPOUNDKIT_THOROUGH") == "1"

_WRITER = textwrap.dedent(
    """
    import sys
    from compoundkit.records.log import open_log

    target, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open_log(target) as log:
        i = 0
        while count < 0 or i < count:
            entry = log.append(
                "compounding-record", {"writer": name, "i": i}, formula=name,
                lots=[f"{name}-{i % 10}"],
            )
            print(entry.id, flush=True)  # reported only once committed
            i += 1
    """
)


def _writer(tmp_path: Path, target: str, name: str, count: int, **popen: Any) -> Any:
    script = tmp_path / "writer.py"
    if not script.exists():
        script.write_text(_WRITER)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.Popen(
        [sys.executable, str(script), target, name, str(count)], env=env, **popen
    )


def _raw(target: str) -> Any:
    """A superuser connection to the log's database, its schema first on the path."""
    import psycopg

    conninfo, schema = split_url(target)
    conn = psycopg.connect(conninfo, autocommit=True)
    conn.execute("SELECT set_config('search_path', %s, false)", (schema,))
    return conn


# --------------------------------------------------------------------------- writers


def test_eight_writers_make_one_valid_chain(pg_url: str, tmp_path: Path) -> None:
    writers, count = 8, 1000
    with open_log(pg_url):
        pass  # the log exists before the writers start (their race is tested elsewhere)
    outputs = [tmp_path / f"w{n}.out" for n in range(writers)]
    procs = []
    for n, out in enumerate(outputs):
        with out.open("w") as sink:
            procs.append(_writer(tmp_path, pg_url, f"w{n}", count, stdout=sink))
    for proc in procs:
        assert proc.wait(timeout=240) == 0
    with open_log(pg_url) as log:
        report = log.verify()
        assert report.ok, str(report)
        assert report.count == len(log) == writers * count
        entries = log.entries()
        assert len(log.find(lot="W3-7")) == count // 10
    assert [e.seq for e in entries] == list(range(1, writers * count + 1))
    for n, out in enumerate(outputs):
        reported = out.read_text().split()
        mine = [e for e in entries if e.formula == f"w{n}"]
        assert [e.id for e in mine] == reported
        assert [e.payload["i"] for e in mine] == list(range(count))


def test_killed_writer_loses_no_committed_entry(pg_url: str, tmp_path: Path) -> None:
    rng = random.Random()
    seed = rng.randrange(2**32)
    rng.seed(seed)
    reported: list[str] = []
    for round_ in range(12 if THOROUGH else 4):
        proc = _writer(tmp_path, pg_url, f"k{round_}", -1, stdout=subprocess.PIPE)
        assert proc.stdout is not None
        for _ in range(rng.randint(1, 40)):
            line = proc.stdout.readline()
            assert line.endswith(b"\n"), f"writer died early (seed {seed})"
            reported.append(line.decode().strip())
        if rng.random() < 0.7:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=rng.uniform(0, 0.02))
        proc.send_signal(signal.SIGKILL)
        rest = proc.stdout.read()
        proc.wait(timeout=30)
        proc.stdout.close()
        reported += [
            ln.decode().strip() for ln in rest.splitlines(keepends=True) if ln.endswith(b"\n")
        ]
        with open_log(pg_url) as log:
            report = log.verify()
            assert report.ok, f"{report} (seed {seed})"
            present = {e.id for e in log.entries()}
        missing = [i for i in reported if i not in present]
        assert not missing, f"committed entries lost: {missing[:5]} (seed {seed})"


def test_connection_dropped_mid_append_leaves_no_partial_entry(pg_url: str) -> None:
    with open_log(pg_url) as log:
        made = log.append_many(
            [{"kind": "note", "payload": {"i": i}, "lots": ["K1"]} for i in range(3)]
        )
    writer = open_log(pg_url)
    blocker = _raw(pg_url)
    outcome: list[BaseException | None] = []

    def append() -> None:
        try:
            writer.append("compounding-record", {"rx": "LOST"}, lots=["K1"])
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    try:
        with blocker.transaction():
            # the writer inserts its entry, then waits at the lot index
            blocker.execute("LOCK TABLE entry_lots IN SHARE MODE")
            thread = threading.Thread(target=append)
            thread.start()
            deadline = time.monotonic() + 20
            pid = None
            while pid is None and time.monotonic() < deadline:
                row = blocker.execute(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = 'compoundkit' "
                    "AND wait_event_type = 'Lock'"
                ).fetchone()
                pid = None if row is None else row[0]
                time.sleep(0.01)
            assert pid is not None, "the writer never reached the lot index"
            inserted = blocker.execute(
                "SELECT count(*) FROM pg_locks WHERE pid = %s AND mode = 'RowExclusiveLock'",
                (pid,),
            ).fetchone()[0]
            assert inserted >= 1  # mid-append: its entry row is written, not committed
            blocker.execute("SELECT pg_terminate_backend(%s)", (pid,))
        thread.join(timeout=20)
    finally:
        blocker.close()
        writer.close()
    assert len(outcome) == 1
    assert isinstance(outcome[0], LogStorageError)
    assert "lost the connection" in str(outcome[0])
    assert "nothing was written" in str(outcome[0])
    with open_log(pg_url) as log:
        assert log.verify().ok
        assert log.entries() == made
        assert log.find(lot="k1") == made
        assert log.append("note", {}).prev_hash == made[-1].hash


def test_read_only_role_cannot_append(pg_url: str) -> None:
    with open_log(pg_url) as log:
        log.append("note", {})
    _, schema = split_url(pg_url)
    role = f"reader_{schema}"
    with _raw(pg_url) as admin:
        admin.execute(f'CREATE ROLE "{role}" LOGIN')  # type: ignore[arg-type]
        admin.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"')  # type: ignore[arg-type]
        admin.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"')  # type: ignore[arg-type]
    as_reader = pg_url.replace("postgresql://postgres@", f"postgresql://{role}@")
    with open_log(as_reader) as log:
        with pytest.raises(LogStorageError, match="read-only for this connection"):
            log.append("note", {})
        assert log.verify().ok
        assert len(log) == 1


# --------------------------------------------------------------------------- opening


def test_foreign_schema_and_other_versions_are_refused(pg_url: str) -> None:
    _, schema = split_url(pg_url)
    with _raw(pg_url) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')  # type: ignore[arg-type]
        admin.execute("CREATE TABLE entries (x int)")
    with pytest.raises(LogStorageError, match="is not a compoundkit record log"):
        open_log(pg_url)
    other = pg_url + "_v"
    with open_log(other):
        pass
    with _raw(other) as admin:
        admin.execute("UPDATE meta SET value = '9' WHERE key = 'schema_version'")
    with pytest.raises(LogStorageError, match="schema version 9"):
        open_log(other)


def test_url_shown_without_password_and_bad_servers_are_storage_errors() -> None:
    from compoundkit.records.log._postgres import parse_url

    assert parse_url("postgres://ck:s3cret@db.example/records")[2] == (
        "postgres://ck@db.example/records"
    )
    with pytest.raises(LogStorageError, match="schema='Bad-Name' is not a plain"):
        parse_url("postgresql://ck@db/records?schema=Bad-Name")
    with pytest.raises(LogStorageError, match="cannot connect to record log") as caught:
        open_log("postgresql://ck:s3cret@127.0.0.1:1/records", timeout=2)
    assert "s3cret" not in str(caught.value)


def test_without_psycopg_a_url_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if not installed
    monkeypatch.delitem(sys.modules, "compoundkit.records.log._postgres", raising=False)
    with pytest.raises(MissingDependencyError, match=r"pip install 'compoundkit\[postgresql\]'"):
        open_log("postgresql://ck@db.example:5432/records")


def test_importing_compoundkit_does_not_import_psycopg() -> None:
    code = (
        "import sys, compoundkit, compoundkit.records, compoundkit.records.log, compoundkit.cli\n"
        "sys.exit('psycopg' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    assert subprocess.run([sys.executable, "-c", code], env=env, check=False).returncode == 0


# --------------------------------------------------------------------------- command line


def test_cli_with_a_postgresql_log(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compoundkit.cli import main

    monkeypatch.chdir(tmp_path)
    cream = str(REPO / "examples" / "muscle-spasm-cream.toml")

    def invoke(*args: str) -> Any:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    made = invoke(
        "record", "cr", cream, "--size", "120g", "--id", "RX-1", "--date", "2024-03-01",
        "--lot", "ketoprofen=K-123:2025-06-30", "--by", "C. Evans", "--verified-by", "B. Diaz",
        "--draft", "--log", pg_url,
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "logged R000001-" in made.output
    recall = invoke("log", "lot", "k123", "--log", pg_url)
    assert recall.exit_code == 0
    assert "1 entry used lot k123" in recall.output
    assert invoke("log", "verify", "--log", pg_url).exit_code == 0
    copied = invoke("log", "copy", pg_url, "copy.db")
    assert copied.exit_code == 0, copied.output
    assert "copied 1 entry from postgresql://postgres@" in copied.output
    again = invoke("log", "copy", "copy.db", pg_url + "_back")
    assert again.exit_code == 0, again.output
    assert "intact, 1 entry" in again.output
    refused = invoke("log", "copy", "copy.db", pg_url)
    assert refused.exit_code == 2
    assert "is not empty (1 entries)" in refused.output
    with open_log(pg_url) as first, open_log(pg_url + "_back") as second:
        assert first.entries() == second.entries()
