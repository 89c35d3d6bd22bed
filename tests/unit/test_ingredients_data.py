"""The shipped catalog against shared/domain/ingredients.md: identities, molecular
weights, conversion factors, evidence grades, and that every fact has a source.

Hand values below are copied from the domain notes; "[computed]" values there use
IUPAC conventional atomic weights (C 12.011, H 1.008, N 14.007, O 15.999, Cl 35.45,
Mg 24.305, Na 22.990).
"""

from __future__ import annotations

import pytest

from compoundkit.errors import CatalogError
from compoundkit.ingredients import ROUTES, Catalog, Evidence, Ingredient, Reference, Use
from compoundkit.units import Basis, Strength

CATALOG = Catalog(entry_points=False)

# (ingredient, form, formula, recorded MW, computed MW or None, CAS, UNII, PubChem CID)
IDENTITIES = [
    # Ketoprofen: C16H14O3, MW 254.28 [computed 254.285], CAS 22071-15-4, UNII 90Y4QC304K, CID 3825
    ("ketoprofen", "free-acid", "C16H14O3", 254.28, 254.285, "22071-15-4", "90Y4QC304K", 3825),
    # Ketoprofen sodium: MW 276.26, CAS 57495-14-4
    ("ketoprofen", "sodium", "C16H13NaO3", 276.26, None, "57495-14-4", None, None),
    # Ketoprofen lysine: C16H14O3.C6H14N2O2 MW 400.47 [computed; CAS verify]
    ("ketoprofen", "lysine", "C16H14O3.C6H14N2O2", 400.47, None, None, None, None),
    # Cyclobenzaprine base: C20H21N, MW 275.40 [computed 275.395], CAS 303-53-7, UNII 69O5WQQ5TI
    ("cyclobenzaprine", "base", "C20H21N", 275.40, 275.395, "303-53-7", "69O5WQQ5TI", 2895),
    # Cyclobenzaprine HCl: MW 311.85 [computed 311.853], CAS 6202-23-9, UNII 0VE05JYS2P
    (
        "cyclobenzaprine",
        "hydrochloride",
        "C20H21N.HCl",
        311.85,
        311.853,
        "6202-23-9",
        "0VE05JYS2P",
        None,
    ),
    # Guaifenesin: C10H14O4, MW 198.22 [computed 198.218], CAS 93-14-1, UNII 495W7451VQ, CID 3516
    ("guaifenesin", "base", "C10H14O4", 198.22, 198.218, "93-14-1", "495W7451VQ", 3516),
    # Magnesium chloride hexahydrate: MW 203.30 [computed 203.295], CAS 7791-18-6
    ("magnesium-chloride", "hexahydrate", "MgCl2.6H2O", 203.30, 203.295, "7791-18-6", None, None),
    # Anhydrous: MW 95.21 [computed 95.205], CAS 7786-30-3, UNII 59XN63C8VM
    ("magnesium-chloride", "anhydrous", "MgCl2", 95.21, 95.205, "7786-30-3", "59XN63C8VM", None),
    # Elemental magnesium: the IUPAC conventional atomic weight 24.305
    ("magnesium-chloride", "elemental-magnesium", "Mg", 24.305, 24.305, None, None, None),
]


@pytest.mark.parametrize(
    ("ident", "form_id", "formula", "recorded", "computed", "cas", "unii", "cid"), IDENTITIES
)
def test_identity_and_molecular_weight(
    ident: str,
    form_id: str,
    formula: str,
    recorded: float,
    computed: float | None,
    cas: str | None,
    unii: str | None,
    cid: int | None,
) -> None:
    form = CATALOG.get(ident).form(form_id)
    assert form.formula == formula
    assert form.molecular_weight == recorded
    assert form.cas == cas
    assert form.unii == unii
    assert form.pubchem_cid == cid
    assert abs(form.computed_molecular_weight - recorded) <= 0.01
    if computed is not None:
        assert form.computed_molecular_weight == pytest.approx(computed, abs=5e-4)


