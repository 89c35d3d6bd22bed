"""Worksheets: printable HTML and Markdown of an MFR and of a CR, and optional PDF.

Both formats draw one outline (:mod:`compoundkit.records.outline`: sections numbered by
USP element, so every element appears, marked MISSING when the record lacks it), with
the calculation trail and signature lines. The HTML is self-contained: one file, the
print stylesheet inlined (``templates/worksheet.css``), no scripts, no external assets,
every text escaped.
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
import warnings
from html import escape
from importlib import resources
from typing import TYPE_CHECKING, Final

from compoundkit._text import markdown, terminal
from compoundkit.errors import CompoundkitError, RecordError
from compoundkit.notices import DISCLAIMER as _DISCLAIMER
from compoundkit.records.outline import Block, Outline, cr_outline, mfr_outline

if TYPE_CHECKING:
    from compoundkit.records.cr import CompoundingRecord
    from compoundkit.records.log import LogEntry
    from compoundkit.records.mfr import MasterFormulationRecord

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


# --------------------------------------------------------------------------- Markdown


def _md(text: str, *, line_start: bool = True) -> str:
    """One line of Markdown that is only text (:func:`compoundkit._text.markdown`)."""
    return markdown(text, line_start=line_start)


def _fenced(line: str) -> str:
    """A line inside a fenced block: no fence of its own, no control characters."""
    return terminal(line).replace("```", "'''")


def _markdown(outline: Outline) -> str:
    out = [f"# {_md(outline.title, line_start=False)}", ""]
    out += [f"{_md(line)}  " for line in outline.meta]
    for section in outline.sections:
        out += ["", f"## {_md(section.title, line_start=False)}"]
        for block in section.blocks:
            out.append("")
            if block.kind == "missing":
                out.append(f"**{_md(block.lines[0], line_start=False)}**")
            elif block.kind == "p":
                out += [f"{_md(line)}  " for line in block.lines]
            elif block.kind == "list":
                out += [f"- {_md(line)}" for line in block.lines]
            elif block.kind == "olist":
                out += [f"{i}. {_md(line)}" for i, line in enumerate(block.lines, 1)]
            elif block.kind == "table":
                out.append("| " + " | ".join(_md(h, line_start=False) for h in block.header) + " |")
                out.append("|" + "".join("---:|" if i in block.numeric else "---|"
                                         for i in range(len(block.header))))  # fmt: skip
                out += [
                    "| " + " | ".join(_md(c, line_start=False) for c in row) + " |"
                    for row in block.rows
                ]
            elif block.kind in ("pre", "label"):
                out += ["```", *(_fenced(line) for line in block.lines), "```"]
    out += ["", "## Signatures", ""]
    for role, name in outline.signatures:
        recorded = f" ({_md(name, line_start=False)})" if name else ""
        out.append(f"{_md(role)}{recorded}: ______________________  Date: ____________  ")
    if outline.signed:
        out += ["", "Electronic signatures:", ""]
        out += [f"- {_md(line)}" for line in outline.signed]
    out += ["", f"_{DISCLAIMER}_", ""]
    return "\n".join(out)


def mfr_to_markdown(mfr: MasterFormulationRecord) -> str:
    """The MFR worksheet as Markdown."""
    return _markdown(mfr_outline(mfr))


def cr_to_markdown(record: CompoundingRecord, *, logged: LogEntry | None = None) -> str:
    """The compounding-record worksheet (with its batch sheet) as Markdown; with
    ``logged``, its record-log entry and the log's head after it."""
    return _markdown(cr_outline(record, logged))


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
    signed = (
        '<p>Electronic signatures:</p><ul class="esign">'
        + "".join(f"<li>{e(line)}</li>" for line in outline.signed)
        + "</ul>"
        if outline.signed
        else ""
    )
    parts += [
        f'<section class="signatures"><h2>Signatures</h2><table>{rows}</table>{signed}</section>',
        f"<footer>{e(DISCLAIMER)}</footer>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)


def mfr_to_html(mfr: MasterFormulationRecord) -> str:
    """The MFR worksheet as one self-contained, printable HTML page."""
    return _html(mfr_outline(mfr))


def cr_to_html(record: CompoundingRecord, *, logged: LogEntry | None = None) -> str:
    """The compounding-record worksheet (with its batch sheet) as self-contained HTML;
    with ``logged``, its record-log entry and the log's head after it."""
    return _html(cr_outline(record, logged))


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
