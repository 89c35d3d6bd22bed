"""Reading and writing catalog documents: TOML files, parsed dicts, JSON exports.

Reading is :func:`compoundkit.documents.structure` into the model classes (they are
the format); every problem, of shape or of meaning, is reported in one
:class:`~compoundkit.errors.CatalogError`, each as ``file:line: field.path: message``
naming its entry, and a file loads completely or not at all. Writing is
:func:`compoundkit.documents.unstructure` of the same classes.

>>> from_toml("ingredients = 1", file="x.toml")
Traceback (most recent call last):
...
compoundkit.errors.CatalogError: x.toml:1: ingredients: must be a list, not the number 1
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from importlib import resources
from typing import Any, Final

from compoundkit import documents
from compoundkit._toml import TomlTextError
from compoundkit._toml import parse as parse_toml
from compoundkit.errors import CatalogError, DocumentError, Problem
from compoundkit.ingredients._fields import in_entry, refusal
from compoundkit.ingredients._model import SCHEMA_VERSION, CatalogFile, Ingredient
from compoundkit.notices import CATALOG_DISCLAIMER

__all__ = [
    "export_dict",
    "from_dict",
    "from_toml",
    "load_path",
    "load_shipped",
]

#: Largest catalog file read, in bytes (one ingredient's entry is about 10 KB).
MAX_FILE_BYTES: Final = 2_000_000

#: The shipped data files, in catalog order.
SHIPPED: Final = (
    "ketoprofen.toml",
    "cyclobenzaprine.toml",
    "guaifenesin.toml",
    "magnesium-chloride.toml",
)


def from_toml(
    text: str, *, file: str = "<string>", origin: str | None = None
) -> tuple[Ingredient, ...]:
    """Parse catalog TOML text into checked ingredients without registering them."""
    try:
        data = parse_toml(text)
    except TomlTextError as exc:
        raise CatalogError(problems=(Problem((), str(exc), exc.line),), file=file) from None
    return from_dict(data, file=file, origin=origin, text=text)


def load_path(path: str | os.PathLike[str]) -> tuple[Ingredient, ...]:
    """Read and parse a catalog TOML file (checked; nothing is registered)."""
    from compoundkit._files import UnreadableFileError, read_text

    name = os.fspath(path)
    try:
        text = read_text(name, MAX_FILE_BYTES, what="catalog file")
    except UnreadableFileError as exc:
        raise refusal(f"cannot read catalog file: {exc.reason}", name) from None
    return from_toml(text, file=name, origin=f"file {name}")


def load_shipped() -> tuple[Ingredient, ...]:
    """The ingredients shipped in ``compoundkit/ingredients/data`` (one TOML file each)."""
    package = resources.files("compoundkit.ingredients")
    found: list[Ingredient] = []
    for name in SHIPPED:
        text = package.joinpath("data", name).read_text(encoding="utf-8")
        found.extend(from_toml(text, file=name, origin="shipped"))
    return tuple(found)


def from_dict(
    data: object, *, file: str = "<data>", origin: str | None = None, text: str = ""
) -> tuple[Ingredient, ...]:
    """Checked ingredients from a parsed catalog document (TOML or JSON shape, e.g. a JSON
    export), not registered. ``text``, the document's source, lets problems name their line.
    """
    try:
        catalog = documents.structure(data, CatalogFile, source=file, text=text)
    except DocumentError as exc:
        problems = [in_entry(p, _entry_of(p.path, data)[0]) for p in exc.problems]
        entry, field = _entry_of(problems[0].path, data)
        raise CatalogError(problems=problems, file=file, entry=entry, field=field) from None
    for ing in catalog.ingredients:  # just built, not shared yet
        object.__setattr__(ing, "origin", origin or f"file {file}")
    return catalog.ingredients


def _entry_of(path: documents.Path, data: object) -> tuple[str | None, str]:
    """(The entry a path lies in: its id, or ``#n`` without one; the path within it).

    >>> _entry_of(("ingredients", 1, "forms", 0, "cas"), {"ingredients": [{}, {"id": "k"}]})
    ('k', 'forms[0].cas')
    """
    if len(path) < 2 or path[0] != "ingredients" or not isinstance(path[1], int):
        return None, documents.dotted(path)
    index = path[1]
    entries = data.get("ingredients") if isinstance(data, dict) else None
    entry = entries[index] if isinstance(entries, list) and index < len(entries) else None
    ident = entry.get("id") if isinstance(entry, dict) else None
    name = ident if isinstance(ident, str) and ident.strip() else f"#{index + 1}"
    return name, documents.dotted(path[2:]) or "(entry)"


# --------------------------------------------------------------------------- writing


def export_dict(ingredients: Iterable[Ingredient]) -> dict[str, Any]:
    """A whole catalog document: schema version, generator, disclaimer, every ingredient."""
    from compoundkit import __version__

    return {
        "schema_version": SCHEMA_VERSION,
        "generator": f"compoundkit {__version__}",
        "disclaimer": CATALOG_DISCLAIMER,
        "ingredients": [documents.unstructure(ing) for ing in ingredients],
    }
