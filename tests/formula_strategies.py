"""Hypothesis strategies for formulations built from the real ingredient and vehicle catalogs.

``formulations()`` gives valid formulations (every one loads back from its own file);
``formulations(messy=True)`` adds what a careless formula contains (duplicates, w/v
strengths without a density, amounts without a reference batch, unknown dosage forms,
strengths far outside the typical range) for the "validation never raises" property.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from compoundkit import ingredients
from compoundkit.formulas import Amount, Component, Excipient, Formulation, Vehicle, all_vehicles
from compoundkit.formulas.vehicles import PH_CHARACTER, SALT_TOLERANCE, VEHICLE_TYPES
from compoundkit.ingredients import Ingredient
from compoundkit.names import name_key
from compoundkit.units import Notation, Strength

__all__ = [
    "DOSAGE_FORMS",
    "amounts",
    "components",
    "excipients",
    "formulations",
    "inline_vehicles",
    "texts",
    "vehicles",
    "w_w_strengths",
]

#: Dosage forms the USP bare-percent rule knows (semisolids, then liquids).
DOSAGE_FORMS = ("cream", "gel", "ointment", "paste", "organogel", "lotion", "solution", "emulsion")
EXCIPIENT_NAMES = (
    "ethoxy diglycol",
    "propylene glycol",
    "zinc oxide",
    "mineral oil",
    "glycerin",
    "Lipoderm thickener",
)

#: Text as a pharmacist might type it: no surrounding blanks (the loader strips them).
#: Text a document accepts: any UTF-8 character but controls and bidi overrides/isolates
#: (refused at input, see compoundkit.names.check_printable).
_PRINTABLE = st.characters(
    codec="utf-8",
    exclude_categories=("Cc",),
    exclude_characters="\u061c\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
)
texts = st.text(_PRINTABLE, min_size=1, max_size=30).map(str.strip).filter(bool)


#: Decimal values with at most 3 places, as written in formulas.
def _decimals(low: str, high: str) -> st.SearchStrategy[float]:
    return st.decimals(min_value=low, max_value=high, places=3).map(float)


def w_w_strengths(low: str = "0.001", high: str = "30") -> st.SearchStrategy[Strength]:
    """Strengths that are w/w in a semisolid: ``% w/w``, ``mg/g`` or ``g/100 g``."""
    return st.one_of(
        _decimals(low, high).map(lambda v: Strength.percent(v, "w/w")),
        _decimals(low, high).map(lambda v: Strength(v * 10, "mg", 1.0, "g", Notation.UNITS)),
        _decimals(low, high).map(lambda v: Strength(v, "g", 100.0, "g", Notation.UNITS)),
        # any float: the file must carry every digit (shortest round-tripping decimal)
        st.floats(float(low), float(high)).map(lambda v: Strength.percent(v, "w/w")),
    )


def _strengths(messy: bool) -> st.SearchStrategy[Strength]:
    options = [
        w_w_strengths(),
        _decimals("0.001", "30").map(Strength.percent),  # bare percent
    ]
    if messy:
        options += [
            _decimals("0.001", "100").map(lambda v: Strength.percent(v, "w/v")),
            _decimals("0.001", "100").map(lambda v: Strength.percent(v, "v/v")),
            _decimals("0.001", "100").map(lambda v: Strength.percent(v, "w/w")),
            _decimals("1", "100000").map(lambda v: Strength(1.0, "", v, "", Notation.RATIO)),
            _decimals("0.1", "500").map(lambda v: Strength(v, "mg", 1.0, "capsule")),
        ]
    return st.one_of(*options)


def amounts(volume: bool = False) -> st.SearchStrategy[Amount]:
    """Amounts of a reference batch: g or mg (and mL when ``volume``)."""
    units = ["g", "mg"] + (["mL"] if volume else [])
    values = _decimals("0.001", "30") | st.floats(0.001, 30.0)
    return st.builds(Amount, values, st.sampled_from(units)).filter(
        lambda a: a.unit != "mg" or a.value >= 1
    )


def _written_names(ingredient: Ingredient) -> list[str | None]:
    """Names a formula may use for ``ingredient`` besides its id (None: the id itself)."""

    own = {name_key(ingredient.id), name_key(ingredient.name)}
    return [None] + [name for name in ingredient.synonyms if name_key(name) not in own]


@st.composite
def components(
    draw: st.DrawFn,
    ingredient: Ingredient | None = None,
    *,
    by_amount: bool = False,
    messy: bool = False,
) -> Component:
    """A catalog ingredient with a form, a strength (or an amount) and expressed_as."""
    if ingredient is None:
        ingredient = draw(st.sampled_from(ingredients.all()))
    form_names = [name for form in ingredient.forms for name in (form.id, *form.aliases)]
    form = draw(st.none() | st.sampled_from(form_names))
    expressed = draw(st.none() | st.sampled_from([f.id for f in ingredient.forms]))
    written = draw(st.sampled_from(_written_names(ingredient)))
    if by_amount:
        return Component(ingredient, None, draw(amounts()), form, expressed, written)
    return Component(ingredient, draw(_strengths(messy)), None, form, expressed, written)


@st.composite
def excipients(draw: st.DrawFn, *, by_amount: bool = False, messy: bool = False) -> Excipient:
    """An excipient by strength, or by amount (a volume comes with its density)."""
    name = draw(st.sampled_from(EXCIPIENT_NAMES) | texts)
    if not by_amount:
        return Excipient(name, strength=draw(_strengths(messy)))
    amount = draw(amounts(volume=True))
    density = (
        draw(_decimals("0.5", "2.5"))
        if amount.is_volume
        else draw(st.none() | _decimals("0.5", "2.5"))
    )
    if messy and amount.is_volume:
        density = draw(st.none() | st.just(density))
    return Excipient(name, amount=amount, density_g_per_ml=density)


@st.composite
def inline_vehicles(draw: st.DrawFn) -> Vehicle:
    """A vehicle described in the formula: every optional field may be set."""
    optional: dict[str, Any] = {
        "type": st.sampled_from(VEHICLE_TYPES),
        "preserved": st.booleans(),
        "density_g_per_ml": _decimals("0.5", "2"),
        "density_source": texts,
        "max_load": _decimals("1", "90").map(lambda v: Strength.percent(v, "w/w")),
        "max_load_source": texts,
        "salt_tolerance": st.sampled_from(SALT_TOLERANCE),
        "ph_character": st.sampled_from(PH_CHARACTER),
        "notes": st.lists(texts, min_size=1, max_size=2).map(tuple),
    }
    chosen = draw(st.sets(st.sampled_from(sorted(optional))))
    kwargs = {key: draw(optional[key]) for key in sorted(chosen)}
    return Vehicle(name=draw(texts), aqueous=draw(st.booleans()), **kwargs)


def vehicles() -> st.SearchStrategy[Vehicle]:
    """A shipped catalog vehicle or an inline one."""
    return st.sampled_from(all_vehicles()) | inline_vehicles()


@st.composite
def formulations(draw: st.DrawFn, *, messy: bool = False) -> Formulation:
    """A formulation of catalog ingredients and excipients in a vehicle.

    Valid ones use each ingredient once and state the reference batch when a line is
    given as an amount; ``messy`` ones may break any rule but still build.
    """
    by_amount = draw(st.booleans())
    pool = list(ingredients.all())
    if messy:
        chosen = draw(st.lists(st.sampled_from(pool), max_size=5))
    else:
        chosen = draw(st.lists(st.sampled_from(pool), max_size=4, unique_by=lambda i: i.id))
    actives = [
        draw(components(ingredient, by_amount=by_amount and draw(st.booleans()), messy=messy))
        for ingredient in chosen
    ]
    extras = draw(
        st.lists(
            st.booleans().flatmap(
                lambda amount: excipients(by_amount=by_amount and amount, messy=messy)
            ),
            min_size=0 if actives else 1,
            max_size=3,
        )
    )
    dosage_forms = st.sampled_from(DOSAGE_FORMS)
    if messy:
        dosage_forms = dosage_forms | texts
    density = draw(st.none() | _decimals("0.5", "2"))
    makes = None
    if by_amount:
        makes = draw(st.sampled_from(["100 g", "30 g", "1 kg", "500 mg"]).map(Amount.parse))
        if density is not None and draw(st.booleans()):
            makes = Amount.parse("100 mL")
    if messy and draw(st.booleans()):
        makes = None
    optional: dict[str, Any] = {
        "route": st.sampled_from(["topical", "transdermal", "oral"]),
        "indication": st.sampled_from(["muscle spasm", "pain", "arthritis", "migraine"]) | texts,
        "container": st.sampled_from(["light-resistant jar", "clear jar", "amber bottle"]) | texts,
        "storage": texts,
        "description": texts,
        "notes": st.lists(texts, max_size=2).map(tuple),
    }
    chosen_optional = draw(st.sets(st.sampled_from(sorted(optional))))
    kwargs = {key: draw(optional[key]) for key in sorted(chosen_optional)}
    return Formulation(
        name=draw(texts),
        dosage_form=draw(dosage_forms),
        vehicle=draw(vehicles()),
        ingredients=tuple(actives),
        excipients=tuple(extras),
        makes=makes,
        density_g_per_ml=density,
        **kwargs,
    )
