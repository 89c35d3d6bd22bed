"""Property: any edit anywhere in a signed compounding record's document (a figure, a
name, a lot, the copy of its MFR, a signature) is refused when the record is read with
its trusted signers: either the document no longer makes a record, or a signature names
the change."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compoundkit.errors import CompoundkitError, SignatureError
from compoundkit.formulas import load_formula
from compoundkit.records.cr import CompoundingRecord, Lot, QcResult
from compoundkit.records.mfr import CompoundingStep, MasterFormulationRecord, QualityCheck
from compoundkit.records.schema import record_from_dict, record_to_dict
from compoundkit.records.signatures import verify_signatures
from compoundkit.records.signing import PublicKey, load_key, new_key

REPO = Path(__file__).resolve().parents[2]
WHEN = dt.datetime(2026, 11, 25, 10, 30)


@functools.cache
def signed() -> tuple[dict[str, Any], tuple[PublicKey, ...]]:
    """A released CR of an approved MFR, signed by the author/compounder and the
    approver/verifier, as its document; and the trusted signers."""
    folder = Path(tempfile.mkdtemp())
    new_key("A. Chen", "pass", folder / "chen.key")
    new_key("B. Osei", "pass", folder / "osei.key")
    chen, osei = (load_key(folder / f"{n}.key", "pass") for n in ("chen", "osei"))
    mfr = (
        MasterFormulationRecord.create(
            load_formula(REPO / "examples" / "ketoprofen-gel.toml"),
            steps=[CompoundingStep("Mix.", ("spatula",))],
            description="Clear gel",
            quality_control=[QualityCheck("appearance", "Look at it.", "clear")],
            author="A. Chen",
        )
        .sign(chen)
        .approve("B. Osei", dt.date(2026, 11, 20), signer=osei)
    )
    record = CompoundingRecord.create(
        mfr,
        size="30 g",
        internal_id="RX-1",
        prepared_at=WHEN,
        compounded_by="A. Chen",
        verified_by="B. Osei",
        lots={
            "ketoprofen": Lot("K7", dt.date(2027, 3, 10), "Acme"),
            "plo": Lot("P1", dt.date(2027, 1, 1), "Acme"),
        },
        weighed={"ketoprofen": "3.0 g", "plo": "27 g"},
        description="Clear gel",
        qc_results=[QcResult("appearance", "clear", True)],
    )
    record = record.verify(by="B. Osei", at=WHEN).release(by="B. Osei", at=WHEN)
    record = record.sign(chen).sign(osei)
    return record_to_dict(record), (chen.public, osei.public)


def leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every text, number and true/false in a document."""
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in leaves(item, (*path, key))]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in leaves(item, (*path, index))]
    return [path]


def edited(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    return f"{value}x"


@given(data=st.data())
def test_any_edit_of_a_signed_record_is_refused(data: st.DataObject) -> None:
    document, trusted = signed()
    assert verify_signatures(record_from_dict(document), trusted)  # untouched: it verifies
    path = data.draw(st.sampled_from(leaves(document)), label="edited value")
    changed = copy.deepcopy(document)
    holder = changed
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = edited(holder[path[-1]])
    try:
        record = record_from_dict(changed)
    except CompoundkitError:
        return  # no longer a record: refused as it is read
    with pytest.raises(SignatureError, match="signature of '"):
        verify_signatures(record, trusted)
