"""Master formulation records (MFR): every USP <795> (2023) element of a formulation.

A :class:`MasterFormulationRecord` is the recipe a pharmacy approves once and compounds
from many times: a :class:`~compoundkit.formulas.Formulation` plus the container-closure,
the compounding steps with their equipment, the physical description, the BUD and
storage with the reference that supports them, the calculations for a reference batch,
the labelling (auxiliary labels derived from the ingredients), the quality-control
procedures with expected results, and anything else needed to reproduce it.

Records are immutable. :meth:`~MasterFormulationRecord.approve` needs a second person
(never the author); :meth:`~MasterFormulationRecord.revise` makes the next version
(unapproved, pointing at the one it replaces), so an approved version is never changed.
A version is identified by its :attr:`~MasterFormulationRecord.content_hash`: the
SHA-256 of the canonical JSON of its content (everything but the approval, which is
bound to that hash instead). Signatures (the author's ``prepared``, the approver's
``approved``) sign that hash too (:mod:`compoundkit.records.signatures`). (Over 500
lines on purpose: the record, its parts and its versions are one model.)

>>> from compoundkit.formulas import load_formula
>>> mfr = MasterFormulationRecord.create(
...     load_formula("examples/muscle-spasm-cream.toml"), author="A. Chen")
>>> [m.number for m in mfr.missing_elements()]
[4, 5, 10]
>>> mfr.bud.period, mfr.bud.storage
('14 days', 'refrigerator')
>>> mfr.auxiliary_labels[:2]
('For external use only', 'Avoid sunlight / UV exposure')
"""

from __future__ import annotations

import datetime as _dt
import re
import types
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from attrs import evolve, field, fields, frozen

from compoundkit.errors import CompoundkitError, RecordError, RecordRefusedError, SamePersonError
from compoundkit.formulas.bud import DEFAULT_RULE_SET, BudExtension
from compoundkit.names import name_key
from compoundkit.records.fields import (
    check_date,
    check_name,
    clean_line,
    clean_text,
    shown,
    to_lines,
    to_signatures,
    to_texts,
    to_tuple,
    valid_hash,
    valid_instances,
    valid_line,
    valid_lines,
    valid_optional_date,
    valid_optional_line,
    valid_optional_text,
    valid_signatures,
    valid_text,
    valid_texts,
)
from compoundkit.records.signing import Signature

if TYPE_CHECKING:
    from compoundkit.formulas import Formulation
    from compoundkit.records.signing import Meaning, SigningKey

__all__ = [
    "MFR_ELEMENTS",
    "CompoundingStep",
    "MasterFormulationRecord",
    "MfrBud",
    "MissingElement",
    "QualityCheck",
    "preparation_notes",
    "same_person",
]

MFR_ELEMENTS: Final = types.MappingProxyType(
    {
        1: "name, strength and dosage form",
        2: "components: identities, amounts and relevant characteristics",
        3: "container-closure system",
        4: "compounding instructions: equipment, steps and precautions",
        5: "physical description of the preparation",
        6: "beyond-use date and storage",
        7: "reference supporting the beyond-use date",
        8: "calculations",
        9: "labelling, including auxiliary labels",
        10: "quality-control procedures and expected results",
        11: "other information needed to reproduce the preparation",
    }
)
"""USP <795> (2023) MFR elements by number (USP <795>, 2023 revision; wording reconstructed)."""

DEFAULT_REFERENCE_BATCH: Final = "100 g"
"""The batch the MFR's calculations are shown for, unless the formula states ``makes``."""


class MissingElement(NamedTuple):
    """A USP element a record still lacks: its number, its name and what exactly is missing."""

    number: int
    name: str
    detail: str

    def __str__(self) -> str:
        return f"{self.number}. {self.name}: {self.detail}"


def same_person(first: str | None, second: str | None) -> bool:
    """Whether two names identify the same person (by :func:`~compoundkit.names.name_key`).

    >>> same_person("A. Chen", " a.  CHEN "), same_person("A. Chen", None)
    (True, False)
    """
    return first is not None and second is not None and name_key(first) == name_key(second)


# --------------------------------------------------------------------------- parts


