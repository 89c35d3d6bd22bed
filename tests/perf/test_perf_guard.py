"""Performance regression guard: ratios to baselines measured in the same process.

Thresholds are generous (about 4x the targets that ``make bench`` checks), so an
accidental 10x slowdown fails CI while machine noise does not.
"""

from __future__ import annotations

import time
import timeit
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from compoundkit import Q_, load_formula
from compoundkit.formulas import Formulation, weigh_many
from compoundkit.formulas.rules import validate

FORMULA = Path(__file__).resolve().parents[2] / "examples" / "muscle-spasm-cream.toml"
FRACTIONS = [0.10, 0.02, 0.10, 0.05]


def _per_call(fn: Callable[[], object], number: int) -> float:
    # the fastest of several runs: noise only ever adds time
    return min(timeit.repeat(fn, number=number, repeat=7)) / number


def _plain_sheet() -> tuple[list[float], float]:
    size = 120.0
    lines = [size * fraction for fraction in FRACTIONS]
    return lines, size - sum(lines)


@pytest.fixture(scope="module")
def formulation() -> Formulation:
    formulation = load_formula(FORMULA)
    formulation.batch("120 g")  # warm: registry, caches
    return formulation


@pytest.fixture(scope="module")
def plain() -> float:
    return _per_call(_plain_sheet, 20_000)


def test_sheet_with_quantities_stays_near_plain_floats(
    formulation: Formulation, plain: float
) -> None:
    size = Q_(120.0, "g")
    assert _per_call(lambda: formulation.weigh(size), 2_000) / plain < 40
    assert _per_call(lambda: formulation.weigh_g(120.0), 20_000) / plain < 12


def test_full_batch_sheet_stays_fast(formulation: Formulation, plain: float) -> None:
    size = Q_(120.0, "g")
    assert _per_call(lambda: formulation.batch(size), 500) / plain < 400


def test_vectorised_stays_near_raw_numpy(formulation: Formulation) -> None:
    sizes = np.linspace(1.0, 1000.0, 200_000)
    coefficients = np.array(FRACTIONS)

    def raw() -> object:
        weighed = np.outer(coefficients, sizes)
        return weighed, sizes - weighed.sum(axis=0)

    quantity = Q_(sizes, "g")
    ours, theirs = [], []
    for _ in range(7):  # interleaved, so a busy moment hits both alike
        ours.append(_per_call(lambda: weigh_many(formulation, quantity), 3))
        theirs.append(_per_call(raw, 3))
    assert min(ours) / min(theirs) < 5  # about 1.1x on the reference machine


def test_validation_stays_fast(formulation: Formulation, plain: float) -> None:
    data = formulation.to_dict()
    fresh = [Formulation.from_dict(data) for _ in range(200)]
    start = time.perf_counter()
    for item in fresh:
        validate(item)
    per_formula = (time.perf_counter() - start) / len(fresh)
    assert per_formula / plain < 2_000  # about 100 us on the reference machine


def test_first_sheet_in_a_fresh_process_stays_near_pint_alone() -> None:
    """Start-up: parse, load a formula, build a sheet, read a Quantity (about 1.1x)."""
    import os
    import subprocess
    import sys

    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    first_call = (
        "from compoundkit import Strength, load_formula\n"
        "Strength.parse('10 % w/w')\n"
        f"load_formula({str(FORMULA)!r}).batch('120 g').lines[0].weigh\n"
    )
    pint_alone = "import pint; pint.UnitRegistry(cache_folder=':auto:')"

    def wall(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=env)
        return time.perf_counter() - start

    wall(first_call)  # bytecode and on-disk caches written
    ours, theirs = [], []
    for _ in range(3):
        ours.append(wall(first_call))
        theirs.append(wall(pint_alone))
    assert min(ours) / min(theirs) < 1.6
