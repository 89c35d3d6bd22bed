"""User text is data: the escapes of every output format, the printable-name rule, and
terminal tables that keep ids and figures whole (compoundkit._text, compoundkit.names,
compoundkit.cli._table)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compoundkit._text import csv_cell, markdown, one_line, terminal
from compoundkit.cli._table import format_findings, format_table
from compoundkit.formulas.findings import Finding, Severity
from compoundkit.names import check_printable, unprintable

# Any text, weighted towards what makes markup: punctuation, line breaks, controls, bidi.
_SPECIAL = "|[]()!<>&#*_~`\\-+=@:.1\n\r\t\x1b\x07\x9b\u202e\u2066\u2028 "
hostile = st.text(
    alphabet=st.one_of(st.sampled_from(_SPECIAL), st.characters(codec="utf-8")), max_size=60
)
_UNESCAPED = re.compile(r"(?<!\\)(?:\\\\)*([\[\]|`*_~]|<(?=[A-Za-z/!?]))")


@given(hostile)
def test_markdown_text_is_one_line_with_no_active_syntax(text: str) -> None:
    out = markdown(text)
    assert "\n" not in out
    assert "\r" not in out
    assert _UNESCAPED.search(out) is None
    assert not re.match(r"\s*([#>+=:-]|\d+[.)])", out), "no block syntax at the start"
    assert unprintable(out) is None


@given(hostile)
def test_markdown_keeps_the_text_readable(text: str) -> None:
    """Undoing the escapes gives the text back (line breaks as spaces, controls dropped)."""
    shown = re.sub(r"\\(.)", r"\1", markdown(text)).replace("&lt;", "<")
    assert shown == one_line(text)


@given(hostile)
def test_a_csv_cell_never_starts_a_formula(text: str) -> None:
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_NONNUMERIC).writerow([csv_cell(text), 1.5])
    cell = next(csv.reader(io.StringIO(out.getvalue())))[0]
    assert not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r", "\n"))
    assert cell.removeprefix("'") == text.replace("\r\n", "\n") or cell == text


@given(hostile)
def test_terminal_text_holds_no_control_or_bidi_character(text: str) -> None:
    assert unprintable(terminal(text), lines=True) is None
    assert unprintable(one_line(text)) is None


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Acme\x1b[2J", "U+001B (ESCAPE) at character 5"),
        ("Acme\x00", "U+0000 (NUL)"),
        ("K1\u202e23", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("K1\u2067", "U+2067 (RIGHT-TO-LEFT ISOLATE)"),
        ("K\u200f1", "U+200F (RIGHT-TO-LEFT MARK)"),
        ("one\ntwo", "U+000A (LINE FEED)"),
        ("one\u2028two", "U+2028 (LINE SEPARATOR)"),
        ("x\x85", "U+0085"),
    ],
)
def test_names_refuse_controls_and_bidi(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=re.escape(fragment)):
        check_printable(text, "--lot")


def test_names_keep_every_script_and_free_text_keeps_its_lines() -> None:
    for name in ("Cyclobenzaprine HCl", "Ａ. Chen", "Łukasz Żółć", "عبد الله", "李明", "e\u0301"):
        assert check_printable(name, "name") == name
    assert check_printable("step one\n\tstep two", "step", lines=True)
    with pytest.raises(ValueError, match="only printable text is allowed"):
        check_printable("step\x1b[8m", "step", lines=True)


# --------------------------------------------------------------------------- tables


_IDS = st.from_regex(r"[a-z]{3,12}(-[a-z]{3,12}){0,2}", fullmatch=True)
_FIGURES = st.builds(lambda g: f"{g:.3f} g", st.floats(0.001, 99999, allow_nan=False))
_WORDS = st.lists(st.from_regex(r"[A-Za-z()]{1,14}", fullmatch=True), min_size=1, max_size=12)


@given(
    rows=st.lists(st.tuples(_IDS, _WORDS.map(" ".join), _FIGURES), min_size=1, max_size=6),
    width=st.integers(20, 140),
)
def test_tables_fit_and_never_cut_an_id_or_a_figure(
    rows: list[tuple[str, str, str]], width: int
) -> None:
    lines = format_table(("id", "description", "weigh"), rows, width=width, whole={0, 2}, right={2})
    longest_whole = max(len(f"  description: {r[1]}") for r in rows)  # the vertical fallback
    for line in lines:
        assert len(line) <= max(width, *(len(r[0]) for r in rows), longest_whole)
    for ident, description, figure in rows:
        assert any(ident in line for line in lines)
        assert any(figure in line for line in lines)
        for word in description.split():
            assert any(word in line for line in lines), f"{word!r} broken"


def test_a_narrow_table_shortens_descriptions_then_goes_vertical() -> None:
    rows = [("cyclobenzaprine", "centrally acting skeletal muscle relaxant", "hydrochloride")]
    wide = format_table(("id", "class", "form"), rows, width=None, whole={0, 2}, shorten={1})
    assert wide[2] == "cyclobenzaprine  centrally acting skeletal muscle relaxant  hydrochloride"
    short = format_table(("id", "class", "form"), rows, width=50, whole={0, 2}, shorten={1})
    assert short[2].split("  ") == ["cyclobenzaprine", "centrally acting…", " hydrochloride"]
    assert len(short[2]) <= 50
    tall = format_table(("id", "class", "form"), rows, width=30, whole={0, 2}, shorten={1})
    assert tall == [
        "cyclobenzaprine",
        "  class: centrally acting",
        "         skeletal muscle",
        "         relaxant",
        "  form: hydrochloride",
    ]


def test_figures_never_break_across_lines() -> None:
    rows = [("ketoprofen", "5 % w/w to 20 % w/w (as free-acid)")]
    lines = format_table(("id", "typical"), rows, width=24, whole={0})
    assert any("5 % w/w" in line for line in lines)
    assert any("20 % w/w" in line for line in lines)


def test_cells_are_text_not_markup_or_control() -> None:
    rows = [("[white on white]99 g[/]", "Water\x1b]0;x\x07 [/]")]
    lines = format_table(("name", "note"), rows, width=None)
    assert lines[2] == "[white on white]99 g[/]  Water]0;x [/]"


def test_findings_wrap_indented_under_their_code() -> None:
    finding = Finding(
        "CK112",
        Severity.WARNING,
        "Ketoprofen is light-sensitive but the formula does not state its container",
        "Ketoprofen",
        "container = 'light-resistant ...'; auxiliary labels: For external use only",
    )
    lines = format_findings([finding], 50)
    assert lines[0].startswith("CK112 warning  Ketoprofen  ")
    assert all(line.startswith("      ") for line in lines[1:])
    assert all(len(line) <= 50 for line in lines)
    assert any(line.startswith("      hint: ") for line in lines)
    assert " ".join(" ".join(lines).split()).count("light-sensitive") == 1
