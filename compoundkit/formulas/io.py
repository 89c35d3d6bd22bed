"""Formula files: load and save the TOML (and JSON) formula-file format.

The format is a contract (documented in the docs' formula-file reference, whose key
tables are generated from these classes), declared here once as attrs classes
(:class:`FormulaFile`, :class:`IngredientEntry`, :class:`ExcipientEntry`; the vehicle
is a catalog id or a :class:`~compoundkit.formulas.vehicles.Vehicle` table) that
:func:`compoundkit.documents.structure` reads and
:func:`compoundkit.documents.unstructure` writes. Every problem is reported at once
as ``file:line: field.path: message``. Nothing is evaluated: strengths and amounts
are read by compoundkit's strict grammar.

>>> f = loads_toml('''
... name = "Ketoprofen gel"
... dosage_form = "gel"
... vehicle = "plo"
... [[ingredients]]
... name = "ketoprofen"
... strength = "10 % w/w"
... ''')
>>> f.ingredients[0].strength
Strength.parse('10 % w/w')
>>> loads_toml(f.to_toml()) == f
True
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from attrs import field, frozen

from compoundkit.documents import Text, as_text, field_hooks, locate
from compoundkit.errors import CompoundkitError, DocumentError, FormulaFileError, Problem
from compoundkit.formulas.model import (
    Amount,
    Component,
    Excipient,
    Formulation,
    format_tolerance,
    parse_tolerance,
    quantity_problem,
)
from compoundkit.formulas.vehicles import NAME as _NAME
from compoundkit.formulas.vehicles import NOTES, Vehicle, read_vehicle, write_vehicle
from compoundkit.units import Strength, density_g_per_ml
from compoundkit.units.grammar import format_number

__all__ = [
    "ExcipientEntry",
    "FormulaFile",
    "IngredientEntry",
    "dumps_json",
    "dumps_toml",
    "formulation_from_dict",
    "formulation_to_dict",
    "load_formula",
    "loads_json",
    "loads_toml",
    "save_formula",
]

#: Largest formula file read, in bytes (a formula is a few hundred bytes).
MAX_FILE_BYTES: Final = 1_000_000
#: Most ingredient or excipient entries in one formula.
MAX_ENTRIES: Final = 100

# --------------------------------------------------------------------------- the format


_AMOUNT: Final = as_text(Amount.parse, "an amount as text, such as '14 g' or '8 mL'")
_DENSITY: Final = as_text(
    density_g_per_ml,
    "a density as text, such as '1.05 g/mL'",
    lambda g_per_ml: f"{format_number(g_per_ml)} g/mL",
)
_TOLERANCE: Final = as_text(
    parse_tolerance, "a weighing tolerance as text, such as '1 %'", format_tolerance
)


def _catalog_name(value: object) -> str:
    """An ingredient name the catalog knows (a misspelling gets its suggestions)."""
    from compoundkit import ingredients
    from compoundkit.documents import converter

    name: str = converter().structure(value, Text)
    ingredients.get(name)
    return name


def _one_quantity(name: str, strength: Strength | None, amount: Amount | None) -> list[Problem]:
    problem = quantity_problem(name, strength, amount)
    return [] if problem is None else [Problem((), problem)]


@frozen
class IngredientEntry:
    """An ``[[ingredients]]`` table: a catalog ingredient by strength or by amount.

    ``form`` is the form weighed, ``expressed_as`` the form the strength refers to;
    both must be forms the catalog lists for the ingredient. ``tolerance`` is the line's
    weighing tolerance (``"1 %"`` of its target).
    """

    name: str = field(metadata=field_hooks(read=_catalog_name))
    """The ingredient: a catalog id, name or synonym (``compoundkit ingredients`` lists them)."""
    form: Text | None = None
    """The form weighed (a salt or hydrate the catalog lists); default: the catalog's."""
    strength: Strength | None = None
    """Its strength in the preparation; give ``strength`` or ``amount``, not both."""
    amount: Amount | None = field(default=None, metadata=_AMOUNT)
    """Its amount in the reference batch (``makes``); give ``strength`` or ``amount``."""
    expressed_as: Text | None = None
    """The form the strength is of (``base``...); default: the form weighed."""
    tolerance: float | None = field(default=None, metadata=_TOLERANCE)

    def __attrs_post_init__(self) -> None:
        from compoundkit import ingredients

        problems = _one_quantity(self.name, self.strength, self.amount)
        ingredient = ingredients.get(self.name)
        for key in ("form", "expressed_as"):
            form = getattr(self, key)
            try:
                if form is not None:
                    ingredient.form(form)
            except CompoundkitError:
                allowed = "; ".join(
                    f.id + (f" ({', '.join(f.aliases)})" if f.aliases else "")
                    for f in ingredient.forms
                )
                message = f"{ingredient.name} has no form {form!r}; allowed: {allowed}"
                problems.append(Problem((key,), message))
        if problems:
            raise DocumentError(problems)


