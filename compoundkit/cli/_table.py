"""Terminal tables and findings that fit the terminal without cutting what users type.

The width is ``COLUMNS`` when set, else the terminal's; output to a pipe or file has
no width limit (one row per line, for ``grep``). A table that is too wide gets room
from its wrappable columns (names, classes, notes: whole words per line) and its
descriptions (shortened at a word, with ``…``) first; ids, forms and figures are never
broken or cut. When even that does not fit, each row is printed as a block of
``label: value`` lines. Every cell has control and bidi characters removed; nothing is
read as markup.

>>> print("\\n".join(format_table(("id", "use"), [("ketoprofen", "acute strains and sprains")],
...                               width=28, whole={0}, shorten={1})))
id          use
----------  --------------
ketoprofen  acute strains…
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import textwrap
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Final

from compoundkit._text import one_line, terminal

if TYPE_CHECKING:
    from compoundkit.formulas.batch import BatchSheet
    from compoundkit.formulas.findings import Finding

__all__ = ["flow", "format_findings", "format_table", "print_sheet", "terminal_width"]

_GAP: Final = "  "
#: Narrowest a shortened description gets before the table turns vertical.
_MIN_SHORT: Final = 10
#: Width a description keeps while other columns can still wrap.
_COMFORTABLE: Final = 24
# A figure (``12.000 g``, ``10 % w/w``, ``1.05 g/mL``): its spaces never break a line.
_FIGURE: Final = re.compile(
    r"(?<![\w.])(\d[\d.,]*)( )(%|[A-Za-zµμ]+(?:/[A-Za-z0-9]+)?)(?:( )(w/w|w/v|v/v))?(?!\w)"
)
_NBSP: Final = "\u00a0"


def terminal_width() -> int | None:
    """``COLUMNS``, else the terminal's width; None when printing to a pipe or file."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