# (ingredient, from form, to form, factor to 4 d.p.) from the domain notes
FACTORS = [
    ("cyclobenzaprine", "hydrochloride", "base", 0.8831),  # base = HCl x 0.8831
    ("cyclobenzaprine", "base", "hydrochloride", 1.1324),  # HCl = base x 1.1324
    ("magnesium-chloride", "hexahydrate", "anhydrous", 0.4683),
    ("magnesium-chloride", "anhydrous", "hexahydrate", 2.1353),
    ("magnesium-chloride", "hexahydrate", "elemental-magnesium", 0.1196),  # 11.96 %
    ("magnesium-chloride", "anhydrous", "elemental-magnesium", 0.2553),  # 25.53 %
    ("ketoprofen", "sodium", "free-acid", 0.9204),  # acid = salt x 0.9204
]


@pytest.mark.parametrize(("ident", "source", "target", "expected"), FACTORS)
def test_conversion_factors(ident: str, source: str, target: str, expected: float) -> None:
    ing = CATALOG.get(ident)
    assert round(ing.form(source).factor_to(ing.form(target)), 4) == expected
    assert round(ing.factor(source, target), 4) == expected


def test_magnesium_mmol_meq_and_elemental() -> None:
    mg = CATALOG.get("magnesium-chloride")
    # 1 g hexahydrate = 4.919 mmol = 9.84 mEq Mg (valence 2)
    mmol = mg.mmol_per_gram("hexahydrate")
    assert round(mmol.to("mmol/g").magnitude, 3) == 4.919
    meq = mg.meq_per_gram("hexahydrate")
    assert round(meq.to("mEq/g").magnitude, 2) == 9.84
    assert mg.valence == 2
    # 8.364 g hexahydrate per 1 g elemental Mg
    assert round(mg.factor("elemental", "hexahydrate"), 3) == 8.364
    assert mg.strength_form_required is True
    assert mg.default_form == "hexahydrate"


def test_meq_needs_valence() -> None:
    with pytest.raises(CatalogError, match="valence"):
        CATALOG.get("ketoprofen").meq_per_gram()


def test_molecular_weight_quantity() -> None:
    q = CATALOG.get("cyclobenzaprine").form("HCl").molecular_weight_quantity()
    assert str(q.units) == "gram / mole"
    assert q.magnitude == pytest.approx(311.853, abs=5e-4)


def test_codes_and_names() -> None:
    ket = CATALOG.get("ketoprofen")
    assert {(c.system, c.code) for c in ket.codes} >= {("ATC", "M01AE03"), ("ATC", "M02AA10")}
    assert set(ket.trade_names) == {"Orudis", "Oruvail"}
    assert set(ket.confusable_names) == {"ketorolac", "ketotifen", "ketamine"}
    cbz = CATALOG.get("cyclobenzaprine")
    assert ("ATC", "M03BX08") in {(c.system, c.code) for c in cbz.codes}
    assert set(cbz.trade_names) == {"Flexeril", "Amrix", "Fexmid"}
    assert cbz.default_form == "hydrochloride"
    gg = CATALOG.get("guaifenesin")
    assert {(c.system, c.code) for c in gg.codes} >= {("ATC", "R05CA03"), ("ATCvet", "QM03BX90")}
    assert {"glyceryl guaiacolate", "guaiphenesin", "GG"} <= set(gg.synonyms)
    assert {"guaifenesen", "guafenesin"} <= set(gg.misspellings)
    mg = CATALOG.get("magnesium-chloride")
    assert {(c.system, c.code) for c in mg.codes} >= {("ATC", "A12CC01"), ("ATC", "B05XA11")}


