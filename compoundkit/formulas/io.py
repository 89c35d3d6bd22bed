"""Formula files: load and save the TOML (and JSON) formula-file format.

The format is a contract (DESIGN.md). Loading checks every field and reports
every problem at once, naming the file, the line where possible, the field and
the allowed values. Nothing is evaluated: strengths and amounts are read by
compoundkit's strict grammar.

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
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from compoundkit._toml import TomlTextError
from compoundkit._toml import parse as parse_toml
from compoundkit.errors import CompoundkitError, FormulaFileError
from compoundkit.formulas.model import Amount, Component, Excipient, Formulation
from compoundkit.formulas.vehicles import (
    Vehicle,
    get_vehicle,
    vehicle_from_dict,
    vehicle_problems,
)
from compoundkit.units import Strength
from compoundkit.units.grammar import format_number

if TYPE_CHECKING:
    from compoundkit.ingredients import Ingredient

__all__ = [
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

_TOP: Final = {
    "name": "the formulation's name",
    "dosage_form": "cream, gel, ointment, solution...",
    "vehicle": "a catalog vehicle id, or an inline table",
    "makes": "the reference batch the amounts belong to, e.g. '100 g'",
    "route": "topical (default), oral...",
    "density": "the preparation's measured density, e.g. '1.05 g/mL'",
    "indication": "what it is for, e.g. 'muscle spasm'",
    "container": "the container-closure, e.g. 'light-resistant jar'",
    "storage": "storage conditions",
    "description": "physical description of the preparation",
    "notes": "free text (text or a list of texts)",
    "ingredients": "catalog ingredients ([[ingredients]] tables)",
    "excipients": "non-catalog ingredients ([[excipients]] tables)",
}
_INGREDIENT: Final = ("name", "strength", "amount", "form", "expressed_as")
_EXCIPIENT: Final = ("name", "strength", "amount", "density")


class _Problems:
    """Collects (path, message) pairs while a formula is read."""

    def __init__(self) -> None:
        self.items: list[tuple[tuple[str | int, ...], str]] = []

    def add(self, path: tuple[str | int, ...], message: str) -> None:
        self.items.append((path, message))


#: What each text field holds, for messages about a value of the wrong type.
_STRENGTH: Final = "a strength as text, such as '10 % w/w', '20 mg/g' or '1:1000'"
_AMOUNT: Final = "an amount as text, such as '14 g' or '8 mL'"
_DENSITY: Final = "a density as text, such as '1.05 g/mL'"


def _text(
    value: Any, path: tuple[str | int, ...], problems: _Problems, what: str = "non-empty text"
) -> str | None:
    if not isinstance(value, str) or not value.strip():
        shown = "an empty text" if isinstance(value, str) else f"{value!r}"
        problems.add(path, f"must be {what}, not {shown}")
        return None
    if len(value) > 2000:
        problems.add(path, f"is {len(value)} characters long; at most 2000 allowed")
        return None
    return value.strip()


def _strength(value: Any, path: tuple[str | int, ...], problems: _Problems) -> Strength | None:
    text = _text(value, path, problems, _STRENGTH)
    if text is None:
        return None
    try:
        return Strength.parse(text)
    except CompoundkitError as exc:
        problems.add(path, str(exc).splitlines()[0] + f" (in {text!r})")
        return None


def _amount(value: Any, path: tuple[str | int, ...], problems: _Problems) -> Amount | None:
    text = _text(value, path, problems, _AMOUNT)
    if text is None:
        return None
    try:
        return Amount.parse(text)
    except CompoundkitError as exc:
        problems.add(path, str(exc).splitlines()[0] + f" (in {text!r})")
        return None


def _density(value: Any, path: tuple[str | int, ...], problems: _Problems) -> float | None:
    text = _text(value, path, problems, _DENSITY)
    if text is None:
        return None
    from compoundkit.units import density_g_per_ml as parse_density

    try:
        return parse_density(text)
    except CompoundkitError as exc:
        problems.add(path, str(exc).splitlines()[0] + f" (in {text!r}; e.g. '1.05 g/mL')")
        return None


def _unknown_keys(
    entry: Mapping[str, Any],
    allowed: tuple[str, ...],
    path: tuple[str | int, ...],
    problems: _Problems,
) -> None:
    for key in entry:
        if key not in allowed:
            problems.add((*path, key), f"unknown field; allowed: {', '.join(allowed)}")


def _name(entry: Mapping[str, Any], path: tuple[str | int, ...], problems: _Problems) -> str | None:
    if "name" not in entry:
        problems.add((*path, "name"), "is required")
        return None
    return _text(entry["name"], (*path, "name"), problems)


def _read_quantity(
    entry: Mapping[str, Any], path: tuple[str | int, ...], problems: _Problems, name: str | None
) -> tuple[Strength | None, Amount | None, bool]:
    """(strength, amount, ok): exactly one of the two fields, parsed."""
    if ("strength" in entry) == ("amount" in entry):
        problems.add(
            path,
            f"{name or 'this entry'}: give exactly one of strength (e.g. '10 % w/w') and "
            "amount (of the reference batch, e.g. '14 g')",
        )
        return None, None, False
    if "strength" in entry:
        strength = _strength(entry["strength"], (*path, "strength"), problems)
        return strength, None, strength is not None
    amount = _amount(entry["amount"], (*path, "amount"), problems)
    return None, amount, amount is not None


def _form_field(
    entry: Mapping[str, Any],
    key: str,
    ingredient: Ingredient | None,
    path: tuple[str | int, ...],
    problems: _Problems,
) -> tuple[str | None, bool]:
    """(form text, ok) for the ``form`` or ``expressed_as`` field."""
    if key not in entry:
        return None, True
    text = _text(entry[key], (*path, key), problems)
    if text is None:
        return None, False
    if ingredient is None:
        return text, True
    try:
        ingredient.form(text)
    except CompoundkitError:
        allowed = "; ".join(
            form.id + (f" ({', '.join(form.aliases)})" if form.aliases else "")
            for form in ingredient.forms
        )
        problems.add((*path, key), f"{ingredient.name} has no form {text!r}; allowed: {allowed}")
        return None, False
    return text, True


def _component(entry: Any, index: int, problems: _Problems) -> Component | None:
    path: tuple[str | int, ...] = ("ingredients", index)
    if not isinstance(entry, dict):
        problems.add(path, "must be a table with name and strength (or amount)")
        return None
    _unknown_keys(entry, _INGREDIENT, path, problems)
    name = _name(entry, path, problems)
    ingredient = None
    if name is not None:
        from compoundkit import ingredients

        try:
            ingredient = ingredients.get(name)
        except CompoundkitError as exc:
            problems.add((*path, "name"), str(exc))
    strength, amount, quantity_ok = _read_quantity(entry, path, problems, name)
    form, form_ok = _form_field(entry, "form", ingredient, path, problems)
    expressed, expressed_ok = _form_field(entry, "expressed_as", ingredient, path, problems)
    if name is None or ingredient is None or not (quantity_ok and form_ok and expressed_ok):
        return None
    written = name  # Component drops it when it is just the catalog id or name
    try:
        return Component(ingredient, strength, amount, form, expressed, written)
    except CompoundkitError as exc:  # pragma: no cover - every field was checked above
        problems.add(path, str(exc))
        return None


def _excipient(entry: Any, index: int, problems: _Problems) -> Excipient | None:
    path: tuple[str | int, ...] = ("excipients", index)
    if not isinstance(entry, dict):
        problems.add(path, "must be a table with name and strength (or amount)")
        return None
    _unknown_keys(entry, _EXCIPIENT, path, problems)
    name = _name(entry, path, problems)
    strength, amount, quantity_ok = _read_quantity(entry, path, problems, name)
    density = None
    if "density" in entry:
        density = _density(entry["density"], (*path, "density"), problems)
    if name is None or not quantity_ok or ("density" in entry and density is None):
        return None
    return Excipient(name, strength, amount, density)


def _vehicle(value: Any, problems: _Problems) -> Vehicle | None:
    if isinstance(value, str):
        try:
            return get_vehicle(value)
        except CompoundkitError as exc:
            problems.add(("vehicle",), str(exc))
            return None
    if isinstance(value, dict):
        found = vehicle_problems(value, inline=True)
        for field, message in found:
            problems.add(("vehicle", field) if field else ("vehicle",), message)
        return None if found else vehicle_from_dict(value, inline=True)
    problems.add(("vehicle",), f"must be a catalog id or an inline table, not {value!r}")
    return None


def _entries(data: Mapping[str, Any], key: str, problems: _Problems) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        problems.add((key,), f"must be an array of tables ([[{key}]]), not {type(value).__name__}")
        return []
    if len(value) > MAX_ENTRIES:
        problems.add((key,), f"has {len(value)} entries; at most {MAX_ENTRIES} allowed")
        return []
    return value


def formulation_from_dict(
    data: Mapping[str, Any], *, source: str | None = None, text: str | None = None
) -> Formulation:
    """Build a Formulation from a formula-file mapping, reporting all problems at once."""
    if not isinstance(data, Mapping):
        raise FormulaFileError(
            "a formula must be a table (an object) at the top level", file=source
        )
    problems = _Problems()
    for key in data:
        if key not in _TOP:
            problems.add((key,), f"unknown field; allowed: {', '.join(_TOP)}")
    values: dict[str, Any] = {}
    for key in ("name", "dosage_form"):
        if key not in data:
            problems.add((key,), f"is required ({_TOP[key]})")
        else:
            values[key] = _text(data[key], (key,), problems)
    for key in ("route", "indication", "container", "storage", "description"):
        if key in data:
            values[key] = _text(data[key], (key,), problems)
    if "notes" in data:
        notes = data["notes"]
        notes = [notes] if isinstance(notes, str) else notes
        if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
            problems.add(("notes",), "must be text or a list of texts")
        else:
            values["notes"] = tuple(notes)
    vehicle = None
    if "vehicle" not in data:
        problems.add(("vehicle",), f"is required ({_TOP['vehicle']})")
    else:
        vehicle = _vehicle(data["vehicle"], problems)
    if "makes" in data:
        values["makes"] = _amount(data["makes"], ("makes",), problems)
    if "density" in data:
        values["density_g_per_ml"] = _density(data["density"], ("density",), problems)
    components = [
        _component(entry, index, problems)
        for index, entry in enumerate(_entries(data, "ingredients", problems))
    ]
    excipients = [
        _excipient(entry, index, problems)
        for index, entry in enumerate(_entries(data, "excipients", problems))
    ]
    if not data.get("ingredients") and not data.get("excipients"):
        problems.add(
            ("ingredients",),
            "a formula needs at least one ingredient ([[ingredients]]) or excipient "
            "([[excipients]])",
        )
    if problems.items:
        raise _error(problems, source, text)
    assert vehicle is not None
    try:
        return Formulation(
            vehicle=vehicle,
            ingredients=tuple(c for c in components if c is not None),
            excipients=tuple(e for e in excipients if e is not None),
            **{k: v for k, v in values.items() if v is not None},
        )
    except CompoundkitError as exc:
        raise FormulaFileError(str(exc), file=source, field=getattr(exc, "field", None)) from None


def _field_name(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _locate(text: str | None, path: tuple[str | int, ...]) -> int | None:
    """The 1-based line of ``path`` in TOML ``text`` (best effort), or None."""
    if not text:
        return None
    lines = text.splitlines()
    start, end = 0, len(lines)
    key: str | int | None = path[0] if path else None
    if len(path) >= 2 and isinstance(path[1], int):
        header = re.compile(rf"^\s*\[\[\s*{re.escape(str(path[0]))}\s*\]\]")
        found = [i for i, line in enumerate(lines) if header.match(line)]
        if path[1] >= len(found):
            return None
        start = found[path[1]]
        nxt = [i for i, line in enumerate(lines) if i > start and line.lstrip().startswith("[")]
        end = nxt[0] if nxt else len(lines)
        key = path[2] if len(path) > 2 else None
        if key is None:
            return start + 1
    else:
        firsts = [i for i, line in enumerate(lines) if line.lstrip().startswith("[")]
        end = firsts[0] if firsts else len(lines)
        table = re.compile(rf"^\s*\[\s*{re.escape(str(key))}\s*\]")
        sections = [i for i, line in enumerate(lines) if table.match(line)]
        if sections:  # a [vehicle] table rather than an inline one
            start = sections[0]
            if len(path) < 2:
                return start + 1
            nxt = [i for i in firsts if i > start]
            end = nxt[0] if nxt else len(lines)
            key = path[1]
    pattern = re.compile(rf"^\s*{re.escape(str(key))}\s*=")
    for i in range(start, end):
        if pattern.match(lines[i]):
            return i + 1
    return None


def _error(problems: _Problems, source: str | None, text: str | None) -> FormulaFileError:
    rendered = []
    for path, message in problems.items:
        line = _locate(text, path)
        where = f"line {line}, " if line else ""
        rendered.append(f"{where}{_field_name(path)}: {message}")
    first_path = problems.items[0][0]
    if len(rendered) == 1:
        return FormulaFileError(
            problems.items[0][1],
            file=source,
            line=_locate(text, first_path),
            field=_field_name(first_path),
        )
    summary = f"{len(rendered)} problems:\n  " + "\n  ".join(rendered)
    return FormulaFileError(summary, file=source, problems=tuple(rendered))


# --------------------------------------------------------------------------- reading


def _read_bytes(path: str | os.PathLike[str]) -> tuple[str, bytes]:
    name = os.fspath(path)
    try:
        if os.path.isdir(name):
            raise FormulaFileError("is a folder, not a formula file", file=name)
        with open(name, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise FormulaFileError("no such file", file=name) from None
    except PermissionError:
        raise FormulaFileError("permission denied", file=name) from None
    except OSError as exc:
        raise FormulaFileError(f"cannot be read: {exc.strerror}", file=name) from None
    if len(raw) > MAX_FILE_BYTES:
        raise FormulaFileError(
            f"is larger than {MAX_FILE_BYTES // 1_000_000} MB; a formula file is a few KB",
            file=name,
        )
    return name, raw


def _decode(raw: bytes, name: str | None) -> str:
    try:
        return raw.decode("utf-8-sig")  # a leading BOM (as Windows editors write) is dropped
    except UnicodeDecodeError as exc:
        raise FormulaFileError(
            f"is not UTF-8 text (byte {exc.start} is 0x{raw[exc.start]:02x})", file=name
        ) from None


#: Why a file whose only fault is an over-long number is refused.
_TOO_LONG: Final = "a number is too long (more than 4300 digits)"


def loads_toml(text: str, *, source: str | None = None) -> Formulation:
    """A Formulation from formula-file TOML text."""
    try:
        data = parse_toml(text)
    except TomlTextError as exc:
        raise FormulaFileError(str(exc), file=source, line=exc.line) from None
    return formulation_from_dict(data, source=source, text=text)


def loads_json(text: str, *, source: str | None = None) -> Formulation:
    """A Formulation from formula JSON text (the same structure as the TOML file)."""
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except _RefusedConstant as exc:
        raise FormulaFileError(
            f"not valid JSON: {exc.args[0]} is not a number compoundkit accepts", file=source
        ) from None
    except json.JSONDecodeError as exc:
        raise FormulaFileError(f"not valid JSON: {exc.msg}", file=source, line=exc.lineno) from None
    except RecursionError:
        raise FormulaFileError("not valid JSON: nested too deeply", file=source) from None
    except ValueError:  # an integer over Python's 4300-digit limit
        raise FormulaFileError(f"not valid JSON: {_TOO_LONG}", file=source) from None
    return formulation_from_dict(data, source=source)


class _RefusedConstant(Exception):
    """JSON's NaN, Infinity or -Infinity was found (internal)."""


