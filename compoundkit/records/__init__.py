"""Records: the tamper-evident record log, MFRs, CRs and worksheets; beyond-use dates.

The BUD names (``assign_bud``, ``BudExtension``...) live in
:mod:`compoundkit.formulas.bud` and are re-exported here. Import-light on purpose (no
pint, no numpy): the CLI and apps can use the BUD rules and the record log without
loading the unit machinery.
"""

from __future__ import annotations

from compoundkit.formulas.bud import (
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
from compoundkit.records.corrections import Change, Correction, correct
from compoundkit.records.cr import (
    CR_ELEMENTS,
    BatchSpec,
    ComponentRecord,
    CompoundingRecord,
    CrBud,
    LineDeviation,
    Lot,
    QcResult,
    Signoff,
)
from compoundkit.records.log import (
    BadEntry,
    Checkpoint,
    LogEntry,
    NewEntry,
    RecordLog,
    UnknownEntryError,
    VerifyReport,
    copy_log,
    open_log,
)
from compoundkit.records.mfr import (
    MFR_ELEMENTS,
    CompoundingStep,
    MasterFormulationRecord,
    MfrBud,
    MissingElement,
    QualityCheck,
)
from compoundkit.records.render import (
    PdfUnavailableError,
    cr_to_html,
    cr_to_markdown,
    html_to_pdf,
    mfr_to_html,
    mfr_to_markdown,
)
from compoundkit.records.schema import RECORD_SCHEMA_VERSION, record_from_dict, record_to_dict
from compoundkit.records.serialize import (
    correction_chain,
    dumps_record,
    find_draft,
    latest_version,
    load_record,
    loads_record,
    log_correction,
    log_record,
    mfr_versions,
    record_from_entry,
    save_record,
)
from compoundkit.records.signatures import require_signed_approval, verify_signatures

__all__ = [
    "CR_ELEMENTS",
    "DEFAULT_RULE_SET",
    "MFR_ELEMENTS",
    "RECORD_SCHEMA_VERSION",
    "BadEntry",
    "BatchSpec",
    "BudClass",
    "BudExtension",
    "BudResult",
    "BudRule",
    "BudRuleSet",
    "Change",
    "Checkpoint",
    "Citation",
    "ComponentRecord",
    "CompoundingRecord",
    "CompoundingStep",
    "Correction",
    "CrBud",
    "LineDeviation",
    "LogEntry",
    "Lot",
    "MasterFormulationRecord",
    "MfrBud",
    "MissingElement",
    "NewEntry",
    "PdfUnavailableError",
    "QcResult",
    "QualityCheck",
    "RecordLog",
    "Signoff",
    "UnknownEntryError",
    "VerifyReport",
    "assign_bud",
    "classify",
    "copy_log",
    "correct",
    "correction_chain",
    "cr_to_html",
    "cr_to_markdown",
    "dumps_record",
    "find_draft",
    "get_rule_set",
    "html_to_pdf",
    "latest_version",
    "load_record",
    "loads_record",
    "log_correction",
    "log_record",
    "mfr_to_html",
    "mfr_to_markdown",
    "mfr_versions",
    "open_log",
    "record_from_dict",
    "record_from_entry",
    "record_to_dict",
    "require_signed_approval",
    "rule_sets",
    "save_record",
    "verify_signatures",
]


def __dir__() -> list[str]:
    """The public names only (no imported helpers or submodules)."""
    return sorted(__all__)