@frozen
class CompoundingStep:
    """One compounding instruction (MFR element 4) with the equipment it uses."""

    instruction: str = field(converter=clean_text, validator=valid_text)
    """What to do, e.g. ``"Levigate the ketoprofen with ethoxy diglycol"``."""
    equipment: tuple[str, ...] = field(default=(), converter=to_lines, validator=valid_lines)
    """Equipment and supplies, e.g. ``("ointment slab", "spatula")``."""
    precautions: str | None = field(
        default=None, converter=clean_text, validator=valid_optional_text
    )
    """Special precautions for this step, if any."""


@frozen
class QualityCheck:
    """A quality-control procedure with its expected result (MFR element 10)."""

    test: str = field(converter=clean_line, validator=valid_line)
    """What is checked, e.g. ``"appearance"``, ``"pH"``, ``"weight"``."""
    procedure: str = field(converter=clean_text, validator=valid_text)
    """How it is checked."""
    expected: str = field(converter=clean_text, validator=valid_text)
    """The result that passes, e.g. ``"smooth white cream, no grit"``."""


def _check_rule_set(instance: MfrBud, attribute: Any, value: str) -> None:
    from compoundkit.formulas.bud import get_rule_set

    try:
        get_rule_set(value)
    except CompoundkitError as exc:
        raise RecordError(f"MFR BUD rule_set: {exc}") from None


def _extension(value: object) -> BudExtension | None:
    if value is not None and not isinstance(value, BudExtension):
        raise RecordError(f"MFR BUD extension must be a BudExtension, got {shown(value)}")
    return value


@frozen
class MfrBud:
    """The BUD and storage an MFR states (elements 6 and 7), with their reference.

    Build it with :meth:`for_formulation`: the period and storage come from the BUD rule
    for the formulation's class (or from a :class:`BudExtension`), the reference is the
    rule's citation (or the extension's monograph or study). A compounding record assigns
    its dated BUD from ``rule_set`` and ``extension``.
    """

    period: str = field(converter=clean_line, validator=valid_line)
    """``"14 days"``, ``"6 months"``..."""
    storage: str = field(converter=clean_line, validator=valid_line)
    reference: str = field(converter=clean_text, validator=valid_text)
    """What supports the BUD: the rule's citation or the extension's reference."""
    rule_set: str = field(default=DEFAULT_RULE_SET, validator=_check_rule_set)
    rule: str | None = field(default=None, converter=clean_line, validator=valid_optional_line)
    """Id of the rule that applies, e.g. ``"aqueous-nonpreserved"``."""
    extension: BudExtension | None = field(default=None, converter=_extension)

    def __attrs_post_init__(self) -> None:
        from compoundkit.formulas.bud import get_rule_set

        longest = get_rule_set(self.rule_set).max_extension_days
        if self.extension is not None and self.extension.days > longest:
            raise RecordError(
                f"MFR BUD extension of {self.extension.days} days is longer than the "
                f"{longest}-day maximum of rule set {self.rule_set}"
            )

    @classmethod
    def for_formulation(
        cls,
        formulation: Formulation,
        *,
        rules: str = DEFAULT_RULE_SET,
        extension: BudExtension | None = None,
        water_activity: float | None = None,
    ) -> MfrBud:
        """The BUD statement for ``formulation``'s class (vehicle water and preservative).

        A vehicle whose preservation is unknown counts as nonpreserved (the conservative
        class).

        >>> from compoundkit.formulas import load_formula
        >>> f = load_formula("examples/zinc-oxide-ointment.toml")
        >>> MfrBud.for_formulation(f).reference
        'USP <795> 2023 Table 3: other nonaqueous'
        """
        result = formulation.bud(
            _dt.date(2000, 1, 1),  # the period does not depend on the day
            water_activity=water_activity,
            rules=rules,
            extension=extension,
        )
        rule = result.rule
        if extension is not None:
            period = f"{extension.days} day{'s' if extension.days != 1 else ''}"
            reference = f"{extension.kind}: {extension.reference}"
            if extension.antimicrobial_effectiveness:
                reference += f"; USP <51>: {extension.antimicrobial_effectiveness}"
        else:
            period, reference = rule.length_text, f"{rule.citation}: {rule.description}"
        return cls(
            period=period,
            storage=result.storage,
            reference=reference,
            rule_set=result.rule_set,
            rule=rule.id,
            extension=extension,
        )