def _refuse_constant(name: str) -> Any:
    raise _RefusedConstant(name)


def load_formula(path: str | os.PathLike[str]) -> Formulation:
    """Load a formula file: ``.toml`` (the formula-file format) or ``.json``.

    >>> load_formula("examples/no-such-file.toml")
    Traceback (most recent call last):
    ...
    compoundkit.errors.FormulaFileError: examples/no-such-file.toml: no such file
    """
    name, raw = _read_bytes(path)
    text = _decode(raw, name)
    if name.lower().endswith(".json"):
        return loads_json(text, source=name)
    return loads_toml(text, source=name)


# --------------------------------------------------------------------------- writing


def _strength_or_amount(item: Component | Excipient) -> dict[str, Any]:
    if item.strength is not None:
        return {"strength": str(item.strength)}
    return {"amount": str(item.amount)}


def _density_text(value: float) -> str:
    return f"{format_number(value)} g/mL"


def _vehicle_dict(vehicle: Vehicle) -> str | dict[str, Any]:
    if vehicle.id is not None:
        return vehicle.id
    out: dict[str, Any] = {"name": vehicle.name, "aqueous": vehicle.aqueous}
    defaults = Vehicle(name=vehicle.name, aqueous=vehicle.aqueous)
    for field in ("type", "preserved", "density_g_per_ml", "density_source", "max_load"):
        value = getattr(vehicle, field)
        if value != getattr(defaults, field):
            out[field] = str(value) if field == "max_load" else value
    for field in ("max_load_source", "salt_tolerance", "ph_character"):
        value = getattr(vehicle, field)
        if value != getattr(defaults, field):
            out[field] = value
    if vehicle.notes:
        out["notes"] = list(vehicle.notes)
    return out