def test_physicochemical_flags() -> None:
    flags = {ing.id: ing.physicochemical for ing in CATALOG.all()}
    assert flags["ketoprofen"].light_sensitive is True
    assert flags["magnesium-chloride"].deliquescent is True
    assert flags["magnesium-chloride"].hygroscopic is True
    assert flags["magnesium-chloride"].electrolyte is True
    assert flags["guaifenesin"].salted_out_by_electrolytes is True
    assert flags["guaifenesin"].light_stable is True
    assert flags["cyclobenzaprine"].precipitates_in_alkaline is True
    # nothing is flagged without a sourced fact behind it
    for pc in flags.values():
        for name in ("light_sensitive", "deliquescent", "electrolyte", "precipitates_in_alkaline"):
            assert getattr(pc, name) == bool(pc.sources_of(name))
    assert flags["ketoprofen"].light_sensitive
    assert not flags["guaifenesin"].light_sensitive


def test_physicochemical_numbers() -> None:
    ket = CATALOG.get("ketoprofen").physicochemical
    assert ket.melting_point is not None
    assert (ket.melting_point.low, ket.melting_point.high) == (94.0, 97.0)
    assert ket.pka is not None
    assert ket.pka.value == 4.45
    assert ket.pka.approximate
    assert ket.logp is not None
    assert ket.logp.value == 2.8
    cbz = CATALOG.get("cyclobenzaprine").physicochemical
    assert cbz.pka is not None
    assert cbz.pka.value == 8.47
    assert cbz.melting_point is not None
    assert (cbz.melting_point.low, cbz.melting_point.high) == (215.0, 219.0)
    gg = CATALOG.get("guaifenesin").physicochemical
    assert gg.logp is not None
    assert gg.logp.value == 1.39
    assert gg.melting_point is not None
    assert (gg.melting_point.low, gg.melting_point.high) == (78.0, 82.0)
    mg = CATALOG.get("magnesium-chloride").physicochemical
    assert mg.solution_ph is not None
    assert (mg.solution_ph.low, mg.solution_ph.high) == (4.5, 7.0)
    low, high = ket.melting_point.quantities()
    assert (low.magnitude, high.magnitude) == (94.0, 97.0)
    assert str(low.units) == "degree_Celsius"


def test_typical_strengths() -> None:
    ket = CATALOG.get("ketoprofen").typical_strength
    assert ket is not None
    assert (ket.low, ket.high) == (Strength.parse("5 % w/w"), Strength.parse("20 % w/w"))
    assert ket.verify
    assert ket.sourced
    assert ket.form == "free-acid"
    cbz = CATALOG.get("cyclobenzaprine").typical_strength
    assert cbz is not None
    assert (cbz.low, cbz.high) == (Strength.parse("1 % w/w"), Strength.parse("2 % w/w"))
    assert cbz.unusual_above == Strength.parse("4 % w/w")
    assert cbz.form == "hydrochloride"
    assert cbz.contains(Strength.parse("2 % w/w"))
    assert not cbz.contains(Strength.parse("3 % w/w"))
    gg = CATALOG.get("guaifenesin").typical_strength
    assert gg is not None
    assert (gg.low, gg.high) == (Strength.parse("5 % w/w"), Strength.parse("10 % w/w"))
    assert gg.sourced is False
    assert gg.verify
    assert "[unsourced]" in str(gg)
    mg = CATALOG.get("magnesium-chloride")
    assert mg.typical_strength is None  # only reports with unstated basis/form
    seen = {str(o.strength) for o in mg.strengths_seen}
    assert seen == {"5 %", "300 mg/mL"}
    assert Strength.parse("5 %").basis is Basis.UNRESOLVED
    for ing in CATALOG.all():
        assert ing.max_strength is None  # none of the four has a sourced maximum


