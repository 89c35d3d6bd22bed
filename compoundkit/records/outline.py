"""Worksheet outlines: what the MFR and CR worksheets say, section by USP element.

An :class:`Outline` is the content of a worksheet before it is drawn: a title, the
record's identifying lines, one :class:`Section` per USP element (a missing element
says what is missing), and the signature lines. :mod:`compoundkit.records.render` draws
it as Markdown, HTML or PDF. The signature lines are followed by the record's
electronic signatures as printed (name, date and time with zone, meaning, key id); a
logged CR's worksheet also names its log entry and the log's head after it. (Over 500
lines on purpose: the two outlines share their parts.)

>>> from compoundkit.formulas import load_formula
>>> from compoundkit.records.mfr import MasterFormulationRecord
>>> mfr = MasterFormulationRecord.create(load_formula("examples/ketoprofen-gel.toml"))
>>> outline = mfr_outline(mfr)
>>> outline.sections[3].blocks[0].lines
('MISSING: no compounding steps',)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from compoundkit.errors import CompoundkitError

if TYPE_CHECKING:
    from compoundkit.formulas import Formulation
    from compoundkit.formulas.model import Component, Excipient
    from compoundkit.records.cr import CompoundingRecord
    from compoundkit.records.log import LogEntry
    from compoundkit.records.mfr import MasterFormulationRecord, MissingElement
    from compoundkit.records.signing import Signature

__all__ = ["Block", "Outline", "Section", "cr_outline", "mfr_outline"]


class Block(NamedTuple):
    """One piece of a section: ``kind`` is p, missing, list, olist, table, pre or label."""

    kind: str
    lines: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    numeric: frozenset[int] = frozenset()


class Section(NamedTuple):
    title: str
    blocks: tuple[Block, ...]


class Outline(NamedTuple):
    title: str
    meta: tuple[str, ...]
    sections: tuple[Section, ...]
    signatures: tuple[tuple[str, str], ...]
    """(role, name already recorded or "")."""
    signed: tuple[str, ...] = ()
    """The record's electronic signatures as printed (:func:`signing.manifestation`)."""


def _p(*lines: str) -> Block:
    return Block("p", tuple(lines))


def _items(kind: str, lines: Iterable[str]) -> Block:
    return Block(kind, tuple(lines))


def _table(
    header: Sequence[str], rows: Iterable[Sequence[str]], numeric: Iterable[int] = ()
) -> Block:
    return Block(
        "table",
        header=tuple(header),
        rows=tuple(tuple(r) for r in rows),
        numeric=frozenset(numeric),
    )


def _element(
    number: int,
    names: dict[int, str],
    missing: dict[int, list[MissingElement]],
    blocks: Iterable[Block],
) -> Section:
    shown = [Block("missing", (f"MISSING: {m.detail}",)) for m in missing.get(number, [])]
    return Section(f"{number}. {names[number][0].upper()}{names[number][1:]}", (*shown, *blocks))


def _grams(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.3f} g" if abs(value) >= 1 else f"{value * 1000:.1f} mg"


def _characteristics(mfr: MasterFormulationRecord) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for component in mfr.formulation.ingredients:
        form = component.weighed_form()
        facts = [f"{form.formula}, MW {form.molecular_weight:g}"]
        if form.cas:
            facts.append(f"CAS {form.cas}")
        chem = component.ingredient.physicochemical
        for flag, text in (
            (chem.light_sensitive, "light-sensitive"),
            (chem.hygroscopic, "hygroscopic"),
            (chem.deliquescent, "deliquescent"),
            (chem.electrolyte, "electrolyte"),
        ):
            if flag:
                facts.append(text)
        expressed = component.expressed_form().name if component.expressed_as else ""
        rows.append(
            (component.name, form.name, component.strength_text(), expressed, "; ".join(facts))
        )
    for excipient in mfr.formulation.excipients:
        amount = excipient.strength if excipient.strength is not None else excipient.amount
        note = f"density {excipient.density_g_per_ml:g} g/mL" if excipient.density_g_per_ml else ""
        rows.append((excipient.name, "", str(amount), "", note))
    vehicle = mfr.formulation.vehicle
    water = "aqueous" if vehicle.aqueous else "nonaqueous"
    preserved = {True: "preserved", False: "nonpreserved", None: "preservation unknown"}[
        vehicle.preserved
    ]
    rows.append((vehicle.name, "vehicle", "q.s. to 100 %", "", f"{water}, {preserved}"))
    return rows


