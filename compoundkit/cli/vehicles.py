"""``compoundkit vehicles``: list and show the vehicles (bases) a formula may name.

``compoundkit vehicles`` prints a table of every vehicle; ``compoundkit vehicles show
NAME`` prints one in full (facts, notes, sources). ``--format json`` gives the
catalog's own keys, the same a formula's inline ``vehicle`` table takes. An unknown
NAME is an error (exit 2) with the closest names.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from compoundkit.cli._common import echo, handle_errors

if TYPE_CHECKING:
    from compoundkit.formulas.vehicles import Vehicle

__all__ = ["vehicles"]

_HEADERS = ("id", "name", "type", "aqueous", "salt tolerance", "density")


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else "yes" if value else "no"


def _density(vehicle: Vehicle) -> str:
    value = vehicle.density_g_per_ml
    return "unknown" if value is None else f"{value:g} g/mL"


def _row(vehicle: Vehicle) -> tuple[str, ...]:
    return (
        vehicle.id or "-",
        vehicle.name,
        vehicle.type,
        _yes_no(vehicle.aqueous),
        vehicle.salt_tolerance,
        _density(vehicle),
    )


def _document(vehicle: Vehicle) -> dict[str, Any]:
    from compoundkit.documents import unstructure

    data: dict[str, Any] = unstructure(vehicle)
    return data


def _card(vehicle: Vehicle) -> list[str]:
    """Everything the catalog holds about one vehicle, as lines of text."""
    title = f"{vehicle.name} ({vehicle.id})" if vehicle.id else vehicle.name
    lines = [title, "=" * len(title)]
    if vehicle.aliases:
        lines.append("Also: " + ", ".join(vehicle.aliases))
    lines += [
        f"Type: {vehicle.type}",
        f"Aqueous: {_yes_no(vehicle.aqueous)} (sets the BUD class)",
        f"Preserved: {_yes_no(vehicle.preserved)}",
        f"Salt tolerance: {vehicle.salt_tolerance}",
        f"pH character: {vehicle.ph_character}",
        f"Density: {_density(vehicle)}"
        + (f" ({vehicle.density_source})" if vehicle.density_source else ""),
    ]
    if vehicle.max_load is not None:
        source = f" ({vehicle.max_load_source})" if vehicle.max_load_source else ""
        lines.append(f"Maximum load: {vehicle.max_load}{source}")
    if vehicle.examples:
        lines.append("Products: " + ", ".join(vehicle.examples))
    if vehicle.notes:
        lines += ["", "Notes"]
        lines += [f"  - {note}" for note in vehicle.notes]
    if vehicle.verify:
        lines += ["", "Some facts are marked to verify in the source: check the product sheet."]
    if vehicle.sources:
        lines += ["", "Sources"]
        lines += [
            f"  [{source}] {citation}"
            for source, citation in zip(vehicle.sources, vehicle.citations(), strict=True)
        ]
    lines += ["", f'In a formula file: vehicle = "{vehicle.id or vehicle.name}"']
    return lines


_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A table (or card), or the catalog's keys as JSON.",
)


@click.group(
    invoke_without_command=True,
    epilog="Examples:\n\n\b\n"
    "  compoundkit vehicles\n"
    "  compoundkit vehicles show lipoderm-activemax\n"
    "  compoundkit vehicles show 'white petrolatum' --format json\n\n"
    'A formula names one by id, name or alias (vehicle = "lipoderm-activemax"), or '
    "describes its own as an inline table with the keys `--format json` shows.",
)
@_FORMAT
@click.pass_context
def vehicles(ctx: click.Context, fmt: str) -> None:
    """List the vehicles (bases) a formula may name (or use a subcommand)."""
    if ctx.invoked_subcommand is not None:
        return
    from compoundkit.formulas.vehicles import all_vehicles

    with handle_errors():
        found = all_vehicles()
    if fmt == "json":
        data = [_document(v) for v in found]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    from compoundkit.cli._table import format_table, terminal_width

    rows = [_row(v) for v in found]
    for line in format_table(_HEADERS, rows, width=terminal_width(), whole={0, 5}):
        click.echo(line)
    echo("Details: compoundkit vehicles show ID", err=True)


@vehicles.command("show")
@click.argument("name")
@_FORMAT
def show(name: str, fmt: str) -> None:
    """Show everything the catalog holds about vehicle NAME (id, name or alias)."""
    from compoundkit.formulas.vehicles import get_vehicle

    with handle_errors():
        vehicle = get_vehicle(name)
    if fmt == "json":
        click.echo(json.dumps(_document(vehicle), indent=2, ensure_ascii=False))
        return
    for line in _card(vehicle):
        echo(line)
