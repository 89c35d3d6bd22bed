"""``compoundkit check FORMULA``: validate a formula like a linter."""

from __future__ import annotations

import click

from compoundkit.cli._common import echo_json, handle_errors


@click.command(
    epilog="Examples:\n\n\b\n  compoundkit check examples/muscle-spasm-cream.toml\n"
    "  compoundkit check examples/wrong-formula.toml --format json\n\n"
    "Exit codes: 0 clean or warnings only, 1 errors found, 2 file unreadable."
)
@click.argument("formula", metavar="FORMULA")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def check(formula: str, fmt: str) -> None:
    """Validate FORMULA (TOML or JSON) and list every finding."""
    from compoundkit.formulas import load_formula

    with handle_errors():
        report = load_formula(formula).validate()
    if fmt == "json":
        echo_json(report.to_json())
    else:
        click.echo(report.to_text())
        counts = f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
        click.echo(f"{formula}: {counts}", err=True)
    if not report.ok:
        raise SystemExit(1)