def _notes(notes: Iterable[str]) -> Section:
    """The preparation notes: the formula's notes and storage, each finding's hint."""
    listed = list(notes)
    return Section("Preparation notes", (_items("list", listed) if listed else _p("None."),))


def _tolerances(formulation: Formulation) -> str:
    """The weighing tolerances a formula states, in one sentence."""
    from compoundkit.formulas.model import DEFAULT_TOLERANCE

    overall = formulation.tolerance if formulation.tolerance is not None else DEFAULT_TOLERANCE
    items: list[Component | Excipient] = [*formulation.ingredients, *formulation.excipients]
    own = [
        f"{item.name} \u00b1{item.tolerance:g} %" for item in items if item.tolerance is not None
    ]
    text = f"Weighing tolerance: \u00b1{overall:g} % of each target"
    return text + (f" ({'; '.join(own)})" if own else "") + "."


def mfr_outline(mfr: MasterFormulationRecord) -> Outline:
    """The worksheet outline of an MFR: one section per USP element, then signatures."""
    from compoundkit.records.labels import mfr_label, strengths
    from compoundkit.records.mfr import MFR_ELEMENTS

    names = dict(MFR_ELEMENTS)
    missing: dict[int, list[MissingElement]] = {}
    for item in mfr.missing_elements():
        missing.setdefault(item.number, []).append(item)
    f = mfr.formulation
    status = (
        f"approved by {mfr.approved_by} on {mfr.approved_on}"
        if mfr.is_approved
        else "DRAFT: not approved"
    )
    meta = (
        f"Record {mfr.record_id}, version {mfr.version}; {status}",
        f"Content hash (SHA-256): {mfr.content_hash}",
        *((f"Revises the version with hash {mfr.previous_hash}",) if mfr.previous_hash else ()),
        f"Author: {mfr.author or 'not recorded'}",
    )
    sections = [
        _element(
            1,
            names,
            missing,
            [
                _p(
                    f"Name: {f.name}",
                    f"Strength: {', '.join(strengths(f))}",
                    f"Dosage form: {f.dosage_form}; route: {f.route}",
                    *((f"Indication: {f.indication}",) if f.indication else ()),
                )
            ],
        ),
        _element(
            2,
            names,
            missing,
            [
                _table(
                    ("component", "form weighed", "strength", "expressed as", "characteristics"),
                    _characteristics(mfr),
                )
            ],
        ),
        _element(3, names, missing, [_p(mfr.container)] if mfr.container else []),
    ]
    steps = []
    for step in mfr.steps:
        text = step.instruction
        if step.equipment:
            text += f" [equipment: {', '.join(step.equipment)}]"
        if step.precautions:
            text += f" [precautions: {step.precautions}]"
        steps.append(text)
    equipment = sorted({e for step in mfr.steps for e in step.equipment}, key=str.casefold)
    step_blocks = [_items("olist", steps)] if steps else []
    if equipment:
        step_blocks.append(_p(f"Equipment and supplies: {', '.join(equipment)}"))
    sections.append(_element(4, names, missing, step_blocks))
    sections.append(_notes(mfr.notes()))
    sections.append(_element(5, names, missing, [_p(mfr.description)] if mfr.description else []))
    bud = mfr.bud
    sections.append(
        _element(
            6,
            names,
            missing,
            [_p(f"BUD: {bud.period} (the compounding day is Day 1)", f"Storage: {bud.storage}")]
            if bud
            else [],
        )
    )
    sections.append(
        _element(
            7,
            names,
            missing,
            [
                _p(
                    bud.reference,
                    f"Rule set: {bud.rule_set}" + (f", rule {bud.rule}" if bud.rule else ""),
                )
            ]
            if bud
            else [],
        )
    )
    calculation_blocks = [Block("pre", mfr.calculations)] if mfr.calculations else []
    sections.append(_element(8, names, missing, [*calculation_blocks, _p(_tolerances(f))]))
    label_blocks = [Block("label", mfr_label(mfr))]
    if mfr.auxiliary_labels:
        label_blocks.append(_p(f"Auxiliary labels: {'; '.join(mfr.auxiliary_labels)}"))
    sections.append(_element(9, names, missing, label_blocks))
    sections.append(
        _element(
            10,
            names,
            missing,
            [
                _table(
                    ("test", "procedure", "expected result"),
                    [(q.test, q.procedure, q.expected) for q in mfr.quality_control],
                )
            ]
            if mfr.quality_control
            else [],
        )
    )
    sections.append(
        _element(
            11,
            names,
            missing,
            [_items("list", mfr.other)] if mfr.other else [_p("Nothing further recorded.")],
        )
    )
    signatures = (
        ("Prepared by (author)", mfr.author or ""),
        ("Approved by", f"{mfr.approved_by} on {mfr.approved_on}" if mfr.is_approved else ""),
    )
    return Outline(
        f"Master formulation record: {f.name}",
        meta,
        tuple(sections),
        signatures,
        _manifestations(mfr.signatures),
    )