def display_width(text: str) -> int:
    """Terminal cells ``text`` takes: wide East Asian characters 2, combining marks 0."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


def _glued(text: str) -> str:
    """``text`` with the spaces inside figures made non-breaking (for wrapping)."""
    return _FIGURE.sub(lambda m: _NBSP.join(g for g in m.groups() if g and g != " "), text)


def _wrap(text: str, width: int) -> list[str]:
    """Whole words per line (a word longer than ``width`` stays whole on its own line)."""
    lines = textwrap.wrap(
        _glued(text), width=max(width, 1), break_long_words=False, break_on_hyphens=False
    )
    return [line.replace(_NBSP, " ") for line in lines] or [""]


def _longest_word(text: str) -> int:
    return max((display_width(w.replace(_NBSP, " ")) for w in _glued(text).split()), default=0)


def _shorten(text: str, width: int) -> str:
    """``text`` cut at a word to fit ``width``, ending in ``…`` when cut."""
    if display_width(text) <= width:
        return text
    kept = ""
    for word in text.split():
        candidate = f"{kept} {word}" if kept else word
        if display_width(candidate) + 1 > width:
            break
        kept = candidate
    return (kept or text[: max(width - 1, 0)]) + "…"


def _floor(
    i: int,
    head: list[str],
    body: list[list[str]],
    natural: list[int],
    whole: Collection[int],
    shorten: Collection[int],
) -> int:
    """The narrowest column ``i`` may get: whole, one word, or a shortened first word."""
    if i in whole:
        return natural[i]
    words = _longest_word(head[i])
    if i in shorten:
        first = max((display_width(r[i].split()[0]) + 1 for r in body if r[i].split()), default=0)
        return min(natural[i], max(_MIN_SHORT, first, words))
    return max(words, *(_longest_word(r[i]) for r in body))


def format_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    width: int | None,
    whole: Collection[int] = (),
    shorten: Collection[int] = (),
    right: Collection[int] = (),
) -> list[str]:
    """The lines of a table that fits ``width`` (None: any width).

    ``whole`` columns (ids, forms, figures) are never broken or shortened; ``shorten``
    columns (descriptions) are cut at a word first; the others wrap whole words;
    ``right`` columns are right-aligned. Too narrow for that: a vertical layout.
    """
    head = [one_line(h) for h in headers]
    body = [[one_line(cell) for cell in row] for row in rows]
    count = len(head)
    natural = [max(display_width(r[i]) for r in (head, *body)) for i in range(count)]
    widths = list(natural)
    if width is not None:
        floor = [_floor(i, head, body, natural, whole, shorten) for i in range(count)]
        excess = sum(widths) + len(_GAP) * (count - 1) - width
        # Descriptions give room first (down to a readable width), then the widest of
        # every column that can give, down to its longest word.
        comfortable = [
            max(floor[i], _COMFORTABLE) if i in shorten else natural[i] for i in range(count)
        ]
        for limit in (comfortable, floor):
            while excess > 0:
                room = [i for i in range(count) if widths[i] > limit[i]]
                if not room:
                    break
                widest = max(room, key=lambda i: (widths[i], i in shorten))
                widths[widest] -= 1
                excess -= 1
        if excess > 0:
            return _vertical(head, body, width, whole)
    lines = []
    for n, row in enumerate((head, ["-" * w for w in widths], *body)):
        cells = [
            [_shorten(cell, widths[i])]
            if i in shorten and n > 1
            else [cell]
            if i in whole or display_width(cell) <= widths[i]
            else _wrap(cell, widths[i])
            for i, cell in enumerate(row)
        ]
        for k in range(max(len(c) for c in cells)):
            parts = [
                _pad(c[k] if k < len(c) else "", widths[i], i in right and n != 1)
                for i, c in enumerate(cells)
            ]
            lines.append(_GAP.join(parts).rstrip())
    return lines


def _vertical(
    head: list[str], body: list[list[str]], width: int, whole: Collection[int]
) -> list[str]:
    """Each row as its first cell, then ``label: value`` lines indented under it."""
    lines: list[str] = []
    for row in body:
        if lines:
            lines.append("")
        lines.append(row[0])
        for i, (label, cell) in enumerate(zip(head[1:], row[1:], strict=True), start=1):
            lead = f"  {label}: "
            if i in whole:
                lines.append((lead + cell).rstrip())
                continue
            wrapped = _wrap(cell, width - len(lead)) if cell else [""]
            lines.append((lead + wrapped[0]).rstrip())
            lines += [" " * len(lead) + more for more in wrapped[1:]]
    return lines


def flow(lead: str, text: str, indent: int, width: int | None) -> list[str]:
    """``lead`` + ``text``, wrapped at ``width`` with later lines indented by ``indent``."""
    if width is None:
        return [lead + text]
    room = max(width - display_width(lead), 20)
    first, *rest = _wrap(text, room)
    more = _wrap(" ".join(rest), max(width - indent, 20)) if rest else []
    return [lead + first, *(" " * indent + line for line in more)]


def format_findings(findings: Iterable[Finding], width: int | None, prefix: str = "") -> list[str]:
    """Linter-style finding lines; a long one wraps indented under its code's text.

    ``CK111 warning  Guaifenesin  message...``, continuation lines and the hint
    (``hint: ...``) indented by six, so the codes stand alone at the left. ``prefix``
    (a file name) starts each finding's first line.
    """
    lines: list[str] = []
    for finding in findings:
        component = one_line(finding.component or "-")
        lead = f"{prefix}{finding.code} {finding.severity.value:<8} {component}  "
        lines += flow(lead, one_line(finding.message), 6, width)
        if finding.hint:
            lines += flow("      hint: ", one_line(finding.hint), 12, width)
    return lines or [f"{prefix}no findings"]


def print_sheet(sheet: BatchSheet, given: str | None = None) -> None:
    """Print the weigh table, aliquot plans and findings (``given``: the size as written)."""
    import click

    from compoundkit.formulas.sheet_export import _title, sheet_rows

    width = terminal_width()
    head, rows = sheet_rows(sheet)
    keep = len(head) if any(row[-1] for row in rows) else len(head) - 1
    emit = click.echo
    for line in flow("", f"Weigh sheet: {_title(sheet, given)}", 2, width):
        emit(terminal(line))
    table = format_table(
        head[:keep],
        [row[:keep] for row in rows],
        width=width,
        whole={1, 2, 3, 4, 5},  # form, strength, factor, potency, weigh
        right={3, 4, 5},
    )
    for line in table:
        emit(line)
    balance = f"Balance: {sheet.balance.description}. Potency policy: {sheet.potency_policy}."
    for line in flow("", one_line(balance), 2, width):
        emit(line)
    if (note := sheet.vehicle.aliquot_note()) is not None:
        for line in flow("", one_line(note), 2, width):
            emit(line)
    for item in sheet.lines:
        if item.aliquot is not None:
            emit(f"\nAliquot plan for {one_line(item.name)}:")
            for step in item.aliquot.steps():  # already numbered
                for line in flow("  ", one_line(step), 5, width):
                    emit(line)
    if len(sheet.findings):
        emit("\nFindings:")
        for line in format_findings(sheet.findings, width):
            emit(line)
