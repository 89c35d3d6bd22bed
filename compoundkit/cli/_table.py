"""Terminal rendering of a batch sheet with rich (colour only on a terminal)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from compoundkit.formulas.batch import BatchSheet

__all__ = ["print_sheet"]


def print_sheet(sheet: BatchSheet, given: str | None = None) -> None:
    """Print the weigh table, aliquot plans and findings (``given``: the size as written)."""
    from rich.console import Console
    from rich.table import Table

    from compoundkit.formulas.sheet_export import _title, sheet_rows

    console = Console(highlight=False)
    head, rows = sheet_rows(sheet)
    keep = len(head) if any(row[-1] for row in rows) else len(head) - 1
    table = Table(title=f"Weigh sheet: {_title(sheet, given)}", title_justify="left")
    for name in head[:keep]:
        justify = "right" if name in ("factor", "potency", "weigh") else "left"
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*row[:keep], style="bold" if row[2] == "q.s." else None)
    console.print(table)
    console.print(f"Balance: {sheet.balance.description}. Potency policy: {sheet.potency_policy}.")
    if (note := sheet.vehicle.aliquot_note()) is not None:
        console.print(note, markup=False)
    for line in sheet.lines:
        if line.aliquot is not None:
            console.print(f"\nAliquot plan for {line.name}:")
            for step in line.aliquot.steps():  # already numbered
                console.print(f"  {step}", markup=False)
    if len(sheet.findings):
        console.print("\nFindings:")
        for finding in sheet.findings:
            console.print(f"  {finding}", markup=False)
