"""Beyond-use dates: each USP <795> class, Day-1 counting, caps, extensions, rule sets."""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources

import pytest

from compoundkit.errors import BudError, BudRulesError, DocumentError
from compoundkit.formulas.bud import (
    DEFAULT_RULE_SET,
    BudExtension,
    RuleBook,
    assign_bud,
    classify,
    get_rule_set,
    rule_book,
    rule_sets,
)

MARCH_1 = dt.date(2024, 3, 1)

# (aqueous, preserved, dosage form, route) -> (class id, days, storage)
CLASSES = [
    (True, False, "cream", "topical", "aqueous-nonpreserved", 14, "refrigerator"),
    (
        True,
        True,
        "gel",
        "topical",
        "aqueous-preserved",
        35,
        "controlled room temperature or refrigerator",
    ),
    (
        False,
        False,
        "suspension",
        "oral",
        "nonaqueous-oral-liquid",
        90,
        "controlled room temperature or refrigerator",
    ),
    (
        False,
        False,
        "ointment",
        "topical",
        "other-nonaqueous",
        180,
        "controlled room temperature or refrigerator",
    ),
    (
        False,
        True,
        "capsule",
        "oral",
        "other-nonaqueous",
        180,
        "controlled room temperature or refrigerator",
    ),
]


def test_shipped_data_file_is_packaged_and_loads() -> None:
    text = resources.files("compoundkit.formulas").joinpath("data", "bud_rules.toml").read_text()
    book = RuleBook.from_toml(text, source="bud_rules.toml")
    assert book.default.id == DEFAULT_RULE_SET == "usp795-2023"
    assert rule_sets() == ("usp795-2023", "usp795-2014")


@pytest.mark.parametrize(
    ("aqueous", "preserved", "form", "route", "class_id", "days", "storage"), CLASSES
)
def test_each_class_gets_its_table_days(
    aqueous: bool, preserved: bool, form: str, route: str, class_id: str, days: int, storage: str
) -> None:
    result = assign_bud(
        compounded_on=MARCH_1, aqueous=aqueous, preserved=preserved, dosage_form=form, route=route
    )
    assert result.bud_class.id == class_id
    assert result.rule.id == class_id
    assert result.days == days
    assert result.date == MARCH_1 + dt.timedelta(days=days - 1)
    assert result.storage == storage
    assert result.limited_by is None
    assert result.rule_set == "usp795-2023"
    assert result.rule.citation.chapter == "USP <795>"
    assert result.rule.citation.revision == "2023"
    assert result.rule.citation.official == dt.date(2023, 11, 1)
    assert result.rule.citation.table == "Table 3"
    assert result.rule.day_counting == "day1"


def test_day_one_is_the_compounding_day() -> None:
    result = assign_bud(compounded_on=MARCH_1, aqueous=True, preserved=False, dosage_form="cream")
    assert result.date == dt.date(2024, 3, 14)
    assert result.days == 14
    assert result.explain() == (
        "14 days (USP <795> 2023 Table 3: aqueous, nonpreserved), "
        "Day 1 = 2024-03-01 -> 2024-03-14, refrigerate"
    )


def test_day_counting_across_a_leap_day_and_year_end() -> None:
    leap = assign_bud(
        compounded_on=dt.date(2024, 2, 20), aqueous=True, preserved=False, dosage_form="cream"
    )
    assert leap.date == dt.date(2024, 3, 4)  # 2024-02-29 exists
    new_year = assign_bud(
        compounded_on=dt.date(2024, 12, 25), aqueous=True, preserved=True, dosage_form="lotion"
    )
    assert new_year.date == dt.date(2025, 1, 28)


def test_water_activity_decides_the_class() -> None:
    low = classify(aqueous=True, preserved=False, dosage_form="gel", water_activity=0.59)
    assert (low.id, low.aqueous) == ("other-nonaqueous", False)
    at_threshold = classify(aqueous=True, preserved=False, dosage_form="gel", water_activity=0.6)
    assert at_threshold.id == "aqueous-nonpreserved"
    # a measurement showing water activity wins over a formula said to be anhydrous
    measured = classify(aqueous=False, preserved=False, dosage_form="ointment", water_activity=0.9)
    assert measured.id == "aqueous-nonpreserved"
    assert "measured" in measured.basis


