"""Worksheets: printable HTML and Markdown of an MFR and of a CR, and optional PDF.

Both formats come from one outline (sections numbered by USP element, so every element
appears, marked MISSING when the record lacks it), with the calculation trail and
signature lines. The HTML is self-contained: one file, the print stylesheet inlined
(``templates/worksheet.css``), no scripts, no external assets, every text escaped.
PDF needs the ``pdf`` extra (``pip install compoundkit[pdf]``, WeasyPrint).

>>> from compoundkit.formulas import load_formula
>>> from compoundkit.records.mfr import MasterFormulationRecord
>>> mfr = MasterFormulationRecord.create(load_formula("examples/ketoprofen-gel.toml"))
>>> print(mfr_to_markdown(mfr).splitlines()[0])
# Master formulation record: Ketoprofen 10 % PLO gel
"""

from __future__ import annotations

import functools
import importlib
import re
import warnings
from collections.abc import Iterable, Sequence
from html import escape
from importlib import resources
from typing import TYPE_CHECKING, Final, NamedTuple

from compoundkit.errors import CompoundkitError, RecordError
from compoundkit.notices import DISCLAIMER as _DISCLAIMER

if TYPE_CHECKING:
    from compoundkit.records.cr import CompoundingRecord
    from compoundkit.records.mfr import MasterFormulationRecord, MissingElement

__all__ = [
    "PdfUnavailableError",
    "cr_to_html",
    "cr_to_markdown",
    "html_to_pdf",
    "mfr_to_html",
    "mfr_to_markdown",
]

DISCLAIMER: Final = f"Prepared with compoundkit. {_DISCLAIMER}"


class PdfUnavailableError(CompoundkitError, ImportError):
    """PDF output was asked for but the ``pdf`` extra (WeasyPrint) is not installed."""


# --------------------------------------------------------------------------- outline


class Block(NamedTuple):
    """One piece of a section: ``kind`` is p, missing, list, olist, table, pre or label."""

    kind: str
    lines: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    numeric: frozenset[int] = frozenset()


class Section(NamedTuple):
    title: str
    blocks: tuple[Block, ...]


class Outline(NamedTuple):
    title: str
    meta: tuple[str, ...]
    sections: tuple[Section, ...]
    signatures: tuple[tuple[str, str], ...]
    """(role, name already recorded or "")."""


def _p(*lines: str) -> Block:
    return Block("p", tuple(lines))


def _items(kind: str, lines: Iterable[str]) -> Block:
    return Block(kind, tuple(lines))


def _table(
    header: Sequence[str], rows: Iterable[Sequence[str]], numeric: Iterable[int] = ()
) -> Block:
    return Block(
        "table",
        header=tuple(header),
        rows=tuple(tuple(r) for r in rows),
        numeric=frozenset(numeric),
    )


def _element(
    number: int,
    names: dict[int, str],
    missing: dict[int, list[MissingElement]],
    blocks: Iterable[Block],
) -> Section:
    shown = [Block("missing", (f"MISSING: {m.detail}",)) for m in missing.get(number, [])]
    return Section(f"{number}. {names[number][0].upper()}{names[number][1:]}", (*shown, *blocks))


def _grams(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.3f} g" if abs(value) >= 1 else f"{value * 1000:.1f} mg"


