"""compoundkit benchmarks: every figure as a ratio to a baseline measured in the same run.

Run with ``make bench`` (or ``python benchmarks/run.py [--quick] [--json PATH]``).
Figures alternate candidate and baseline runs (processes, or timeit runs in this
process), so machine noise hits both alike, and report medians. Results
print as a table and are written as JSON (``benchmarks/results.json``).

Baselines are written here, next to what they are compared with:
- the same 4-ingredient sheet computed with plain floats;
- the same vectorised arithmetic in raw numpy;
- ``python -c "import attrs"``;
- ``python -c "import pint; pint.UnitRegistry()"`` (pint's default registry), for the
  first unit-aware call and the CLI.

Timing targets live here only: ``make test`` asserts no timings (a loaded machine would
fail them).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import timeit
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FORMULA = ROOT / "examples" / "muscle-spasm-cream.toml"
PYTHON = sys.executable
#: Subprocesses run as a user's Python does: writing and reading bytecode caches
#: (some sandboxes set PYTHONDONTWRITEBYTECODE, which makes every start recompile
#: the package's sources while site-packages keep their pip-compiled .pyc files).
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def _wall(argv: Sequence[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=ROOT, env=ENV)
    return time.perf_counter() - start


def compare_processes(
    candidate: Sequence[str], baseline: Sequence[str], runs: int
) -> tuple[float, float]:
    """Median wall times (s) of two commands, run alternately after one warm-up each."""
    _wall(candidate)
    _wall(baseline)
    mine, theirs = [], []
    for _ in range(runs):
        mine.append(_wall(candidate))
        theirs.append(_wall(baseline))
    return statistics.median(mine), statistics.median(theirs)


def _calibrated(fn: Callable[[], object], min_time: float) -> tuple[timeit.Timer, int]:
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    while timer.timeit(number) < min_time:
        number *= 2
    return timer, number


def per_call(fn: Callable[[], object], *, repeat: int = 7, min_time: float = 0.05) -> float:
    """Median seconds per call of ``fn`` over ``repeat`` timeit runs."""
    timer, number = _calibrated(fn, min_time)
    return statistics.median(t / number for t in timer.repeat(repeat=repeat, number=number))


def compare_calls(
    candidate: Callable[[], object],
    baseline: Callable[[], object],
    *,
    repeat: int = 9,
    min_time: float = 0.05,
) -> tuple[float, float]:
    """Median seconds per call of two functions, timed alternately (noise hits both alike)."""
    timers = [_calibrated(candidate, min_time), _calibrated(baseline, min_time)]
    runs: list[list[float]] = [[], []]
    for _ in range(repeat):
        for (timer, number), times in zip(timers, runs, strict=True):
            times.append(timer.timeit(number) / number)
    return statistics.median(runs[0]), statistics.median(runs[1])


# --------------------------------------------------------------------------- in-process


def in_process(quick: bool) -> list[dict[str, Any]]:
    """Sheet, vectorised and validation figures, each against its baseline."""
    import numpy as np

    from compoundkit import Q_, load_formula
    from compoundkit.formulas import Formulation, weigh_many
    from compoundkit.formulas.rules import validate

    formulation = load_formula(FORMULA)
    fractions = [0.10, 0.02, 0.10, 0.05]  # ketoprofen, cyclobenzaprine HCl, guaifenesin, MgCl2
    factors = [1.0, 1.0, 1.0, 1.0]

    def plain_sheet() -> tuple[list[float], float]:
        size = 120.0
        lines = [
            size * fraction * factor for fraction, factor in zip(fractions, factors, strict=True)
        ]
        return lines, size - sum(lines)

    size = Q_(120.0, "g")
    quantities, plain = compare_calls(lambda: formulation.weigh(size), plain_sheet)
    floats, plain_again = compare_calls(lambda: formulation.weigh_g(120.0), plain_sheet)
    full_sheet = per_call(lambda: formulation.batch(size))

    n = 100_000 if quick else 1_000_000
    sizes = np.linspace(1.0, 1000.0, n)
    sizes_q = Q_(sizes, "g")
    coefficients = np.array(fractions) * np.array(factors)

    def raw_numpy() -> object:
        weighed = np.outer(coefficients, sizes)
        return weighed, sizes - weighed.sum(axis=0)

    vectorised, raw = compare_calls(lambda: weigh_many(formulation, sizes_q), raw_numpy, repeat=7)

    data = formulation.to_dict()
    runs = []
    for _ in range(5):  # each formulation is fresh: validate() caches its report
        fresh = [Formulation.from_dict(data) for _ in range(500)]
        start = time.perf_counter()
        for item in fresh:
            validate(item)
        runs.append((time.perf_counter() - start) / len(fresh))
    validation = statistics.median(runs)

    return [
        _row("sheet, Quantity results (weigh)", quantities, plain, None, "plain-float sheet"),
        _row("sheet, float results (weigh_g)", floats, plain_again, None, "plain-float sheet"),
        _row("full BatchSheet (batch)", full_sheet, plain, None, "plain-float sheet"),
        _row(f"vectorised, {n:,} sizes", vectorised, raw, 1.2, "raw numpy"),
        {
            "figure": "validate a formulation loaded from a dict",
            "seconds": validation,
            "baseline": "100 us (absolute)",
            "baseline_seconds": 100e-6,
            "ratio": validation / 100e-6,
            "target": 1.0,
            "ok": validation <= 100e-6,
        },
    ]


def _row(
    figure: str, seconds: float, baseline: float, target: float | None, name: str
) -> dict[str, Any]:
    ratio = seconds / baseline
    return {
        "figure": figure,
        "seconds": seconds,
        "baseline": name,
        "baseline_seconds": baseline,
        "ratio": ratio,
        "target": target,
        "ok": None if target is None else ratio <= target,
    }


# --------------------------------------------------------------------------- processes


def processes(runs: int) -> list[dict[str, Any]]:
    """Start-up figures, each in fresh processes against its baseline."""
    env_cli = [PYTHON, "-m", "compoundkit"]
    first_call = (
        "from compoundkit import Strength, load_formula\n"
        "Strength.parse('10 % w/w')\n"
        f"sheet = load_formula({str(FORMULA)!r}).batch('120 g')\n"
        "sheet.lines[0].weigh\n"
    )
    figures = [
        (
            'python -c "import compoundkit"',
            [PYTHON, "-c", "import compoundkit"],
            'python -c "import attrs"',
            [PYTHON, "-c", "import attrs"],
            1.3,
        ),
        (
            "first unit-aware call (parse, load a formula, sheet, a Quantity)",
            [PYTHON, "-c", first_call],
            'python -c "import pint; pint.UnitRegistry()"',
            [PYTHON, "-c", "import pint; pint.UnitRegistry()"],
            0.8,
        ),
        (
            "compoundkit batch ... --format json",
            [*env_cli, "batch", str(FORMULA), "--size", "120g", "--format", "json"],
            'python -c "import pint; pint.UnitRegistry()"',
            [PYTHON, "-c", "import pint; pint.UnitRegistry()"],
            0.6,
        ),
    ]
    rows = []
    for figure, argv, name, base_argv, target in figures:
        mine, theirs = compare_processes(argv, base_argv, runs)
        rows.append(_row(figure, mine, theirs, target, name))
    return rows


# --------------------------------------------------------------------------- report


def _fmt(seconds: float) -> str:
    if seconds >= 0.1:
        return f"{seconds * 1000:.0f} ms"
    if seconds >= 1e-3:
        return f"{seconds * 1000:.2f} ms"
    return f"{seconds * 1e6:.2f} us"


def table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table of the results."""
    out = [
        "| figure | time | baseline | baseline time | ratio | target | ok |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        target = "-" if row["target"] is None else f"<= {row['target']:g}x"
        ok = "-" if row["ok"] is None else ("yes" if row["ok"] else "NO")
        out.append(
            f"| {row['figure']} | {_fmt(row['seconds'])} | {row['baseline']} | "
            f"{_fmt(row['baseline_seconds'])} | {row['ratio']:.2f}x | {target} | {ok} |"
        )
    return "\n".join(out)


def machine() -> str:
    """A one-line description of the machine and versions."""
    import pint

    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, pint {pint.__version__}, {platform.platform()}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; exit 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs and sizes")
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results.json"))
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = processes(5 if args.quick else 15) + in_process(args.quick)
    print(f"Machine: {machine()}\n")
    print(table(rows))
    elapsed = time.perf_counter() - started
    print(f"\n({elapsed:.0f} s)")
    Path(args.json).write_text(
        json.dumps({"machine": machine(), "seconds": elapsed, "results": rows}, indent=2) + "\n",
        encoding="utf-8",
    )
    return 0 if all(row["ok"] is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