def test_oral_liquid_class_only_for_oral_liquids() -> None:
    assert classify(aqueous=False, preserved=False, dosage_form="oil").id == "other-nonaqueous"
    oral = classify(aqueous=False, preserved=False, dosage_form="Oral  Solution", route="ORAL")
    assert oral.id == "other-nonaqueous"  # "oral solution" is not a listed liquid form name
    assert (
        classify(aqueous=False, preserved=False, dosage_form="solution", route="oral").id
        == "nonaqueous-oral-liquid"
    )
    assert (
        classify(aqueous=False, preserved=False, dosage_form="capsule", route="oral").id
        == "other-nonaqueous"
    )


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"aqueous": "yes"}, "aqueous must be True or False"),
        ({"preserved": 1}, "preserved must be True or False"),
        ({"dosage_form": "  "}, "dosage_form must be non-empty text"),
        ({"route": "ophthalmic"}, "USP <797>"),
        ({"route": "telepathic"}, "unknown route 'telepathic'; allowed: buccal"),
        ({"water_activity": 1.5}, "water_activity must be a number from 0 to 1"),
        ({"water_activity": float("nan")}, "water_activity must be a number from 0 to 1"),
        ({"water_activity": True}, "water_activity must be a number from 0 to 1"),
    ],
)
def test_classify_rejects_bad_input(kwargs: dict[str, object], fragment: str) -> None:
    args: dict[str, object] = {"aqueous": True, "preserved": False, "dosage_form": "cream"}
    args.update(kwargs)
    with pytest.raises(BudError, match=re.escape(fragment)):
        classify(**args)  # type: ignore[arg-type]


def test_earliest_component_expiry_caps_and_is_named() -> None:
    result = assign_bud(
        compounded_on=MARCH_1,
        aqueous=True,
        preserved=False,
        dosage_form="cream",
        component_expiries={
            "ketoprofen lot K7": dt.date(2024, 3, 12),
            "cyclobenzaprine HCl lot C2": dt.date(2024, 3, 9),
            "base lot B1": dt.date(2025, 1, 1),
        },
    )
    assert result.date == dt.date(2024, 3, 9)
    assert result.days == 9
    assert result.limited_by == "cyclobenzaprine HCl lot C2"
    assert result.earliest_expiry == ("cyclobenzaprine HCl lot C2", dt.date(2024, 3, 9))
    assert result.rule_date == dt.date(2024, 3, 14)
    assert "by the expiry of cyclobenzaprine HCl lot C2 (2024-03-09)" in result.explain()


def test_later_expiries_do_not_cap() -> None:
    result = assign_bud(
        compounded_on=MARCH_1,
        aqueous=True,
        preserved=False,
        dosage_form="cream",
        component_expiries={"ketoprofen": dt.date(2024, 3, 14)},  # same day: the rule set it
    )
    assert (result.date, result.limited_by) == (dt.date(2024, 3, 14), None)
    assert result.earliest_expiry == ("ketoprofen", dt.date(2024, 3, 14))


def test_component_expiring_on_the_compounding_day_gives_one_day() -> None:
    result = assign_bud(
        compounded_on=MARCH_1,
        aqueous=False,
        preserved=False,
        dosage_form="ointment",
        component_expiries={"zinc oxide": MARCH_1},
    )
    assert (result.date, result.days, result.limited_by) == (MARCH_1, 1, "zinc oxide")


def test_expired_component_is_an_error_naming_it() -> None:
    with pytest.raises(BudError, match=r"expired component: 'ketoprofen lot K1' \(expired 2024"):
        assign_bud(
            compounded_on=MARCH_1,
            aqueous=True,
            preserved=False,
            dosage_form="cream",
            component_expiries={
                "base": dt.date(2025, 1, 1),
                "ketoprofen lot K1": dt.date(2024, 2, 29),
            },
        )


