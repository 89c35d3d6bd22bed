"""Reading catalog data: TOML files (shipped or the user's) and plain dicts.

Validation happens here, while loading: first the shape (:mod:`._spec`), then the
meaning (strength texts, reference ids, form ids, molecular weight against the
formula). Every error is a :class:`~compoundkit.errors.CatalogError` naming the
file, the entry and the field; a file either loads completely or not at all.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any, Final, TypeVar

from compoundkit._toml import TomlTextError
from compoundkit._toml import parse as parse_toml
from compoundkit.errors import CatalogError, CompoundkitError
from compoundkit.ingredients._model import (
    FLAGS,
    SCHEMA_VERSION,
    Caution,
    Code,
    Evidence,
    Form,
    Ingredient,
    Label,
    Mechanism,
    Note,
    ObservedStrength,
    Physicochemical,
    Range,
    Reference,
    Solubility,
    StrengthRange,
    Use,
    Value,
)

if TYPE_CHECKING:
    from compoundkit.units import Strength

__all__ = ["MW_TOLERANCE", "from_dict", "from_toml", "load_path", "load_shipped"]

#: Largest accepted difference (g/mol) between a recorded and a computed molecular weight.
MW_TOLERANCE: Final = 0.01

#: Largest catalog file read, in bytes (one ingredient's entry is about 10 KB).
MAX_FILE_BYTES: Final = 2_000_000

#: The shipped data files, in catalog order.
SHIPPED: Final = (
    "ketoprofen.toml",
    "cyclobenzaprine.toml",
    "guaifenesin.toml",
    "magnesium-chloride.toml",
)

T = TypeVar("T")
Data = Mapping[str, Any]


class _Entry:
    """Where we are while building one entry: for error messages."""

    def __init__(self, file: str, entry: str, ref_ids: frozenset[str]) -> None:
        self.file = file
        self.entry = entry
        self.ref_ids = ref_ids

    def error(self, field: str, message: str) -> CatalogError:
        return CatalogError(message, file=self.file, entry=self.entry, field=field)

    def sources(self, data: Data, where: str) -> tuple[str, ...]:
        ids = tuple(data.get("sources", ()))
        for index, ref in enumerate(ids):
            if ref not in self.ref_ids:
                known = ", ".join(sorted(self.ref_ids))
                raise self.error(
                    f"{where}.sources[{index}]",
                    f"unknown reference id {ref!r}; this entry's references: {known}",
                )
        return ids

    def strength(self, text: str, where: str) -> Strength:
        from compoundkit.units import Strength

        try:
            return Strength.parse(text)
        except (CompoundkitError, ValueError) as exc:
            reason = str(exc).splitlines()[0]
            raise self.error(where, f"invalid strength {text!r}: {reason}") from None


# --------------------------------------------------------------------------- public


def from_toml(
    text: str, *, file: str = "<string>", origin: str | None = None
) -> tuple[Ingredient, ...]:
    """Parse catalog TOML text into ingredients (validated; nothing is registered).

    >>> from_toml("ingredients = 1", file="x.toml")
    Traceback (most recent call last):
    ...
    compoundkit.errors.CatalogError: file x.toml, field 'ingredients': expected an array of ...
    """
    try:
        data = parse_toml(text)
    except TomlTextError as exc:
        raise CatalogError(str(exc), file=file) from None
    return from_dict(data, file=file, origin=origin)


def load_path(path: str | os.PathLike[str]) -> tuple[Ingredient, ...]:
    """Read and parse a catalog TOML file (validated; nothing is registered)."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise CatalogError(f"cannot read catalog file: {exc.strerror or exc}", file=name) from None
    if len(raw) > MAX_FILE_BYTES:
        raise CatalogError(
            f"catalog file is larger than {MAX_FILE_BYTES // 1_000_000} MB; "
            "split it into one file per ingredient",
            file=name,
        )
    try:
        text = raw.decode("utf-8-sig")  # a leading BOM (as Windows editors write) is dropped
    except UnicodeDecodeError:
        raise CatalogError("not UTF-8 text", file=name) from None
    return from_toml(text, file=name, origin=f"file {name}")


