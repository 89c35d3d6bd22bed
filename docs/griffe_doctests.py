"""A griffe extension for the API reference: doctests and Sphinx roles as Markdown.

compoundkit's docstrings are plain text with ``>>>`` examples (run by pytest) and a few
Sphinx roles (:class:`~compoundkit.Strength`). mkdocstrings renders docstrings as
Markdown, where a bare example would be reflowed and ``['a', 'b']`` read as a link. This
extension fences each example block as ``pycon`` and turns roles into code spans. It
changes only what the reference pages show, never the docstrings.

Used by docs/mkdocs.yml; not collected by pytest (docs/conftest.py ignores it).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|data|exc|obj|const):`~?([^`]+)`")


def _role(match: re.Match[str]) -> str:
    target = match[1]
    shown = target.rsplit(".", 1)[-1] if match[0].count("~") else target
    return f"`{shown}`"


def fence_doctests(text: str) -> str:
    """Wrap every ``>>>`` block (up to the next blank line) in a pycon fence."""
    out: list[str] = []
    in_fence = in_doctest = False
    indent = ""
    for line in text.splitlines():
        stripped = line.strip()
        if in_doctest and not stripped:
            out.append(f"{indent}```")
            in_doctest = False
        if not in_doctest and stripped.startswith("```"):
            in_fence = not in_fence
        elif not in_fence and not in_doctest and stripped.startswith(">>>"):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}```pycon")
            in_doctest = True
        out.append(line if in_doctest or in_fence else _ROLE.sub(_role, line))
    if in_doctest:
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    """Fence doctests and replace Sphinx roles in every docstring."""

    def _fix(self, obj: griffe.Object) -> None:
        if obj.docstring is not None and not getattr(obj.docstring, "_ck_fenced", False):
            obj.docstring.value = fence_doctests(obj.docstring.value)
            obj.docstring._ck_fenced = True  # type: ignore[attr-defined]

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        self._fix(obj)
