"""The cheap pre-scan for plugin entry points never hides a plugin."""

from __future__ import annotations

from pathlib import Path

from compoundkit.ingredients._catalog import _may_have_entry_points


def _dist(folder: Path, name: str, entry_points: str | None) -> None:
    info = folder / f"{name}-1.0.dist-info"
    info.mkdir()
    if entry_points is not None:
        (info / "entry_points.txt").write_text(entry_points, encoding="utf-8")


def test_a_declared_group_is_found(tmp_path: Path) -> None:
    _dist(tmp_path, "other", "[console_scripts]\nother = other:main\n")
    assert not _may_have_entry_points([str(tmp_path)])
    _dist(tmp_path, "plugin", "[compoundkit.ingredients]\nextra = plugin:catalog\n")
    assert _may_have_entry_points([str(tmp_path)])


def test_missing_folders_are_skipped_and_archives_mean_maybe(tmp_path: Path) -> None:
    assert not _may_have_entry_points([str(tmp_path / "absent")])
    archive = tmp_path / "bundle.zip"
    archive.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    assert _may_have_entry_points([str(archive)])
    egg = tmp_path / "eggs"
    egg.mkdir()
    (egg / "thing-1.0.egg").mkdir()
    assert _may_have_entry_points([str(egg)])


PLUGIN = """
import attrs
from compoundkit.ingredients import Catalog

def catalog():
    ketoprofen = Catalog(entry_points=False).get("ketoprofen")
    return attrs.evolve(
        ketoprofen, id="testofen", name="Testofen", synonyms=(), trade_names=(),
        misspellings=(), confusable_names=(),
    )
"""


def test_an_installed_plugin_is_discovered_end_to_end(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    (tmp_path / "ck_test_plugin.py").write_text(PLUGIN, encoding="utf-8")
    _dist(
        tmp_path,
        "ck_test_plugin",
        "[compoundkit.ingredients]\ntestofen = ck_test_plugin:catalog\n",
    )
    (tmp_path / "ck_test_plugin-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: ck-test-plugin\nVersion: 1.0\n", encoding="utf-8"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    code = "from compoundkit import ingredients; print(ingredients.get('testofen').name)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "Testofen"