def formulation_to_dict(formulation: Formulation) -> dict[str, Any]:
    """The formula-file mapping of ``formulation`` (loads back to an equal formulation)."""
    out: dict[str, Any] = {"name": formulation.name, "dosage_form": formulation.dosage_form}
    if formulation.route != "topical":
        out["route"] = formulation.route
    out["vehicle"] = _vehicle_dict(formulation.vehicle)
    if formulation.makes is not None:
        out["makes"] = str(formulation.makes)
    if formulation.density_g_per_ml is not None:
        out["density"] = _density_text(formulation.density_g_per_ml)
    for key in ("indication", "container", "storage", "description"):
        value = getattr(formulation, key)
        if value is not None:
            out[key] = value
    if formulation.notes:
        out["notes"] = list(formulation.notes)
    ingredients = []
    for component in formulation.ingredients:
        entry: dict[str, Any] = {"name": component.written_name or component.ingredient.id}
        if component.form is not None:
            entry["form"] = component.form
        entry.update(_strength_or_amount(component))
        if component.expressed_as is not None:
            entry["expressed_as"] = component.expressed_as
        ingredients.append(entry)
    if ingredients:
        out["ingredients"] = ingredients
    excipients = []
    for excipient in formulation.excipients:
        item: dict[str, Any] = {"name": excipient.name, **_strength_or_amount(excipient)}
        if excipient.density_g_per_ml is not None:
            item["density"] = _density_text(excipient.density_g_per_ml)
        excipients.append(item)
    if excipients:
        out["excipients"] = excipients
    return out


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
