"""Alligation medial (mixture_strength) and alligation with a 0 % base: published problems."""

from __future__ import annotations

import pytest

from compoundkit.calc import MixtureStrength, alligation, mixture_strength
from compoundkit.errors import CalculationError, DimensionError, StrengthParseError
from compoundkit.units import Q_, Strength

KERBALA_LAB_10 = "https://fr.scribd.com/document/305950741/Pharmaceutical-Calculations-Lab-10"
PHARMRX_MEDIAL = "http://pharmrx.yolasite.com/alligation-medial.php"
TECH_TEST_HC = "https://pharmacy-tech-test.com/hydrocortisone-compound.html"
MATHGPT_HC = "https://mathgpt.today/problems/pharmacy/hydrocortisone-concentration"
RXCAL_BASE = "https://rxcal.org/practice/practice/6520181114064257-92-rxcal-141.php?id=141&domain=19&version=1"
LNIPE_SALICYLIC = (
    "https://lnipe.net/questions/100840-the-pharmacy-receives-a-prescription-for-50-grams-of-5-"
    "salicylic-acid-ointment-the-pharmacy-has-a.html"
)
REMEDYSPOT_POUND = "https://www.remedyspot.com/content/topic/1212676-what-is-a-solution"


# --------------------------------------------------------------------------- medial


def test_alcohol_mixture_v_v() -> None:
    # University of Kerbala, Pharmaceutical Calculations Lab 10 (KERBALA_LAB_10), example 1:
    # 3000 mL of 40 % v/v, 1000 mL of 60 % and 1000 mL of 70 % alcohol. By hand:
    # 0.40 x 3000 = 1200 mL; 0.60 x 1000 = 600; 0.70 x 1000 = 700; 2500 mL in 5000 mL
    # = 50 % v/v. Published answer: 50 %.
    mix = mixture_strength(
        [("40 % v/v", "3000 mL"), ("60 % v/v", Q_(1, "L")), (Strength.parse("70 % v/v"), "1000 mL")]
    )
    assert isinstance(mix, MixtureStrength)
    assert mix.strength == Strength.parse("50 % v/v")
    assert mix.drug == Q_(2500, "mL")
    assert mix.total == Q_(5000, "mL")
    assert mix.steps()[1:] == [
        "2. In all: 2500 mL of drug in 5000 mL of mixture.",
        "3. Strength = 2500 mL / 5000 mL x 100 = 50 % v/v.",
    ]


def test_zinc_oxide_ointments_w_w() -> None:
    # KERBALA_LAB_10, example 2: 200 g of 10 % zinc oxide ointment, 50 g of 20 % and 100 g
    # of 5 %. By hand: 20 + 10 + 5 = 35 g of zinc oxide in 350 g = 10 %. Answer: 10 %.
    mix = mixture_strength([("10 % w/w", "200 g"), ("20 % w/w", "50 g"), ("5 % w/w", "100 g")])
    assert mix.strength == Strength.parse("10 % w/w")
    assert mix.drug.m_as("g") == pytest.approx(35, rel=1e-12)


@pytest.mark.parametrize(
    ("parts", "percent"),
    [
        # PHARMRX_MEDIAL, Ex 1: 5 mL of 2 % + 10 mL of 4 %: 10 + 40 = 50; 50 / 15 = 3.33 %.
        ([("2 % v/v", "5 mL"), ("4 % v/v", "10 mL")], 50 / 15),
        # PHARMRX_MEDIAL: tinctures of 110 mL 35 %, 220 mL 25 %, 330 mL 20 % alcohol:
        # 38.5 + 55 + 66 = 159.5 mL in 660 mL = 24.17 %. Published answer: 24.17 %.
        ([("35 % v/v", "110 mL"), ("25 % v/v", "220 mL"), ("20 % v/v", "330 mL")], 159.5 / 6.6),
    ],
    ids=["two-alcohols-3.33", "three-tinctures-24.17"],
)
def test_alcohol_mixtures(parts: list[tuple[str, str]], percent: float) -> None:
    mix = mixture_strength(parts)
    assert mix.strength.canonical * 100 == pytest.approx(percent, rel=1e-12)
    assert f"{mix.strength:.4g}" == f"{percent:.4g} % v/v"


def test_hydrocortisone_ointments() -> None:
    # TECH_TEST_HC: 30 g of 2.5 % hydrocortisone ointment + 15 g of 1 %. By hand:
    # 0.75 g + 0.15 g = 0.9 g in 45 g = 2 %. Published answer: 2 %.
    mix = mixture_strength([("2.5 % w/w", "30 g"), ("1 % w/w", "15 g")])
    assert mix.strength == Strength.parse("2 % w/w")


