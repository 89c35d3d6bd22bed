"""Lookup, search, registration, override, load_file and entry points."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import attrs
import pytest

from compoundkit import ingredients
from compoundkit.errors import CatalogError, CompoundkitError, UnknownIngredientError
from compoundkit.ingredients import (
    Catalog,
    ConfusableNameError,
    Evidence,
    Ingredient,
    UnknownFormError,
    _catalog,
)

DATA = Path(ingredients.__file__).parent / "data"


@pytest.fixture
def catalog() -> Catalog:
    return Catalog(entry_points=False)


@pytest.fixture
def default_catalog() -> Iterator[None]:
    ingredients.reset()
    yield
    ingredients.reset()


def _user_toml(ident: str = "testosterone", name: str = "Testosterone", extra: str = "") -> str:
    return f"""
[[ingredients]]
id = "{ident}"
name = "{name}"
drug_class = "androgen"
default_form = "base"
{extra}
[ingredients.mechanism]
summary = "Androgen receptor agonist."
sources = ["r1"]

[[ingredients.uses]]
condition = "example condition"
route = "topical"
evidence = "theoretical"
summary = "Example data for a test."
sources = ["r1"]

[[ingredients.forms]]
id = "base"
name = "{name}"
formula = "C19H28O2"
molecular_weight = 288.43
sources = ["r1"]

[ingredients.physicochemical]