def load_shipped() -> tuple[Ingredient, ...]:
    """The ingredients shipped in ``compoundkit/ingredients/data`` (one TOML file each)."""
    from compoundkit._toml import parse

    package = resources.files("compoundkit.ingredients")
    found: list[Ingredient] = []
    for name in SHIPPED:
        text = package.joinpath("data", name).read_text(encoding="utf-8")
        try:
            data = parse(text)
        except TomlTextError as exc:
            raise CatalogError(str(exc), file=name) from None
        found.extend(from_dict(data, file=name, origin="shipped"))
    return tuple(found)


def from_dict(
    data: object,
    *,
    file: str = "<data>",
    origin: str | None = None,
    shape_checked: bool = False,
) -> tuple[Ingredient, ...]:
    """Build ingredients from a parsed catalog document (TOML or JSON shape).

    All problems in the shape are reported together in one
    :class:`~compoundkit.errors.CatalogError` (named by the first).
    ``shape_checked`` skips that check for data known to pass it (the shipped files).
    """
    problems = []
    if not shape_checked:
        from compoundkit.ingredients import _spec

        problems = list(_spec.validate(_spec.CATALOG, data))
    if problems:
        assert isinstance(data, dict) or problems[0][0] == "(top level)"
        raise _problems_error(problems, data, file)
    assert isinstance(data, dict)
    version = data.get("schema_version", SCHEMA_VERSION)
    if version > SCHEMA_VERSION:
        raise CatalogError(
            f"schema_version {version} is newer than this compoundkit reads "
            f"({SCHEMA_VERSION}); upgrade compoundkit",
            file=file,
            field="schema_version",
        )
    result: list[Ingredient] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(data["ingredients"]):
        ident = entry["id"]
        if ident in seen:
            raise CatalogError(
                f"duplicate id {ident!r} (also entry #{seen[ident] + 1} in this file)",
                file=file,
                entry=ident,
                field=f"ingredients[{index}].id",
            )
        seen[ident] = index
        result.append(_ingredient(entry, file, origin or f"file {file}"))
    return tuple(result)


def _problems_error(problems: Sequence[tuple[str, str]], data: object, file: str) -> CatalogError:
    path, message = problems[0]
    entry, field = _split_path(path, data)
    if len(problems) > 1:
        more = "; ".join(f"{p}: {m}" for p, m in problems[1:6])
        extra = f" ({len(problems) - 6} more)" if len(problems) > 6 else ""
        message += f" [also {len(problems) - 1} other problem(s): {more}{extra}]"
    return CatalogError(message, file=file, entry=entry, field=field)


def _split_path(path: str, data: object) -> tuple[str | None, str]:
    """``ingredients[1].forms[0].cas`` -> (entry id or '#2', 'forms[0].cas')."""
    prefix = "ingredients["
    if not path.startswith(prefix) or "]" not in path:
        return None, path
    close = path.index("]")
    index = int(path[len(prefix) : close])
    rest = path[close + 1 :].lstrip(".") or "(entry)"
    entry = f"#{index + 1}"
    if isinstance(data, dict):
        items = data.get("ingredients")
        if isinstance(items, list) and isinstance(items[index], dict):
            ident = items[index].get("id")
            if isinstance(ident, str) and ident.strip():
                entry = ident
    return entry, rest


# --------------------------------------------------------------------------- builders


def _opt(data: Data, key: str, build: Callable[[Data, str], T], where: str) -> T | None:
    value = data.get(key)
    return None if value is None else build(value, f"{where}.{key}" if where else key)


def _many(data: Data, key: str, build: Callable[[Data, str], T], where: str = "") -> tuple[T, ...]:
    prefix = f"{where}.{key}" if where else key
    return tuple(build(item, f"{prefix}[{i}]") for i, item in enumerate(data.get(key, ())))


