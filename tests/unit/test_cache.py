"""The start-up cache: same results as without it, and harmless when broken or off."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from compoundkit import _cache
from compoundkit.units import get_registry, quantity

TEXT = 'name = "x"\nvalues = [1, 2.5, "three", true]\n[table]\nkey = { inner = 1 }\n'


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(_cache, "cache_folder", lambda: tmp_path)
    return tmp_path


def test_cached_parse_equals_tomllib(folder: Path) -> None:
    first = _cache.load_toml(TEXT)
    assert list((folder / "toml").glob("*.json"))
    second = _cache.load_toml(TEXT)
    assert first == second == tomllib.loads(TEXT)
    assert isinstance(second["values"][1], float)
    assert isinstance(second["values"][0], int)


def test_a_corrupt_cache_entry_is_ignored(folder: Path) -> None:
    _cache.load_toml(TEXT)
    for path in (folder / "toml").glob("*.json"):
        path.write_text("{not json", encoding="utf-8")
    assert _cache.load_toml(TEXT) == tomllib.loads(TEXT)


def test_an_unwritable_cache_folder_is_harmless(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setattr(_cache, "cache_folder", lambda: blocker)
    assert _cache.load_toml(TEXT) == tomllib.loads(TEXT)


def test_dates_are_not_cached_but_still_parsed(folder: Path) -> None:
    text = "when = 2026-11-25\n"
    assert _cache.load_toml(text) == tomllib.loads(text)
    assert not list((folder / "toml").glob("*.json"))


def test_toml_errors_are_raised_as_without_the_cache(folder: Path) -> None:
    from compoundkit._toml import TomlTextError

    with pytest.raises(TomlTextError, match="line 2"):
        _cache.load_toml('name = "x"\nvalue = \n')
    assert not list((folder / "toml").glob("*.json"))


def test_cache_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPOUNDKIT_CACHE", "0")
    assert _cache.cache_folder() is None
    assert _cache.load_toml(TEXT) == tomllib.loads(TEXT)


def test_registry_without_cache_has_compoundkit_units(tmp_path: Path) -> None:
    code = (
        "from compoundkit.units import get_registry, quantity\n"
        "r = get_registry()\n"
        "print(quantity(3.0, 'milliequivalent').to('equivalent').magnitude,"
        " r.Quantity(1, 'dosage_unit').dimensionality)"
    )
    env = {**os.environ, "COMPOUNDKIT_CACHE": "0"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.split() == ["0.003", "[dosage_unit]"]


def test_fast_quantities_equal_pints_own() -> None:
    registry = get_registry()
    cases = [(1.5, "gram", "kilogram"), (120.0, "milligram", "gram"), (2.0, "milliliter", "liter")]
    for value, unit, other in cases:
        fast = quantity(value, unit)
        slow = registry.Quantity(value, registry.Unit(unit))
        assert fast == slow
        assert repr(fast) == repr(slow)
        assert (fast + slow).magnitude == 2 * value
        assert fast.to(other).magnitude == pytest.approx(slow.to(other).magnitude)
    assert quantity(3.0, "milliequivalent").to("equivalent").magnitude == pytest.approx(0.003)


def test_formula_weights_are_identical_with_and_without_the_counts_cache(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compoundkit.ingredients import _chem

    formulas = ["C20H21N.HCl", "MgCl2.6H2O", "C16H14O3.C6H14N2O2", "Mg"]
    monkeypatch.setattr(_chem, "_counts", None)
    _chem.molecular_weight.cache_clear()
    cold = [_chem.molecular_weight(f) for f in formulas]  # parsed by molmass, then stored
    assert (folder / _chem._COUNTS_FILE).exists()
    monkeypatch.setattr(_chem, "_counts", None)
    _chem.molecular_weight.cache_clear()
    warm = [_chem.molecular_weight(f) for f in formulas]  # from the cache
    assert cold == warm
    assert round(warm[0], 3) == 311.853
    assert round(warm[1], 3) == 203.295
    _chem.molecular_weight.cache_clear()