def _manifestations(signatures: Iterable[Signature] | None) -> tuple[str, ...]:
    from compoundkit.records.signing import manifestation

    return tuple(manifestation(signed) for signed in signatures or ())


def _logged(entry: LogEntry) -> Section:
    """Where the record is in the record log, and the log's head after it: a printed
    worksheet is a checkpoint too."""
    noun = "entry" if entry.seq == 1 else "entries"
    return Section(
        "Record log",
        (
            _p(
                f"Logged as entry {entry.id}, number {entry.seq} of the log.",
                f"Log head after this entry: {entry.seq} {noun}, hash {entry.hash}",
                "The log must still hold this entry with this hash "
                f"(compoundkit log show {entry.id}); keep this page apart from the log.",
            ),
        ),
    )


def _moment(when: Any) -> str:
    return str(when.isoformat(" ", timespec="minutes"))


def _component_rows(record: CompoundingRecord) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for c in record.components:
        pct = c.deviation_percent
        dev_g = None if c.weighed_g is None else c.weighed_g - c.target_g
        judged = "" if c.weighed_g is None else ("OUT" if c.out_of_tolerance else "within")
        rows.append(
            (
                c.name,
                c.kind,
                c.vendor or "",
                c.lot or "",
                c.expiry.isoformat() if c.expiry else "",
                _grams(c.target_g),
                _grams(c.weighed_g),
                "" if dev_g is None else f"{dev_g:+.4g} g",
                "" if pct is None else f"{pct:+.2f} %",
                f"\u00b1{c.tolerance:g} % {judged}".rstrip(),
            )
        )
    return rows


def _provenance(record: CompoundingRecord) -> list[Block]:
    """Where each actual came from: the balance and the moment it gave the reading, or
    typed in (a verifier checks typed figures against the balance's printout)."""
    weighed = [c for c in record.components if c.weighed_g is not None]
    if not weighed:
        return []
    lines = [
        f"{c.name}: {_grams(c.weighed_g)} read from {c.balance} at "
        f"{c.weighed_at.isoformat(' ', timespec='seconds')}"
        if c.balance is not None and c.weighed_at is not None
        else f"{c.name}: {_grams(c.weighed_g)} typed in (not read from a balance)"
        for c in weighed
    ]
    return [_p("Where each actual comes from:"), _items("list", lines)]