# --------------------------------------------------------------------------- the record


def _formulation(value: object) -> Formulation:
    from compoundkit.formulas import Formulation

    if not isinstance(value, Formulation):
        raise RecordError(f"MFR formulation must be a Formulation, got {shown(value)}")
    return value


def _version(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1_000_000:
        raise RecordError(f"MFR version must be a whole number from 1, got {shown(value)}")
    return value


def _bud(value: object) -> MfrBud | None:
    if value is not None and not isinstance(value, MfrBud):
        raise RecordError(f"MFR bud must be an MfrBud, got {shown(value)}")
    return value


_CONTROL: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _texts_or_none(value: object) -> Any:
    return None if value is None else to_texts(value)


def _valid_optional_texts(instance: object, attribute: Any, value: object) -> None:
    if value is not None:
        valid_texts(instance, attribute, value)


def preparation_notes(formulation: Formulation) -> tuple[str, ...]:
    """The formula's notes, its storage and each finding's hint, as preparation notes.

    >>> from compoundkit.formulas import load_formula
    >>> for note in preparation_notes(load_formula("examples/muscle-spasm-cream.toml"))[:2]:
    ...     print(note[:64])
    Storage: refrigerator: aqueous and not known to be preserved (US
    Guaifenesin: dissolve it in a cosolvent (e.g. propylene glycol)
    """
    notes = list(formulation.notes)
    if formulation.storage:
        notes.append(f"Storage: {formulation.storage}")
    for finding in formulation.validate():
        if finding.hint:
            subject = finding.component or formulation.name
            notes.append(f"{subject}: {finding.hint} ({finding.code})")
    # a record's text has no control characters (a formula's notes may): shown as spaces
    shown = (_CONTROL.sub(" ", note).strip() for note in notes)
    return tuple(dict.fromkeys(note for note in shown if note))


def _record_id(name: str) -> str:
    slug = re.sub(r"[^0-9a-z]+", "-", unicodedata.normalize("NFKC", name).casefold())
    slug = slug.strip("-")[:60] or "record"
    return f"MFR-{slug}"


def _auxiliary_labels(formulation: Formulation) -> tuple[str, ...]:
    from compoundkit.records.labels import auxiliary_labels

    return auxiliary_labels(formulation)


@frozen
class MasterFormulationRecord:
    """A formulation with every USP <795> MFR element, a version and its approval.

    Build one with :meth:`create` (which derives the BUD, the calculations and the
    auxiliary labels), then :meth:`approve` it (not by its author). An approved record
    cannot be edited: :meth:`revise` makes the next version. Constructing a record
    whose approval does not match its content raises :class:`RecordError`.
    """

    formulation: Formulation = field(converter=_formulation)
    """Element 1 (name, strengths, dosage form) and element 2 (the components)."""
    record_id: str = field(converter=clean_line, validator=valid_line)
    """Stable id shared by every version, e.g. ``"MFR-muscle-spasm-cream"``."""
    version: int = field(default=1, converter=_version)
    container: str | None = field(default=None, converter=clean_text, validator=valid_optional_text)
    """Element 3: the container-closure system."""
    steps: tuple[CompoundingStep, ...] = field(
        default=(), converter=to_tuple, validator=valid_instances(CompoundingStep)
    )
    """Element 4: the compounding instructions in order."""
    description: str | None = field(
        default=None, converter=clean_text, validator=valid_optional_text
    )
    """Element 5: the physical description of the finished preparation."""
    bud: MfrBud | None = field(default=None, converter=_bud)
    """Elements 6 and 7: BUD, storage and the reference supporting them."""
    reference_batch: str | None = field(
        default=None, converter=clean_line, validator=valid_optional_line
    )
    """The batch the calculations are for, e.g. ``"100 g"``."""
    calculations: tuple[str, ...] = field(default=(), converter=to_texts, validator=valid_texts)
    """Element 8: the calculation trail, one step per entry."""
    labelling: tuple[str, ...] = field(default=(), converter=to_texts, validator=valid_texts)
    """Element 9: labelling requirements besides the auxiliary labels."""
    auxiliary_labels: tuple[str, ...] = field(default=(), converter=to_lines, validator=valid_lines)
    """Element 9: auxiliary labels (derived from the ingredients by :meth:`create`)."""
    quality_control: tuple[QualityCheck, ...] = field(
        default=(), converter=to_tuple, validator=valid_instances(QualityCheck)
    )
    """Element 10: QC procedures with their expected results."""
    other: tuple[str, ...] = field(default=(), converter=to_texts, validator=valid_texts)
    """Element 11: anything else needed to reproduce it (temperatures, mixing order...)."""
    author: str | None = field(default=None, converter=clean_line, validator=valid_optional_line)
    approved_by: str | None = field(
        default=None, converter=clean_line, validator=valid_optional_line
    )
    approved_on: _dt.date | None = field(default=None, validator=valid_optional_date)
    approved_hash: str | None = field(default=None, validator=valid_hash)
    """The content hash the approval was given for (it must equal :attr:`content_hash`)."""
    previous_hash: str | None = field(default=None, validator=valid_hash)
    """The content hash of the version this one revises (None for a first version)."""
    preparation_notes: tuple[str, ...] | None = field(
        default=None, converter=_texts_or_none, validator=_valid_optional_texts
    )
    """The formula's notes and storage and the hint of every finding of the formulation
    (derived by :meth:`create`; None in records saved before they were kept)."""
    signatures: tuple[Signature, ...] | None = field(
        default=None, converter=to_signatures, validator=valid_signatures
    )
    """Electronic signatures of this version (:mod:`compoundkit.records.signing`): the
    author's (``prepared``) and the approver's (``approved``). Not part of the content:
    each signs the content hash (None: no signature)."""
    _content_hash: str = field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        from compoundkit.records.schema import content_hash

        object.__setattr__(self, "_content_hash", content_hash(self))
        approval = (self.approved_by, self.approved_on, self.approved_hash)
        if any(v is None for v in approval) and any(v is not None for v in approval):
            raise RecordError(
                f"MFR {self.record_id} v{self.version}: approved_by, approved_on and "
                "approved_hash are given together or not at all"
            )
        if self.approved_by is not None and same_person(self.approved_by, self.author):
            raise SamePersonError(
                f"MFR {self.record_id} v{self.version}: approved by its author "
                f"{self.author!r}; a second person must approve it"
            )
        if self.approved_hash is not None and self.approved_hash != self._content_hash:
            from compoundkit.errors import StoredFigureError

            raise StoredFigureError(
                f"MFR {self.record_id} v{self.version} was changed after its "
                f"approval (approved content {self.approved_hash[:12]}..., now "
                f"{self._content_hash[:12]}...): use revise() to make a new version",
                field="approved_hash",
            )

    # ----------------------------------------------------------------- building

    @classmethod
    def create(
        cls,
        formulation: Formulation,
        *,
        record_id: str | None = None,
        container: str | None = None,
        steps: Iterable[CompoundingStep] = (),
        description: str | None = None,
        rules: str = DEFAULT_RULE_SET,
        extension: BudExtension | None = None,
        water_activity: float | None = None,
        reference_batch: str | None = None,
        labelling: Iterable[str] = (),
        extra_auxiliary_labels: Iterable[str] = (),
        quality_control: Iterable[QualityCheck] = (),
        other: Iterable[str] = (),
        author: str | None = None,
    ) -> MasterFormulationRecord:
        """A first-version MFR for ``formulation`` with the derived elements filled in.

        Derived: the container and description (from the formula unless given), the BUD
        and storage with their reference (:meth:`MfrBud.for_formulation`), the
        calculation trail for ``reference_batch`` (default: the formula's ``makes``, or
        100 g), and the auxiliary labels of the ingredients (deduplicated) followed by
        ``extra_auxiliary_labels``. Raises :class:`~compoundkit.errors.FormulationError`
        when the formulation has errors.
        """
        batch = reference_batch or (
            str(formulation.makes) if formulation.makes is not None else DEFAULT_REFERENCE_BATCH
        )
        from compoundkit.records.labels import dedupe

        return cls(
            formulation=formulation,
            record_id=record_id or _record_id(formulation.name),
            container=container if container is not None else formulation.container,
            steps=steps,
            description=description if description is not None else formulation.description,
            bud=MfrBud.for_formulation(
                formulation, rules=rules, extension=extension, water_activity=water_activity
            ),
            reference_batch=batch,
            calculations=_calculations(formulation, batch),
            labelling=labelling,
            auxiliary_labels=dedupe([*_auxiliary_labels(formulation), *extra_auxiliary_labels]),
            quality_control=quality_control,
            other=other,
            author=author,
            preparation_notes=preparation_notes(formulation),
        )

    # ----------------------------------------------------------------- identity

    @property
    def content_hash(self) -> str:
        """SHA-256 (hex) of the canonical JSON of this version's content (not its approval)."""
        return self._content_hash

    @property
    def is_approved(self) -> bool:
        """True when a second person approved exactly this content."""
        return self.approved_hash is not None

    @property
    def name(self) -> str:
        """The formulation's name."""
        return self.formulation.name

    # ----------------------------------------------------------------- elements

    def missing_elements(self) -> tuple[MissingElement, ...]:
        """The USP <795> MFR elements this record still lacks, with what exactly is missing.

        Elements 1 and 2 come from the formulation and are always present. Element 11
        ("anything else needed") is optional and never reported.
        """
        missing: list[tuple[int, str]] = []
        if self.container is None:
            missing.append((3, "no container-closure system"))
        if not self.steps:
            missing.append((4, "no compounding steps"))
        elif not any(step.equipment for step in self.steps):
            missing.append((4, "no equipment named in any step"))
        if self.description is None:
            missing.append((5, "no physical description"))
        if self.bud is None:
            missing.append((6, "no BUD or storage"))
            missing.append((7, "no reference for the BUD"))
        if not self.calculations:
            missing.append((8, "no calculations"))
        if not self.labelling and not self.auxiliary_labels:
            missing.append((9, "no labelling requirements or auxiliary labels"))
        if not self.quality_control:
            missing.append((10, "no quality-control procedures"))
        return tuple(MissingElement(n, MFR_ELEMENTS[n], detail) for n, detail in missing)

    @property
    def is_complete(self) -> bool:
        """True when no USP element is missing."""
        return not self.missing_elements()

    # ----------------------------------------------------------------- versions

    def approve(
        self,
        by: str,
        on: _dt.date,
        *,
        signer: SigningKey | None = None,
        at: _dt.datetime | None = None,
    ) -> MasterFormulationRecord:
        """This version approved by ``by`` on ``on``, bound to its :attr:`content_hash`.

        Refused (:class:`~compoundkit.errors.SamePersonError`) when ``by`` is the author
        in any spelling (:func:`~compoundkit.names.name_key`), and
        (:class:`~compoundkit.errors.RecordRefusedError`) when no author is recorded,
        when an element is missing, or when the version is already approved.

        With ``signer`` (the approver's key), the approval is also signed (meaning
        ``approved``, at ``at`` or now): refused
        (:class:`~compoundkit.errors.SignatureError`) when the key's name is not ``by``,
        and (:class:`~compoundkit.errors.SamePersonError`) when it is the author's key
        (by name, or by the key id of a signature the author made).
        """
        from compoundkit.formulas.findings import Finding, Severity

        approver = check_name(by, "approved_by")
        day = check_date(on, "approved_on")
        where = f"MFR {self.record_id} v{self.version}"

        def refuse(message: str, cls: type[RecordRefusedError] = RecordRefusedError) -> Any:
            finding = Finding("CK310", Severity.ERROR, message, None, "", "")
            return cls(f"{where}: {message}", (finding,))

        if self.is_approved:
            raise refuse(
                f"already approved by {self.approved_by} on {self.approved_on}; "
                "revise() it to make a new version"
            )
        if self.author is None:
            raise refuse("has no author; record who wrote it before approval")
        if same_person(approver, self.author):
            raise refuse(
                f"{approver!r} is the author ({self.author!r}) and cannot approve it; "
                "a second person must approve it",
                SamePersonError,
            )
        missing = self.missing_elements()
        if missing:
            raise RecordRefusedError(
                f"{where} cannot be approved: USP elements missing: "
                + "; ".join(str(m) for m in missing),
                tuple(
                    Finding("CK311", Severity.ERROR, f"missing: {m}", None, "", "") for m in missing
                ),
            )
        if signer is not None:
            self._check_approver_key(signer, approver, where)
        approved = evolve(
            self, approved_by=approver, approved_on=day, approved_hash=self.content_hash
        )
        return approved if signer is None else approved._signed(signer, "approved", at)

    def _check_approver_key(self, signer: SigningKey, approver: str, where: str) -> None:
        from compoundkit.errors import SignatureError

        if not same_person(signer.name, approver):
            raise SignatureError(
                f"{where}: the signing key {signer.key_id} belongs to {signer.name!r}, not to "
                f"the approver ({approver!r}); the approver signs with their own key"
            )
        authors = {s.key_id for s in self.signatures or () if same_person(s.name, self.author)}
        if same_person(signer.name, self.author) or signer.key_id in authors:
            from compoundkit.formulas.findings import Finding, Severity

            message = (
                f"key {signer.key_id} is the author's ({self.author!r}); the approval is "
                "signed with a second person's key"
            )
            raise SamePersonError(
                f"{where}: {message}", (Finding("CK310", Severity.ERROR, message, None, "", ""),)
            )

    def sign(self, key: SigningKey, *, at: _dt.datetime | None = None) -> MasterFormulationRecord:
        """This version signed by its author, meaning ``prepared`` (at ``at`` or now); the
        approver signs through :meth:`approve`. Refused
        (:class:`~compoundkit.errors.SignatureError`) when the key is not the author's."""
        from compoundkit.errors import SignatureError

        if not same_person(key.name, self.author):
            raise SignatureError(
                f"MFR {self.record_id} v{self.version}: the signing key {key.key_id} belongs "
                f"to {key.name!r}, not to the author ({self.author!r}); the approver signs "
                "through approve(..., signer=KEY)"
            )
        return self._signed(key, "prepared", at)

    def _signed(
        self, key: SigningKey, meaning: Meaning, at: _dt.datetime | None
    ) -> MasterFormulationRecord:
        from compoundkit.records.signatures import sign_record

        added = sign_record(self, key, meaning, at)
        return evolve(self, signatures=(*(self.signatures or ()), added))

    def notes(self) -> tuple[str, ...]:
        """The preparation notes: as recorded, or derived from the formulation for a
        record saved before they were kept."""
        if self.preparation_notes is not None:
            return self.preparation_notes
        return preparation_notes(self.formulation)

    def revise(self, **changes: Any) -> MasterFormulationRecord:
        """The next version with ``changes`` applied: version + 1, unapproved.

        ``previous_hash`` points at this version, which stays as it is (keep it, or log
        it, to read it later). Changing the formulation recomputes the calculations and
        the auxiliary labels unless they are given too. ``record_id``, ``version``,
        ``previous_hash`` and the approval fields cannot be changed this way.
        """
        fixed = {"record_id", "version", "previous_hash", "approved_by", "approved_on",
                 "approved_hash", "signatures"}  # fmt: skip
        refused = sorted(set(changes) & fixed)
        unknown = sorted(set(changes) - {f.name for f in fields(type(self)) if f.init})
        if refused or unknown:
            raise RecordError(
                f"revise() cannot change {', '.join(refused + unknown)}; it changes the "
                "content and makes the next version itself"
            )
        if "formulation" in changes:
            formulation = _formulation(changes["formulation"])
            batch = changes.get("reference_batch", self.reference_batch)
            if "calculations" not in changes and batch is not None:
                changes["calculations"] = _calculations(formulation, batch)
            if "auxiliary_labels" not in changes:
                changes["auxiliary_labels"] = _auxiliary_labels(formulation)
            if "preparation_notes" not in changes:
                changes["preparation_notes"] = preparation_notes(formulation)
        return evolve(
            self,
            **changes,
            version=self.version + 1,
            approved_by=None,
            approved_on=None,
            approved_hash=None,
            previous_hash=self.content_hash,
            signatures=None,
        )


def _calculations(formulation: Formulation, batch: str) -> tuple[str, ...]:
    sheet = formulation.batch(batch)
    return (f"reference batch: {batch}", *sheet.explain())