def _ingredient(data: Data, file: str, origin: str) -> Ingredient:
    refs = tuple(_reference(item) for item in data["references"])
    ids = [r.id for r in refs]
    ctx = _Entry(file, data["id"], frozenset(ids))
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ctx.error("references", f"duplicate reference ids: {', '.join(duplicated)}")

    def note(d: Data, where: str) -> Note:
        return Note(d["topic"], d["text"], ctx.sources(d, where), d.get("verify", False))

    def text_fact(topic: str) -> Callable[[Data, str], Note]:
        def build(d: Data, where: str) -> Note:
            return Note(topic, d["text"], ctx.sources(d, where), d.get("verify", False))

        return build

    def value(d: Data, where: str) -> Value:
        return Value(
            float(d["value"]),
            ctx.sources(d, where),
            d.get("unit"),
            d.get("approximate", False),
            d.get("note"),
            d.get("verify", False),
        )

    def range_(d: Data, where: str) -> Range:
        if d["high"] < d["low"]:
            raise ctx.error(f"{where}.high", f"high {d['high']} is below low {d['low']}")
        return Range(
            float(d["low"]),
            float(d["high"]),
            ctx.sources(d, where),
            d.get("unit"),
            d.get("approximate", False),
            d.get("note"),
            d.get("verify", False),
        )

    def use(d: Data, where: str) -> Use:
        return Use(
            condition=d["condition"],
            route=d["route"],
            evidence=Evidence(d["evidence"]),
            summary=d["summary"],
            sources=ctx.sources(d, where),
            keywords=d.get("keywords", ()),
            claim=d.get("claim", False),
            dosing=d.get("dosing"),
            note=d.get("note"),
            verify=d.get("verify", False),
        )

    forms = _many(data, "forms", lambda d, where: _form(d, where, ctx))
    form_ids = [f.id for f in forms]
    if len(set(form_ids)) != len(form_ids):
        raise ctx.error("forms", f"duplicate form ids: {form_ids}")

    def form_id(d: Data, where: str, key: str = "form") -> str | None:
        ident = d.get(key)
        if ident is not None and ident not in form_ids:
            raise ctx.error(f"{where}.{key}", f"{ident!r} is not a form id; forms: {form_ids}")
        return ident

    def strength_range(d: Data, where: str) -> StrengthRange:
        low = d.get("low")
        unusual = d.get("unusual_above")
        if d["sourced"] is True and not d.get("sources"):
            raise ctx.error(f"{where}.sources", "a sourced range needs its sources")
        try:
            return StrengthRange(
                high=ctx.strength(d["high"], f"{where}.high"),
                form=form_id(d, where),
                sourced=d["sourced"],
                sources=ctx.sources(d, where),
                low=None if low is None else ctx.strength(low, f"{where}.low"),
                route=d.get("route", "topical"),
                unusual_above=None
                if unusual is None
                else ctx.strength(unusual, f"{where}.unusual_above"),
                note=d.get("note"),
                verify=d.get("verify", False),
            )
        except CatalogError as exc:
            if exc.file is not None:
                raise
            raise ctx.error(f"{where}.{exc.field or 'low'}", str(exc)) from None
        except (CompoundkitError, ValueError) as exc:
            raise ctx.error(where, str(exc)) from None

    def observed(d: Data, where: str) -> ObservedStrength:
        return ObservedStrength(
            strength=ctx.strength(d["strength"], f"{where}.strength"),
            sources=ctx.sources(d, where),
            form=form_id(d, where),
            dosage_form=d.get("dosage_form"),
            vehicle=d.get("vehicle"),
            note=d.get("note"),
            verify=d.get("verify", False),
        )

    typical = _opt(data, "typical_strength", strength_range, "")
    if typical is not None and typical.low is None:
        raise ctx.error("typical_strength.low", "a typical range needs both low and high")
    if data["default_form"] not in form_ids:
        raise ctx.error(
            "default_form", f"{data['default_form']!r} is not a form id; forms: {form_ids}"
        )

    pc = data["physicochemical"]
    flags: dict[str, bool] = {}
    flag_notes: list[Note] = []
    for flag in FLAGS:
        if flag in pc:
            flags[flag] = pc[flag]["value"]
            flag_notes.append(text_fact(flag)(pc[flag], f"physicochemical.{flag}"))
    physicochemical = Physicochemical(
        **flags,
        description=_opt(pc, "description", text_fact("description"), "physicochemical"),
        melting_point=_opt(pc, "melting_point", range_, "physicochemical"),
        pka=_opt(pc, "pka", value, "physicochemical"),
        logp=_opt(pc, "logp", value, "physicochemical"),
        solution_ph=_opt(pc, "solution_ph", range_, "physicochemical"),
        solubility=_many(
            pc,
            "solubility",
            lambda d, w: Solubility(
                d["solvent"], d["text"], ctx.sources(d, w), d.get("verify", False)
            ),
            "physicochemical",
        ),
        storage=_opt(pc, "storage", text_fact("storage"), "physicochemical"),
        flag_notes=tuple(flag_notes),
        notes=_many(pc, "notes", note, "physicochemical"),
    )
    valence = data.get("valence")
    mech = data["mechanism"]
    try:
        return Ingredient(
            id=data["id"],
            name=data["name"],
            drug_class=data["drug_class"],
            mechanism=Mechanism(
                mech["summary"], ctx.sources(mech, "mechanism"), mech.get("targets", ())
            ),
            uses=_many(data, "uses", use),
            forms=forms,
            default_form=data["default_form"],
            physicochemical=physicochemical,
            references=refs,
            synonyms=data.get("synonyms", ()),
            misspellings=data.get("misspellings", ()),
            trade_names=data.get("trade_names", ()),
            confusable_names=data.get("confusable_names", ()),
            class_terms=data.get("class_terms", ()),
            typical_strength=typical,
            max_strength=_opt(data, "max_strength", strength_range, ""),
            strengths_seen=_many(data, "strengths_seen", observed),
            strength_form_required=data.get("strength_form_required", False),
            valence=None if valence is None else valence["value"],
            valence_sources=() if valence is None else ctx.sources(valence, "valence"),
            cautions=_many(
                data,
                "cautions",
                lambda d, w: Caution(
                    d["category"], d["text"], ctx.sources(d, w), d.get("verify", False)
                ),
            ),
            auxiliary_labels=_many(
                data,
                "auxiliary_labels",
                lambda d, w: Label(d["text"], ctx.sources(d, w), d.get("reason")),
            ),
            formulation_notes=_many(data, "formulation_notes", note),
            notes=_many(data, "notes", note),
            codes=_many(
                data,
                "codes",
                lambda d, w: Code(d["system"], d["code"], ctx.sources(d, w), d.get("note")),
            ),
            origin=origin,
        )
    except CatalogError as exc:
        if exc.file is not None:
            raise
        raise ctx.error(exc.field or "(entry)", str(exc).split(": ", 1)[-1]) from None