@frozen
class ExcipientEntry:
    """An ``[[excipients]]`` table: a non-catalog ingredient; a volume needs its density."""

    name: str = field(metadata=_NAME)
    """What it is (any name: excipients are not in the ingredient catalog)."""
    strength: Strength | None = None
    """Its strength in the preparation; give ``strength`` or ``amount``, not both."""
    amount: Amount | None = field(default=None, metadata=_AMOUNT)
    """Its amount in the reference batch (``makes``); give ``strength`` or ``amount``."""
    density: float | None = field(default=None, metadata=_DENSITY)
    """Its density, needed when ``amount`` is a volume."""
    tolerance: float | None = field(default=None, metadata=_TOLERANCE)

    def __attrs_post_init__(self) -> None:
        problems = _one_quantity(self.name, self.strength, self.amount)
        if problems:
            raise DocumentError(problems)


@frozen
class FormulaFile:
    """A formula file, key for key (in the order they are written).

    ``tolerance`` (``"2 %"``) is the weighing tolerance of every line that states none.
    """

    name: str = field(metadata=_NAME)
    """The preparation's name, as sheets and records print it."""
    dosage_form: Text
    """``cream``, ``gel``, ``ointment``, ``solution``...: it decides what a bare ``%`` means.
    Capsules, tablets, troches, lozenges, suppositories and ophthalmics are out of scope
    (CK116)."""
    vehicle: Vehicle = field(metadata=field_hooks(read_vehicle, write_vehicle))
    """The base made up to 100 % (q.s.); ``compoundkit vehicles`` lists the catalog's."""
    route: Text = "topical"
    """The route of administration."""
    makes: Amount | None = field(default=None, metadata=_AMOUNT)
    """The reference batch that ``amount`` entries belong to."""
    density: float | None = field(default=None, metadata=_DENSITY)
    """The preparation's measured density (w/v strengths, volume batch sizes)."""
    indication: Text | None = None
    """What it is for (checked against the ingredients' evidence)."""
    container: Text | None = None
    """The container-closure system (``light-resistant ...`` for light-sensitive drugs)."""
    storage: Text | None = None
    """Storage as the formula states it (checked against the BUD class)."""
    description: Text | None = None
    """The finished preparation's physical description."""
    notes: tuple[str, ...] = field(default=(), metadata=NOTES)
    """Notes for the compounder (one text or a list)."""
    tolerance: float | None = field(default=None, metadata=_TOLERANCE)
    ingredients: tuple[IngredientEntry, ...] = ()
    """The catalog ingredients (``[[ingredients]]`` tables)."""
    excipients: tuple[ExcipientEntry, ...] = ()
    """Other ingredients (``[[excipients]]`` tables)."""


def _to_formulation(document: FormulaFile) -> Formulation:
    from compoundkit import ingredients

    return Formulation(
        name=document.name,
        dosage_form=document.dosage_form,
        vehicle=document.vehicle,
        ingredients=[
            Component(
                ingredients.get(e.name),
                e.strength,
                e.amount,
                e.form,
                e.expressed_as,
                e.name,
                e.tolerance,
            )
            for e in document.ingredients
        ],
        excipients=[
            Excipient(e.name, e.strength, e.amount, e.density, e.tolerance)
            for e in document.excipients
        ],
        route=document.route,
        makes=document.makes,
        density_g_per_ml=document.density,
        indication=document.indication,
        container=document.container,
        storage=document.storage,
        description=document.description,
        notes=document.notes,
        tolerance=document.tolerance,
    )


def _to_document(formulation: Formulation) -> FormulaFile:
    f = formulation
    return FormulaFile(
        name=f.name,
        dosage_form=f.dosage_form,
        route=f.route,
        vehicle=f.vehicle,
        makes=f.makes,
        density=f.density_g_per_ml,
        indication=f.indication,
        container=f.container,
        storage=f.storage,
        description=f.description,
        notes=f.notes,
        tolerance=f.tolerance,
        ingredients=tuple(
            IngredientEntry(
                c.written_name or c.ingredient.id,
                c.form,
                c.strength,
                c.amount,
                c.expressed_as,
                c.tolerance,
            )
            for c in f.ingredients
        ),
        excipients=tuple(
            ExcipientEntry(e.name, e.strength, e.amount, e.density_g_per_ml, e.tolerance)
            for e in f.excipients
        ),
    )