def test_extension_with_reference_up_to_180_days() -> None:
    ext = BudExtension(
        days=180, reference="Smith et al. 2021, stability study", kind="stability-study"
    )
    result = assign_bud(
        compounded_on=MARCH_1,
        aqueous=True,
        preserved=True,
        dosage_form="cream",
        extension=BudExtension(
            days=ext.days,
            reference=ext.reference,
            antimicrobial_effectiveness="USP <51> report 2021-07",
        ),
    )
    assert result.days == 180
    assert result.date == dt.date(2024, 8, 27)
    assert result.limited_by == "extension"
    assert result.extension is not None
    assert "Smith et al. 2021" in result.explain()
    monograph = assign_bud(
        compounded_on=MARCH_1,
        aqueous=False,
        preserved=False,
        dosage_form="suspension",
        route="oral",
        extension=BudExtension(120, "USP monograph: Example Oral Suspension", "monograph"),
    )
    assert (monograph.days, monograph.limited_by) == (120, "extension")


def test_extension_is_still_capped_by_expiry() -> None:
    result = assign_bud(
        compounded_on=MARCH_1,
        aqueous=False,
        preserved=False,
        dosage_form="suspension",
        route="oral",
        extension=BudExtension(150, "USP monograph", "monograph"),
        component_expiries={"API lot 9": dt.date(2024, 6, 30)},
    )
    assert (result.date, result.limited_by) == (dt.date(2024, 6, 30), "API lot 9")


def test_extension_beyond_180_days_is_refused() -> None:
    with pytest.raises(BudError, match="180-day maximum"):
        assign_bud(
            compounded_on=MARCH_1,
            aqueous=False,
            preserved=False,
            dosage_form="ointment",
            extension=BudExtension(181, "study X", "stability-study"),
        )


@pytest.mark.parametrize("reference", ["", "   "])
def test_extension_without_reference_is_refused(reference: str) -> None:
    with pytest.raises(BudError, match="reference is required"):
        BudExtension(90, reference, "monograph")


def test_extension_validation() -> None:
    with pytest.raises(BudError, match="kind must be one of monograph, stability-study"):
        BudExtension(90, "ref", "hunch")  # type: ignore[arg-type]
    with pytest.raises(BudError, match="whole number of days"):
        BudExtension(90.5, "ref")  # type: ignore[arg-type]
    with pytest.raises(BudError, match="at least 1"):
        BudExtension(0, "ref")


def test_aqueous_stability_extension_needs_antimicrobial_effectiveness_testing() -> None:
    with pytest.raises(BudError, match="USP <51>"):
        assign_bud(
            compounded_on=MARCH_1,
            aqueous=True,
            preserved=False,
            dosage_form="cream",
            extension=BudExtension(30, "stability study S-12", "stability-study"),
        )


def test_shortening_is_allowed() -> None:
    result = assign_bud(
        compounded_on=MARCH_1,
        aqueous=True,
        preserved=True,
        dosage_form="cream",
        shorten_to=dt.date(2024, 3, 7),
    )
    assert (result.date, result.days, result.limited_by) == (
        dt.date(2024, 3, 7),
        7,
        "pharmacist shortening",
    )
    assert "Shortened by the pharmacist to 2024-03-07 (7 days)." in result.explain()
    same = assign_bud(
        compounded_on=MARCH_1,
        aqueous=True,
        preserved=True,
        dosage_form="cream",
        shorten_to=dt.date(2024, 4, 4),  # equal to the rule's date: nothing to shorten
    )
    assert (same.date, same.limited_by) == (dt.date(2024, 4, 4), None)


def test_lengthening_is_refused() -> None:
    with pytest.raises(BudError, match="lengthening needs an extension with a monograph"):
        assign_bud(
            compounded_on=MARCH_1,
            aqueous=True,
            preserved=False,
            dosage_form="cream",
            shorten_to=dt.date(2024, 3, 15),
        )
    with pytest.raises(BudError, match="before the compounding day"):
        assign_bud(
            compounded_on=MARCH_1,
            aqueous=True,
            preserved=False,
            dosage_form="cream",
            shorten_to=dt.date(2024, 2, 29),
        )


