"""Triturations with a chosen aliquot, and serial (two-stage) triturations.

One-stage plans reproduce published worked problems; for the two-stage plan no published
worked figures were found (IJPC's "Capsule-Weighing and Trituration Calculations",
D. W. Newton, 2001, https://ijpc.com/abstracts/Abstract_basic.cfm?ABS=995, describes a
two-trituration procedure behind a paywall), so those tests check the issue-15 example
and the UNC atropine dose by hand against the published rule that every weighing is at
least the minimum weighable quantity.
"""

from __future__ import annotations

import pytest

from compoundkit.calc import (
    AliquotPlan,
    Balance,
    TriturationPlan,
    aliquot_plan,
    serial_trituration,
    trituration_plan,
)
from compoundkit.errors import CalculationError
from compoundkit.units import Q_

BMK_WEIGHING = "https://basicmedicalkey.com/accurate-weighing-for-prescriptions"
SCRIBD_ALIQUOT = "https://www.scribd.com/document/545509411/Aliquot-Method"
EHOW_ALIQUOT = "http://www.ehow.co.uk/how_7257845_calculate-aliquot.html"
UNC_TRITURATION = "http://pharmlabs.unc.edu/labs/triturations/method.htm"


def _figures(plan: AliquotPlan) -> tuple[float, float, float, float, int]:
    return plan.weigh_mg, plan.diluent_mg, plan.total_mg, plan.aliquot_mg, plan.factor


@pytest.mark.parametrize(
    ("needed", "aliquot", "figures"),
    [
        # BMK_WEIGHING: a 2 mg dose, least weighable 120 mg; weigh 120 mg (60 x 2 mg); "125 mg
        # is selected ... as the amount to weigh of final mixture": 60 x 125 = 7500 mg of
        # mixture, 7500 - 120 = 7380 mg of lactose; 7500/60 = 125 mg holds 2 mg.
        ("2 mg", "125 mg", (120, 7380, 7500, 125, 60)),
        # SCRIBD_ALIQUOT ("Calculations: Weighing & Measuring, Aliquot Method"): 12 mg with
        # MWQ 120 mg: 120 mg of drug + 1080 mg of diluent = 1200 mg (m = 10); 120 mg of it
        # holds 12 mg (120/1200 = x/120).
        ("12 mg", "120 mg", (120, 1080, 1200, 120, 10)),
        # EHOW_ALIQUOT: 10 mg, MWQ 6 mg / 0.05 = 120 mg; factor 12: 120 mg of drug, diluent
        # (120 - 10) x 12 = 1320 mg, mixture 1440 mg, 1440/12 = 120 mg per dose.
        ("10 mg", "120 mg", (120, 1320, 1440, 120, 12)),
        # UNC_TRITURATION: 10 capsules of 0.6 mg atropine sulfate = 6 mg; multiple 20 ->
        # weigh 120 mg; aliquot 120 mg; trituration 20 x 120 = 2400 mg; lactose 2280 mg.
        ("6 mg", "120 mg", (120, 2280, 2400, 120, 20)),
    ],
    ids=["2-mg-aliquot-125", "12-mg-aliquot-120", "10-mg-factor-12", "atropine-6-mg"],
)
def test_one_stage_with_the_aliquot_chosen(
    needed: str, aliquot: str, figures: tuple[float, ...]
) -> None:
    plan = aliquot_plan(needed, "120 mg", aliquot=aliquot, diluent="lactose")
    assert _figures(plan) == pytest.approx(figures)
    assert plan.delivered.m_as("mg") == pytest.approx(Q_(needed).m_as("mg"), rel=1e-12)
    via = trituration_plan(needed, "120 mg", aliquot=aliquot, diluent="lactose")
    assert isinstance(via, TriturationPlan)
    assert not via.is_serial
    assert via.stages == (plan,)
    assert via.steps() == plan.steps()


def test_the_steps_of_the_published_2_mg_plan() -> None:
    plan = trituration_plan("2 mg", "120 mg", aliquot="125 mg", diluent="lactose")
    assert plan.steps() == [
        "1. Weigh 120 mg of the drug (60 x 2 mg).",
        "2. Add 7.38 g of lactose and mix until uniform: 7.5 g of mixture.",
        "3. Weigh 125 mg of the mixture (1/60): it holds 2 mg of the drug "
        "(125 mg x 120 mg / 7.5 g).",
    ]


