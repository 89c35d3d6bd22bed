"""Properties of the catalog: conversion factors invert and compose; lookup ignores
case, spacing, hyphens and underscores for every known name; exports load back equal."""

from __future__ import annotations

import json
import math

import tomli_w
from hypothesis import given
from hypothesis import strategies as st

from compoundkit import ingredients
from compoundkit.ingredients import Catalog, Form, Ingredient

CATALOG = Catalog(entry_points=False)
INGREDIENTS = CATALOG.all()
NAMES = sorted({(name, ing.id) for ing in INGREDIENTS for name in ing.names()})


@st.composite
def form_triples(draw: st.DrawFn) -> tuple[Form, Form, Form]:
    ing: Ingredient = draw(st.sampled_from(INGREDIENTS))
    a, b, c = (draw(st.sampled_from(ing.forms)) for _ in range(3))
    return a, b, c


@given(form_triples())
def test_factor_inverse(forms: tuple[Form, Form, Form]) -> None:
    a, b, _ = forms
    assert math.isclose(a.factor_to(b) * b.factor_to(a), 1.0, rel_tol=1e-12)


@given(form_triples())
def test_factor_transitive(forms: tuple[Form, Form, Form]) -> None:
    a, b, c = forms
    assert math.isclose(a.factor_to(b) * b.factor_to(c), a.factor_to(c), rel_tol=1e-12)


@given(st.sampled_from(INGREDIENTS).flatmap(lambda ing: st.sampled_from(ing.forms)))
def test_factor_to_self_is_one(form: Form) -> None:
    assert form.factor_to(form) == 1.0


@st.composite
def name_variants(draw: st.DrawFn) -> tuple[str, str]:
    name, ident = draw(st.sampled_from(NAMES))
    out = []
    for ch in name:
        if ch in " -_":
            ch = draw(st.sampled_from(["", " ", "-", "_", "  ", " - "]))
        elif ch.isalpha():
            ch = ch.upper() if draw(st.booleans()) else ch.lower()
        out.append(ch)
        if draw(st.integers(0, 9)) == 0:
            out.append(draw(st.sampled_from([" ", "-", "_"])))
    padding = draw(st.sampled_from(["", " ", "  ", "\t"]))
    return padding + "".join(out) + padding, ident


@given(name_variants())
def test_lookup_invariant_under_case_spacing_hyphens(variant: tuple[str, str]) -> None:
    text, ident = variant
    assert CATALOG.get(text).id == ident


@given(st.sampled_from(INGREDIENTS).flatmap(lambda ing: st.sampled_from(ing.forms)))
def test_form_lookup_by_any_name(form: Form) -> None:
    ing = CATALOG.get(form.ingredient_id)
    for name in form.names():
        assert ing.form(name.upper()) is form
        assert ing.form(name.replace(" ", "-")) is form


@given(st.sampled_from(INGREDIENTS), st.sampled_from(["json", "toml"]))
def test_export_structures_back_to_an_equal_ingredient(ing: Ingredient, kind: str) -> None:
    """export -> (JSON or TOML text) -> structure gives the same ingredient."""
    document = ingredients.export_dict((ing,))
    if kind == "json":
        (again,) = ingredients.from_dict(json.loads(json.dumps(document)), file="export.json")
    else:
        (again,) = ingredients.from_toml(tomli_w.dumps(document), file="export.toml")
    assert again == ing
    assert again.forms == ing.forms  # each tied to its ingredient
    assert again.to_dict() == ing.to_dict()
