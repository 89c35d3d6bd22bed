"""Signed MFRs and compounding records (issue 14): what a signature binds, and what
a forger can no longer do (edit after signing, move a signature, approve with the
author's key, copy an ``approved_hash`` without a signature)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import attrs
import pytest

from compoundkit.errors import RecordRefusedError, SamePersonError, SignatureError
from compoundkit.formulas import load_formula
from compoundkit.records.corrections import correct
from compoundkit.records.cr import CompoundingRecord, Lot, QcResult
from compoundkit.records.log import open_log
from compoundkit.records.mfr import CompoundingStep, MasterFormulationRecord, QualityCheck
from compoundkit.records.render import cr_to_html, cr_to_markdown, mfr_to_html, mfr_to_markdown
from compoundkit.records.schema import record_from_dict, record_to_dict
from compoundkit.records.serialize import dumps_record, load_record, loads_record, log_record
from compoundkit.records.signatures import (
    approval_signature,
    record_hash,
    require_signed_approval,
    sign_record,
    verify_signatures,
)
from compoundkit.records.signing import (
    PublicKey,
    SigningKey,
    load_key,
    manifestation,
    new_key,
)

REPO = Path(__file__).resolve().parents[2]
PASS = "a passphrase for tests"
DAY = dt.date(2026, 11, 20)
WHEN = dt.datetime(2026, 11, 25, 10, 30)


@attrs.frozen
class People:
    chen: SigningKey  # the author, and the compounder
    osei: SigningKey  # the approver, and the verifier
    diaz: SigningKey  # a third pharmacist

    @property
    def trusted(self) -> tuple[PublicKey, ...]:
        return (self.chen.public, self.osei.public, self.diaz.public)


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> People:
    folder = tmp_path_factory.mktemp("keys")
    keys = []
    for name, file in (("A. Chen", "chen"), ("B. Osei", "osei"), ("C. Diaz", "diaz")):
        new_key(name, PASS, folder / f"{file}.key")
        keys.append(load_key(folder / f"{file}.key", PASS))
    return People(*keys)


def complete_mfr(
    name: str = "muscle-spasm-cream", author: str = "A. Chen"
) -> MasterFormulationRecord:
    return MasterFormulationRecord.create(
        load_formula(REPO / "examples" / f"{name}.toml"),
        steps=[CompoundingStep("Levigate the actives; mix in the base.", ("unguator",))],
        description="Smooth off-white cream",
        quality_control=[QualityCheck("appearance", "Look at it.", "smooth, no grit")],
        author=author,
    )


@pytest.fixture(scope="module")
def signed_mfr(people: People) -> MasterFormulationRecord:
    return complete_mfr().sign(people.chen).approve("B. Osei", DAY, signer=people.osei)


def final_cr(mfr: MasterFormulationRecord, rx: str = "RX-1042") -> CompoundingRecord:
    names = [c.name for c in mfr.formulation.ingredients] + [mfr.formulation.vehicle.name]
    sheet = mfr.formulation.batch("120 g")
    targets = [line.rounded_g for line in sheet.lines] + [sheet.vehicle.rounded_g]
    record = CompoundingRecord.create(
        mfr,
        size="120 g",
        internal_id=rx,
        prepared_at=WHEN,
        compounded_by="A. Chen",
        verified_by="B. Osei",
        lots={n: Lot(f"L{i}", dt.date(2027, 6, 30), "Acme") for i, n in enumerate(names)},
        weighed={n: f"{t} g" for n, t in zip(names, targets, strict=True)},
        description="Smooth off-white cream",
        qc_results=[QcResult("appearance", "smooth", True)],
    )
    return record.verify(by="B. Osei", at=WHEN).release(by="B. Osei", at=WHEN)


@pytest.fixture(scope="module")
def signed_cr(people: People, signed_mfr: MasterFormulationRecord) -> CompoundingRecord:
    return final_cr(signed_mfr).sign(people.chen).sign(people.osei)


# --------------------------------------------------------------------------- the MFR


def test_an_approval_signed_by_the_approver_verifies_and_binds_the_content(
    signed_mfr: MasterFormulationRecord, people: People
) -> None:
    assert signed_mfr.signatures is not None
    author, approval = signed_mfr.signatures
    assert (author.name, author.meaning) == ("A. Chen", "prepared")
    assert (approval.name, approval.meaning, approval.key_id) == (
        "B. Osei", "approved", people.osei.key_id,
    )  # fmt: skip
    assert verify_signatures(signed_mfr, people.trusted) == (author, approval)
    assert approval_signature(signed_mfr, people.trusted) == approval
    require_signed_approval(signed_mfr, people.trusted)
    # the signatures are not content: the approval stays bound to the same hash
    assert signed_mfr.content_hash == complete_mfr().content_hash == signed_mfr.approved_hash


@pytest.mark.parametrize("fmt", ["json", "toml"])
def test_a_signed_mfr_round_trips_losslessly_and_still_verifies(
    signed_mfr: MasterFormulationRecord, people: People, fmt: str
) -> None:
    text = dumps_record(signed_mfr, fmt)  # type: ignore[arg-type]
    again = loads_record(text, fmt, trusted=people.trusted)  # type: ignore[arg-type]
    assert again == signed_mfr
    assert dumps_record(again, fmt) == text  # type: ignore[arg-type]


def test_a_signed_mfr_edited_after_signing_is_refused_naming_the_signature(
    signed_mfr: MasterFormulationRecord, people: People
) -> None:
    # The forger edits the content and recomputes approved_hash, so the record's own
    # checks pass; the signatures no longer sign it.
    edited = attrs.evolve(signed_mfr, approved_by=None, approved_on=None, approved_hash=None,
                          description="Gritty yellow cream")  # fmt: skip
    forged = attrs.evolve(edited, approved_by="B. Osei", approved_on=DAY,
                          approved_hash=edited.content_hash)  # fmt: skip
    data = record_to_dict(forged)
    assert record_from_dict(data) == forged  # without trusted signers it loads as today
    with pytest.raises(SignatureError) as info:
        loads_record(json.dumps(data), "json", source="mfr.json", trusted=people.trusted)
    message = str(info.value)
    assert message.startswith("mfr.json: signature of 'A. Chen' (prepared, key ")
    assert people.chen.key_id in message
    assert "changed after signing" in message
    assert approval_signature(forged, people.trusted) is None


def test_a_signature_moved_to_another_mfr_is_refused(
    signed_mfr: MasterFormulationRecord, people: People
) -> None:
    other = complete_mfr("ketoprofen-gel").approve("B. Osei", DAY)
    assert signed_mfr.signatures is not None
    moved = attrs.evolve(other, signatures=signed_mfr.signatures[1:])
    with pytest.raises(SignatureError, match=r"'B\. Osei' \(approved, key .*does not sign mfr"):
        verify_signatures(moved, people.trusted)
    with pytest.raises(SignatureError, match=r"is not approved: its approval .* no valid"):
        require_signed_approval(moved, people.trusted)
    # the same record's next version: the id (version) and hash differ
    revised = signed_mfr.revise(description="Smooth white cream").approve("B. Osei", DAY)
    assert revised.signatures is None
    with pytest.raises(SignatureError, match="does not sign"):
        verify_signatures(attrs.evolve(revised, signatures=signed_mfr.signatures), people.trusted)


def test_an_approval_signed_with_the_authors_key_is_refused(people: People) -> None:
    authored = complete_mfr().sign(people.chen)
    with pytest.raises(SamePersonError, match="author") as info:
        authored.approve("A. Chen", DAY, signer=people.chen)
    assert [f.code for f in info.value.findings] == ["CK310"]
    # the author's key relabelled with the approver's name: same key id, refused
    relabelled = SigningKey(attrs.evolve(people.chen.public, name="B. Osei"), people.chen.private)
    with pytest.raises(SamePersonError, match=f"key {people.chen.key_id} is the author's"):
        authored.approve("B. Osei", DAY, signer=relabelled)


def test_the_signing_key_must_be_the_approvers(people: People) -> None:
    with pytest.raises(SignatureError) as info:
        complete_mfr().approve("B. Osei", DAY, signer=people.diaz)
    assert "'C. Diaz'" in str(info.value)
    assert "'B. Osei'" in str(info.value)


def test_a_copied_approved_hash_is_not_an_approval_when_signatures_are_required(
    people: People,
) -> None:
    mfr = complete_mfr()
    forged = attrs.evolve(
        mfr, approved_by="B. Osei", approved_on=DAY, approved_hash=mfr.content_hash
    )
    assert forged.is_approved  # the record's own check: the hash matches its content
    assert verify_signatures(forged, people.trusted) == ()
    with pytest.raises(SignatureError) as info:
        require_signed_approval(forged, people.trusted)
    assert "is not approved" in str(info.value)
    assert "no valid 'approved' signature by a trusted signer" in str(info.value)


def test_a_key_that_is_not_trusted_is_refused(
    signed_mfr: MasterFormulationRecord, people: People
) -> None:
    only_chen = (people.chen.public,)
    with pytest.raises(SignatureError, match=f"key {people.osei.key_id} is not a trusted"):
        verify_signatures(signed_mfr, only_chen)
    with pytest.raises(SignatureError, match="not approved"):
        require_signed_approval(signed_mfr, only_chen)


def test_an_approved_signature_by_someone_else_than_the_approver_is_refused(
    people: People,
) -> None:
    mfr = complete_mfr().approve("B. Osei", DAY)
    slipped = attrs.evolve(mfr, signatures=[sign_record(mfr, people.diaz, "approved")])
    with pytest.raises(SignatureError, match=r"'C\. Diaz' \(approved.*approved by 'B\. Osei'"):
        verify_signatures(slipped, people.trusted)


def test_only_the_author_signs_prepared_on_an_mfr(people: People) -> None:
    with pytest.raises(SignatureError, match="not to the author") as info:
        complete_mfr().sign(people.osei)
    assert "approve(..., signer=KEY)" in str(info.value)
    assert complete_mfr(author="C. Diaz").sign(people.diaz).signatures is not None


def test_old_records_without_signatures_load_as_before(people: People) -> None:
    folder = REPO / "tests" / "unit" / "data" / "records-v1"
    for path in sorted(folder.glob("*.json")):
        record = load_record(path, trusted=people.trusted)
        assert record.signatures is None
        assert "signatures" not in record_to_dict(record)


# --------------------------------------------------------------------------- the CR


def test_each_person_signs_the_steps_they_did(signed_cr: CompoundingRecord, people: People) -> None:
    assert signed_cr.signatures is not None
    assert [(s.name, s.meaning) for s in signed_cr.signatures] == [
        ("A. Chen", "prepared"), ("B. Osei", "verified"), ("B. Osei", "released"),
    ]  # fmt: skip
    checked = verify_signatures(signed_cr, people.trusted)
    assert len(checked) == 5  # the MFR copy's two, then the CR's three


@pytest.mark.parametrize("fmt", ["json", "toml"])
def test_a_signed_cr_round_trips_and_verifies(
    signed_cr: CompoundingRecord, people: People, fmt: str
) -> None:
    text = dumps_record(signed_cr, fmt)  # type: ignore[arg-type]
    again = loads_record(text, fmt, trusted=people.trusted)  # type: ignore[arg-type]
    assert again == signed_cr
    assert record_hash(again) == record_hash(signed_cr)


def test_a_cr_edited_after_signing_is_refused(signed_cr: CompoundingRecord, people: People) -> None:
    data = record_to_dict(signed_cr)
    data["components"][0]["lot"] = "L-OTHER"
    edited = record_from_dict(data)  # a consistent record on its own
    with pytest.raises(SignatureError, match=r"'A\. Chen' \(prepared, key .*changed after"):
        verify_signatures(edited, people.trusted)


def test_a_signature_moved_to_another_cr_is_refused(
    signed_cr: CompoundingRecord, signed_mfr: MasterFormulationRecord, people: People
) -> None:
    other = final_cr(signed_mfr, rx="RX-2000")
    moved = attrs.evolve(other, signatures=signed_cr.signatures)
    with pytest.raises(SignatureError, match="does not sign compounding-record 'RX-2000'"):
        verify_signatures(moved, people.trusted)


def test_a_cr_whose_mfr_copy_lost_its_approval_signature_is_refused(
    signed_cr: CompoundingRecord, people: People
) -> None:
    data = record_to_dict(signed_cr)
    del data["mfr"]["record"]["signatures"]
    with pytest.raises(SignatureError, match="changed after signing"):
        verify_signatures(record_from_dict(data), people.trusted)


def test_a_key_that_did_no_step_signs_nothing(
    signed_mfr: MasterFormulationRecord, people: People
) -> None:
    with pytest.raises(SignatureError, match=r"'C\. Diaz' signs no step"):
        final_cr(signed_mfr).sign(people.diaz)


def test_a_signature_for_a_step_the_signer_did_not_do_is_refused(
    signed_mfr: MasterFormulationRecord, people: People
) -> None:
    record = final_cr(signed_mfr)
    slipped = attrs.evolve(record, signatures=[sign_record(record, people.chen, "verified")])
    with pytest.raises(SignatureError, match=r"the verified step of .* is by 'B\. Osei'"):
        verify_signatures(slipped, people.trusted)


def test_a_signed_cr_takes_no_further_step_and_a_correction_drops_its_signatures(
    signed_mfr: MasterFormulationRecord, people: People
) -> None:
    mfr = signed_mfr
    draft = CompoundingRecord.create(
        mfr, size="120 g", internal_id="RX-9", prepared_at=WHEN, compounded_by="A. Chen"
    ).sign(people.chen)
    with pytest.raises(RecordRefusedError, match="is signed"):
        draft.weigh({"ketoprofen": "12 g"}, by="A. Chen", at=WHEN)
    fix = correct(draft, reason="lot given", by="A. Chen", at=WHEN,
                  lots={"ketoprofen": Lot("K1", dt.date(2027, 1, 1))})  # fmt: skip
    assert fix.record.signatures is None
    signed = fix.record.sign(people.chen)
    assert verify_signatures(signed, people.trusted)[-1].meaning == "prepared"


# --------------------------------------------------------------------------- worksheets


def test_worksheets_print_each_signature_and_a_logged_crs_log_head(
    signed_mfr: MasterFormulationRecord, signed_cr: CompoundingRecord, tmp_path: Path
) -> None:
    assert signed_mfr.signatures is not None
    assert signed_cr.signatures is not None
    for sheet in (mfr_to_markdown(signed_mfr), mfr_to_html(signed_mfr)):
        for signature in signed_mfr.signatures:
            assert manifestation(signature) in sheet
    with open_log(tmp_path / "records.db") as log:
        log_record(log, signed_mfr)
        entry = log_record(log, signed_cr)
        assert entry.payload["signatures"] == record_to_dict(signed_cr)["signatures"]
        head = log.head()
    for sheet in (cr_to_markdown(signed_cr, logged=entry), cr_to_html(signed_cr, logged=entry)):
        for signature in signed_cr.signatures:
            assert manifestation(signature) in sheet
        assert f"Log head after this entry: 2 entries, hash {head.head_hash}" in sheet
        assert entry.id in sheet
        assert "+00:00 (approved), key" in sheet.split("12. ")[1]  # the MFR's approval
    assert "Record log" not in cr_to_markdown(signed_cr)
