"""Atomic writes: permissions like a plain write, nothing half-written on failure."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from compoundkit._files import check_output_path, write_atomic
from compoundkit.errors import OutputPathError


def test_new_files_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "sheet.html", "<p>x</p>")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "sheet.html").stat().st_mode) == 0o644


def test_replaced_files_keep_their_mode_and_get_the_new_text(tmp_path: Path) -> None:
    target = tmp_path / "record.json"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_failed_write_leaves_neither_a_partial_file_nor_a_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(tmp_path / "x.md", "text")
    assert list(tmp_path.iterdir()) == []


def test_output_paths_may_not_climb_out_or_hit_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    assert check_output_path("sub/out.html") == Path("sub/out.html")
    assert check_output_path("sub/../out.html") == Path("sub/../out.html")  # stays inside
    for bad, fragment in [
        ("../out.html", "leaves the current folder"),
        ("sub", "not a regular file"),
        ("missing/out.html", "does not exist"),
        ("", "empty"),
    ]:
        with pytest.raises(OutputPathError, match=fragment):
            check_output_path(bad)


# --------------------------------------------------------------------------- issue 18


def test_read_text_says_what_is_wrong_in_one_error(tmp_path: Path) -> None:
    from compoundkit._files import UnreadableFileError, read_text

    (tmp_path / "bom.toml").write_bytes(b"\xef\xbb\xbfname = 'x'\n")
    assert read_text(tmp_path / "bom.toml", 100, what="formula file") == "name = 'x'\n"
    (tmp_path / "big.toml").write_bytes(b"x" * 11)
    (tmp_path / "latin1.toml").write_bytes(b"na\xefve")
    os.mkfifo(tmp_path / "pipe")
    cases = {
        tmp_path / "missing.toml": "no such file",
        tmp_path: "is a folder, not a formula file",
        tmp_path / "pipe": "is a named pipe (FIFO), not a regular file; give a formula file",
        tmp_path / "big.toml": "is larger than 10 bytes, too large for a formula file",
        tmp_path / "latin1.toml": "is not UTF-8 text (byte 2 is 0xef)",
    }
    for path, reason in cases.items():
        with pytest.raises(UnreadableFileError) as caught:
            read_text(path, 10, what="formula file")
        assert (caught.value.file, caught.value.reason) == (str(path), reason)
        assert str(caught.value) == f"{path}: {reason}"


def test_only_regular_files_are_read(tmp_path: Path) -> None:
    from compoundkit._files import NotRegularFileError, read_regular_file

    (tmp_path / "f.toml").write_bytes(b"x" * 10)
    assert read_regular_file(tmp_path / "f.toml", 4) == b"xxxxx", "limit + 1 bytes"
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(NotRegularFileError, match=r"is a named pipe \(FIFO\), not a regular"):
        read_regular_file(tmp_path / "pipe", 10)  # at once: no writer is waited for
    with pytest.raises(NotRegularFileError, match="is a device, not a regular file"):
        read_regular_file("/dev/zero", 10)
    with pytest.raises(IsADirectoryError, match="is a folder"):
        read_regular_file(tmp_path, 10)
    with pytest.raises(FileNotFoundError):
        read_regular_file(tmp_path / "missing", 10)


def test_an_output_never_replaces_an_input_a_log_or_a_file_without_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cream.toml").write_text("name = 'x'\n", encoding="utf-8")
    (tmp_path / "log.db").write_bytes(b"SQLite format 3\x00" + bytes(100))
    (tmp_path / "old.md").write_text("old\n", encoding="utf-8")
    inputs = {"cream.toml": "FORMULA", "new.db": "record log (--log)"}
    for path, force, fragment in [
        ("cream.toml", True, "is the FORMULA this command reads"),
        ("./sub/../cream.toml", True, "is the FORMULA"),
        ("new.db", True, "is the record log (--log) this command reads"),  # not made yet
        ("log.db", True, "is a record log (a SQLite database)"),
        ("old.md", False, "already exists; give --force to replace it"),
    ]:
        (tmp_path / "sub").mkdir(exist_ok=True)
        with pytest.raises(OutputPathError, match=re.escape(fragment)):
            check_output_path(path, force=force, inputs=inputs)
    assert check_output_path("old.md", force=True, inputs=inputs) == Path("old.md")
    assert check_output_path("log.db") == Path("log.db"), "opening a log is not writing over it"


def test_a_file_made_after_the_check_is_never_replaced(tmp_path: Path) -> None:
    target = tmp_path / "sheet.md"
    target.write_text("made meanwhile\n", encoding="utf-8")  # after the path was checked
    with pytest.raises(OutputPathError, match="already exists"):
        write_atomic(target, "new", replace=False)
    assert target.read_text(encoding="utf-8") == "made meanwhile\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.md"], "no temporary file"
    write_atomic(tmp_path / "fresh.md", "new", replace=False)
    assert (tmp_path / "fresh.md").read_text(encoding="utf-8") == "new"


def test_a_full_disk_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space left") as caught:
        write_atomic(tmp_path / "x.md", "text")
    assert caught.value.filename == str(tmp_path / "x.md")
    assert list(tmp_path.iterdir()) == []
