"""Serialisation at the edge: ingredients to plain dicts in the catalog data format.

The dicts follow the same format as the shipped TOML files (see ``data/README.md``)
plus each form's ``computed_molecular_weight``, so an export loads back equal and
validates against ``catalog.schema.json``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Final

from compoundkit.ingredients import _spec
from compoundkit.ingredients._model import (
    Form,
    Ingredient,
    Note,
    ObservedStrength,
    Range,
    StrengthRange,
    Value,
)
from compoundkit.notices import CATALOG_DISCLAIMER

__all__ = ["DISCLAIMER", "export_dict", "ingredient_to_dict", "iter_sources"]

DISCLAIMER: Final = CATALOG_DISCLAIMER


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Drop None, empty tuples and False defaults so exports stay close to the TOML."""
    return {
        k: v for k, v in data.items() if v is not None and v != () and v != [] and v is not False
    }


def _note(note: Note, *, topic: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {"text": note.text, "sources": list(note.sources)}
    if topic:
        data = {"topic": note.topic, **data}
    return _clean({**data, "verify": note.verify})


def _value(v: Value) -> dict[str, Any]:
    return _clean(
        {
            "value": v.value,
            "unit": v.unit,
            "approximate": v.approximate,
            "sources": list(v.sources),
            "note": v.note,
            "verify": v.verify,
        }
    )


def _range(r: Range) -> dict[str, Any]:
    return _clean(
        {
            "low": r.low,
            "high": r.high,
            "unit": r.unit,
            "approximate": r.approximate,
            "sources": list(r.sources),
            "note": r.note,
            "verify": r.verify,
        }
    )


def _form(f: Form) -> dict[str, Any]:
    return _clean(
        {
            "id": f.id,
            "name": f.name,
            "aliases": list(f.aliases),
            "formula": f.formula,
            "molecular_weight": f.molecular_weight,
            "computed_molecular_weight": f.computed_molecular_weight,
            "cas": f.cas,
            "unii": f.unii,
            "pubchem_cid": f.pubchem_cid,
            "chemical_name": f.chemical_name,
            "moiety_count": None if f.moiety_count == 1 else f.moiety_count,
            "description": f.description,
            "sources": list(f.sources),
            "note": f.note,
            "verify": f.verify,
        }
    )


def _strength_range(r: StrengthRange) -> dict[str, Any]:
    data = _clean(
        {
            "low": None if r.low is None else str(r.low),
            "high": str(r.high),
            "form": r.form,
            "route": r.route,
            "unusual_above": None if r.unusual_above is None else str(r.unusual_above),
            "sources": list(r.sources),
            "note": r.note,
            "verify": r.verify,
        }
    )
    data["sourced"] = r.sourced
    return data


def _observed(o: ObservedStrength) -> dict[str, Any]:
    return _clean(
        {
            "strength": str(o.strength),
            "form": o.form,
            "dosage_form": o.dosage_form,
            "vehicle": o.vehicle,
            "sources": list(o.sources),
            "note": o.note,
            "verify": o.verify,
        }
    )


def ingredient_to_dict(ing: Ingredient) -> dict[str, Any]:
    """``ing`` as a dict in the catalog data format (JSON- and TOML-ready)."""
    pc = ing.physicochemical
    physicochemical: dict[str, Any] = {}
    if pc.description is not None:
        physicochemical["description"] = _note(pc.description, topic=False)
    for key in ("melting_point", "solution_ph"):
        rng = getattr(pc, key)
        if rng is not None:
            physicochemical[key] = _range(rng)
    for key in ("pka", "logp"):
        val = getattr(pc, key)
        if val is not None:
            physicochemical[key] = _value(val)
    if pc.solubility:
        physicochemical["solubility"] = [
            _clean(
                {
                    "solvent": s.solvent,
                    "text": s.text,
                    "sources": list(s.sources),
                    "verify": s.verify,
                }
            )
            for s in pc.solubility
        ]
    if pc.storage is not None:
        physicochemical["storage"] = _note(pc.storage, topic=False)
    for flag_note in pc.flag_notes:
        physicochemical[flag_note.topic] = {
            "value": getattr(pc, flag_note.topic),
            **_note(flag_note, topic=False),
        }
    if pc.notes:
        physicochemical["notes"] = [_note(n) for n in pc.notes]
    data: dict[str, Any] = {
        "id": ing.id,
        "name": ing.name,
        "synonyms": list(ing.synonyms),
        "misspellings": list(ing.misspellings),
        "trade_names": list(ing.trade_names),
        "confusable_names": list(ing.confusable_names),
        "drug_class": ing.drug_class,
        "class_terms": list(ing.class_terms),
        "default_form": ing.default_form,
        "strength_form_required": ing.strength_form_required,
        "valence": None
        if ing.valence is None
        else {"value": ing.valence, "sources": list(ing.valence_sources)},
        "mechanism": _clean(
            {
                "summary": ing.mechanism.summary,
                "targets": list(ing.mechanism.targets),
                "sources": list(ing.mechanism.sources),
            }
        ),
        "uses": [
            _clean(
                {
                    "condition": u.condition,
                    "route": u.route,
                    "evidence": u.evidence.value,
                    "summary": u.summary,
                    "keywords": list(u.keywords),
                    "claim": u.claim,
                    "dosing": u.dosing,
                    "sources": list(u.sources),
                    "note": u.note,
                    "verify": u.verify,
                }
            )
            for u in ing.uses
        ],
        "forms": [_form(f) for f in ing.forms],
        "typical_strength": None
        if ing.typical_strength is None
        else _strength_range(ing.typical_strength),
        "max_strength": None if ing.max_strength is None else _strength_range(ing.max_strength),
        "strengths_seen": [_observed(o) for o in ing.strengths_seen],
        "physicochemical": physicochemical,
        "cautions": [
            _clean(
                {
                    "category": c.category,
                    "text": c.text,
                    "sources": list(c.sources),
                    "verify": c.verify,
                }
            )
            for c in ing.cautions
        ],
        "auxiliary_labels": [
            _clean({"text": lb.text, "reason": lb.reason, "sources": list(lb.sources)})
            for lb in ing.auxiliary_labels
        ],
        "formulation_notes": [_note(n) for n in ing.formulation_notes],
        "notes": [_note(n) for n in ing.notes],
        "codes": [
            _clean({"system": c.system, "code": c.code, "sources": list(c.sources), "note": c.note})
            for c in ing.codes
        ],
        "references": [
            _clean(
                {
                    "id": r.id,
                    "citation": r.citation,
                    "kind": r.kind,
                    "url": r.url,
                    "doi": r.doi,
                    "pubmed": r.pubmed,
                    "pmc": r.pmc,
                    "note": r.note,
                    "verify": r.verify,
                }
            )
            for r in ing.references
        ],
    }
    cleaned = _clean(data)
    cleaned["physicochemical"] = physicochemical  # required, even when empty
    return cleaned


def export_dict(ingredients: Iterable[Ingredient]) -> dict[str, Any]:
    """A whole catalog document: schema version, disclaimer and every ingredient."""
    from compoundkit import __version__

    return {
        "schema_version": _spec.SCHEMA_VERSION,
        "generator": f"compoundkit {__version__}",
        "disclaimer": DISCLAIMER,
        "ingredients": [ingredient_to_dict(ing) for ing in ingredients],
    }


def iter_sources(ing: Ingredient) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Yield ``(what, sources)`` for every sourced fact of ``ing``."""
    yield "mechanism", ing.mechanism.sources
    for u in ing.uses:
        yield f"use {u.condition!r}", u.sources
    for f in ing.forms:
        yield f"form {f.id!r}", f.sources
    for label, rng in (
        ("typical_strength", ing.typical_strength),
        ("max_strength", ing.max_strength),
    ):
        if rng is not None:
            yield label, rng.sources
    for o in ing.strengths_seen:
        yield f"strength seen {o.strength}", o.sources
    if ing.valence is not None:
        yield "valence", ing.valence_sources
    pc = ing.physicochemical
    for key in ("description", "melting_point", "pka", "logp", "solution_ph", "storage"):
        fact = getattr(pc, key)
        if fact is not None:
            yield key, fact.sources
    for s in pc.solubility:
        yield f"solubility in {s.solvent}", s.sources
    for n in (*pc.flag_notes, *pc.notes, *ing.formulation_notes, *ing.notes):
        yield n.topic, n.sources
    for c in ing.cautions:
        yield f"caution {c.text[:30]!r}", c.sources
    for lb in ing.auxiliary_labels:
        yield f"label {lb.text!r}", lb.sources
    for code in ing.codes:
        yield f"code {code.system} {code.code}", code.sources
