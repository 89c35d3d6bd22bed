"""Atomic writes: permissions like a plain write, nothing half-written on failure."""

from __future__ import annotations

import os
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
