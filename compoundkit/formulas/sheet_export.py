"""Batch sheet exports: the batch JSON contract, Markdown, CSV and HTML.

The JSON shape is a contract: ``formula``, ``batch`` (``size``,
``excess``, ``total``), ``lines`` (``name``, ``form``, ``strength``, ``factor``,
``potency``, ``weigh``, ``below_minimum``, ``aliquot``), ``vehicle`` (``name``,
``weigh``), ``findings``; every quantity is ``{"value": <number>, "unit": "<pint unit>"}``.
A few extra keys (``count``, ``prescribed``, ``expressed_as``, ``moiety``,
``rounded``, ``balance``, ``potency_policy``) add detail without changing those.

Numbers are shown as :func:`compoundkit.units.grammar.presented` makes them (the one
place exports round): :data:`SIGNIFICANT_DIGITS` significant digits (grams to 0.1 mg up to
999 kg), so binary noise never reaches a file; the sheet itself keeps the full floats. Potency is a
percent in every format.
"""

from __future__ import annotations

import csv
import io
import re
from html import escape
from typing import TYPE_CHECKING, Any, Final

from compoundkit._text import csv_cell, markdown
from compoundkit.notices import DISCLAIMER
from compoundkit.units.grammar import SIGNIFICANT_DIGITS, presented

if TYPE_CHECKING:
    from compoundkit.calc.weighing import AliquotPlan
    from compoundkit.formulas.batch import BatchSheet

__all__ = [
    "SIGNIFICANT_DIGITS",
    "presented",
    "sheet_to_csv",
    "sheet_to_dict",
    "sheet_to_html",
    "sheet_to_html_page",
    "sheet_to_markdown",
]


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
    """The batch JSON contract for ``sheet``, its numbers :func:`presented`."""
    excess = None
    if sheet.excess is not None:
        excess = (
            _q(sheet.excess.percent, "percent")
            if sheet.excess.percent is not None
            else _q(sheet.excess.extra_g or 0.0)
        )
    document: dict[str, Any] = {
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
    result: dict[str, Any] = presented(document)
    return result


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


_NUMBERED: Final = re.compile(r"(\d+)\. (.*)", re.DOTALL)


def _numbered(step: str) -> str:
    """An already numbered aliquot step as a Markdown list item, its text escaped."""
    found = _NUMBERED.fullmatch(step)
    if found is None:
        return f"- {markdown(step)}"
    return f"{found.group(1)}. {markdown(found.group(2))}"


def sheet_to_markdown(sheet: BatchSheet, given: str | None = None) -> str:
    """A Markdown weigh sheet: table, aliquot plans, calculation trail, findings.

    ``given`` is the size as the user wrote it (``2 oz``), shown with its grams. Every
    name is text, never Markdown (:func:`compoundkit._text.markdown`): it cannot add a
    row, a heading, a link or an image.
    """
    out = [f"# Weigh sheet: {markdown(_title(sheet, given), line_start=False)}", ""]
    out.append("| " + " | ".join(_HEAD) + " |")
    out.append("|" + "---|" * len(_HEAD))
    out.extend(
        "| " + " | ".join(markdown(cell, line_start=False) for cell in row) + " |"
        for row in _rows(sheet)
    )
    out += ["", markdown(_balance_line(sheet))]
    if (note := sheet.vehicle.aliquot_note()) is not None:
        out += ["", markdown(note)]
    for line in sheet.lines:
        if line.aliquot is not None:
            out += ["", f"## Aliquot plan: {markdown(line.name, line_start=False)}", ""]
            out += [_numbered(step) for step in line.aliquot.steps()]
    out += ["", "## Calculations", ""]
    out += [f"- {markdown(step)}" for step in sheet.explain()]
    if len(sheet.findings):
        out += ["", "## Findings", ""]
        out += [f"- {markdown(str(finding))}" for finding in sheet.findings]
    return "\n".join(out) + "\n"


def _balance_line(sheet: BatchSheet) -> str:
    return f"Balance: {sheet.balance.description}. Potency policy: {sheet.potency_policy}."


_CSV_HEAD: Final = (
    "name",
    "form",
    "strength",
    "factor",
    "potency_percent",
    "weigh_g",
    "rounded_g",
    "below_minimum",
)


def sheet_to_csv(sheet: BatchSheet) -> str:
    """One row per line and the vehicle, in grams; text is never a spreadsheet formula.

    Text cells are quoted and neutralised (:func:`compoundkit._text.csv_cell`); figures
    are bare numbers, :func:`presented`; potency is a percent (``potency_percent``).
    """
    out = io.StringIO()
    out.write(",".join(_CSV_HEAD) + "\n")  # the header as before: bare words
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    for line in sheet.lines:
        strength = str(line.strength) if line.strength else line.reference_amount
        writer.writerow(
            [
                csv_cell(line.name),
                csv_cell(line.form or ""),
                csv_cell(strength or ""),
                *presented([line.factor, line.potency * 100.0, line.weigh_g, line.rounded_g]),
                "yes" if line.below_minimum else "no",
            ]
        )
    vehicle = sheet.vehicle
    grams = presented([vehicle.weigh_g, vehicle.rounded_g])
    writer.writerow([csv_cell(vehicle.name), "", "q.s.", "", "", *grams, "no"])
    return out.getvalue()


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


_PAGE_STYLE: Final = (
    "body{font-family:sans-serif;margin:2em}"
    "table{border-collapse:collapse}"
    "th,td{border:1px solid #888;padding:.2em .5em;text-align:left}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}"
)


def sheet_to_html_page(sheet: BatchSheet, given: str | None = None) -> str:
    """The whole weigh sheet as one self-contained HTML page (``batch --format html``).

    The table, aliquot plans, calculation trail and findings, every text escaped; no
    scripts and no external resources.
    """
    title = escape(f"Weigh sheet: {_title(sheet, given)}")
    numeric = {3, 4, 5}
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{escape(cell)}</td>' if i in numeric else f"<td>{escape(cell)}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in _rows(sheet)
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8"><meta name="generator" content="compoundkit">',
        f"<title>{title}</title><style>{_PAGE_STYLE}</style></head>",
        "<body>",
        f"<h1>{title}</h1>",
        "<table><thead><tr>"
        + "".join(f"<th>{escape(h)}</th>" for h in _HEAD)
        + f"</tr></thead><tbody>{rows}</tbody></table>",
        f"<p>{escape(_balance_line(sheet))}</p>",
    ]
    if (note := sheet.vehicle.aliquot_note()) is not None:
        parts.append(f"<p>{escape(note)}</p>")
    for line in sheet.lines:
        if line.aliquot is not None:
            parts.append(f"<h2>Aliquot plan: {escape(line.name)}</h2>")
            steps = (_NUMBERED.sub(r"\2", step) for step in line.aliquot.steps())
            parts.append("<ol>" + "".join(f"<li>{escape(s)}</li>" for s in steps) + "</ol>")
    parts.append("<h2>Calculations</h2>")
    parts.append("<ul>" + "".join(f"<li>{escape(s)}</li>" for s in sheet.explain()) + "</ul>")
    if len(sheet.findings):
        parts.append("<h2>Findings</h2>")
        items = "".join(f"<li>{escape(str(f))}</li>" for f in sheet.findings)
        parts.append(f"<ul>{items}</ul>")
    parts += [f"<footer><small>{escape(DISCLAIMER)}</small></footer>", "</body>", "</html>", ""]
    return "\n".join(parts)


def sheet_rows(sheet: BatchSheet) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """(header, rows) of the weigh table, for terminal rendering."""
    return _HEAD, list(_rows(sheet))