def test_2014_table_selectable_by_name() -> None:
    topical = assign_bud(
        compounded_on=MARCH_1,
        aqueous=True,
        preserved=False,
        dosage_form="cream",
        rules="usp795-2014",
    )
    assert (topical.rule_set, topical.rule.id, topical.days) == (
        "usp795-2014",
        "water-containing-topical",
        30,
    )
    assert topical.rule.citation.superseded
    assert "superseded" in topical.explain()
    ointment = assign_bud(
        compounded_on=MARCH_1,
        aqueous=False,
        preserved=False,
        dosage_form="ointment",
        rules="usp795-2014",
    )
    assert ointment.rule.months == 6
    assert ointment.date == dt.date(2024, 8, 31)  # six months, Day 1 = 2024-03-01
    assert get_rule_set("usp795-2014").superseded
    assert not get_rule_set("usp795-2014").default


def test_2014_table_has_no_rule_for_aqueous_oral_liquids() -> None:
    with pytest.raises(BudError, match="has no rule for a aqueous, nonpreserved"):
        assign_bud(
            compounded_on=MARCH_1,
            aqueous=True,
            preserved=False,
            dosage_form="solution",
            route="oral",
            rules="usp795-2014",
        )


@pytest.mark.parametrize(("aqueous", "preserved", "form", "route"), [c[:4] for c in CLASSES])
def test_default_is_never_the_2014_table(
    aqueous: bool, preserved: bool, form: str, route: str
) -> None:
    result = assign_bud(
        compounded_on=MARCH_1, aqueous=aqueous, preserved=preserved, dosage_form=form, route=route
    )
    assert result.rule_set == "usp795-2023"
    assert result.rule.rule_set == "usp795-2023"
    assert not result.rule.citation.superseded


def test_unknown_rule_set_lists_allowed() -> None:
    with pytest.raises(BudError, match=r"unknown BUD rule set '2014'; allowed: usp795-2023, usp"):
        assign_bud(
            compounded_on=MARCH_1, aqueous=True, preserved=False, dosage_form="cream", rules="2014"
        )


def test_dates_must_be_dates() -> None:
    common = {"aqueous": True, "preserved": False, "dosage_form": "cream"}
    with pytest.raises(BudError, match=r"not a datetime .*value\.date\(\)"):
        assign_bud(compounded_on=dt.datetime(2024, 3, 1, 9, 30), **common)  # type: ignore[arg-type]
    with pytest.raises(BudError, match=re.escape("must be a datetime.date, got '2024-03-01'")):
        assign_bud(compounded_on="2024-03-01", **common)  # type: ignore[arg-type]
    with pytest.raises(BudError, match="expiry of component 'base'"):
        assign_bud(
            compounded_on=MARCH_1,
            component_expiries={"base": "2025-01-01"},  # type: ignore[dict-item]
            **common,  # type: ignore[arg-type]
        )


def test_date_overflow_is_a_bud_error() -> None:
    with pytest.raises(BudError, match="too late in the calendar"):
        assign_bud(
            compounded_on=dt.date(9999, 12, 30),
            aqueous=False,
            preserved=False,
            dosage_form="tablet",
        )


# --------------------------------------------------------------------------- data validation