def _characteristics(mfr: MasterFormulationRecord) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for component in mfr.formulation.ingredients:
        form = component.weighed_form()
        facts = [f"{form.formula}, MW {form.molecular_weight:g}"]
        if form.cas:
            facts.append(f"CAS {form.cas}")
        chem = component.ingredient.physicochemical
        for flag, text in (
            (chem.light_sensitive, "light-sensitive"),
            (chem.hygroscopic, "hygroscopic"),
            (chem.deliquescent, "deliquescent"),
            (chem.electrolyte, "electrolyte"),
        ):
            if flag:
                facts.append(text)
        amount = component.strength if component.strength is not None else component.amount
        expressed = component.expressed_form().name if component.expressed_as else ""
        rows.append((component.name, form.name, str(amount), expressed, "; ".join(facts)))
    for excipient in mfr.formulation.excipients:
        amount = excipient.strength if excipient.strength is not None else excipient.amount
        note = f"density {excipient.density_g_per_ml:g} g/mL" if excipient.density_g_per_ml else ""
        rows.append((excipient.name, "", str(amount), "", note))
    vehicle = mfr.formulation.vehicle
    water = "aqueous" if vehicle.aqueous else "nonaqueous"
    preserved = {True: "preserved", False: "nonpreserved", None: "preservation unknown"}[
        vehicle.preserved
    ]
    rows.append((vehicle.name, "vehicle", "q.s. to 100 %", "", f"{water}, {preserved}"))
    return rows


def mfr_outline(mfr: MasterFormulationRecord) -> Outline:
    """The worksheet outline of an MFR: one section per USP element, then signatures."""
    from compoundkit.records.labels import mfr_label, strengths
    from compoundkit.records.mfr import MFR_ELEMENTS

    names = dict(MFR_ELEMENTS)
    missing: dict[int, list[MissingElement]] = {}
    for item in mfr.missing_elements():
        missing.setdefault(item.number, []).append(item)
    f = mfr.formulation
    status = (
        f"approved by {mfr.approved_by} on {mfr.approved_on}"
        if mfr.is_approved
        else "DRAFT: not approved"
    )
    meta = (
        f"Record {mfr.record_id}, version {mfr.version}; {status}",
        f"Content hash (SHA-256): {mfr.content_hash}",
        *((f"Revises the version with hash {mfr.previous_hash}",) if mfr.previous_hash else ()),
        f"Author: {mfr.author or 'not recorded'}",
    )
    sections = [
        _element(
            1,
            names,
            missing,
            [
                _p(
                    f"Name: {f.name}",
                    f"Strength: {', '.join(strengths(f))}",
                    f"Dosage form: {f.dosage_form}; route: {f.route}",
                    *((f"Indication: {f.indication}",) if f.indication else ()),
                )
            ],
        ),
        _element(
            2,
            names,
            missing,
            [
                _table(
                    ("component", "form weighed", "strength", "expressed as", "characteristics"),
                    _characteristics(mfr),
                )
            ],
        ),
        _element(3, names, missing, [_p(mfr.container)] if mfr.container else []),
    ]
    steps = []
    for step in mfr.steps:
        text = step.instruction
        if step.equipment:
            text += f" [equipment: {', '.join(step.equipment)}]"
        if step.precautions:
            text += f" [precautions: {step.precautions}]"
        steps.append(text)
    equipment = sorted({e for step in mfr.steps for e in step.equipment}, key=str.casefold)
    step_blocks = [_items("olist", steps)] if steps else []
    if equipment:
        step_blocks.append(_p(f"Equipment and supplies: {', '.join(equipment)}"))
    sections.append(_element(4, names, missing, step_blocks))
    sections.append(_element(5, names, missing, [_p(mfr.description)] if mfr.description else []))
    bud = mfr.bud
    sections.append(
        _element(
            6,
            names,
            missing,
            [_p(f"BUD: {bud.period} (the compounding day is Day 1)", f"Storage: {bud.storage}")]
            if bud
            else [],
        )
    )
    sections.append(
        _element(
            7,
            names,
            missing,
            [
                _p(
                    bud.reference,
                    f"Rule set: {bud.rule_set}" + (f", rule {bud.rule}" if bud.rule else ""),
                )
            ]
            if bud
            else [],
        )
    )
    sections.append(
        _element(8, names, missing, [Block("pre", mfr.calculations)] if mfr.calculations else [])
    )
    label_blocks = [Block("label", mfr_label(mfr))]
    if mfr.auxiliary_labels:
        label_blocks.append(_p(f"Auxiliary labels: {'; '.join(mfr.auxiliary_labels)}"))
    sections.append(_element(9, names, missing, label_blocks))
    sections.append(
        _element(
            10,
            names,
            missing,
            [
                _table(
                    ("test", "procedure", "expected result"),
                    [(q.test, q.procedure, q.expected) for q in mfr.quality_control],
                )
            ]
            if mfr.quality_control
            else [],
        )
    )
    sections.append(
        _element(
            11,
            names,
            missing,
            [_items("list", mfr.other)] if mfr.other else [_p("Nothing further recorded.")],
        )
    )
    signatures = (
        ("Prepared by (author)", mfr.author or ""),
        ("Approved by", f"{mfr.approved_by} on {mfr.approved_on}" if mfr.is_approved else ""),
    )
    return Outline(f"Master formulation record: {f.name}", meta, tuple(sections), signatures)


