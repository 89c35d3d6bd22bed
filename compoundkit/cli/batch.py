"""``compoundkit batch FORMULA --size 120g``: the weigh sheet."""

from __future__ import annotations

import re
from typing import Any, Final

import click

from compoundkit.cli._common import (
    WHOLE_NUMBER,
    InputError,
    echo_json,
    handle_errors,
    key_values,
    option_errors,
)

_BARE: Final = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*")
_MASS_UNITS: Final = "mcg, mg, g, kg, oz, lb"
_SIZE: Final = f"a size is a mass (120g; {_MASS_UNITS}) or a volume (100mL, with --density)"
_EXCESS: Final = f"an excess is a percent (5%) or a mass (2g; {_MASS_UNITS})"


def _check_options(size: str, options: dict[str, Any]) -> None:
    """Read the text options first, so each error names its option as typed."""
    from compoundkit.calc import Balance
    from compoundkit.formulas.batch import Excess
    from compoundkit.units import density_g_per_ml
    from compoundkit.units.grammar import parse_amount

    if _BARE.fullmatch(size):
        raise InputError(f"--size: {size.strip()} has no unit", _SIZE)
    with option_errors("--size", _SIZE):
        parse_amount(size, ("mass", "volume"), "size")
    excess = options.get("excess")
    if excess is not None:
        if _BARE.fullmatch(excess):
            raise InputError(f"--excess: {excess.strip()} has no unit", _EXCESS)
        with option_errors("--excess", _EXCESS):
            options["excess"] = Excess.parse(excess)
    if options.get("density") is not None:
        with option_errors("--density", "a density is a mass per volume, such as 1.05g/mL"):
            density_g_per_ml(options["density"])
    if options.get("balance") is not None:
        with option_errors("--balance"):
            options["balance"] = Balance.parse(options["balance"])


@click.command(
    epilog="Examples:\n\n\b\n"
    "  compoundkit batch examples/muscle-spasm-cream.toml --size 120g\n"
    "  compoundkit batch cream.toml --size 30g --count 4 --excess 5%\n"
    "  compoundkit batch cream.toml --size 120g --potency ketoprofen=98.5%\n"
    "  compoundkit batch cream.toml --size 120g --balance usp41:s=0.15mg,d=0.1mg\n"
    "  compoundkit batch cream.toml --size 120g --format json\n"
    "  compoundkit batch cream.toml --size 120g --format html > sheet.html"
)
@click.argument("formula", metavar="FORMULA")
@click.option(
    "--size", required=True, help="Batch (or container) size: 120g, 0.5kg, 100mL, 2oz, 1lb."
)
@click.option("--count", type=WHOLE_NUMBER, default=None, help="Number of containers of --size.")
@click.option("--excess", default=None, help="Excess for losses: 5% or 2g.")
@click.option(
    "--potency",
    "potencies",
    multiple=True,
    metavar="NAME=PERCENT",
    help="Stated potency of an ingredient lot, e.g. ketoprofen=98.5% (repeatable).",
)
@click.option(
    "--potency-policy",
    type=click.Choice(["certificate", "always"]),
    default="certificate",
    show_default=True,
    help="When to correct for potency.",
)
@click.option(
    "--balance",
    default=None,
    help="class-iii (default), sr=6mg,error=5%, or usp41:s=0.15mg,d=0.1mg.",
)
@click.option("--density", default=None, help="Preparation density, e.g. 1.05g/mL.")
@click.option("--diluent", default=None, help="Aliquot diluent (default: the vehicle).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "markdown", "html"]),
    default="table",
    show_default=True,
)
def batch(formula: str, size: str, potencies: tuple[str, ...], fmt: str, **options: Any) -> None:
    """Compute what to weigh of each ingredient of FORMULA for a batch."""
    from compoundkit.errors import FormulationError
    from compoundkit.formulas import load_formula

    # The other options are named as compute_batch's options (BatchOptions).
    potency = key_values(potencies, "--potency", "ketoprofen=98.5%")
    _check_options(size, options)
    with handle_errors():
        formulation = load_formula(formula)
        try:
            sheet = formulation.batch(size, potency=potency, **options)
        except FormulationError as exc:
            from compoundkit.cli._table import print_findings

            print_findings(exc.findings)
            click.echo(f"{formula}: not computed: the formula has errors", err=True)
            raise SystemExit(1) from None
    from compoundkit.units.grammar import amount_as_given

    given = amount_as_given(size)  # "2 oz" is shown as "2 oz (56.699 g)"
    if fmt == "json":
        echo_json(sheet.to_json())
    elif fmt == "csv":
        click.echo(sheet.to_csv(), nl=False)
    elif fmt == "markdown":
        from compoundkit.formulas.sheet_export import sheet_to_markdown

        click.echo(sheet_to_markdown(sheet, given), nl=False)
    elif fmt == "html":
        from compoundkit.formulas.sheet_export import sheet_to_html_page

        click.echo(sheet_to_html_page(sheet, given), nl=False)
    else:
        from compoundkit.cli._table import print_sheet

        print_sheet(sheet, given)
