"""Text from users is data, never markup: the escapes every output format applies.

Names, lots and notes come from files and command lines that anyone may have written.
Each renderer passes them through one of these before they reach a reader:

- :func:`terminal`: control and bidirectional formatting characters removed (an
  escape sequence would clear the screen or set the window title; a right-to-left
  override would reverse ``9.0 g``);
- :func:`one_line`: the same, with line breaks and tabs turned into spaces;
- :func:`markdown`: one line of Markdown that is only text: table, heading, list,
  emphasis, code, HTML, link and image syntax escaped;
- :func:`csv_cell`: a spreadsheet cell that is never a formula (the OWASP "CSV
  injection" advice: a cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
  return gets a leading ``'``).

HTML output uses :func:`html.escape`.

>>> markdown("Water | | q.s. | | | 999.000 g |")
'Water \\\\| \\\\| q.s. \\\\| \\\\| \\\\| 999.000 g \\\\|'
>>> markdown("![t](http://x.example/a.png) [x](javascript:alert(1))")
'!\\\\[t\\\\](http://x.example/a.png) \\\\[x\\\\](javascript:alert(1))'
>>> csv_cell("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> terminal("Acme\\x1b]0;owned\\x07 Labs")
'Acme]0;owned Labs'
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["csv_cell", "json_text", "markdown", "one_line", "terminal"]

# C0 controls but tab and line feed, DEL, C1 controls, and the bidirectional formatting
# characters (the set compoundkit.names refuses in names).
_STRIP: Final = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_BREAKS: Final = re.compile("[\t\n\u2028\u2029]+")


def terminal(text: str) -> str:
    """``text`` without control or bidi characters; line breaks and tabs are kept.

    A carriage return is removed too (it would let later text overwrite a figure).
    """
    return _STRIP.sub("", text)


def json_text(text: str) -> str:
    """Serialised JSON with the characters :func:`terminal` drops written as ``\\uXXXX``.

    ``json.dumps(..., ensure_ascii=False)`` escapes C0 controls but leaves C1 controls
    and bidi overrides raw; outside strings JSON holds none of them, so this is still the
    same JSON value.

    >>> json_text('{"lot": "K1\u202e"}')
    '{"lot": "K1\\\\u202e"}'
    """
    return _STRIP.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def one_line(text: str) -> str:
    """:func:`terminal`, with every line break and tab turned into one space.

    >>> one_line("Muscle cream\\n## 12. Approved by")
    'Muscle cream ## 12. Approved by'
    """
    return _BREAKS.sub(" ", terminal(text))


# Markdown: characters that start inline syntax anywhere in a line.
_INLINE: Final = re.compile(r"([\\`*_~\[\]|])")
# A raw HTML tag, comment, declaration or autolink (``USP <795>`` is left alone).
_TAG_START: Final = re.compile(r"<(?=[A-Za-z/!?])")
# An entity reference (``&#x202E;`` would bring back a character refused as text).
_ENTITY: Final = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# Syntax that counts only at the start of a line: headings, quotes, lists, rules,
# setext underlines, ordered lists.
_LINE_START: Final = re.compile(r"^(\s*)([#>+=:-]|\d{1,9}(?=[.)]))")


def markdown(text: str, *, line_start: bool = True) -> str:
    """One line of Markdown that shows ``text`` as it is, and is nothing but text.

    Line breaks become spaces (no new rows, headings or list items); ``|`` is escaped
    (no new table cells); emphasis, code, brackets (so links and images) and HTML tags
    are escaped; a heading, quote or list marker at the start is escaped, unless
    ``line_start`` is false (the text follows a heading's ``#``, where it is only text).

    >>> markdown("# 12. Approved by")
    '\\\\# 12. Approved by'
    >>> markdown("1. step")
    '1\\\\. step'
    >>> markdown("USP <795> <script>")
    'USP <795> &lt;script>'
    """
    out = _INLINE.sub(r"\\\1", one_line(text))
    out = _ENTITY.sub(r"\\&", out)
    out = _TAG_START.sub("&lt;", out)
    start = _LINE_START.match(out) if line_start else None
    if start is not None:
        if start.group(2)[0].isdigit():  # "1." -> "1\." (the number stays readable)
            end = start.end()
            out = out[:end] + "\\" + out[end:]
        else:
            out = out[: start.start(2)] + "\\" + out[start.start(2) :]
    return out


_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def csv_cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula.

    Following the OWASP advice on CSV injection: a cell whose first character
    (after blanks) is ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a line
    feed (or their full-width forms) gets a leading ``'``; the writer quotes every
    text cell (``csv.QUOTE_NONNUMERIC``), so separators and quotes inside stay inside.

    >>> csv_cell("-2+3")
    "'-2+3"
    >>> csv_cell("Ketoprofen")
    'Ketoprofen'
    """
    if text.lstrip(" ").startswith(_FORMULA_START):
        return "'" + text
    return text


def __dir__() -> list[str]:
    """The public names only (no imported helpers)."""
    return sorted(__all__)