def _deviations(record: CompoundingRecord) -> list[str]:
    """Element 13: lines outside their tolerance (documented or not), then free text."""
    from compoundkit.names import name_key

    reasons = {name_key(d.component): d for d in record.line_deviations or ()}
    lines = []
    for c in record.components:
        if not c.out_of_tolerance:
            continue
        pct = "" if c.deviation_percent is None else f"{c.deviation_percent:+.2f} %, "
        head = (
            f"{c.name}: weighed {_grams(c.weighed_g)} for a target of {_grams(c.target_g)} "
            f"({pct}{(c.weighed_g or 0) - c.target_g:+.4g} g), outside \u00b1{c.tolerance:g} %"
        )
        documented = reasons.get(name_key(c.name))
        if documented is None:
            lines.append(f"{head}: NO DEVIATION DOCUMENTED (blocks release)")
            continue
        seen = (
            f"acknowledged by {documented.acknowledged_by}"
            if documented.acknowledged_by
            else "not yet acknowledged by the verifier"
        )
        lines.append(f"{head}. Deviation: {documented.reason} ({seen})")
    return lines


def cr_outline(record: CompoundingRecord, logged: LogEntry | None = None) -> Outline:
    """The worksheet outline of a CR: one section per USP element, the batch sheet, the
    preparation notes, one label per container; with ``logged`` (its record-log entry),
    the entry and the log's head after it."""
    from compoundkit.records.cr import CR_ELEMENTS
    from compoundkit.records.labels import container_labels, made_strengths, strengths

    names = dict(CR_ELEMENTS)
    missing: dict[int, list[MissingElement]] = {}
    for item in record.missing_elements():
        missing.setdefault(item.number, []).append(item)
    mfr = record.mfr
    f = mfr.formulation
    steps = "; ".join(f"{s.step} by {s.by} at {_moment(s.at)}" for s in record.steps)
    final = "FINAL" if record.is_final else "DRAFT"
    meta = (
        f"Internal ID {record.internal_id}; prepared {record.prepared_at.isoformat(' ')}",
        f"Follows MFR {mfr.record_id} version {mfr.version} (hash {record.mfr_hash})",
        f"{final}: {record.state}" + (f" ({steps})" if steps else ""),
    )
    rows = _component_rows(record)
    header = ("component", "kind", "vendor", "lot", "expiry", "target", "weighed",
              "deviation", "deviation %", "tolerance")  # fmt: skip
    batch = record.batch
    size = f"{batch.count} x {batch.size}" if batch.count > 1 else batch.size
    excess = f", excess {batch.excess}" if batch.excess else ""
    expected = {q.test.casefold(): q.expected for q in mfr.quality_control}
    qc_rows = [
        (
            q.test,
            expected.get(q.test.casefold(), ""),
            q.result,
            {True: "pass", False: "FAIL", None: ""}[q.passed],
        )
        for q in record.qc_results
    ]
    out_of_tolerance = _deviations(record)
    others = [*record.deviations, *record.notes]
    made = [] if record.unweighed() else [f"As made: {', '.join(made_strengths(record))}"]
    total = (
        f"{_grams(record.made_g)}, the sum of the actual quantities (batch {size}{excess})"
        if not record.unweighed()
        else f"{_grams(record.made_g)} planned (batch {size}{excess}); not all weighed yet"
    )
    deviation_blocks: list[Block] = []
    if out_of_tolerance:
        deviation_blocks += [_p("Outside tolerance:"), _items("list", out_of_tolerance)]
    if others:
        deviation_blocks += [_p("Other deviations, problems and notes:"), _items("list", others)]
    sections = [
        _element(
            1,
            names,
            missing,
            [_p(f"{f.name}: {', '.join(strengths(f))}", *made, f"{f.dosage_form}, {f.route}")],
        ),
        _element(2, names, missing, [_p(record.prepared_at.isoformat(" "))]),
        _element(3, names, missing, [_p(record.internal_id)]),
        _element(
            4,
            names,
            missing,
            [
                _p(
                    f"Compounded by: {record.compounded_by}",
                    f"Verified by: {record.verified_by or 'not named'}",
                ),
                *(
                    [
                        _items(
                            "list",
                            [
                                f"{s.step.capitalize()} by {s.by} at {_moment(s.at)}"
                                for s in record.steps
                            ],
                        )
                    ]
                    if record.steps
                    else []
                ),
            ],
        ),
        _element(5, names, missing, [_table(header[:5], [r[:5] for r in rows])]),
        _element(
            6,
            names,
            missing,
            [
                _table((header[0], *header[5:]), [(r[0], *r[5:]) for r in rows], (1, 2, 3, 4)),
                *_provenance(record),
            ],
        ),
        _element(
            7,
            names,
            missing,
            [
                _p(
                    total,
                    *(
                        (f"Finished preparation weighed: {_grams(record.yield_g)}",)
                        if record.yield_g is not None
                        else ()
                    ),
                )
            ],
        ),
        _element(
            8,
            names,
            missing,
            [
                _p(f"BUD: {record.bud.date.isoformat()}", f"Storage: {record.bud.storage}"),
                Block("pre", tuple(record.bud.explanation.splitlines())),
            ],
        ),
        _element(9, names, missing, [*_sheet_blocks(record), Block("pre", record.calculations)]),
        _element(10, names, missing, [_p(record.description)] if record.description else []),
        _element(
            11,
            names,
            missing,
            [_table(("test", "expected (MFR)", "result", "pass/fail"), qc_rows)] if qc_rows else [],
        ),
        _element(
            12,
            names,
            missing,
            [
                _p(
                    f"{mfr.record_id} version {mfr.version}",
                    f"Content hash (SHA-256): {record.mfr_hash}",
                    f"MFR approved by {mfr.approved_by} on {mfr.approved_on}"
                    if mfr.is_approved
                    else "MFR not approved",
                    *(
                        f"MFR {line}"
                        for line in _manifestations(mfr.signatures)
                        if "(approved)" in line
                    ),
                )
            ],
        ),
        _element(13, names, missing, deviation_blocks or [_p("None recorded.")]),
        _notes(_record_notes(record)),
        Section("Labels", tuple(Block("label", label) for label in container_labels(record))),
        *((_logged(logged),) if logged is not None else ()),
    ]
    signatures = (
        ("Compounded by", record.compounded_by),
        ("Verified by", record.verified_by or ""),
    )
    return Outline(
        f"Compounding record: {f.name}",
        meta,
        tuple(sections),
        signatures,
        _manifestations(record.signatures),
    )


