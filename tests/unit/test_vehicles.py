"""The vehicle (base) catalog: shipped data, lookup and inline vehicles."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from compoundkit.errors import CatalogError, DocumentError, UnknownVehicleError
from compoundkit.formulas import Vehicle, all_vehicles, get_vehicle
from compoundkit.formulas.vehicles import (
    INLINE_FIELDS,
    PH_CHARACTER,
    SALT_TOLERANCE,
    VEHICLE_TYPES,
    read_vehicle,
    write_vehicle,
)
from compoundkit.units import Strength


def _data() -> dict[str, object]:
    text = resources.files("compoundkit.formulas").joinpath("data", "vehicles.toml").read_text()
    return tomllib.loads(text)


def test_the_shipped_catalog_holds_the_bases_of_the_domain_reference() -> None:
    ids = [v.id for v in all_vehicles()]
    assert ids == [
        "plo",
        "lipoderm",
        "lipoderm-activemax",
        "versabase-cream",
        "pentravan",
        "hydrophilic-ointment",
        "white-petrolatum",
    ]
    assert len(set(ids)) == len(ids)


def test_every_shipped_vehicle_is_sourced_and_invents_no_number() -> None:
    for vehicle in all_vehicles():
        assert vehicle.sources, vehicle.id
        citations = vehicle.citations()
        assert len(citations) == len(vehicle.sources)
        # every citation is public or a page of the project's own docs, never a file outside
        assert all("shared/" not in c and "domain" not in c for c in citations)
        # no manufacturer publishes these: they stay unknown
        assert vehicle.density_g_per_ml is None
        assert vehicle.density() is None
        assert vehicle.max_load is None
        assert vehicle.salt_tolerance in SALT_TOLERANCE
        assert vehicle.ph_character in PH_CHARACTER
        assert vehicle.type in VEHICLE_TYPES
        assert not vehicle.is_inline


def test_every_entry_of_the_data_file_is_loaded() -> None:
    data = _data()
    entries = data["vehicles"]
    assert isinstance(entries, list)
    assert len(entries) == len(all_vehicles())


@pytest.mark.parametrize(
    ("vehicle_id", "aqueous", "salt_tolerance"),
    [
        ("plo", True, "sensitive"),  # electrolytes crack it
        ("lipoderm", True, "sensitive"),  # salts thin it
        ("lipoderm-activemax", True, "tolerant"),  # made for high-salt loads
        ("hydrophilic-ointment", True, "sensitive"),  # an emulsion
        ("white-petrolatum", False, "unknown"),  # anhydrous
    ],
)
def test_facts_from_the_domain_reference(
    vehicle_id: str, aqueous: bool, salt_tolerance: str
) -> None:
    vehicle = get_vehicle(vehicle_id)
    assert vehicle.aqueous is aqueous
    assert vehicle.salt_tolerance == salt_tolerance


def test_preservation_is_left_unknown_where_unpublished() -> None:
    assert all(v.preserved is None for v in all_vehicles())


@pytest.mark.parametrize(
    "name",
    [
        "lipoderm-activemax",
        "Lipoderm ActiveMax",
        "ACTIVEMAX",
        "lipoderm_active max",
        "  ActiveMax ",
    ],
)
def test_lookup_by_id_name_or_alias_in_any_case_and_spacing(name: str) -> None:
    assert get_vehicle(name).id == "lipoderm-activemax"


def test_unknown_vehicle_suggests_close_names() -> None:
    with pytest.raises(UnknownVehicleError) as caught:
        get_vehicle("lipoderm activmax")
    assert caught.value.suggestions == ("Lipoderm", "Lipoderm ActiveMax")
    assert "did you mean 'Lipoderm' or 'Lipoderm ActiveMax'?" in str(caught.value)
    assert isinstance(caught.value, LookupError)
    with pytest.raises(UnknownVehicleError, match="unknown vehicle 'xyz' \\(give a catalog id"):
        get_vehicle("xyz")


def test_inline_vehicle_defaults() -> None:
    vehicle = read_vehicle({"name": "white petrolatum", "aqueous": False})
    assert vehicle == Vehicle(name="white petrolatum", aqueous=False)
    assert vehicle.is_inline
    assert vehicle.type == "other"
    assert vehicle.preserved is None
    assert vehicle.salt_tolerance == "unknown"
    assert vehicle.ph_character == "unknown"
    assert vehicle.citations() == ()
    assert write_vehicle(vehicle) == {"name": "white petrolatum", "aqueous": False}


def test_inline_vehicle_with_every_field() -> None:
    table = {
        "name": " house cream ",
        "aqueous": True,
        "type": "cream",
        "preserved": True,
        "density_g_per_ml": 1,
        "density_source": "measured 2026-03-01",
        "max_load": "40 % w/w",
        "max_load_source": "supplier letter",
        "salt_tolerance": "tolerant",
        "ph_character": "acidic",
        "notes": "one note",
    }
    assert sorted(table) == sorted(INLINE_FIELDS)
    vehicle = read_vehicle(table)
    assert vehicle.name == "house cream"
    assert vehicle.density_g_per_ml == 1.0
    assert isinstance(vehicle.density_g_per_ml, float)
    assert vehicle.density() is not None
    assert str(vehicle.density().units) == "gram / milliliter"
    assert vehicle.max_load == Strength.parse("40 % w/w")
    assert vehicle.notes == ("one note",)
    assert read_vehicle(write_vehicle(vehicle)) == vehicle


def test_a_catalog_vehicle_is_read_and_written_as_its_id() -> None:
    assert read_vehicle("PLO gel") is get_vehicle("plo")
    assert write_vehicle(get_vehicle("plo")) == "plo"


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({"name": "v"}, "aqueous", "required, but missing"),
        ({"aqueous": True}, "name", "required, but missing"),
        ({"name": "v", "aqueous": "yes"}, "aqueous", "must be true or false"),
        ({"name": "v", "aqueous": True, "preserved": 1}, "preserved", "true or false"),
        ({"name": "v", "aqueous": True, "type": "jelly"}, "type", "allowed: cream, gel"),
        ({"name": "v", "aqueous": True, "salt_tolerance": "x"}, "salt_tolerance", "tolerant"),
        ({"name": "v", "aqueous": True, "ph_character": "x"}, "ph_character", "alkaline"),
        ({"name": "v", "aqueous": True, "density_g_per_ml": "1"}, "density_g_per_ml", "number"),
        ({"name": "v", "aqueous": True, "density_g_per_ml": True}, "density_g_per_ml", "number"),
        ({"name": "v", "aqueous": True, "density_g_per_ml": 0}, "density_g_per_ml", "positive"),
        ({"name": "v", "aqueous": True, "max_load": 40}, "max_load", "'10 % w/w'"),
        ({"name": "v", "aqueous": True, "max_load": "lots"}, "max_load", "invalid strength 'lots'"),
        ({"name": "v", "aqueous": True, "notes": [1]}, "notes[0]", "must be text"),
        ({"name": " ", "aqueous": True}, "name", "non-empty text"),
        ({"name": "v", "aqueous": True, "preserved": None}, "preserved", "not null"),
        (3, "", "must be a catalog vehicle id or an inline table, not the number 3"),
    ],
)
def test_inline_vehicle_errors_name_the_field(data: object, field: str, fragment: str) -> None:
    with pytest.raises(DocumentError) if field else pytest.raises(TypeError) as caught:
        read_vehicle(data)
    problems = getattr(caught.value, "problems", ())
    assert [p.field for p in problems] == ([field] if field else [])
    assert fragment in str(caught.value)


def test_inline_vehicle_may_not_claim_catalog_fields() -> None:
    with pytest.raises(DocumentError) as caught:
        read_vehicle({"name": "v", "aqueous": True, "id": "plo", "sources": []})
    assert [p.field for p in caught.value.problems] == ["id", "sources"]
    assert "unknown key; allowed: name, aqueous, type, preserved" in str(caught.value)


def test_every_problem_of_an_inline_vehicle_is_reported() -> None:
    with pytest.raises(DocumentError) as caught:
        read_vehicle({"aqueous": "yes", "type": "jelly", "colour": "red"})
    assert [p.field for p in caught.value.problems] == ["colour", "name", "aqueous", "type"]


def test_vehicle_validators_refuse_bad_values_in_code() -> None:
    with pytest.raises(CatalogError, match="'jelly' is not allowed"):
        Vehicle(name="v", aqueous=True, type="jelly")  # type: ignore[arg-type]
    with pytest.raises(CatalogError, match="must be a positive number"):
        Vehicle(name="v", aqueous=True, density_g_per_ml=float("nan"))


def test_a_huge_integer_density_is_refused_not_an_overflow() -> None:
    """Regression: float() of a 401-digit integer raised OverflowError."""
    with pytest.raises(DocumentError) as caught:
        read_vehicle({"name": "v", "aqueous": True, "density_g_per_ml": 10**400})
    assert caught.value.problems[0].field == "density_g_per_ml"
    assert "not an integer too large for a float" in str(caught.value)
