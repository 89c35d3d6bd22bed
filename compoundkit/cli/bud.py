"""``compoundkit bud``: the beyond-use date of a preparation, with the rule that set it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Final

import click

from compoundkit.cli._common import InputError, echo_json, handle_errors, iso_date, key_values

__all__ = ["RULE_SETS", "bud"]

RULE_SETS: Final = ("usp795-2023", "usp795-2014")
"""The BUD rule sets a command accepts by name."""


@click.command(
    epilog="Examples:\n\n\b\n"
    "  compoundkit bud examples/muscle-spasm-cream.toml --date 2024-03-01\n"
    "  compoundkit bud cream.toml --date 2024-03-01 --expiry ketoprofen=2024-03-10\n"
    "  compoundkit bud cream.toml --rules usp795-2014\n"
    "  compoundkit bud cream.toml --format json\n\n"
    "The first line of the text output is the BUD (YYYY-MM-DD) and the rule or component "
    "that set it. Day 1 is the compounding day (USP <795> 2023)."
)
@click.argument("formula", metavar="FORMULA")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="Compounding day (Day 1); default today.")
@click.option(
    "--expiry",
    "expiries",
    multiple=True,
    metavar="NAME=YYYY-MM-DD",
    help="Expiry of a component lot; the BUD never passes the earliest (repeatable).",
)
@click.option(
    "--rules",
    type=click.Choice(RULE_SETS),
    default="usp795-2023",
    show_default=True,
    help="BUD rule set (the superseded 2014 table only by name).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def bud(formula: str, day: str | None, expiries: tuple[str, ...], rules: str, fmt: str) -> None:
    """Assign the beyond-use date of a preparation of FORMULA."""
    from compoundkit.errors import RecordError
    from compoundkit.formulas import load_formula
    from compoundkit.formulas.bud import get_rule_set

    start = iso_date(day, "--date")
    given = key_values(expiries, "--expiry", "ketoprofen=2026-01-31")
    with handle_errors():
        formulation = load_formula(formula)
        dated: dict[str, dt.date] = {}
        for name, text in given.items():
            try:
                component = formulation.resolve_component(name)
            except RecordError as exc:
                raise InputError(f"--expiry: {exc}") from None
            if component in dated:
                raise InputError(f"--expiry: {component} is given twice")
            dated[component] = iso_date(text, f"--expiry {name}")
        result = formulation.bud(start, expiries=dated, rules=rules)
        rule_set = get_rule_set(rules)
    rule = result.rule
    if result.limited_by is None:
        set_by = f"rule: {rule.citation}: {rule.description}, {rule.length_text}"
    elif result.limited_by == "extension":  # pragma: no cover - the CLI takes no extension
        set_by = "extension"
    else:
        set_by = f"capped by the expiry of {result.limited_by}"
    if fmt == "json":
        earliest = result.earliest_expiry
        echo_json(
            json.dumps(
                {
                    "formula": formulation.name,
                    "bud": result.date.isoformat(),
                    "days": result.days,
                    "compounded_on": result.compounded_on.isoformat(),
                    "storage": result.storage,
                    "storage_label": result.storage_label,
                    "class": result.bud_class.id,
                    "rule_set": result.rule_set,
                    "rule": {
                        "id": rule.id,
                        "description": rule.description,
                        "length": rule.length_text,
                        "citation": str(rule.citation),
                        "date": result.rule_date.isoformat(),
                    },
                    "limited_by": result.limited_by,
                    "earliest_expiry": None
                    if earliest is None
                    else {"component": earliest[0], "date": earliest[1].isoformat()},
                    "explanation": result.explain(),
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    click.echo(f"{result.date.isoformat()}  {set_by}")
    click.echo(f"{formulation.name}: {result.bud_class.description} ({result.bud_class.basis})")
    click.echo(result.explain())
    click.echo(f"Storage: {result.storage_label}")
    if rule_set.superseded:
        click.echo(f"note: {rule_set.id} is superseded; {rule_set.note or ''}".rstrip(), err=True)