def test_issue_15_a_0_6_mg_dose_does_not_need_a_24_g_mixture() -> None:
    # Issue 15: 0.6 mg on a balance of SR 6 mg at 5 % error (MWQ 6 x 100 / 5 = 120 mg). In
    # one stage: 120 mg / 0.6 mg = 200 aliquots of at least 120 mg = 24 g of mixture.
    one = aliquot_plan("0.6 mg", "120 mg")
    assert one.factor == 200
    assert one.total_mg == 24000
    # In two stages: 120 mg of drug + 1080 mg = 1200 mg (mixture 1, 1 in 10); 120 mg of
    # mixture 1 (12 mg of drug) + 2280 mg = 2400 mg (mixture 2, 1 in 200 of the drug);
    # 120 mg of mixture 2 holds 120 x 120/2400 = 6 mg of mixture 1 = 6 x 120/1200 = 0.6 mg.
    # 3.6 g of mixture in all, every weighing at least 120 mg.
    balance = Balance.from_sensitivity("6 mg", "5 %")
    plan = trituration_plan("0.6 mg", balance.minimum_weight, diluent="lactose")
    assert plan.is_serial
    first, second = plan.stages
    assert _figures(first) == pytest.approx((120, 1080, 1200, 120, 10))
    assert _figures(second) == pytest.approx((120, 2280, 2400, 120, 20))
    assert plan.delivered == Q_(0.6, "mg")
    assert plan.mixture_mg == 3600
    assert plan.aliquot == Q_(120, "mg")
    for stage in plan.stages:
        assert min(stage.weigh_mg, stage.diluent_mg, stage.aliquot_mg) >= 120
    assert plan.steps()[-1] == (
        "6. That is 0.6 mg of the drug (6 mg of mixture 1 x 120 mg / 1.2 g)."
    )


def test_serial_trituration_with_a_chosen_aliquot() -> None:
    # 0.6 mg with 150 mg aliquots: K = 200 overall (120 mg = 200 x 0.6 mg), split 20 x 10:
    # 120 mg of drug to 2400 mg (1 in 20); 120 mg of it (6 mg of drug) with 1380 mg to
    # 1500 mg = 10 x 150 mg; 150 mg holds 150 x 120/1500 = 12 mg of mixture 1
    # = 12 x 120/2400 = 0.6 mg. Material 2400 + 1500 = 3900 mg (10 x 20 would be 4200).
    plan = serial_trituration("0.6 mg", "120 mg", aliquot="150 mg")
    first, second = plan.stages
    assert _figures(first) == pytest.approx((120, 2280, 2400, 120, 20))
    assert _figures(second) == pytest.approx((120, 1380, 1500, 150, 10))
    assert plan.delivered.m_as("mg") == pytest.approx(0.6, rel=1e-12)


def test_the_mixture_cap_decides_between_one_and_two_stages() -> None:
    # 2 mg in one stage makes 60 x 120 = 7.2 g (under the default 10 g): one stage.
    assert not trituration_plan("2 mg", "120 mg").is_serial
    # Below a 5 g cap it triturates twice: K = 60 = 6 x 10: 720 mg, then 1200 mg.
    capped = trituration_plan("2 mg", "120 mg", max_mixture="5 g")
    assert capped.is_serial
    assert capped.mixture_mg < 7200
    assert capped.delivered.m_as("mg") == pytest.approx(2, rel=1e-12)


def test_a_finer_balance_and_a_grid_that_does_not_divide() -> None:
    # 0.7 mg with 1 mg readability: K x 0.7 must be whole mg: K = 200, W = 140 mg; 10 x 20.
    plan = trituration_plan("0.7 mg", "120 mg")
    assert plan.is_serial
    assert plan.delivered.m_as("mg") == pytest.approx(0.7, rel=1e-12)
    assert all(s.weigh_mg % 1 == 0 and s.total_mg % 1 == 0 for s in plan.stages)
    # A USP <41> balance (minimum 82 mg, readability 0.1 mg): 0.5 mg in one stage.
    usp = Balance.usp41("0.02 mg", "0.1 mg")
    fine = trituration_plan("0.5 mg", usp.minimum_weight, readability=usp.readability)
    assert fine.delivered.m_as("mg") == pytest.approx(0.5, rel=1e-12)


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: aliquot_plan("2 mg", "120 mg", aliquot="100 mg"), "below the minimum weighable"),
        (
            lambda: aliquot_plan("2 mg", "120 mg", aliquot="125.5 mg"),
            "whole number of the readability",
        ),
        (lambda: trituration_plan("130 mg", "120 mg"), "weigh it directly"),
        (lambda: serial_trituration("0.6 mg", "120 mg", readability="200 mg"), "readability"),
        (lambda: trituration_plan("0.6 mg", "120 mg", max_mixture="10 mL"), "max_mixture"),
    ],
)
def test_refusals(call: object, fragment: str) -> None:
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the class varies, the text matters
        call()  # type: ignore[operator]
    assert fragment in str(caught.value)
    assert isinstance(caught.value, CalculationError | ValueError)