_GOOD = resources.files("compoundkit.formulas").joinpath("data", "bud_rules.toml").read_text()


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        (
            "days = 14\n",
            "days = -14\n",
            "rule_set[0].rule[0].days: must be a positive whole number, not -14",
        ),
        (
            "days = 14\n",
            "days = 14\nmonths = 1\n",
            "rule_set[0].rule[0].days: give exactly one of 'days' and 'months'",
        ),
        (
            'status = "superseded"\ndefault = false',
            'status = "superseded"\ndefault = true',
            "rule_set[1].default: a superseded rule set can never be the default",
        ),
        (
            "default = true",
            "default = false",
            "rule_set: exactly one rule set must be the default, found none",
        ),
        (
            'id = "usp795-2014"',
            'id = "usp795-2023"',
            "rule_set[1].id: rule set id 'usp795-2023' is used twice",
        ),
        (
            "when = { aqueous = true, preserved = true }",
            "when = { aqueous = true }",
            "rule_set[0].rule[1].when: rules 'aqueous-nonpreserved' and 'aqueous-preserved' "
            "both apply",
        ),
        (
            'day_counting = "day1"\nday_counting_citation = "USP',
            'day_counting = "day 1"\nday_counting_citation = "USP',
            "rule_set[0].day_counting: the text 'day 1' is not allowed; allowed: day1, day0",
        ),
        (
            'storage = "refrigerator"',
            'storage = "refrigerator"\ncolour = "blue"',
            "rule_set[0].rule[0].colour: unknown key; allowed: id, description, storage,",
        ),
        ("schema = 1", "schema = 3", "schema: unsupported schema 3"),
        (
            "official = 2023-11-01",
            'official = "Nov 2023"',
            "rule_set[0].official: must be a date (YYYY-MM-DD), not the text 'Nov 2023'",
        ),
        (
            "water_activity_threshold = 0.6",
            "water_activity_threshold = 6",
            "classification.water_activity_threshold: must be between 0 and 1, not 6",
        ),
        (
            'when = { aqueous = true, routes = ["dermal", "topical", "transdermal"] }',
            'when = { aqueous = true, routes = ["dermal", "eye"] }',
            "rule_set[1].rule[0].when.routes: unknown route(s) ['eye']; allowed: buccal,",
        ),
        (
            'oral_routes = ["oral"]',
            'oral_routes = ["oral", "ophthalmic"]',
            "classification.oral_routes: not listed in routes: ophthalmic",
        ),
        (
            'oral_routes = ["oral"]',
            'oral_routes = "oral"',
            "classification.oral_routes: must be a list, not the text 'oral'",
        ),
        (
            'description = "aqueous, preserved"',
            'description = " "',
            "description: must be non-empty text",
        ),
    ],
)
def test_invalid_rule_data_is_refused_with_location(old: str, new: str, fragment: str) -> None:
    assert old in _GOOD
    text = _GOOD.replace(old, new, 1)
    with pytest.raises(BudRulesError, match=re.escape(fragment)) as info:
        RuleBook.from_toml(text, source="custom.toml")
    assert str(info.value).startswith("custom.toml")
    assert isinstance(info.value, BudError)
    assert isinstance(info.value, DocumentError)
    problem = next(p for p in info.value.problems if fragment in p.render())
    key = next(str(part) for part in reversed(problem.path) if isinstance(part, str))
    if problem.path != ("rule_set",):  # the whole list has no line of its own
        assert problem.line is not None
        assert problem.render("custom.toml").startswith(f"custom.toml:{problem.line}: ")
        assert key in text.splitlines()[problem.line - 1]


def test_every_problem_of_a_rules_document_is_reported() -> None:
    text = (
        _GOOD.replace("days = 14\n", "days = 0\n", 1)
        .replace('storage = "refrigerator"', 'storage = "refrigerator"\ncolour = "blue"', 1)
        .replace("official = 2023-11-01", "official = 2023", 1)
        .replace("max_extension_days = 180", 'max_extension_days = "180"', 1)
    )
    with pytest.raises(BudRulesError) as info:
        RuleBook.from_toml(text, source="custom.toml")
    paths = [problem.field for problem in info.value.problems]
    assert paths == [
        "rule_set[0].official",
        "rule_set[0].max_extension_days",
        "rule_set[0].rule[0].colour",
    ]  # structuring problems first; the meaning checks (days = 0) run on a sound document
    assert str(info.value).startswith("custom.toml: 3 problems:\n  custom.toml:")
    fixed = text.replace('colour = "blue"\n', "").replace(
        "official = 2023", "official = 2023-11-01"
    )
    with pytest.raises(BudRulesError) as meaning:
        RuleBook.from_toml(fixed.replace('"180"', "0"), source="custom.toml")
    assert [p.field for p in meaning.value.problems] == [
        "rule_set[0].max_extension_days",
        "rule_set[0].rule[0].days",
    ]


def test_invalid_toml_is_a_bud_error() -> None:
    with pytest.raises(BudError, match=re.escape("custom.toml: not valid TOML")):
        RuleBook.from_toml("schema = ", source="custom.toml")
    with pytest.raises(BudRulesError, match=re.escape("custom.toml:2: not valid TOML")):
        RuleBook.from_toml("schema = 1\nrule_set = x\n", source="custom.toml")


def test_rule_tables_are_not_shared_mutable_state() -> None:
    rule_set = get_rule_set()
    assert isinstance(rule_set.rules, tuple)
    with pytest.raises(AttributeError):
        rule_set.rules[0].days = 99  # type: ignore[misc]
    assert rule_book() is rule_book()