def _record_notes(record: CompoundingRecord) -> list[str]:
    """The MFR's preparation notes, then the hints of the batch sheet's own findings and
    the record's date warnings."""
    notes = list(record.mfr.notes())
    try:
        sheet_findings = list(record.sheet().findings)
    except CompoundkitError:
        sheet_findings = []
    for finding in [*sheet_findings, *record.findings().warnings]:
        if finding.code.startswith(("CK2", "CK308")) and finding.hint:
            notes.append(f"{finding.component or record.name}: {finding.message}; "
                         f"{finding.hint} ({finding.code})")  # fmt: skip
    return list(dict.fromkeys(notes))


def _sheet_blocks(record: CompoundingRecord) -> list[Block]:
    """The batch sheet table, recomputed from the MFR (or a note if it cannot be)."""
    from compoundkit.formulas.sheet_export import sheet_rows

    try:
        sheet = record.sheet()
    except CompoundkitError as exc:
        return [_p(f"Batch sheet not recomputed: {exc}")]
    header, rows = sheet_rows(sheet)
    return [
        _p(f"Batch sheet: {sheet.count} x {sheet.size_g:g} g, make {sheet.made_g:g} g"),
        _table(header, rows, (3, 4, 5)),
        _p(f"Balance: {sheet.balance.description}"),
    ]
