"""The catalog data format, declared once.

The same declaration validates TOML data while loading (:func:`validate`, which
reports ``field.path: message`` problems) and generates the published JSON Schema
(:func:`json_schema`), so the two cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Final

from attrs import frozen

from compoundkit.ingredients._model import FLAGS, SCHEMA_VERSION

__all__ = [
    "CATALOG",
    "INGREDIENT",
    "SCHEMA_VERSION",
    "Spec",
    "Table",
    "json_schema",
    "render_schema",
    "validate",
]

ID_PATTERN: Final = r"^[a-z0-9]+(-[a-z0-9]+)*$"
CAS_PATTERN: Final = r"^[0-9]{2,7}-[0-9]{2}-[0-9]$"
UNII_PATTERN: Final = r"^[0-9A-Z]{10}$"
EVIDENCE: Final = ("established", "limited", "theoretical", "unsupported")
REFERENCE_KINDS: Final = (
    "monograph",
    "label",
    "regulatory",
    "review",
    "trial",
    "study",
    "database",
    "compendium",
    "standard",
    "secondary",
    "marketing",
)
CAUTION_CATEGORIES: Final = (
    "contraindication",
    "interaction",
    "warning",
    "adverse-effect",
    "precaution",
)


@frozen
class Spec:
    """One field: its TOML key, kind, whether it is required, and a docstring.

    ``kind`` is one of ``str``, ``int``, ``number``, ``bool``, ``strength`` (text in
    compoundkit's strength grammar), ``list[str]``, ``table`` or ``list[table]``.
    """

    name: str
    kind: str
    doc: str
    required: bool = True
    table: Table | None = None
    pattern: str | None = None
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    exclusive_minimum: float | None = None
    min_items: int | None = None


@frozen
class Table:
    """A TOML table (JSON object): named fields, no others allowed."""

    title: str
    doc: str
    fields: tuple[Spec, ...]


def _sources(required: bool = True) -> Spec:
    return Spec(
        "sources",
        "list[str]",
        "Ids of entries in this ingredient's references that back the fact.",
        required=required,
        min_items=1 if required else None,
    )


_VERIFY: Final = Spec(
    "verify", "bool", "True when the fact still needs confirmation from a primary source.", False
)
_NOTE: Final = Spec("note", "str", "Free-text remark.", False)

NOTE: Final = Table(
    "Note",
    "A sourced statement in words.",
    (
        Spec("topic", "str", "What the note is about (storage, handling, pharmacokinetics...)."),
        Spec("text", "str", "The statement."),
        _sources(),
        _VERIFY,
    ),
)
TEXT_FACT: Final = Table(
    "TextFact",
    "A sourced statement in words (topic implied by the key).",
    (Spec("text", "str", "The statement."), _sources(), _VERIFY),
)
FLAG: Final = Table(
    "Flag",
    "A sourced yes/no property used by the formulation rules; absent means not recorded.",
    (
        Spec("value", "bool", "Whether the property holds."),
        Spec("text", "str", "The fact in words."),
        _sources(),
        _VERIFY,
    ),
)
VALUE: Final = Table(
    "Value",
    "A sourced number.",
    (
        Spec("value", "number", "The number."),
        Spec("unit", "str", "Unit (pint name); omit when dimensionless.", False),
        Spec("approximate", "bool", "True when the source gives an approximate value.", False),
        _sources(),
        _NOTE,
        _VERIFY,
    ),
)
RANGE: Final = Table(
    "Range",
    "A sourced range of numbers.",
    (
        Spec("low", "number", "Lower end."),
        Spec("high", "number", "Upper end (>= low)."),
        Spec("unit", "str", "Unit (pint name, e.g. degC); omit when dimensionless.", False),
        Spec("approximate", "bool", "True when the source gives approximate values.", False),
        _sources(),
        _NOTE,
        _VERIFY,
    ),
)
SOLUBILITY: Final = Table(
    "Solubility",
    "Solubility in one solvent, in the source's terms.",
    (
        Spec("solvent", "str", "The solvent."),
        Spec("text", "str", "How soluble, e.g. '1 g in 0.6 mL' or 'freely soluble'."),
        _sources(),
        _VERIFY,
    ),
)
PHYSICOCHEMICAL: Final = Table(
    "Physicochemical",
    "Physical and chemical facts; flags are booleans the formulation rules use.",
    (
        Spec("description", "table", "Appearance.", False, table=TEXT_FACT),
        Spec("melting_point", "table", "Melting range in degC.", False, table=RANGE),
        Spec("pka", "table", "Acid dissociation constant.", False, table=VALUE),
        Spec("logp", "table", "Octanol/water partition coefficient (log).", False, table=VALUE),
        Spec("solution_ph", "table", "pH of a stated solution.", False, table=RANGE),
        Spec("solubility", "list[table]", "Solubility by solvent.", False, table=SOLUBILITY),
        Spec("storage", "table", "Storage requirement.", False, table=TEXT_FACT),
        *(Spec(flag, "table", f"Flag: {flag}.", False, table=FLAG) for flag in FLAGS),
        Spec("notes", "list[table]", "Other physicochemical notes.", False, table=NOTE),
    ),
)
MECHANISM: Final = Table(
    "Mechanism",
    "How the drug works.",
    (
        Spec("summary", "str", "The mechanism in words."),
        Spec("targets", "list[str]", "Receptors, enzymes or sites named.", False),
        _sources(),
    ),
)
USE: Final = Table(
    "Use",
    "A use with its evidence grade; claims are promotional statements, never indications.",
    (
        Spec("condition", "str", "Condition or purpose."),
        Spec("route", "str", "Route (topical, oral, ...)."),
        Spec("evidence", "str", "Evidence grade.", enum=EVIDENCE),
        Spec("summary", "str", "What the evidence says, in words."),
        Spec("keywords", "list[str]", "Search terms (conditions) this use answers to.", False),
        Spec("claim", "bool", "True for an unsupported promotional claim.", False),
        Spec("dosing", "str", "Dosing as given by the source.", False),
        _sources(),
        _NOTE,
        _VERIFY,
    ),
)
FORM: Final = Table(
    "Form",
    "A chemical form: base/free acid, salt, hydrate, or the moiety itself.",
    (
        Spec("id", "str", "Form id, unique within the ingredient.", pattern=ID_PATTERN),
        Spec("name", "str", "Display name."),
        Spec("aliases", "list[str]", "Other names this form answers to.", False),
        Spec("formula", "str", "Molecular formula in molmass syntax (hydrates with '.')."),
        Spec(
            "molecular_weight",
            "number",
            "Recorded molecular weight in g/mol; must agree with the formula within 0.01.",
            exclusive_minimum=0,
        ),
        Spec(
            "computed_molecular_weight",
            "number",
            "Exports only: g/mol computed from the formula by compoundkit (checked on load).",
            False,
            exclusive_minimum=0,
        ),
        Spec("cas", "str", "CAS registry number.", False, pattern=CAS_PATTERN),
        Spec("unii", "str", "FDA UNII.", False, pattern=UNII_PATTERN),
        Spec("pubchem_cid", "int", "PubChem compound id.", False, minimum=1),
        Spec("chemical_name", "str", "Systematic name.", False),
        Spec(
            "moiety_count",
            "int",
            "Moles of the parent moiety per mole of this form (default 1).",
            False,
            minimum=1,
        ),
        Spec("description", "str", "What this form is and when it is used.", False),
        _sources(),
        _NOTE,
        _VERIFY,
    ),
)
STRENGTH_RANGE: Final = Table(
    "StrengthRange",
    "A strength range in compoundkit's strength grammar; numbers with their sources.",
    (
        Spec("low", "strength", "Lower end (required for a typical range).", False),
        Spec("high", "strength", "Upper end (or the maximum)."),
        Spec("form", "str", "Id of the form the strengths are expressed as.", False),
        Spec("route", "str", "Route (default topical).", False),
        Spec("sourced", "bool", "False when no published source backs the numbers."),
        Spec("unusual_above", "strength", "Note-level threshold (not a maximum).", False),
        _sources(),
        _NOTE,
        _VERIFY,
    ),
)
OBSERVED_STRENGTH: Final = Table(
    "ObservedStrength",
    "A strength reported in use, not a recommendation.",
    (
        Spec("strength", "strength", "The strength, as reported (basis may be unstated)."),
        Spec("form", "str", "Id of the form, when the source states it.", False),
        Spec("dosage_form", "str", "Dosage form (gel, cream...).", False),
        Spec("vehicle", "str", "Vehicle named by the source.", False),
        _sources(),
        _NOTE,
        _VERIFY,
    ),
)
CAUTION: Final = Table(
    "Caution",
    "A contraindication, interaction, warning, precaution or adverse effect.",
    (
        Spec("category", "str", "Kind of caution.", enum=CAUTION_CATEGORIES),
        Spec("text", "str", "The caution in words."),
        _sources(),
        _VERIFY,
    ),
)
LABEL: Final = Table(
    "Label",
    "An auxiliary label for the container.",
    (
        Spec("text", "str", "Label text."),
        Spec("reason", "str", "Why it is needed.", False),
        _sources(),
    ),
)
CODE: Final = Table(
    "Code",
    "A classification or registry code.",
    (
        Spec("system", "str", "Code system (ATC, ATCvet, PubChem CID, DrugBank...)."),
        Spec("code", "str", "The code."),
        _sources(),
        _NOTE,
    ),
)
REFERENCE: Final = Table(
    "Reference",
    "A source that facts cite by id.",
    (
        Spec("id", "str", "Reference id, unique within the ingredient.", pattern=ID_PATTERN),
        Spec("citation", "str", "Citation in words."),
        Spec("kind", "str", "Kind of source.", enum=REFERENCE_KINDS),
        Spec("url", "str", "Web address.", False, pattern=r"^https://"),
        Spec("doi", "str", "DOI.", False, pattern=r"^10\.[0-9]+/"),
        Spec("pubmed", "str", "PubMed id.", False, pattern=r"^[0-9]+$"),
        Spec("pmc", "str", "PubMed Central id.", False, pattern=r"^PMC[0-9]+$"),
        _NOTE,
        _VERIFY,
    ),
)
VALENCE: Final = Table(
    "Valence",
    "Charge of the moiety ion, for milliequivalents.",
    (Spec("value", "int", "Valence (e.g. 2 for Mg2+).", minimum=1), _sources()),
)
INGREDIENT: Final = Table(
    "Ingredient",
    "One active ingredient.",
    (
        Spec("id", "str", "Catalog id (lowercase, hyphens).", pattern=ID_PATTERN),
        Spec("name", "str", "Display name."),
        Spec("synonyms", "list[str]", "Other names (lookups accept them).", False),
        Spec("misspellings", "list[str]", "Known misspellings (lookups accept them).", False),
        Spec("trade_names", "list[str]", "Brand names (lookups accept them).", False),
        Spec(
            "confusable_names",
            "list[str]",
            "Different drugs easily confused with this one (never accepted by lookups).",
            False,
        ),
        Spec("drug_class", "str", "Drug class in words."),
        Spec("class_terms", "list[str]", "Class search terms (NSAID, muscle relaxant...).", False),
        Spec("default_form", "str", "Id of the form compounders weigh."),
        Spec(
            "strength_form_required",
            "bool",
            "True when a strength must state the form (e.g. hexahydrate or anhydrous).",
            False,
        ),
        Spec("valence", "table", "Ion valence, for mEq.", False, table=VALENCE),
        Spec("mechanism", "table", "Mechanism of action.", table=MECHANISM),
        Spec("uses", "list[table]", "Uses with evidence grades.", table=USE, min_items=1),
        Spec("forms", "list[table]", "Chemical forms.", table=FORM, min_items=1),
        Spec("typical_strength", "table", "Typical topical range.", False, table=STRENGTH_RANGE),
        Spec("max_strength", "table", "Sourced maximum strength.", False, table=STRENGTH_RANGE),
        Spec(
            "strengths_seen",
            "list[table]",
            "Strengths reported in use.",
            False,
            table=OBSERVED_STRENGTH,
        ),
        Spec("physicochemical", "table", "Physical and chemical facts.", table=PHYSICOCHEMICAL),
        Spec("cautions", "list[table]", "Cautions.", False, table=CAUTION),
        Spec("auxiliary_labels", "list[table]", "Auxiliary labels.", False, table=LABEL),
        Spec("formulation_notes", "list[table]", "Compounding advice.", False, table=NOTE),
        Spec("notes", "list[table]", "Other sourced notes.", False, table=NOTE),
        Spec("codes", "list[table]", "ATC and registry codes.", False, table=CODE),
        Spec("references", "list[table]", "Sources.", table=REFERENCE, min_items=1),
    ),
)
CATALOG: Final = Table(
    "Catalog",
    "A compoundkit ingredient catalog file (TOML) or export (JSON).",
    (
        Spec("schema_version", "int", "Data format version (1).", False, minimum=1),
        Spec("disclaimer", "str", "Statement of what the data is for.", False),
        Spec("generator", "str", "Program that wrote an export.", False),
        Spec("ingredients", "list[table]", "The ingredients.", table=INGREDIENT, min_items=1),
    ),
)

_PY_TYPES: Final[dict[str, tuple[type, ...]]] = {
    "str": (str,),
    "strength": (str,),
    "int": (int,),
    "number": (int, float),
    "bool": (bool,),
    "table": (dict,),
}
_TYPE_WORDS: Final = {
    "str": "a string",
    "strength": "a strength text such as '10 % w/w'",
    "int": "an integer",
    "number": "a number",
    "bool": "true or false",
    "table": "a table",
    "list[str]": "an array of strings",
    "list[table]": "an array of tables",
}


def _is(value: object, kind: str) -> bool:
    if kind in ("int", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _PY_TYPES[kind])


def validate(table: Table, data: object, path: str = "") -> Iterator[tuple[str, str]]:
    """Yield ``(field path, message)`` for every way ``data`` breaks ``table``.

    >>> list(validate(VALENCE, {"value": "2", "sources": []}))
    [('value', "expected an integer, got str '2'"), ('sources', 'needs at least 1 item(s)')]
    """
    if not isinstance(data, dict):
        yield path or "(top level)", f"expected a table, got {type(data).__name__}"
        return
    known = {spec.name for spec in table.fields}
    for key in data:
        if key not in known:
            allowed = ", ".join(sorted(known))
            yield _join(path, str(key)), f"unknown field; allowed in {table.title}: {allowed}"
    for spec in table.fields:
        where = _join(path, spec.name)
        if spec.name not in data:
            if spec.required:
                yield where, f"missing required field ({_TYPE_WORDS[spec.kind]})"
            continue
        yield from _validate_value(spec, data[spec.name], where)


def _validate_value(spec: Spec, value: object, where: str) -> Iterator[tuple[str, str]]:
    if spec.kind.startswith("list["):
        item_kind = spec.kind[5:-1]
        if not isinstance(value, list):
            yield where, f"expected {_TYPE_WORDS[spec.kind]}, got {_describe(value)}"
            return
        if spec.min_items is not None and len(value) < spec.min_items:
            yield where, f"needs at least {spec.min_items} item(s)"
        for index, item in enumerate(value):
            item_where = f"{where}[{index}]"
            if item_kind == "table":
                assert spec.table is not None
                yield from validate(spec.table, item, item_where)
            elif not _is(item, item_kind):
                yield item_where, f"expected {_TYPE_WORDS[item_kind]}, got {_describe(item)}"
            elif item_kind == "str" and not item.strip():
                yield item_where, "must not be empty"
        return
    if not _is(value, spec.kind):
        yield where, f"expected {_TYPE_WORDS[spec.kind]}, got {_describe(value)}"
        return
    if spec.kind == "table":
        assert spec.table is not None
        yield from validate(spec.table, value, where)
        return
    if isinstance(value, str):
        if not value.strip():
            yield where, "must not be empty"
        elif spec.pattern is not None and not re.search(spec.pattern, value):
            yield where, f"{value!r} does not match the pattern {spec.pattern}"
        elif spec.enum is not None and value not in spec.enum:
            yield where, f"{value!r} is not allowed; allowed: {', '.join(spec.enum)}"
    elif isinstance(value, int | float):
        if isinstance(value, int) and spec.kind == "number" and value.bit_length() > 1000:
            yield where, "must be a finite number, not an integer too large for a float"
        elif value != value or value in (float("inf"), float("-inf")):
            yield where, f"must be a finite number, not {value!r}"
        elif spec.minimum is not None and value < spec.minimum:
            yield where, f"must be at least {spec.minimum:g}, not {value!r}"
        elif spec.exclusive_minimum is not None and value <= spec.exclusive_minimum:
            yield where, f"must be above {spec.exclusive_minimum:g}, not {value!r}"


def _describe(value: object) -> str:
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(value).__name__} {text}"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# --------------------------------------------------------------------------- JSON Schema


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the catalog format, built from the declaration.

    >>> json_schema()["$defs"]["Use"]["properties"]["evidence"]["enum"]
    ['established', 'limited', 'theoretical', 'unsupported']
    """
    defs: dict[str, Any] = {}
    root = _table_schema(CATALOG, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "compoundkit ingredient catalog",
        **root,
        "$defs": dict(sorted(defs.items())),
    }


def _table_schema(table: Table, defs: dict[str, Any]) -> dict[str, Any]:
    properties = {spec.name: _spec_schema(spec, defs) for spec in table.fields}
    return {
        "description": table.doc,
        "type": "object",
        "properties": properties,
        "required": [spec.name for spec in table.fields if spec.required],
        "additionalProperties": False,
    }


def _ref(table: Table, defs: dict[str, Any]) -> dict[str, Any]:
    if table.title not in defs:
        defs[table.title] = {}  # placeholder: stops recursion
        defs[table.title] = _table_schema(table, defs)
    return {"$ref": f"#/$defs/{table.title}"}


def _scalar_schema(kind: str) -> dict[str, Any]:
    schemas: dict[str, dict[str, Any]] = {
        "str": {"type": "string", "minLength": 1},
        "strength": {"type": "string", "minLength": 1, "maxLength": 100},
        "int": {"type": "integer"},
        "number": {"type": "number"},
        "bool": {"type": "boolean"},
    }
    return schemas[kind]


def _spec_schema(spec: Spec, defs: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any]
    if spec.kind == "table":
        assert spec.table is not None
        return {"description": spec.doc, **_ref(spec.table, defs)}
    if spec.kind.startswith("list["):
        item_kind = spec.kind[5:-1]
        if item_kind == "table":
            assert spec.table is not None
            items = _ref(spec.table, defs)
        else:
            items = _scalar_schema(item_kind)
        schema = {"type": "array", "items": items}
        if spec.min_items is not None:
            schema["minItems"] = spec.min_items
    else:
        schema = dict(_scalar_schema(spec.kind))
        if spec.pattern is not None:
            schema["pattern"] = spec.pattern
        if spec.enum is not None:
            schema["enum"] = list(spec.enum)
        if spec.minimum is not None:
            schema["minimum"] = spec.minimum
        if spec.exclusive_minimum is not None:
            schema["exclusiveMinimum"] = spec.exclusive_minimum
    return {"description": spec.doc, **schema}


def render_schema() -> str:
    """The JSON Schema as the text shipped in ``catalog.schema.json``."""
    import json

    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def _main() -> None:
    """Regenerate ``catalog.schema.json`` next to this module.

    Run ``python -m compoundkit.ingredients._spec`` after changing the format.
    """
    from pathlib import Path

    target = Path(__file__).with_name("catalog.schema.json")
    target.write_text(render_schema(), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    _main()