def formulation_from_dict(
    data: Mapping[str, Any], *, source: str | None = None, text: str | None = None
) -> Formulation:
    """Build a Formulation from a formula-file mapping, reporting all problems at once."""
    from compoundkit.documents import structure

    text = text or ""
    try:
        document = structure(_sized(data, text), FormulaFile, source=source, text=text)
    except DocumentError as exc:
        problems = list(exc.problems)
        if isinstance(data, Mapping) and not (data.get("ingredients") or data.get("excipients")):
            problems.append(Problem(("ingredients",), _NO_ENTRIES))  # reported with the rest
        raise FormulaFileError(sorted(problems, key=_by_line), file=source) from None
    try:
        if not (document.ingredients or document.excipients):
            raise FormulaFileError(_NO_ENTRIES, field="ingredients")
        return _to_formulation(document)
    except DocumentError as exc:  # FormulaFileError too: the model's checks (a density...)
        located = [Problem(p.path, p.message, locate(text, p.path)) for p in exc.problems]
        raise FormulaFileError(located, file=source) from None


def _by_line(problem: Problem) -> tuple[bool, int]:
    """Problems in file order; those without a line last."""
    return (problem.line is None, problem.line or 0)


_NO_ENTRIES: Final = (
    "a formula needs at least one ingredient ([[ingredients]]) or excipient ([[excipients]])"
)


def _sized(data: object, text: str) -> object:
    """``data``, unless it lists more than :data:`MAX_ENTRIES` entries (refused unread)."""
    for key in ("ingredients", "excipients"):
        entries = data.get(key) if isinstance(data, Mapping) else None
        if isinstance(entries, list) and len(entries) > MAX_ENTRIES:
            message = f"has {len(entries)} entries; at most {MAX_ENTRIES} allowed"
            raise DocumentError([Problem((key,), message, locate(text, (key,)))])
    return data


# --------------------------------------------------------------------------- reading


def _read(path: str | os.PathLike[str]) -> tuple[str, str]:
    """The name and text of formula file ``path``; any problem is a FormulaFileError."""
    from compoundkit._files import UnreadableFileError, read_text

    name = os.fspath(path)
    try:
        return name, read_text(name, MAX_FILE_BYTES, what="formula file")
    except UnreadableFileError as exc:
        raise FormulaFileError(exc.reason, file=name) from None


def loads_toml(text: str, *, source: str | None = None) -> Formulation:
    """A Formulation from formula-file TOML text."""
    from compoundkit._toml import TomlTextError
    from compoundkit._toml import parse as parse_toml

    try:
        data = parse_toml(text)
    except TomlTextError as exc:
        raise FormulaFileError(str(exc), file=source, line=exc.line) from None
    return formulation_from_dict(data, source=source, text=text)


def loads_json(text: str, *, source: str | None = None) -> Formulation:
    """A Formulation from formula JSON text (the same structure as the TOML file).

    A key given twice in one object is refused, as TOML refuses it.
    """
    from compoundkit._json import JsonTextError, parse

    try:
        data = parse(text)
    except JsonTextError as exc:
        raise FormulaFileError(str(exc), file=source, line=exc.line) from None
    return formulation_from_dict(data, source=source, text=text)


def load_formula(path: str | os.PathLike[str]) -> Formulation:
    """Load a formula file: ``.toml`` (the formula-file format) or ``.json``.

    >>> load_formula("examples/no-such-file.toml")
    Traceback (most recent call last):
    ...
    compoundkit.errors.FormulaFileError: examples/no-such-file.toml: no such file
    """
    name, text = _read(path)
    if name.lower().endswith(".json"):
        return loads_json(text, source=name)
    return loads_toml(text, source=name)


# --------------------------------------------------------------------------- writing


def formulation_to_dict(formulation: Formulation) -> dict[str, Any]:
    """The formula-file mapping of ``formulation`` (loads back to an equal formulation)."""
    from compoundkit.documents import unstructure

    data: dict[str, Any] = unstructure(_to_document(formulation))
    return data


def dumps_toml(formulation: Formulation) -> str:
    """The formula-file TOML text of ``formulation``."""
    import tomli_w

    text: str = tomli_w.dumps(formulation_to_dict(formulation))
    return text


def dumps_json(formulation: Formulation) -> str:
    """The formula as JSON text (the formula-file structure)."""
    return json.dumps(formulation_to_dict(formulation), indent=2, ensure_ascii=False) + "\n"


def save_formula(formulation: Formulation, path: str | os.PathLike[str]) -> Path:
    """Write the formula to ``path`` (TOML, or JSON for ``.json``) atomically."""
    from compoundkit._files import write_atomic

    target = Path(path)
    text = dumps_json(formulation) if target.suffix.lower() == ".json" else dumps_toml(formulation)
    write_atomic(target, text)
    return target
