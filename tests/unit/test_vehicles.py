"""The vehicle (base) catalog: shipped data, lookup and inline vehicles."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from compoundkit.errors import CatalogError, UnknownVehicleError
from compoundkit.formulas import Vehicle, all_vehicles, get_vehicle
from compoundkit.formulas.vehicles import (
    PH_CHARACTER,
    SALT_TOLERANCE,
    VEHICLE_TYPES,
    vehicle_from_dict,
    vehicle_problems,
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
        assert all(c.startswith(("compoundkit domain reference", "IJPC")) for c in citations)
        # no manufacturer publishes these (bases.md): they stay unknown
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
    vehicle = vehicle_from_dict({"name": "white petrolatum", "aqueous": False}, inline=True)
    assert vehicle == Vehicle(name="white petrolatum", aqueous=False)
    assert vehicle.is_inline
    assert vehicle.type == "other"
    assert vehicle.preserved is None
    assert vehicle.salt_tolerance == "unknown"
    assert vehicle.ph_character == "unknown"
    assert vehicle.citations() == ()


def test_inline_vehicle_with_every_field() -> None:
    vehicle = vehicle_from_dict(
        {
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
        },
        inline=True,
    )
    assert vehicle.name == "house cream"
    assert vehicle.density_g_per_ml == 1.0
    assert isinstance(vehicle.density_g_per_ml, float)
    assert vehicle.density() is not None
    assert str(vehicle.density().units) == "gram / milliliter"
    assert vehicle.max_load == Strength.parse("40 % w/w")
    assert vehicle.notes == ("one note",)


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({"name": "v"}, "aqueous", "is required"),
        ({"aqueous": True}, "name", "is required"),
        ({"name": "v", "aqueous": "yes"}, "aqueous", "must be true or false"),
        ({"name": "v", "aqueous": True, "preserved": 1}, "preserved", "true or false"),
        ({"name": "v", "aqueous": True, "type": "jelly"}, "type", "allowed: cream, gel"),
        ({"name": "v", "aqueous": True, "salt_tolerance": "x"}, "salt_tolerance", "tolerant"),
        ({"name": "v", "aqueous": True, "ph_character": "x"}, "ph_character", "alkaline"),
        ({"name": "v", "aqueous": True, "density_g_per_ml": "1"}, "density_g_per_ml", "number"),
        ({"name": "v", "aqueous": True, "density_g_per_ml": True}, "density_g_per_ml", "number"),
        ({"name": "v", "aqueous": True, "density_g_per_ml": 0}, "density_g_per_ml", "positive"),
        ({"name": "v", "aqueous": True, "max_load": 40}, "max_load", "'40 % w/w'"),
        ({"name": "v", "aqueous": True, "max_load": "lots"}, "max_load", "in 'lots'"),
        ({"name": "v", "aqueous": True, "notes": [1]}, "notes", "list of text"),
        ({"name": " ", "aqueous": True}, "name", "non-empty text"),
    ],
)
def test_inline_vehicle_errors_name_the_field(
    data: dict[str, object], field: str, fragment: str
) -> None:
    with pytest.raises(CatalogError) as caught:
        vehicle_from_dict(data, inline=True)
    assert caught.value.field == field
    assert fragment in str(caught.value)


def test_inline_vehicle_may_not_claim_catalog_fields() -> None:
    with pytest.raises(CatalogError, match="unknown field\\(s\\) 'id', 'sources'; allowed: "):
        vehicle_from_dict({"name": "v", "aqueous": True, "id": "plo", "sources": []}, inline=True)
    # the catalog itself may
    assert vehicle_from_dict({"name": "v", "aqueous": True, "id": "v"}).id == "v"


def test_vehicle_problems_lists_every_problem() -> None:
    problems = vehicle_problems({"aqueous": "yes", "type": "jelly", "colour": "red"}, inline=True)
    fields = [field for field, _ in problems]
    assert fields == [None, "name", "aqueous", "type"]
    assert vehicle_problems({"name": "v", "aqueous": True}, inline=True) == []


def test_vehicle_validators_refuse_bad_values_in_code() -> None:
    with pytest.raises(CatalogError, match="'jelly' is not allowed"):
        Vehicle(name="v", aqueous=True, type="jelly")
    with pytest.raises(CatalogError, match="must be a positive number"):
        Vehicle(name="v", aqueous=True, density_g_per_ml=float("nan"))


def test_a_huge_integer_density_is_refused_not_an_overflow() -> None:
    """Regression: float() of a 401-digit integer raised OverflowError."""
    with pytest.raises(CatalogError) as caught:
        vehicle_from_dict({"name": "v", "aqueous": True, "density_g_per_ml": 10**400}, inline=True)
    assert caught.value.field == "density_g_per_ml"
    assert "is not a density" in str(caught.value)