def cr_outline(record: CompoundingRecord) -> Outline:
    """The worksheet outline of a CR: one section per USP element, the batch sheet, label."""
    from compoundkit.records.cr import CR_ELEMENTS
    from compoundkit.records.labels import container_label, strengths

    names = dict(CR_ELEMENTS)
    missing: dict[int, list[MissingElement]] = {}
    for item in record.missing_elements():
        missing.setdefault(item.number, []).append(item)
    mfr = record.mfr
    f = mfr.formulation
    meta = (
        f"Internal ID {record.internal_id}; prepared {record.prepared_at.isoformat(' ')}",
        f"Follows MFR {mfr.record_id} version {mfr.version} (hash {record.mfr_hash})",
    )
    rows = []
    for c in record.components:
        pct = c.deviation_percent
        dev_g = None if c.weighed_g is None else c.weighed_g - c.target_g
        rows.append(
            (
                c.name,
                c.kind,
                c.vendor or "",
                c.lot or "",
                c.expiry.isoformat() if c.expiry else "",
                _grams(c.target_g),
                _grams(c.weighed_g),
                "" if dev_g is None else f"{dev_g:+.4g} g",
                "" if pct is None else f"{pct:+.2f} %",
            )
        )
    header = ("component", "kind", "vendor", "lot", "expiry", "target", "weighed",
              "deviation", "deviation %")  # fmt: skip
    batch = record.batch
    size = f"{batch.count} x {batch.size}" if batch.count > 1 else batch.size
    excess = f", excess {batch.excess}" if batch.excess else ""
    sheet_blocks = _sheet_blocks(record)
    expected = {q.test.casefold(): q.expected for q in mfr.quality_control}
    qc_rows = [
        (
            q.test,
            expected.get(q.test.casefold(), ""),
            q.result,
            {True: "pass", False: "FAIL", None: ""}[q.passed],
        )
        for q in record.qc_results
    ]
    deviations = [
        f"{c.name}: weighed {_grams(c.weighed_g)} for a target of {_grams(c.target_g)} "
        f"({c.deviation_percent:+.2f} %)"
        for c in record.components
        if c.deviation_percent is not None and c.deviation_percent != 0
    ]
    sections = [
        _element(
            1,
            names,
            missing,
            [_p(f"{f.name}: {', '.join(strengths(f))}", f"{f.dosage_form}, {f.route}")],
        ),
        _element(2, names, missing, [_p(record.prepared_at.isoformat(" "))]),
        _element(3, names, missing, [_p(record.internal_id)]),
        _element(
            4,
            names,
            missing,
            [_p(f"Compounded by: {record.compounded_by}", f"Verified by: {record.verified_by}")],
        ),
        _element(5, names, missing, [_table(header[:5], [r[:5] for r in rows])]),
        _element(
            6,
            names,
            missing,
            [_table((header[0], *header[5:]), [(r[0], *r[5:]) for r in rows], (1, 2, 3, 4))],
        ),
        _element(
            7,
            names,
            missing,
            [_p(f"{_grams(record.made_g)} (batch {size}{excess})")],
        ),
        _element(
            8,
            names,
            missing,
            [
                _p(f"BUD: {record.bud.date.isoformat()}", f"Storage: {record.bud.storage}"),
                Block("pre", tuple(record.bud.explanation.splitlines())),
            ],
        ),
        _element(9, names, missing, [*sheet_blocks, Block("pre", record.calculations)]),
        _element(10, names, missing, [_p(record.description)] if record.description else []),
        _element(
            11,
            names,
            missing,
            [_table(("test", "expected (MFR)", "result", "pass/fail"), qc_rows)] if qc_rows else [],
        ),
        _element(
            12,
            names,
            missing,
            [
                _p(
                    f"{mfr.record_id} version {mfr.version}",
                    f"Content hash (SHA-256): {record.mfr_hash}",
                    f"MFR approved by {mfr.approved_by} on {mfr.approved_on}"
                    if mfr.is_approved
                    else "MFR not approved",
                )
            ],
        ),
        _element(
            13,
            names,
            missing,
            [
                _items("list", [*record.deviations, *deviations, *record.notes])
                if record.deviations or deviations or record.notes
                else _p("None recorded.")
            ],
        ),
        Section("Label", (Block("label", container_label(record)),)),
    ]
    signatures = (
        ("Compounded by", record.compounded_by),
        ("Verified by", record.verified_by),
    )
    return Outline(f"Compounding record: {f.name}", meta, tuple(sections), signatures)