def _reference(d: Data) -> Reference:
    return Reference(
        id=d["id"],
        citation=d["citation"],
        kind=d["kind"],
        url=d.get("url"),
        doi=d.get("doi"),
        pubmed=d.get("pubmed"),
        pmc=d.get("pmc"),
        note=d.get("note"),
        verify=d.get("verify", False),
    )


def _form(d: Data, where: str, ctx: _Entry) -> Form:
    from compoundkit.ingredients._chem import FormulaError, molecular_weight

    try:
        computed = molecular_weight(d["formula"])
    except FormulaError as exc:
        raise ctx.error(f"{where}.formula", str(exc)) from None
    recorded = float(d["molecular_weight"])
    if abs(recorded - computed) > MW_TOLERANCE:
        raise ctx.error(
            f"{where}.molecular_weight",
            f"recorded {recorded:g} g/mol disagrees with {computed:.3f} g/mol computed from "
            f"{d['formula']!r} (more than {MW_TOLERANCE} g/mol apart)",
        )
    exported = d.get("computed_molecular_weight")
    if exported is not None and abs(exported - computed) > 1e-6:
        raise ctx.error(
            f"{where}.computed_molecular_weight",
            f"{exported!r} is not the {computed!r} g/mol compoundkit computes from the formula",
        )
    return Form(
        id=d["id"],
        name=d["name"],
        formula=d["formula"],
        molecular_weight=recorded,
        computed_molecular_weight=computed,
        sources=ctx.sources(d, where),
        aliases=d.get("aliases", ()),
        cas=d.get("cas"),
        unii=d.get("unii"),
        pubchem_cid=d.get("pubchem_cid"),
        chemical_name=d.get("chemical_name"),
        moiety_count=d.get("moiety_count", 1),
        description=d.get("description"),
        note=d.get("note"),
        verify=d.get("verify", False),
    )
