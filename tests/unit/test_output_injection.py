"""Names that try to be markup stay text in every output (tests/corpus/outputs.toml).

Each case renders a small formula twice, once with a plain name and once with the
hostile one, and compares what a reader of the output would see as structure: lines,
headings, table rows and cells, list items, links, images and tags (Markdown and HTML),
rows and cells (CSV). They must be the same; the hostile text must still be shown; no
control or bidi character may reach the output; no CSV cell may start a formula.
"""

from __future__ import annotations

import csv
import html
import html.parser
import io
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from click.testing import CliRunner

from compoundkit.cli import main
from compoundkit.names import unprintable

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
CASES: list[dict[str, Any]] = tomllib.loads((CORPUS / "outputs.toml").read_text("utf-8"))["case"]
PLAIN = "Plain name"
#: Where a spreadsheet starts a formula (the OWASP list, and the full-width forms).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")

_ARGS = {
    "markdown": ["batch", "{f}", "--size", "100g", "--format", "markdown"],
    "csv": ["batch", "{f}", "--size", "100g", "--format", "csv"],
    "html": ["batch", "{f}", "--size", "100g", "--format", "html"],
    "table": ["batch", "{f}", "--size", "100g"],
    "bud": ["bud", "{f}", "--date", "2026-03-02"],
    "mfr-markdown": ["record", "mfr", "{f}"],
    "mfr-html": ["record", "mfr", "{f}", "--format", "html"],
}


def _formula(field: str, text: str) -> dict[str, Any]:
    """A zinc oxide ointment; ``text`` is its name or a small excipient's (an aliquot line)."""
    return {
        "name": text if field == "formula" else "Zinc oxide ointment",
        "dosage_form": "ointment",
        "makes": "100 g",
        "vehicle": "white-petrolatum",
        "excipients": [
            {"name": "zinc oxide", "amount": "14 g"},
            # 50 mg in 100 g: below the balance's minimum, so its name also heads an
            # aliquot plan, its steps and a CK201 finding.
            {"name": text if field == "excipient" else "menthol", "amount": "0.05 g"},
        ],
    }


def _render(case: dict[str, Any], text: str, folder: Path) -> str:
    path = folder / f"{'plain' if text == PLAIN else 'hostile'}.toml"
    path.write_text(tomli_w.dumps(_formula(case["field"], text)), encoding="utf-8")
    args = [arg.replace("{f}", str(path)) for arg in _ARGS[case["output"]]]
    result = CliRunner().invoke(main, args, env={"COLUMNS": "80"}, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


# --------------------------------------------------------------------------- Markdown

# Characters that make Markdown structure when not escaped with a backslash.
_ACTIVE = re.compile(r"(?<!\\)(?:\\\\)*([\[\]|`*_~]|<(?=[A-Za-z/!?])|&(?!lt;)(?=#?\w+;))")


def _markdown_shape(text: str) -> list[tuple[str, str]]:
    """What each line is (heading, table row, list item...) and its unescaped syntax."""
    shape = []
    fenced = False
    for line in text.splitlines():
        if fenced and not line.startswith("```"):
            shape.append(("fenced", ""))  # literal text: nothing in it is syntax
            continue
        if not line.strip():
            kind = "blank"
        elif found := re.match(r"(#{1,6}) ", line):
            kind = f"h{len(found.group(1))}"
        elif line.startswith("|"):
            kind = "row"
        elif re.match(r"\s*[-+*] ", line):
            kind = "item"
        elif re.match(r"\s*\d+[.)] ", line):
            kind = "numbered"
        elif line.startswith(("```", "~~~")):
            kind, fenced = "fence", not fenced
        elif re.match(r"\s*(>|=+\s*$|-+\s*$|\d+[.)]|[-+*]\s)", line):
            kind = "block syntax"
        else:
            kind = "text"
        shape.append((kind, "".join(m.group(1)[:1] for m in _ACTIVE.finditer(line))))
    return shape


def _unescaped(markdown: str) -> str:
    """The text a reader sees: backslash escapes and entities undone, lines joined."""
    text = re.sub(
        r"\\([!-/:-@\[-`{-~])|(&#?\w+;)",
        lambda m: m.group(1) or html.unescape(m.group(2)),
        markdown,
    )
    return " ".join(text.split())


def _check_markdown(text: str, plain: str, hostile: str) -> None:
    assert _markdown_shape(hostile) == _markdown_shape(plain)
    assert " ".join(text.split()) in _unescaped(hostile)


# --------------------------------------------------------------------------- CSV


def _check_csv(text: str, plain: str, hostile: str) -> None:
    plain_rows = list(csv.reader(io.StringIO(plain)))
    rows = list(csv.reader(io.StringIO(hostile)))
    assert [len(row) for row in rows] == [len(row) for row in plain_rows]
    for row in rows:
        for cell in row:
            assert not cell.lstrip(" ").startswith(FORMULA_START), cell
    names = [row[0] for row in rows]
    name = text.strip()  # names are stripped where they are read
    assert name in names or "'" + name in names
    if name.startswith(FORMULA_START):
        assert "'" + name in names
    for line in hostile.splitlines()[1:]:
        assert line.startswith('"'), "text cells are quoted"


# --------------------------------------------------------------------------- HTML


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag + "".join(f" {name}" for name, _ in attrs))

    def handle_endtag(self, tag: str) -> None:
        self.tags.append("/" + tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parsed(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser


def _check_html(text: str, plain: str, hostile: str) -> None:
    page = _parsed(hostile)
    assert page.tags == _parsed(plain).tags
    assert not any(tag.startswith(("a ", "img", "script")) for tag in page.tags)
    assert text in "".join(page.text)


# --------------------------------------------------------------------------- terminal


def _check_terminal(text: str, plain: str, hostile: str) -> None:
    lines = hostile.splitlines()
    for word in text.split():  # a long name may wrap, at whole words
        assert any(word in line for line in lines), f"{word!r}: whole and as typed"
    # Shown wherever the plain name is (the table too, not only the aliquot steps).
    first = text.split()[0]
    shown = sum(first in line for line in lines)
    assert shown >= sum(PLAIN.split()[0] in line for line in plain.splitlines())
    assert "\x1b" not in hostile


_CHECKS = {
    "markdown": _check_markdown,
    "mfr-markdown": _check_markdown,
    "csv": _check_csv,
    "html": _check_html,
    "mfr-html": _check_html,
    "table": _check_terminal,
    "bud": _check_terminal,
}


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_output_cannot_be_forged(case: dict[str, Any], tmp_path: Path) -> None:
    plain = _render(case, PLAIN, tmp_path)
    hostile = _render(case, case["text"], tmp_path)
    assert unprintable(hostile, lines=True) is None
    _CHECKS[case["output"]](case["text"], plain, hostile)


def test_every_output_kind_has_a_case() -> None:
    assert {case["output"] for case in CASES} == set(_ARGS) == set(_CHECKS)
    assert len({case["id"] for case in CASES}) == len(CASES)


def test_the_shape_check_sees_a_forged_row_and_heading() -> None:
    """The comparison itself catches what the renderers used to let through."""
    plain = "| a | b |\n\nText\n"
    assert _markdown_shape("| a | b | c |\n\nText\n") != _markdown_shape(plain)
    assert _markdown_shape("| a | b |\n\n## Approved\n") != _markdown_shape(plain)
    assert _markdown_shape("| a | b |\n\n[x](javascript:1)\n") != _markdown_shape(plain)
    assert _markdown_shape("| a \\| b |\n\n\\[x\\](javascript:1)\n") == _markdown_shape(
        "| a  b |\n\nx(javascript:1)\n"
    )
