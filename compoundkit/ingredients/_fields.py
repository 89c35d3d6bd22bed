"""How the catalog classes declare their fields, and check them all at once.

Each field's ``metadata`` comes from :func:`doc`: the sentence the JSON Schema shows
for it, and its constraints (``pattern``, ``minimum``, ``above``, ``min_items``), which
the schema publishes and :class:`Checked` enforces. Text is never blank. A
:class:`Checked` class refuses to be built with problems, listing every one of them
(its fields' constraints and its own checks of meaning) in one
:class:`~compoundkit.errors.CatalogError`, whether it is built in code or structured
from a document.

>>> import attrs
>>> @attrs.frozen
... class Code(Checked):
...     system: str = attrs.field(metadata=doc("Code system."))
...     code: str = attrs.field(metadata=doc("The code.", pattern=r"^[A-Z][0-9]+$"))
>>> Code("ATC", "m01")
Traceback (most recent call last):
...
compoundkit.errors.CatalogError: code: 'm01' does not match the pattern ^[A-Z][0-9]+$
>>> Code(" ", "M01")
Traceback (most recent call last):
...
compoundkit.errors.CatalogError: system: must not be empty
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from compoundkit.documents import Path
from compoundkit.errors import CatalogError, Problem
from compoundkit.names import unprintable

__all__ = ["Checked", "doc", "field_problems", "in_entry", "optional", "refusal", "walk"]


def doc(
    text: str,
    *,
    pattern: str | None = None,
    minimum: int | None = None,
    above: float | None = None,
    min_items: int | None = None,
    always: bool = False,
) -> dict[str, Any]:
    """Field metadata: the field's docstring and constraints.

    ``above`` is an exclusive minimum; ``always`` writes the field to exports even
    when it holds its default value.

    >>> doc("Moles of moiety per mole.", minimum=1)
    {'doc': 'Moles of moiety per mole.', 'minimum': 1}
    """
    found = {"pattern": pattern, "minimum": minimum, "above": above, "min_items": min_items}
    return {"doc": text, **{k: v for k, v in found.items() if v is not None}} | (
        {"always": True} if always else {}
    )


def optional(text: str, **constraints: Any) -> Any:
    """A field that may be left out (None), with its docstring and constraints (:func:`doc`)."""
    return attrs.field(default=None, metadata=doc(text, **constraints))


class Checked:
    """Base of the catalog classes: built only when :func:`field_problems` and the
    class's own :meth:`_problems` find nothing."""

    __slots__ = ()
    if TYPE_CHECKING:
        __attrs_attrs__: ClassVar[tuple[attrs.Attribute[Any], ...]]

    def __attrs_post_init__(self) -> None:
        problems = [*field_problems(self), *self._problems()]
        if problems:
            raise CatalogError(problems=problems)

    def _problems(self) -> Iterator[Problem]:
        """Problems of meaning, with paths relative to this object (none by default)."""
        return iter(())


def field_problems(obj: Checked) -> Iterator[Problem]:
    """Every field of ``obj`` that breaks its declared constraints, or is blank text."""
    for a in attrs.fields(type(obj)):
        if a.init:
            yield from _value_problems(getattr(obj, a.name), a.metadata, (a.alias,))


def _value_problems(value: object, meta: Any, path: Path) -> Iterator[Problem]:
    if isinstance(value, str):
        pattern = meta.get("pattern")
        if not value.strip():
            yield Problem(path, "must not be empty")
        elif (bad := unprintable(value, lines=True)) is not None:
            yield Problem(path, f"contains {bad[1]}; only printable text is allowed")
        elif pattern is not None and not re.search(pattern, value):
            yield Problem(path, f"{value!r} does not match the pattern {pattern}")
    elif isinstance(value, tuple):
        least = meta.get("min_items", 0)
        if len(value) < least:
            yield Problem(path, f"needs at least {least} item(s)")
        for index, item in enumerate(value):
            if isinstance(item, str) and not item.strip():
                yield Problem((*path, index), "must not be empty")
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in meta and not value >= meta["minimum"]:
            yield Problem(path, f"must be at least {meta['minimum']:g}, not {value!r}")
        if "above" in meta and not value > meta["above"]:
            yield Problem(path, f"must be above {meta['above']:g}, not {value!r}")


def walk(obj: Checked, path: Path = ()) -> Iterator[tuple[Path, Checked]]:
    """``obj`` and every catalog object inside it, each with its path in the document."""
    yield path, obj
    for a in attrs.fields(type(obj)):
        value = getattr(obj, a.name)
        if isinstance(value, Checked):
            yield from walk(value, (*path, a.alias))
        elif isinstance(value, tuple):
            for index, item in enumerate(value):
                if isinstance(item, Checked):
                    yield from walk(item, (*path, a.alias, index))


def in_entry(problem: Problem, entry: str | None) -> Problem:
    """``problem`` with the catalog entry it lies in named at the end of its message.

    >>> in_entry(Problem(("id",), "already in the catalog"), "ketoprofen").render("my.toml")
    "my.toml: id: already in the catalog (entry 'ketoprofen')"
    """
    if entry is None:
        return problem
    return Problem(problem.path, f"{problem.message} (entry {entry!r})", problem.line)


def refusal(
    message: str, file: str | None, *, entry: str | None = None, field: str | None = None
) -> CatalogError:
    """A CatalogError with one problem, at ``field`` of ``entry`` in ``file``."""
    problem = in_entry(Problem((field,) if field else (), message), entry)
    return CatalogError(problems=(problem,), file=file, entry=entry, field=field)
