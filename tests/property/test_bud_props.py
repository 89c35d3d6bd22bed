"""Properties of assign_bud that hold for every input."""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources

from hypothesis import given
from hypothesis import strategies as st

from compoundkit.errors import BudRulesError
from compoundkit.formulas.bud import BudExtension, RuleBook, assign_bud

dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31))
preparations = st.sampled_from(
    [
        (True, False, "cream", "topical"),
        (True, True, "gel", "topical"),
        (False, False, "suspension", "oral"),
        (False, True, "ointment", "topical"),
        (False, False, "capsule", "oral"),
        (True, False, "solution", "oral"),
    ]
)
expiry_offsets = st.dictionaries(
    st.text(min_size=1, max_size=12).filter(str.strip), st.integers(0, 400), max_size=5
)


@given(
    start=dates, prep=preparations, offsets=expiry_offsets, ext_days=st.none() | st.integers(1, 180)
)
def test_bud_within_bounds(
    start: dt.date,
    prep: tuple[bool, bool, str, str],
    offsets: dict[str, int],
    ext_days: int | None,
) -> None:
    aqueous, preserved, form, route = prep
    expiries = {name: start + dt.timedelta(days=d) for name, d in offsets.items()}
    extension = None if ext_days is None else BudExtension(ext_days, "monograph M", "monograph")
    result = assign_bud(
        compounded_on=start,
        aqueous=aqueous,
        preserved=preserved,
        dosage_form=form,
        route=route,
        component_expiries=expiries,
        extension=extension,
    )
    assert result.date >= start
    assert result.days == (result.date - start).days + 1 >= 1
    if expiries:
        assert result.date <= min(expiries.values())
    rule_days = result.rule.days
    assert rule_days is not None
    if extension is None:
        assert result.days <= rule_days
    else:
        assert result.days <= extension.days <= 180
    assert result.rule_set == "usp795-2023"
    if result.limited_by not in (None, "extension"):
        assert result.limited_by in expiries
        assert result.date == expiries[result.limited_by]


@given(
    first=dates,
    gap=st.integers(0, 400),
    prep=preparations,
    expiry_gap=st.integers(400, 1000),
)
def test_bud_is_monotone_in_compounding_date(
    first: dt.date, gap: int, prep: tuple[bool, bool, str, str], expiry_gap: int
) -> None:
    aqueous, preserved, form, route = prep
    later = first + dt.timedelta(days=gap)
    expiries = {"API": first + dt.timedelta(days=expiry_gap)}

    def bud(day: dt.date) -> dt.date:
        return assign_bud(
            compounded_on=day,
            aqueous=aqueous,
            preserved=preserved,
            dosage_form=form,
            route=route,
            component_expiries=expiries,
        ).date

    assert bud(first) <= bud(later)


@given(start=dates, prep=preparations, back=st.integers(0, 200))
def test_shortening_never_lengthens(
    start: dt.date, prep: tuple[bool, bool, str, str], back: int
) -> None:
    aqueous, preserved, form, route = prep
    common = {"compounded_on": start, "aqueous": aqueous, "preserved": preserved}
    full = assign_bud(dosage_form=form, route=route, **common)  # type: ignore[arg-type]
    wanted = max(start, full.date - dt.timedelta(days=back))
    short = assign_bud(dosage_form=form, route=route, shorten_to=wanted, **common)  # type: ignore[arg-type]
    assert short.date == wanted <= full.date


_SHIPPED = resources.files("compoundkit.formulas").joinpath("data", "bud_rules.toml").read_text()
_VALUE_LINES = [i for i, line in enumerate(_SHIPPED.splitlines()) if re.match(r"\w+ = ", line)]
_ODD_VALUES = ["-1", "0", "true", '""', '" "', '"x"', "[]", '["x"]', "{}", "1.5", "2024-01-01"]


@given(
    changes=st.lists(
        st.tuples(st.sampled_from(_VALUE_LINES), st.sampled_from(_ODD_VALUES)), max_size=4
    )
)
def test_a_damaged_rules_document_is_refused_whole_or_read(
    changes: list[tuple[int, str]],
) -> None:
    lines = _SHIPPED.splitlines()
    for index, value in changes:
        lines[index] = lines[index].split(" = ", 1)[0] + " = " + value
    refused: BudRulesError | None = None
    try:
        book = RuleBook.from_toml("\n".join(lines), source="damaged.toml")
    except BudRulesError as exc:  # anything else would be a crash
        refused = exc
    if refused is not None:
        assert refused.problems
        assert all(p.render("damaged.toml").startswith("damaged.toml") for p in refused.problems)
        assert str(refused).startswith("damaged.toml")
        return
    assert len([rs for rs in book.rule_sets if rs.default]) == 1
    assert all(r.citation is not None for rs in book.rule_sets for r in rs.rules)
