"""The ingredient catalog: typed, sourced, evidence-graded facts about each active.

Four ingredients ship with compoundkit (ketoprofen, cyclobenzaprine, guaifenesin,
magnesium chloride), one TOML file each under ``data/`` (format: ``data/README.md``).
Users and apps add their own in code (:func:`register`), from a TOML file in the
same format (:func:`load_file`), or through the ``compoundkit.ingredients`` entry-point
group (an entry point may name an :class:`Ingredient`, a path to a TOML file, an
iterable of these, or a callable returning one of these). A user entry never silently
replaces another: a clash raises :class:`~compoundkit.errors.CatalogError` unless
``override=True``.

The data is read on first use, not at import. It helps a licensed pharmacist
calculate and document; it is not medical advice.

>>> from compoundkit import ingredients
>>> ingredients.get("Guaifenesen").name
'Guaifenesin'
>>> mg = ingredients.get("magnesium chloride")
>>> round(mg.form("hexahydrate").factor_to(mg.form("elemental")), 4)
0.1196
>>> try:
...     ingredients.get("ketoprofin")
... except LookupError as exc:
...     print(exc)
unknown ingredient 'ketoprofin'; did you mean 'ketoprofen'?
"""

from __future__ import annotations

from typing import Any

from compoundkit.ingredients import _io
from compoundkit.ingredients._catalog import ENTRY_POINT_GROUP, Catalog, ConfusableNameError
from compoundkit.ingredients._facts import (
    ROUTES,
    Caution,
    CautionCategory,
    Code,
    Evidence,
    Fact,
    Finding,
    Flag,
    Label,
    Mechanism,
    Note,
    ObservedStrength,
    Physicochemical,
    Range,
    Reference,
    ReferenceKind,
    Solubility,
    StrengthRange,
    Subjects,
    Use,
    Valence,
    Value,
)
from compoundkit.ingredients._io import from_dict, from_toml
from compoundkit.ingredients._model import SCHEMA_VERSION, Form, Ingredient, UnknownFormError
from compoundkit.ingredients._schema import json_schema

__all__ = [
    "ENTRY_POINT_GROUP",
    "ROUTES",
    "SCHEMA_FILE",
    "SCHEMA_VERSION",
    "Catalog",
    "Caution",
    "CautionCategory",
    "Code",
    "ConfusableNameError",
    "Evidence",
    "Fact",
    "Finding",
    "Flag",
    "Form",
    "Ingredient",
    "Label",
    "Mechanism",
    "Note",
    "ObservedStrength",
    "Physicochemical",
    "Range",
    "Reference",
    "ReferenceKind",
    "Solubility",
    "StrengthRange",
    "Subjects",
    "UnknownFormError",
    "Use",
    "Valence",
    "Value",
    "all",
    "default_catalog",
    "export_dict",
    "export_json",
    "from_dict",
    "from_toml",
    "get",
    "ids",
    "json_schema",
    "load_file",
    "register",
    "reset",
    "schema",
    "search",
    "search_uses",
]

#: File name of the published JSON Schema, shipped inside this package.
SCHEMA_FILE = "catalog.schema.json"

_default = Catalog()

# The module-level functions are the default catalog's methods (documented there).
get = _default.get
"""The ingredient answering to a name, synonym, trade name or misspelling (:meth:`Catalog.get`)."""
all = _default.all
"""Every ingredient, in catalog order (:meth:`Catalog.all`)."""
ids = _default.ids
"""Every ingredient id, in catalog order (:meth:`Catalog.ids`)."""
search = _default.search
"""Ingredients by use, condition or drug class (:meth:`Catalog.search`)."""
search_uses = _default.search_uses
"""``(ingredient, use)`` pairs for a condition, strongest first (:meth:`Catalog.search_uses`)."""
register = _default.register
"""Add an ingredient built in code (:meth:`Catalog.register`)."""
load_file = _default.load_file
"""Load and register a catalog TOML file, all or nothing (:meth:`Catalog.load_file`)."""
reset = _default.reset
"""Drop every registration made on the default catalog (:meth:`Catalog.reset`)."""


def default_catalog() -> Catalog:
    """The catalog the module-level functions use (shipped data + plugins + registrations).

    >>> default_catalog().get("cyclobenzaprine hcl") is get("Flexeril")
    True
    """
    return _default


def export_dict(ingredients: tuple[Ingredient, ...] | None = None) -> dict[str, Any]:
    """The catalog (default: every ingredient) as a JSON-ready dict in the data format."""
    return _io.export_dict(all() if ingredients is None else ingredients)


def export_json(ingredients: tuple[Ingredient, ...] | None = None, *, indent: int = 2) -> str:
    """The catalog as JSON text, valid against :func:`schema`.

    >>> import json
    >>> json.loads(export_json())["schema_version"]
    1
    """
    import json

    return json.dumps(export_dict(ingredients), indent=indent, ensure_ascii=False) + "\n"


def schema() -> dict[str, Any]:
    """The JSON Schema shipped with the package (``catalog.schema.json``).

    >>> schema()["title"]
    'compoundkit ingredient catalog'
    """
    import json
    from importlib import resources

    text = resources.files(__name__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    result: dict[str, Any] = json.loads(text)
    return result


def __dir__() -> list[str]:
    """The public names only (no imported helpers or submodules)."""
    return sorted(__all__)