def test_diluted_with_a_plain_base() -> None:
    # MATHGPT_HC: 30 g of 1 % w/w hydrocortisone ointment + 12 g of non-medicated base.
    # By hand: 0.3 g in 42 g = 0.714 %. Published answer: 0.71 % w/w.
    for base in ("0 %", "0 % w/w", "0.0%", None):
        mix = mixture_strength([("1 % w/w", "30 g"), (base, "12 g")])
        assert mix.strength.canonical == pytest.approx(0.3 / 42, rel=1e-12)
        assert f"{mix.strength:.2f}" == "0.71 % w/w"
    assert "12 g x 0 % = 0 g (base)" in mix.steps()[0]


def test_w_v_parts_mix_by_volume() -> None:
    # 100 mL of 10 % w/v + 100 mL of 2 % w/v: 10 g + 2 g = 12 g in 200 mL = 6 % w/v.
    mix = mixture_strength([("10 % w/v", "100 mL"), ("2 % w/v", "100 mL")])
    assert mix.strength == Strength.parse("6 % w/v")
    assert mix.drug == Q_(12, "g")


@pytest.mark.parametrize(
    ("parts", "error", "fragment"),
    [
        ([("10 % w/w", "10 g"), ("5 % w/v", "10 mL")], DimensionError, "share one basis"),
        ([("10 % w/w", "10 g"), ("0 % w/v", "10 mL")], DimensionError, "0 % w/v is w/v"),
        ([("0 %", "10 g")], CalculationError, "at least one part"),
        ([], CalculationError, "at least one part"),
        ([("10 % w/w", "10 mL")], DimensionError, "parts[0] amount"),
        ([("10 % w/w",)], CalculationError, "not a (strength, amount) pair"),
        ([("10 %", "10 g")], DimensionError, "resolve a bare percent"),
        ([("10 mg/capsule", "10 g")], DimensionError, "mixing needs a w/w, w/v or v/v"),
        ([("10 % w/w", "0 g")], StrengthParseError, "parts[0] amount must be greater than zero"),
        ([("-1 % w/w", "10 g")], StrengthParseError, "must be positive"),
    ],
)
def test_mixture_refusals(
    parts: list[tuple[str, ...]], error: type[Exception], fragment: str
) -> None:
    with pytest.raises(error) as caught:
        mixture_strength(parts)  # type: ignore[arg-type]
    assert fragment in str(caught.value)


# --------------------------------------------------------------------------- 0 % in alligation


def test_base_to_dilute_a_95_percent_ointment() -> None:
    # RXCAL_BASE: 120 g of 95 % ointment with base (0 %) to make 22 %. By hand: parts 22 of
    # the 95 % and 73 of base; base = 120 g x 73 / 22 = 398.18 g. Published answer: 398.18 g.
    mix = alligation("95 % w/w", "0 %", "22 % w/w", strong_amount="120 g")
    assert mix.weak is None
    assert (mix.parts_strong, mix.parts_weak) == pytest.approx((22, 73))
    assert mix.weak_amount.m_as("g") == pytest.approx(120 * 73 / 22, rel=1e-12)
    assert round(mix.weak_value, 2) == 398.18


def test_petrolatum_to_make_5_percent_salicylic_acid() -> None:
    # LNIPE_SALICYLIC: 50 g of 5 % salicylic acid ointment from 30 % ointment and petrolatum.
    # By hand: 0.3 x = 50 x 0.05 -> x = 8.333 g of 30 %; petrolatum 50 - 8.333 = 41.67 g.
    # Published answer: 41.7 g.
    mix = alligation("30 % w/w", "0 % w/w", "5 % w/w", total="50 g")
    assert mix.strong_amount.m_as("g") == pytest.approx(50 / 6, rel=1e-12)
    assert round(mix.weak_value, 1) == 41.7


def test_one_pound_of_7_5_percent_from_10_percent_and_aquaphor() -> None:
    # REMEDYSPOT_POUND (a pharmacy-technician educator's worked answer): 1 lb of 7.5 %
    # from 10 % and Aquaphor (0 %), with 1 lb taken as 454 g: 7.5/10 x 454 = 340.5 g of
    # 10 % and 2.5/10 x 454 = 113.5 g of base. With the exact pound (453.59237 g):
    # 340.1942775 g and 113.3980925 g.
    mix = alligation("10 % w/w", "0 %", "7.5 % w/w", total="1 lb")
    assert mix.strong_amount.m_as("g") == pytest.approx(453.59237 * 0.75, rel=1e-12)
    assert mix.weak_amount.m_as("g") == pytest.approx(453.59237 * 0.25, rel=1e-12)
    assert round(mix.strong_value / 453.59237 * 454, 1) == 340.5


def test_zero_is_still_refused_as_a_strength() -> None:
    # A formula's strength of 0 % stays an error: only the diluent of a mixture may be 0 %.
    with pytest.raises(StrengthParseError, match="greater than zero"):
        Strength.parse("0 %")
    with pytest.raises(DimensionError, match="a diluent takes the basis"):
        alligation("10 % w/w", "0 % w/v", "5 % w/w", total="10 g")
    with pytest.raises(StrengthParseError, match="greater than zero"):
        alligation("10 % w/w", "0 mg/g", "5 % w/w", total="10 g")