def _sheet_blocks(record: CompoundingRecord) -> list[Block]:
    """The batch sheet table, recomputed from the MFR (or a note if it cannot be)."""
    from compoundkit.formulas.sheet_export import sheet_rows

    try:
        sheet = record.sheet()
    except CompoundkitError as exc:
        return [_p(f"Batch sheet not recomputed: {exc}")]
    header, rows = sheet_rows(sheet)
    return [
        _p(f"Batch sheet: {sheet.count} x {sheet.size_g:g} g, make {sheet.made_g:g} g"),
        _table(header, rows, (3, 4, 5)),
        _p(f"Balance: {sheet.balance.description}"),
    ]


# --------------------------------------------------------------------------- Markdown

_TAG_START: Final = re.compile(r"<(?=[A-Za-z/!?])")


def _md(text: str) -> str:
    """Text safe in Markdown: no raw HTML tags (``USP <795>`` stays readable)."""
    return _TAG_START.sub("&lt;", text)


def _cell(text: str) -> str:
    return _md(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _markdown(outline: Outline) -> str:
    out = [f"# {_md(outline.title)}", ""]
    out += [f"{_md(line)}  " for line in outline.meta]
    for section in outline.sections:
        out += ["", f"## {_md(section.title)}"]
        for block in section.blocks:
            out.append("")
            if block.kind == "missing":
                out.append(f"**{_md(block.lines[0])}**")
            elif block.kind == "p":
                out += [f"{_md(line)}  " for line in block.lines]
            elif block.kind == "list":
                out += [f"- {_md(line)}" for line in block.lines]
            elif block.kind == "olist":
                out += [f"{i}. {_md(line)}" for i, line in enumerate(block.lines, 1)]
            elif block.kind == "table":
                out.append("| " + " | ".join(_cell(h) for h in block.header) + " |")
                out.append("|" + "".join("---:|" if i in block.numeric else "---|"
                                         for i in range(len(block.header))))  # fmt: skip
                out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in block.rows]
            elif block.kind in ("pre", "label"):
                out += ["```", *(line.replace("```", "'''") for line in block.lines), "```"]
    out += ["", "## Signatures", ""]
    for role, name in outline.signatures:
        recorded = f" ({_md(name)})" if name else ""
        out.append(f"{role}{recorded}: ______________________  Date: ____________  ")
    out += ["", f"_{DISCLAIMER}_", ""]
    return "\n".join(out)


def mfr_to_markdown(mfr: MasterFormulationRecord) -> str:
    """The MFR worksheet as Markdown."""
    return _markdown(mfr_outline(mfr))


def cr_to_markdown(record: CompoundingRecord) -> str:
    """The compounding-record worksheet (with its batch sheet) as Markdown."""
    return _markdown(cr_outline(record))


# --------------------------------------------------------------------------- HTML


