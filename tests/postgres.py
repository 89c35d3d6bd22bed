"""A throwaway PostgreSQL server for the tests: started once per session, stopped at the end.

``initdb`` and ``pg_ctl`` (Debian's ``postgresql`` package puts them in
``/usr/lib/postgresql/<version>/bin``; ``COMPOUNDKIT_PG_BINDIR`` overrides) make a cluster
in a temporary folder and run it on a free port of 127.0.0.1, with durability off (the
data is thrown away; ``durable=True`` for the benchmarks). PostgreSQL refuses to run as
root, so under root (as in CI) the server runs as the unprivileged ``postgres`` user.

Where the server or psycopg is missing, the PostgreSQL tests are skipped with the command
that installs them (``make test`` installs both where it can); under CI (``CI=true``) or
with ``COMPOUNDKIT_REQUIRE_POSTGRES=1`` they fail instead, so they cannot quietly vanish.
Each test gets its own log: a URL naming a fresh PostgreSQL schema (``?schema=...``).
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

INSTALL = "apt-get install -y postgresql && pip install 'compoundkit[postgresql]' (or: make test)"
_names = itertools.count(1)


def _bindir() -> Path | None:
    given = os.environ.get("COMPOUNDKIT_PG_BINDIR")
    if given:
        return Path(given)
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: [int(x) for x in Path(p).parts[-3].split(".") if x.isdigit()],
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return None if on_path is None else Path(on_path).parent


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """One PostgreSQL cluster in a temporary folder."""

    def __init__(self, bindir: Path, *, durable: bool = False) -> None:
        self.bindir = bindir
        self.durable = durable
        self.folder = Path(tempfile.mkdtemp(prefix="compoundkit-pg-"))
        self.data = self.folder / "data"
        self.as_user: dict[str, Any] = {}
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError(
                    "running as root, and there is no 'postgres' user to run the server as"
                ) from None
            os.chown(self.folder, account.pw_uid, account.pw_gid)
            self.as_user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        self.port = 0

    def _run(self, *argv: str) -> None:
        log = self.folder / "commands.log"
        with log.open("ab") as sink:
            done = subprocess.run(
                [str(self.bindir / argv[0]), *argv[1:]],
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=sink,
                timeout=120,
                check=False,
                cwd=self.folder,
                **self.as_user,
            )
        if done.returncode != 0:
            server = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-1500:]
            if server.exists():
                tail += server.read_text(errors="replace")[-1500:]
            raise RuntimeError(f"{argv[0]} failed ({done.returncode}):\n{tail}")

    def start(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        for attempt in range(5):
            self.port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                f"-c unix_socket_directories={self.folder} -c max_connections=80"
            )
            if not self.durable:  # throwaway data: no need to reach the disk
                options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            try:
                self._run(
                    "pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"),
                    "-w", "-t", "60", "-o", options, "start",
                )  # fmt: skip
                return
            except RuntimeError:
                if attempt == 4:
                    raise
                time.sleep(0.2)  # the port was taken in between: try another

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def url(self) -> str:
        """The superuser's URL of the server's ``postgres`` database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"


def _unavailable(reason: str) -> None:
    message = f"PostgreSQL tests need a PostgreSQL server and psycopg: {reason}; run: {INSTALL}"
    if os.environ.get("CI") == "true" or os.environ.get("COMPOUNDKIT_REQUIRE_POSTGRES") == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server (skipped, with the command to run, where missing)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed")
    bindir = _bindir()
    if bindir is None or not (bindir / "pg_ctl").exists():
        _unavailable("initdb/pg_ctl not found (no /usr/lib/postgresql/*/bin)")
    assert bindir is not None
    try:
        server = PostgresServer(bindir)
    except RuntimeError as exc:
        _unavailable(str(exc))
    try:
        server.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        server.stop()
        _unavailable(f"the test server did not start: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> str:
    """A new, empty record log on the test server (its own schema)."""
    return f"{postgres_server.url}?schema=t{next(_names)}_{os.urandom(3).hex()}"
