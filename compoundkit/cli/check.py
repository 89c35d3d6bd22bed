"""``compoundkit check FORMULA...``: validate formulas like a linter."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterable

import click

from compoundkit._text import one_line
from compoundkit.cli._common import InputError, echo, echo_json, handle_errors
from compoundkit.cli._table import format_findings, terminal_width


@click.command(
    epilog="Examples:\n\n\b\n  compoundkit check examples/muscle-spasm-cream.toml\n"
    "  compoundkit check examples/wrong-formula.toml --format json\n"
    "  compoundkit check examples/*.toml\n\n"
    "Exit codes: 0 clean or warnings only, 1 errors found, 2 file unreadable."
)
@click.argument("formulas", metavar="FORMULA...", nargs=-1, required=True)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def check(formulas: tuple[str, ...], fmt: str) -> None:
    """Validate each FORMULA (TOML or JSON) and list every finding.

    With several files, each finding line starts with its file, and a progress
    bar shows on a terminal.
    """
    from compoundkit.formulas import load_formula

    width = terminal_width()
    if len(formulas) == 1:
        with handle_errors():
            report = load_formula(formulas[0]).validate()
        if fmt == "json":
            echo_json(report.to_json())
        else:
            for line in format_findings(report.findings, width):
                click.echo(line)
            _summary(formulas[0], report)
        if not report.ok:
            raise SystemExit(1)
        return

    results: dict[str, object] = {}
    failed = unreadable = False
    with contextlib.ExitStack() as stack:
        paths: Iterable[str] = formulas
        if sys.stderr.isatty():  # a progress bar only where someone watches
            paths = stack.enter_context(
                click.progressbar(formulas, label="checking", file=sys.stderr)
            )
        for path in paths:
            try:
                with handle_errors():
                    report = load_formula(path).validate()
            except InputError as exc:
                unreadable = True
                results[path] = {"error": exc.format_message()}
                continue
            failed = failed or not report.ok
            results[path] = report
    for path, result in results.items():
        if isinstance(result, dict):
            if fmt == "text":
                echo(f"{path}: compoundkit: error: {result['error']}", err=True)
            continue
        if fmt == "text":
            prefix = f"{one_line(path)}: "
            for line in format_findings(result.findings, width, prefix):  # type: ignore[attr-defined]
                click.echo(line)
            _summary(path, result)
    if fmt == "json":
        echo_json(
            json.dumps(
                {
                    path: (r if isinstance(r, dict) else r.to_dict())  # type: ignore[attr-defined]
                    for path, r in results.items()
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    if unreadable:
        raise SystemExit(2)
    if failed:
        raise SystemExit(1)


def _summary(path: str, report: object) -> None:
    errors = len(report.errors)  # type: ignore[attr-defined]
    warnings = len(report.warnings)  # type: ignore[attr-defined]
    echo(f"{one_line(path)}: {errors} error(s), {warnings} warning(s)", err=True)