@functools.cache
def _css() -> str:
    return (
        resources.files("compoundkit.records")
        .joinpath("templates/worksheet.css")
        .read_text(encoding="utf-8")
    )


def _html_block(block: Block) -> str:
    e = escape
    if block.kind == "missing":
        return f'<p class="missing">{e(block.lines[0])}</p>'
    if block.kind == "p":
        return "<p>" + "<br>".join(e(line) for line in block.lines) + "</p>"
    if block.kind in ("list", "olist"):
        tag = "ul" if block.kind == "list" else "ol"
        return f"<{tag}>" + "".join(f"<li>{e(line)}</li>" for line in block.lines) + f"</{tag}>"
    if block.kind == "table":
        head = "".join(f"<th>{e(h)}</th>" for h in block.header)
        body = "".join(
            "<tr>"
            + "".join(
                f'<td class="num">{e(c)}</td>' if i in block.numeric else f"<td>{e(c)}</td>"
                for i, c in enumerate(row)
            )
            + "</tr>"
            for row in block.rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    if block.kind == "pre":
        return '<pre class="trail">' + "\n".join(e(line) for line in block.lines) + "</pre>"
    return '<div class="label">' + "<br>".join(e(line) for line in block.lines) + "</div>"


def _html(outline: Outline) -> str:
    e = escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="generator" content="compoundkit">',
        f"<title>{e(outline.title)}</title>",
        f"<style>\n{_css()}</style>",
        "</head>",
        "<body>",
        f"<header><h1>{e(outline.title)}</h1>",
        *(f'<p class="meta">{e(line)}</p>' for line in outline.meta),
        "</header>",
    ]
    for section in outline.sections:
        parts.append(f"<section><h2>{e(section.title)}</h2>")
        parts += [_html_block(block) for block in section.blocks]
        parts.append("</section>")
    rows = "".join(
        f"<tr><th>{e(role)}</th><td>{e(name)}</td>"
        '<td>Signature: <span class="sign"></span></td>'
        '<td>Date: <span class="sign"></span></td></tr>'
        for role, name in outline.signatures
    )
    parts += [
        f'<section class="signatures"><h2>Signatures</h2><table>{rows}</table></section>',
        f"<footer>{e(DISCLAIMER)}</footer>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)


def mfr_to_html(mfr: MasterFormulationRecord) -> str:
    """The MFR worksheet as one self-contained, printable HTML page."""
    return _html(mfr_outline(mfr))


def cr_to_html(record: CompoundingRecord) -> str:
    """The compounding-record worksheet (with its batch sheet) as self-contained HTML."""
    return _html(cr_outline(record))


# --------------------------------------------------------------------------- PDF


def html_to_pdf(html: str) -> bytes:
    """A PDF of a worksheet's HTML (needs ``pip install compoundkit[pdf]``).

    Raises :class:`PdfUnavailableError` when WeasyPrint (or a system library it needs,
    such as Pango) is missing. No URL is ever fetched: the page has no external assets
    and the fetcher refuses every request.
    """
    try:
        with warnings.catch_warnings():
            # e.g. "HarfBuzz-Subset will be required by future versions": a note for the
            # system's packager, not an error of this PDF
            warnings.simplefilter("ignore", DeprecationWarning)
            weasyprint = importlib.import_module("weasyprint")
    except (ImportError, OSError) as exc:
        raise PdfUnavailableError(
            "PDF output needs the pdf extra: pip install compoundkit[pdf] "
            f"(WeasyPrint could not be loaded: {exc})"
        ) from None

    def refuse(url: str, *args: object, **kwargs: object) -> dict[str, object]:
        raise ValueError(f"compoundkit worksheets load no external resources ({url})")

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            pdf: bytes = weasyprint.HTML(string=html, url_fetcher=refuse).write_pdf()
    except Exception as exc:  # a third-party renderer: report its failure as ours
        raise RecordError(f"PDF rendering failed: {type(exc).__name__}: {exc}") from None
    return pdf