def test_uses_and_evidence() -> None:
    allowed = {"established", "limited", "theoretical", "unsupported", "against"}
    for ing in CATALOG.all():
        assert ing.uses
        for use in ing.uses:
            assert use.evidence.value in allowed
            if use.claim:
                assert use.evidence is Evidence.UNSUPPORTED
                assert not use.is_indication
                assert "seed-page" in use.sources
    mg = CATALOG.get("magnesium-chloride")
    claims = {u.condition for u in mg.claims()}
    for word in ("immune", "migraine", "depression", "wound"):
        assert any(word in c for c in claims), word
    assert all(u.evidence is not Evidence.UNSUPPORTED for u in mg.indications())
    gg = CATALOG.get("guaifenesin")
    topical = [u for u in gg.uses if u.route == "topical"]
    assert [u.evidence for u in topical] == [Evidence.UNSUPPORTED]
    assert topical[0].claim
    expectorant = next(u for u in gg.uses if "expectorant" in u.condition)
    assert expectorant.evidence is Evidence.ESTABLISHED
    cbz = CATALOG.get("cyclobenzaprine")
    assert [u.evidence for u in cbz.uses if u.on_route("topical")] == [Evidence.AGAINST]
    ket = CATALOG.get("ketoprofen")
    strain = next(u for u in ket.uses if "sprain" in u.condition)
    assert strain.evidence is Evidence.ESTABLISHED
    assert "2.5" in strain.summary


def test_negative_trials_grade_uses_against() -> None:
    """The grades a careful pharmacist gives the four actives' disputed uses."""
    cbz, gg, mg = (CATALOG.get(n) for n in ("cyclobenzaprine", "guaifenesin", "magnesium chloride"))
    topical_cbz = next(u for u in cbz.uses if u.on_route("topical"))
    assert topical_cbz.evidence is Evidence.AGAINST
    trial = cbz.reference("brutcher-2019")
    assert (trial.finding, trial.subjects, trial.doi) == ("negative", "human", "10.7326/M18-2736")
    assert "399" in trial.citation
    assert "399" in topical_cbz.summary
    oral_gg = next(u for u in gg.uses if u.condition == "muscle relaxation")
    assert (oral_gg.route, oral_gg.evidence) == ("oral", Evidence.AGAINST)
    assert oral_gg.sources == ("collaku-2017",)
    collaku = gg.reference("collaku-2017")
    assert (collaku.pubmed, collaku.doi) == ("28356767", "10.2147/JPR.S126296")
    assert "77" in oral_gg.summary
    assert "77" in collaku.citation
    animal = next(u for u in gg.uses if u.on_route("intravenous"))
    assert animal.evidence is Evidence.THEORETICAL  # veterinary use: animal data only
    transdermal = next(u for u in mg.uses if "transdermal" in u.condition)
    assert (transdermal.route, transdermal.evidence) == ("topical", Evidence.AGAINST)
    cramps = next(u for u in mg.uses if u.condition == "muscle cramps")
    assert cramps.evidence is Evidence.AGAINST
    assert not any(u.evidence is Evidence.AGAINST for u in CATALOG.get("ketoprofen").uses)
    for ing in CATALOG.all():  # evidence against is never an indication
        assert all(u.evidence is not Evidence.AGAINST for u in ing.indications())


def test_no_use_is_graded_better_than_its_references_allow() -> None:
    for ing in CATALOG.all():
        for use in ing.uses:
            refs = [ing.reference(r) for r in use.sources]
            where = f"{ing.id}: {use.condition}"
            assert use.evidence <= ing.strongest_grade(use), where
            primary = [r for r in refs if r.kind != "secondary"]
            if primary and all(r.finding == "negative" for r in primary):
                assert use.evidence is Evidence.AGAINST, where
            if primary and all(r.subjects in ("animal", "in-vitro") for r in primary):
                assert use.evidence <= Evidence.THEORETICAL, where
            if use.evidence is Evidence.ESTABLISHED:  # labelling, regulation or a review
                assert {r.kind for r in primary} & {"label", "regulatory", "review"}, where
            if use.claim:
                assert any(r.kind == "marketing" for r in refs), where