[[ingredients.references]]
id = "r1"
citation = "Test data."
kind = "secondary"
"""


# --------------------------------------------------------------------------- lookup


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ketoprofen", "ketoprofen"),
        ("KETOPROFEN", "ketoprofen"),
        ("Orudis", "ketoprofen"),
        ("magnesium-chloride", "magnesium-chloride"),
        ("Magnesium Chloride", "magnesium-chloride"),
        ("magnesium_chloride", "magnesium-chloride"),
        ("  magnesium   chloride ", "magnesium-chloride"),
        ("MagnesiumChloride", "magnesium-chloride"),
        ("MgCl2", "magnesium-chloride"),
        ("Guaifenesen", "guaifenesin"),  # misspelling on the starting page
        ("guafenesin", "guaifenesin"),
        ("glyceryl guaiacolate", "guaifenesin"),
        ("GG", "guaifenesin"),
        ("cyclobenzaprine HCl", "cyclobenzaprine"),
        ("Cyclobenzaprine-Hydrochloride", "cyclobenzaprine"),
        ("flexeril", "cyclobenzaprine"),
    ],
)
def test_lookup_variants(catalog: Catalog, name: str, expected: str) -> None:
    assert catalog.get(name).id == expected


def test_unknown_suggests_close_match(catalog: Catalog) -> None:
    with pytest.raises(UnknownIngredientError) as info:
        catalog.get("ketoprofin")
    assert info.value.suggestions[0] == "ketoprofen"
    assert "did you mean 'ketoprofen'?" in str(info.value)
    assert isinstance(info.value, LookupError)


def test_unknown_without_match(catalog: Catalog) -> None:
    with pytest.raises(UnknownIngredientError, match=r"unknown ingredient 'zzzz'$"):
        catalog.get("zzzz")
    with pytest.raises(UnknownIngredientError):
        catalog.get("   ")


@pytest.mark.parametrize("name", ["ketorolac", "Ketotifen", "ketamine"])
def test_confusable_names_never_resolve(catalog: Catalog, name: str) -> None:
    with pytest.raises(ConfusableNameError) as info:
        catalog.get(name)
    assert info.value.suggestions == ()
    assert "ketoprofen" in str(info.value)
    assert isinstance(info.value, UnknownIngredientError)


def test_non_string_name(catalog: Catalog) -> None:
    with pytest.raises(TypeError):
        catalog.get(3)  # type: ignore[arg-type]


def test_contains_and_ids(catalog: Catalog) -> None:
    assert "Guaifenesen" in catalog
    assert "aspirin" not in catalog
    assert catalog.ids() == ("ketoprofen", "cyclobenzaprine", "guaifenesin", "magnesium-chloride")


def test_form_lookup(catalog: Catalog) -> None:
    mg = catalog.get("magnesium chloride")
    assert mg.form("MgCl2.6H2O").id == "hexahydrate"
    assert mg.form("HEXAHYDRATE").id == "hexahydrate"
    assert mg.form("elemental").id == "elemental-magnesium"
    assert mg.form().id == "hexahydrate"
    cbz = catalog.get("cyclobenzaprine")
    assert cbz.form("free base").id == "base"
    assert cbz.form("hcl").id == "hydrochloride"
    with pytest.raises(UnknownFormError) as info:
        mg.form("dihydrate")
    assert isinstance(info.value, LookupError)
    assert isinstance(info.value, CompoundkitError)
    assert "allowed: hexahydrate" in str(info.value)
    assert "anhydrous" in str(info.value)


def test_factor_between_ingredients_refused(catalog: Catalog) -> None:
    a = catalog.get("ketoprofen").form()
    b = catalog.get("guaifenesin").form()
    with pytest.raises(CatalogError, match="different ingredients"):
        a.factor_to(b)


# --------------------------------------------------------------------------- search


def test_search_by_condition(catalog: Catalog) -> None:
    ids = [i.id for i in catalog.search(condition="muscle spasm")]
    assert ids == ["cyclobenzaprine", "guaifenesin", "magnesium-chloride"]
    strong = [i.id for i in catalog.search(condition="muscle spasm", min_evidence="limited")]
    assert strong == ["cyclobenzaprine"]  # guaifenesin's oral trial was negative
    no_claims = catalog.search(condition="migraine", include_claims=False)
    assert no_claims == ()
    assert [i.id for i in catalog.search(condition="migraine")] == ["magnesium-chloride"]


def test_search_by_route_never_mixes_routes(catalog: Catalog) -> None:
    """Oral evidence never answers a topical search."""
    topical = catalog.search(condition="spasm", min_evidence="limited", route="topical")
    assert topical == ()  # the oral cyclobenzaprine use does not count for a cream
    oral = catalog.search(condition="spasm", min_evidence="limited", route="Oral")
    assert [i.id for i in oral] == ["cyclobenzaprine"]
    pairs = catalog.search_uses("spasm", route="topical")
    assert pairs
    assert all(use.on_route("topical") for _, use in pairs)
    assert {(i.id, u.evidence.value) for i, u in pairs} >= {("cyclobenzaprine", "against")}
    by_route = [i.id for i in catalog.search(route="intravenous")]
    assert by_route == ["guaifenesin"]
    # ketoprofen's "oral and topical" use answers both routes
    assert catalog.search(condition="arthritis", route="topical")
    assert catalog.search(condition="arthritis", route="oral")
    with pytest.raises(CatalogError, match="unknown route 'skin'; allowed: buccal"):
        catalog.search(condition="spasm", route="skin")


def test_search_against_ranks_below_unsupported(catalog: Catalog) -> None:
    at_least_unsupported = catalog.search_uses("cramp", min_evidence="unsupported")
    assert all(u.evidence is not Evidence.AGAINST for _, u in at_least_unsupported)
    every = catalog.search_uses("cramp", min_evidence="against")
    assert ("magnesium-chloride", Evidence.AGAINST) in {(i.id, u.evidence) for i, u in every}


def test_search_by_class_and_text(catalog: Catalog) -> None:
    assert [i.id for i in catalog.search(drug_class="NSAID")] == ["ketoprofen"]
    assert [i.id for i in catalog.search(drug_class="muscle relaxant")] == [
        "cyclobenzaprine",
        "guaifenesin",
    ]
    assert [i.id for i in catalog.search("electrolyte")] == ["magnesium-chloride"]
    assert catalog.search(condition="spasm", drug_class="NSAID") == ()


def test_search_uses_orders_by_evidence(catalog: Catalog) -> None:
    pairs = catalog.search_uses("muscle spasm")
    ranks = [use.evidence.rank for _, use in pairs]
    assert ranks == sorted(ranks, reverse=True)
    assert pairs[0][0].id == "cyclobenzaprine"


# --------------------------------------------------------------------------- registration


def _new(catalog: Catalog, ident: str = "testosterone", name: str = "Testosterone") -> Ingredient:
    base = catalog.get("guaifenesin")
    return attrs.evolve(
        base, id=ident, name=name, synonyms=(), misspellings=(), trade_names=(), forms=base.forms
    )


def test_register_in_code(catalog: Catalog) -> None:
    new = _new(catalog)
    assert catalog.register(new) is new
    assert catalog.get("testosterone") is new
    assert catalog.get("testosterone").form().ingredient_id == "testosterone"
    assert len(catalog.all()) == 5


def test_register_collision_with_shipped_id(catalog: Catalog) -> None:
    clash = _new(catalog, ident="ketoprofen", name="My ketoprofen")
    with pytest.raises(CatalogError, match="override=True") as info:
        catalog.register(clash)
    assert info.value.field == "id"
    assert catalog.get("ketoprofen").name == "Ketoprofen"


def test_register_collision_with_synonym(catalog: Catalog) -> None:
    clash = attrs.evolve(_new(catalog), synonyms=("Guaifenesen",))
    with pytest.raises(CatalogError, match="guaifenesin") as info:
        catalog.register(clash)
    assert info.value.field == "synonyms[0]"
    assert catalog.get("guaifenesen").id == "guaifenesin"
    assert "testosterone" not in catalog


def test_override_replaces(catalog: Catalog) -> None:
    mine = _new(catalog, ident="ketoprofen", name="Ketoprofen (house data)")
    catalog.register(mine, override=True)
    assert catalog.get("ketoprofen").name == "Ketoprofen (house data)"
    assert "Orudis" not in catalog  # the old entry's names went with it
    assert len(catalog.all()) == 4
    catalog.reset()
    assert catalog.get("ketoprofen").name == "Ketoprofen"


def test_module_level_register_and_reset(default_catalog: None) -> None:
    new = _new(ingredients.default_catalog())
    ingredients.register(new)
    assert ingredients.get("testosterone") is new
    ingredients.reset()
    with pytest.raises(UnknownIngredientError):
        ingredients.get("testosterone")


def test_load_file(catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(_user_toml(), encoding="utf-8")
    loaded = catalog.load_file(path)
    assert [i.id for i in loaded] == ["testosterone"]
    assert catalog.get("TESTOSTERONE").origin == f"file {path}"
    assert catalog.get("testosterone").form().computed_molecular_weight == pytest.approx(
        288.43, abs=0.01
    )


def test_load_file_several_entries(catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "two.toml"
    path.write_text(_user_toml() + _user_toml("estradiol-x", "Example two"), encoding="utf-8")
    assert len(catalog.load_file(path)) == 2


def test_load_file_is_all_or_nothing(catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "mixed.toml"
    # the second entry takes a shipped name: nothing registers
    path.write_text(
        _user_toml() + _user_toml("other", "Other", extra='synonyms = ["ketoprofen"]'),
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match="already") as info:
        catalog.load_file(path)
    assert info.value.file == str(path)
    assert info.value.entry == "other"
    assert "testosterone" not in catalog
    assert len(catalog.all()) == 4


def test_load_file_collision_then_override(catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "k.toml"
    path.write_text(_user_toml("ketoprofen", "Ketoprofen"), encoding="utf-8")
    with pytest.raises(CatalogError):
        catalog.load_file(path)
    catalog.load_file(path, override=True)
    assert catalog.get("ketoprofen").drug_class == "androgen"


def test_load_file_twice_collides(catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(_user_toml(), encoding="utf-8")
    catalog.load_file(path)
    with pytest.raises(CatalogError, match="already id"):
        catalog.load_file(path)


def test_load_missing_file(catalog: Catalog, tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read"):
        catalog.load_file(tmp_path / "absent.toml")


def test_module_level_load_file(default_catalog: None, tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(_user_toml(), encoding="utf-8")
    ingredients.load_file(path)
    assert ingredients.get("testosterone").name == "Testosterone"


# --------------------------------------------------------------------------- entry points


def _fake_entry_points(
    monkeypatch: pytest.MonkeyPatch, targets: dict[str, object]
) -> list[metadata.EntryPoint]:
    eps = []
    for name in targets:
        eps.append(
            metadata.EntryPoint(name, f"{__name__}:PLUGIN_{name}", _catalog.ENTRY_POINT_GROUP)
        )
        monkeypatch.setitem(globals(), f"PLUGIN_{name}", targets[name])
    monkeypatch.setattr(_catalog, "_entry_points", lambda: tuple(eps))
    return eps


def test_entry_point_kinds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "plugin.toml"
    path.write_text(_user_toml("from-path", "From path"), encoding="utf-8")
    seed = Catalog(entry_points=False)
    one = _new(seed, "from-object", "From object")
    many = [_new(seed, "from-list-a", "List A"), str(tmp_path / "plugin2.toml")]
    (tmp_path / "plugin2.toml").write_text(_user_toml("from-list-b", "List B"), encoding="utf-8")
    _fake_entry_points(
        monkeypatch,
        {"path": lambda: path, "object": one, "many": many},
    )
    catalog = Catalog()
    ids = catalog.ids()
    assert ids[:4] == ("ketoprofen", "cyclobenzaprine", "guaifenesin", "magnesium-chloride")
    assert set(ids[4:]) == {"from-path", "from-object", "from-list-a", "from-list-b"}


def test_entry_point_cannot_replace_shipped(monkeypatch: pytest.MonkeyPatch) -> None:
    seed = Catalog(entry_points=False)
    _fake_entry_points(monkeypatch, {"evil": _new(seed, "ketoprofen", "Evil")})
    catalog = Catalog()
    with pytest.raises(CatalogError, match="entry point 'evil'"):
        catalog.get("ketoprofen")


def test_broken_entry_point_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom() -> object:
        raise RuntimeError("plugin bug")

    _fake_entry_points(monkeypatch, {"broken": boom})
    with pytest.raises(CatalogError, match="plugin bug"):
        Catalog().all()
    _fake_entry_points(monkeypatch, {"wrong": 42})
    with pytest.raises(CatalogError, match="expected an Ingredient"):
        Catalog().all()
