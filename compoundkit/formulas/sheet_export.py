"""Batch sheet exports: the batch JSON contract, Markdown and HTML.

The JSON shape is a contract (DESIGN.md): ``formula``, ``batch`` (``size``,
``excess``, ``total``), ``lines`` (``name``, ``form``, ``strength``, ``factor``,
``potency``, ``weigh``, ``below_minimum``, ``aliquot``), ``vehicle`` (``name``,
``weigh``), ``findings``; every quantity is ``{"value": <number>, "unit": "<pint unit>"}``.
A few extra keys (``count``, ``prescribed``, ``expressed_as``, ``moiety``,
``rounded``, ``balance``, ``potency_policy``) add detail without changing those.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compoundkit.calc.weighing import AliquotPlan
    from compoundkit.formulas.batch import BatchSheet

__all__ = ["sheet_to_dict", "sheet_to_html", "sheet_to_markdown"]


def _q(value: float, unit: str = "gram") -> dict[str, Any]:
    return {"value": value, "unit": unit}


def _aliquot(plan: AliquotPlan | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    return {
        "weigh": _q(plan.weigh_g),
        "diluent": plan.diluent,
        "diluent_amount": _q(plan.diluent_g),
        "total": _q(plan.total_g),
        "aliquot": _q(plan.aliquot_g),
        "factor": plan.factor,
        "steps": plan.steps(),
    }


def sheet_to_dict(sheet: BatchSheet) -> dict[str, Any]:
    """The batch JSON contract for ``sheet``."""
    excess = None
    if sheet.excess is not None:
        excess = (
            _q(sheet.excess.percent, "percent")
            if sheet.excess.percent is not None
            else _q(sheet.excess.extra_g or 0.0)
        )
    return {
        "formula": sheet.formulation.name,
        "batch": {
            "size": _q(sheet.size_g),
            "count": sheet.count,
            "prescribed": _q(sheet.size_g * sheet.count),
            "excess": excess,
            "total": _q(sheet.made_g),
        },
        "lines": [
            {
                "name": line.name,
                "form": line.form,
                "expressed_as": line.expressed_as,
                "strength": str(line.strength) if line.strength else line.reference_amount,
                "moiety": _q(line.moiety_g),
                "factor": line.factor,
                "potency": _q(line.potency * 100.0, "percent"),
                "weigh": _q(line.weigh_g),
                "rounded": _q(line.rounded_g),
                "below_minimum": line.below_minimum,
                "aliquot": _aliquot(line.aliquot),
            }
            for line in sheet.lines
        ],
        "vehicle": {
            "name": sheet.vehicle.name,
            "weigh": _q(sheet.vehicle.weigh_g),
            "rounded": _q(sheet.vehicle.rounded_g),
            "in_aliquots": _q(sheet.vehicle.in_aliquots_g),
            "add_separately": _q(sheet.vehicle.add_separately_g),
        },
        "balance": {
            "description": sheet.balance.description,
            "minimum": _q(sheet.balance.minimum_g),
            "readability": _q(sheet.balance.increment_g),
        },
        "potency_policy": sheet.potency_policy,
        "findings": sheet.findings.to_dict(),
    }


def _figure(grams: float) -> str:
    return f"{grams:.3f} g" if grams >= 1 else f"{grams * 1000:.1f} mg"


def _rows(sheet: BatchSheet) -> list[tuple[str, str, str, str, str, str, str]]:
    from compoundkit.formulas.model import strength_text

    rows = []
    for line in sheet.lines:
        as_form = line.expressed_as if line.expressed_as != line.form else None
        strength = (
            strength_text(line.strength, as_form)
            if line.strength
            else f"{line.reference_amount} per batch"
        )
        flag = "aliquot" if line.below_minimum else ""
        rows.append(
            (
                line.name,
                line.form or "",
                strength,
                f"{line.factor:.4f}",
                f"{line.potency * 100:.4g} %",
                _figure(line.rounded_g),
                flag,
            )
        )
    rows.append((sheet.vehicle.name, "", "q.s.", "", "", _figure(sheet.vehicle.rounded_g), ""))
    return rows


_HEAD = ("ingredient", "form weighed", "strength", "factor", "potency", "weigh", "note")


def _title(sheet: BatchSheet, given: str | None = None) -> str:
    """The sheet's heading; ``given`` is the size as written (``2 oz``), shown before grams."""
    count = f"{sheet.count} x " if sheet.count > 1 else ""
    excess = f" (+{sheet.excess} excess)" if sheet.excess else ""
    made = f", make {sheet.made_g:g} g" if sheet.count > 1 or sheet.excess else ""
    size = f"{given} ({sheet.size_g:g} g)" if given else f"{sheet.size_g:g} g"
    return f"{sheet.formulation.name}: {count}{size}{excess}{made}"


def sheet_to_markdown(sheet: BatchSheet, given: str | None = None) -> str:
    """A Markdown weigh sheet: table, aliquot plans, calculation trail, findings.

    ``given`` is the size as the user wrote it (``2 oz``), shown with its grams.
    """
    out = [f"# Weigh sheet: {_title(sheet, given)}", ""]
    out.append("| " + " | ".join(_HEAD) + " |")
    out.append("|" + "---|" * len(_HEAD))
    out.extend("| " + " | ".join(row) + " |" for row in _rows(sheet))
    out += ["", f"Balance: {sheet.balance.description}. Potency policy: {sheet.potency_policy}."]
    if (note := sheet.vehicle.aliquot_note()) is not None:
        out += ["", note]
    for line in sheet.lines:
        if line.aliquot is not None:
            out += ["", f"## Aliquot plan: {line.name}", ""]
            out += line.aliquot.steps()  # already numbered
    out += ["", "## Calculations", ""]
    out += [f"- {step}" for step in sheet.explain()]
    if len(sheet.findings):
        out += ["", "## Findings", ""]
        out += [f"- {finding}" for finding in sheet.findings]
    return "\n".join(out) + "\n"


def sheet_to_html(sheet: BatchSheet) -> str:
    """An HTML table of the sheet (for notebooks)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in _HEAD)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
        for row in _rows(sheet)
    )
    return (
        f"<div><strong>{escape(_title(sheet))}</strong>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        f"<small>{escape(sheet.balance.description)}</small></div>"
    )


def sheet_rows(sheet: BatchSheet) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """(header, rows) of the weigh table, for terminal rendering."""
    return _HEAD, list(_rows(sheet))