def test_strongest_grade_of_a_reference() -> None:
    def grade(**kw: str) -> Evidence | None:
        return Reference(id="r", citation="c", **kw).strongest_grade  # type: ignore[arg-type]

    assert grade(kind="trial", finding="negative") is Evidence.AGAINST
    assert grade(kind="review", finding="negative") is Evidence.AGAINST
    assert grade(kind="review") is Evidence.ESTABLISHED
    assert grade(kind="trial", subjects="human") is Evidence.LIMITED
    assert grade(kind="study", subjects="animal") is Evidence.THEORETICAL
    assert grade(kind="compendium", subjects="animal") is Evidence.THEORETICAL
    assert grade(kind="marketing") is Evidence.UNSUPPORTED
    assert grade(kind="secondary") is None
    assert sorted(Evidence)[0] is Evidence.AGAINST


def test_cyclobenzaprine_label_contraindications() -> None:
    cbz = CATALOG.get("cyclobenzaprine")
    contra = [c for c in cbz.cautions if c.category == "contraindication"]
    text = " ".join(c.text.lower() for c in contra)
    for words in (
        "hyperthyroidism",
        "arrhythmias",
        "heart block",
        "heart failure",
        "myocardial infarction",
        "mao inhibitors",
        "14 days",
    ):
        assert words in text, words
    assert all("fda-label" in c.sources for c in contra)
    assert cbz.reference("fda-label").url.startswith("https://dailymed.nlm.nih.gov/")


def test_guaifenesin_mechanism_states_human_use_and_animal_origin() -> None:
    mechanism = CATALOG.get("guaifenesin").mechanism
    assert "expectorant" in mechanism.summary
    assert "high intravenous doses in animals" in mechanism.summary
    assert {"cfr-341-18", "noah-compendium"} <= set(mechanism.sources)


def test_routes_are_known() -> None:
    for ing in CATALOG.all():
        for use in ing.uses:
            assert use.route.split(" and ")[0] in ROUTES, (ing.id, use.route)
    with pytest.raises(CatalogError, match="unknown route 'skin'; allowed: buccal"):
        Use("pain", "skin", "limited", "Eases pain.", ("r",))


def test_every_fact_cites_known_references() -> None:
    for ing in CATALOG.all():
        ref_ids = {r.id for r in ing.references}
        facts = list(ing.iter_sources())
        assert len(facts) > 10
        for what, sources in facts:
            assert sources, f"{ing.id}: {what} has no source"
            assert set(sources) <= ref_ids, f"{ing.id}: {what}"
        assert ing.reference("ck-domain").kind == "secondary"


def test_references_carry_identifiers_from_the_domain_notes() -> None:
    found = {(r.pubmed, r.doi, r.pmc) for ing in CATALOG.all() for r in ing.references}
    pubmed = {p for p, _, _ in found}
    dois = {d for _, d, _ in found}
    assert {"15595229", "26685496"} <= pubmed
    assert {"10.7326/M18-2736", "10.1371/journal.pone.0174817"} <= dois
    assert "PMC5579607" in {c for _, _, c in found}


def test_cautions_and_labels() -> None:
    ket = CATALOG.get("ketoprofen")
    labels = [str(label) for label in ket.auxiliary_labels]
    assert labels == [
        "For external use only",
        "Avoid sunlight / UV exposure",
        "Do not cover with occlusive dressing",
    ]
    texts = " ".join(c.text for c in ket.cautions)
    for word in ("octocrylene", "fenofibrate", "tiaprofenic", "aspirin", "third trimester"):
        assert word in texts.lower() or word in texts
    cbz = " ".join(c.text for c in CATALOG.get("cyclobenzaprine").cautions)
    assert "MAO" in cbz
    assert "14 days" in cbz
    assert "30 mg" in cbz


def test_ingredient_rejects_bad_default_form() -> None:
    ket = CATALOG.get("ketoprofen")
    import attrs

    with pytest.raises(ValueError, match="default_form"):
        attrs.evolve(ket, default_form="nope")
    assert isinstance(ket, Ingredient)
