"""Records: beyond-use dates and the tamper-evident record log.

Import-light on purpose (no pint, no numpy): the CLI and apps can use the BUD rules and
the record log without loading the unit machinery.
"""

from __future__ import annotations

from compoundkit.records.bud import (
    DEFAULT_RULE_SET,
    BudClass,
    BudExtension,
    BudResult,
    BudRule,
    BudRuleSet,
    Citation,
    assign_bud,
    classify,
    get_rule_set,
    rule_sets,
)
from compoundkit.records.log import (
    BadEntry,
    LogEntry,
    RecordLog,
    UnknownEntryError,
    VerifyReport,
)

__all__ = [
    "DEFAULT_RULE_SET",
    "BadEntry",
    "BudClass",
    "BudExtension",
    "BudResult",
    "BudRule",
    "BudRuleSet",
    "Citation",
    "LogEntry",
    "RecordLog",
    "UnknownEntryError",
    "VerifyReport",
    "assign_bud",
    "classify",
    "get_rule_set",
    "rule_sets",
]
