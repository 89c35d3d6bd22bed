"""Beyond-use dates (BUD) for nonsterile compounded preparations (USP <795>).

Three parts: the rule table as data (:mod:`~compoundkit.formulas.bud.table`, read from
``bud_rules.toml``), sorting a preparation into a class
(:mod:`~compoundkit.formulas.bud.classes`) and the date arithmetic
(:mod:`~compoundkit.formulas.bud.dates`). ``compoundkit.records`` re-exports the public
names.

How a BUD is assigned:

1. :func:`classify` sorts the preparation: aqueous unless its water activity is shown to be
   below 0.6; a nonaqueous *oral liquid* is its own class; every other nonaqueous
   preparation is "other nonaqueous".
2. The rule for that class gives a number of days. The compounding day is **Day 1**, so an
   N-day BUD ends on ``compounded_on + N - 1`` days.
3. A :class:`BudExtension` (a USP monograph or a stability-indicating study, with its
   reference) may replace the table's days, up to 180 days.
4. The BUD is never later than the earliest expiry of any component; the component that
   capped it is named.
5. The pharmacist may always shorten it (``shorten_to``); lengthening needs an extension.

>>> import datetime
>>> result = assign_bud(
...     compounded_on=datetime.date(2024, 3, 1), aqueous=True, preserved=False,
...     dosage_form="cream")
>>> result.date
datetime.date(2024, 3, 14)
>>> print(result.explain())  # one line, wrapped here
14 days (USP <795> 2023 Table 3: aqueous, nonpreserved),
Day 1 = 2024-03-01 -> 2024-03-14, refrigerate
"""

from __future__ import annotations

from compoundkit.formulas.bud.classes import BudClass, classify
from compoundkit.formulas.bud.dates import BudExtension, BudResult, ExtensionKind, assign_bud
from compoundkit.formulas.bud.table import (
    DEFAULT_RULE_SET,
    BudRule,
    BudRuleSet,
    Citation,
    Classification,
    DayCounting,
    RuleBook,
    RuleCondition,
    RuleSetStatus,
    get_rule_set,
    rule_book,
    rule_sets,
)

__all__ = [
    "DEFAULT_RULE_SET",
    "BudClass",
    "BudExtension",
    "BudResult",
    "BudRule",
    "BudRuleSet",
    "Citation",
    "Classification",
    "DayCounting",
    "ExtensionKind",
    "RuleBook",
    "RuleCondition",
    "RuleSetStatus",
    "assign_bud",
    "classify",
    "get_rule_set",
    "rule_book",
    "rule_sets",
]
