"""The sourced facts an ingredient is made of: frozen attrs classes, no I/O.

Each class is one table of the catalog format (``data/README.md``): its fields, with
their document keys (aliases), docstrings and constraints, are the format's only
declaration. Every fact carries ``sources``: ids of entries in its ingredient's
``references``. Facts that still need confirmation against a primary source carry ``verify = True``.

>>> Range(94, 97, ("usp",), unit="degC").quantities()[0]
<Quantity(94.0, 'degree_Celsius')>
>>> Range(5, 4, ("usp",))
Traceback (most recent call last):
...
compoundkit.errors.CatalogError: high: high 4.0 is below low 5.0
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final, overload

from attrs import converters, field, frozen

from compoundkit.errors import CompoundkitError, Problem
from compoundkit.ingredients._fields import Checked, doc, optional
from compoundkit.names import name_key

if TYPE_CHECKING:
    import pint

    from compoundkit.units import Strength

__all__ = [
    "FLAGS",
    "ROUTES",
    "Caution",
    "CautionCategory",
    "Code",
    "Evidence",
    "Fact",
    "Finding",
    "Flag",
    "Label",
    "Mechanism",
    "Note",
    "ObservedStrength",
    "Physicochemical",
    "Range",
    "Reference",
    "ReferenceKind",
    "Solubility",
    "StrengthRange",
    "Subjects",
    "Use",
    "Valence",
    "Value",
]

#: Lowercase letters and digits in words joined by single hyphens.
ID_PATTERN: Final = r"^[a-z0-9]+(-[a-z0-9]+)*$"

Sources = tuple[str, ...]


def texts(value: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in value)


#: Field metadata shared by many classes.
SOURCES: Final = doc(
    "Ids of entries in this ingredient's references that back the fact.", min_items=1
)
VERIFY: Final = doc("True when the fact still needs confirmation from a primary source.")
NOTE: Final = doc("Free-text remark.")


@functools.total_ordering
class Evidence(enum.Enum):
    """How well a use is supported, strongest first.

    ``established``: approved labelling or a systematic review; ``limited``: small or
    low-quality studies; ``theoretical``: mechanism or animal data only;
    ``unsupported``: no supporting study found (kept visible as a claim); ``against``:
    the studies found no benefit (a negative or null trial, a review finding no
    meaningful effect). ``against`` is evidence that the use does not work, so it ranks
    below ``unsupported``, where evidence is merely missing.

    >>> Evidence("limited") > Evidence.UNSUPPORTED > Evidence.AGAINST
    True
    """

    ESTABLISHED = "established"
    LIMITED = "limited"
    THEORETICAL = "theoretical"
    UNSUPPORTED = "unsupported"
    AGAINST = "against"

    @property
    def rank(self) -> int:
        """3 for established down to 0 for unsupported and -1 for against."""
        return 3 - list(Evidence).index(self)

    def __lt__(self, other: Evidence) -> bool:
        if not isinstance(other, Evidence):
            return NotImplemented
        return self.rank < other.rank


class Finding(enum.StrEnum):
    """What a study or review found for the use it is cited for.

    ``positive``: a benefit was shown; ``negative``: no benefit was shown (no better
    than placebo, no significant change, or a review finding no meaningful effect).
    """

    POSITIVE = "positive"
    NEGATIVE = "negative"


class Subjects(enum.StrEnum):
    """Who or what a study was done in: people, animals, or in vitro (cells, skin samples)."""

    HUMAN = "human"
    ANIMAL = "animal"
    IN_VITRO = "in-vitro"


#: Routes a use may name (several joined by " and ", e.g. "oral and topical").
ROUTES: Final = (
    "buccal",
    "dermal",
    "inhalation",
    "intramuscular",
    "intravenous",
    "mucosal",
    "nasal",
    "ophthalmic",
    "oral",
    "otic",
    "rectal",
    "subcutaneous",
    "sublingual",
    "topical",
    "transdermal",
    "urethral",
    "vaginal",
)


def route_names(route: str) -> tuple[str, ...]:
    """The routes a use's ``route`` text names, as :func:`name_key` keys.

    >>> route_names("Oral and topical")
    ('oral', 'topical')
    """
    return tuple(
        name_key(part) for part in route.replace(",", " and ").split(" and ") if part.strip()
    )


class ReferenceKind(enum.StrEnum):
    """What kind of source a reference is."""

    MONOGRAPH = "monograph"
    LABEL = "label"
    REGULATORY = "regulatory"
    REVIEW = "review"
    TRIAL = "trial"
    STUDY = "study"
    DATABASE = "database"
    COMPENDIUM = "compendium"
    STANDARD = "standard"
    SECONDARY = "secondary"
    MARKETING = "marketing"


class CautionCategory(enum.StrEnum):
    """What kind of caution a caution is."""

    CONTRAINDICATION = "contraindication"
    INTERACTION = "interaction"
    WARNING = "warning"
    ADVERSE_EFFECT = "adverse-effect"
    PRECAUTION = "precaution"


@frozen
class Reference(Checked):
    """A source that facts cite by ``id``: a monograph, label, study or database entry."""

    id: str = field(metadata=doc("Reference id, unique within the ingredient.", pattern=ID_PATTERN))
    citation: str = field(metadata=doc("Citation in words."))
    kind: ReferenceKind = field(converter=ReferenceKind, metadata=doc("Kind of source."))
    url: str | None = optional("Web address.", pattern=r"^https://")
    doi: str | None = optional("DOI.", pattern=r"^10\.[0-9]+/")
    pubmed: str | None = optional("PubMed id.", pattern=r"^[0-9]+$")
    pmc: str | None = optional("PubMed Central id.", pattern=r"^PMC[0-9]+$")
    finding: Finding | None = field(
        default=None,
        converter=converters.optional(Finding),
        metadata=doc(
            "For a trial, study or review: 'positive' (a benefit shown) or 'negative' (none)."
        ),
    )
    subjects: Subjects | None = field(
        default=None,
        converter=converters.optional(Subjects),
        metadata=doc("Who a study was done in: human, animal or in-vitro."),
    )
    note: str | None = field(default=None, metadata=NOTE)
    verify: bool = field(default=False, metadata=VERIFY)

    @property
    def strongest_grade(self) -> Evidence | None:
        """The best evidence grade this reference alone can back; None for a compilation
        (``secondary``), which backs what its own sources back.

        A negative finding backs ``against``; animal or in-vitro data ``theoretical``;
        promotional material ``unsupported``; a trial or study in people ``limited``;
        labelling, a regulatory text, a review or a compendium ``established``; a
        monograph, standard or database (identity and quality, not efficacy)
        ``theoretical``.

        >>> Reference("t", "A trial.", "trial", finding="negative").strongest_grade
        <Evidence.AGAINST: 'against'>
        """
        if self.kind is ReferenceKind.SECONDARY:
            return None
        if self.finding is Finding.NEGATIVE:
            return Evidence.AGAINST
        if self.kind is ReferenceKind.MARKETING:
            return Evidence.UNSUPPORTED
        if self.subjects in (Subjects.ANIMAL, Subjects.IN_VITRO):
            return Evidence.THEORETICAL
        return _GRADE_OF_KIND[self.kind]


_GRADE_OF_KIND: Final = {
    ReferenceKind.LABEL: Evidence.ESTABLISHED,
    ReferenceKind.REGULATORY: Evidence.ESTABLISHED,
    ReferenceKind.REVIEW: Evidence.ESTABLISHED,
    ReferenceKind.COMPENDIUM: Evidence.ESTABLISHED,
    ReferenceKind.TRIAL: Evidence.LIMITED,
    ReferenceKind.STUDY: Evidence.LIMITED,
    ReferenceKind.MONOGRAPH: Evidence.THEORETICAL,
    ReferenceKind.STANDARD: Evidence.THEORETICAL,
    ReferenceKind.DATABASE: Evidence.THEORETICAL,
}


@frozen
class Note(Checked):
    """A sourced statement in words, filed under ``topic`` (storage, handling...)."""

    topic: str = field(
        metadata=doc("What the note is about (storage, handling, pharmacokinetics...).")
    )
    text: str = field(metadata=doc("The statement."))
    sources: Sources = field(converter=texts, metadata=SOURCES)
    verify: bool = field(default=False, metadata=VERIFY)

    def __str__(self) -> str:
        return self.text


@frozen
class Fact(Checked):
    """A sourced statement in words, its topic given by where it stands (description...)."""

    text: str = field(metadata=doc("The statement."))
    sources: Sources = field(converter=texts, metadata=SOURCES)
    verify: bool = field(default=False, metadata=VERIFY)

    def __str__(self) -> str:
        return self.text


@frozen
class Flag(Checked):
    """A sourced yes/no property the formulation rules use; absent means not recorded."""

    value: bool = field(metadata=doc("Whether the property holds."))
    text: str = field(metadata=doc("The fact in words."))
    sources: Sources = field(converter=texts, metadata=SOURCES)
    verify: bool = field(default=False, metadata=VERIFY)


@frozen
class Value(Checked):
    """A sourced number, such as a pKa or logP, with its unit unless dimensionless."""

    value: float = field(metadata=doc("The number."))
    sources: Sources = field(converter=texts, metadata=SOURCES)
    unit: str | None = optional("Unit (pint name); omit when dimensionless.")
    approximate: bool = field(
        default=False, metadata=doc("True when the source gives an approximate value.")
    )
    note: str | None = field(default=None, metadata=NOTE)
    verify: bool = field(default=False, metadata=VERIFY)

    def quantity(self) -> pint.Quantity[Any]:
        """The value as a pint Quantity (dimensionless when ``unit`` is None)."""
        from compoundkit.units import quantity

        return quantity(self.value, self.unit or "dimensionless")


@frozen
class Range(Checked):
    """A sourced range of numbers, such as a melting range in degC or a solution pH."""

    low: float = field(converter=float, metadata=doc("Lower end."))
    high: float = field(converter=float, metadata=doc("Upper end (>= low)."))
    sources: Sources = field(converter=texts, metadata=SOURCES)
    unit: str | None = optional("Unit (pint name, e.g. degC); omit when dimensionless.")
    approximate: bool = field(
        default=False, metadata=doc("True when the source gives approximate values.")
    )
    note: str | None = field(default=None, metadata=NOTE)
    verify: bool = field(default=False, metadata=VERIFY)

    def _problems(self) -> Iterator[Problem]:
        if self.high < self.low:
            yield Problem(("high",), f"high {self.high} is below low {self.low}")

    def quantities(self) -> tuple[pint.Quantity[Any], pint.Quantity[Any]]:
        """``(low, high)`` as pint Quantities (dimensionless when ``unit`` is None)."""
        from compoundkit.units import quantity

        unit = self.unit or "dimensionless"
        return quantity(self.low, unit), quantity(self.high, unit)


@frozen
class Solubility(Checked):
    """How much of the substance dissolves in ``solvent``, in the source's words."""

    solvent: str = field(metadata=doc("The solvent."))
    text: str = field(metadata=doc("How soluble, e.g. '1 g in 0.6 mL' or 'freely soluble'."))
    sources: Sources = field(converter=texts, metadata=SOURCES)
    verify: bool = field(default=False, metadata=VERIFY)


@frozen
class Mechanism(Checked):
    """How the drug works: a summary in words and the targets it names."""

    summary: str = field(metadata=doc("The mechanism in words."))
    sources: Sources = field(converter=texts, metadata=SOURCES)
    targets: tuple[str, ...] = field(
        default=(), converter=texts, metadata=doc("Receptors, enzymes or sites named.")
    )


@frozen
class Use(Checked):
    """A use with its evidence grade.

    ``claim`` marks statements made by promotional material (such as the page the
    project started from) that are recorded so users see the gap; a claim is never
    an indication.
    """

    condition: str = field(metadata=doc("Condition or purpose."))
    route: str = field(
        metadata=doc("Route of the use (topical, oral, intravenous...; several joined by ' and ').")
    )
    evidence: Evidence = field(converter=Evidence, metadata=doc("Evidence grade."))
    summary: str = field(metadata=doc("What the evidence says, in words."))
    sources: Sources = field(converter=texts, metadata=SOURCES)
    keywords: tuple[str, ...] = field(
        default=(), converter=texts, metadata=doc("Search terms (conditions) this use answers to.")
    )
    claim: bool = field(default=False, metadata=doc("True for an unsupported promotional claim."))
    dosing: str | None = optional("Dosing as given by the source.")
    note: str | None = field(default=None, metadata=NOTE)
    verify: bool = field(default=False, metadata=VERIFY)

    def _problems(self) -> Iterator[Problem]:
        unknown = [r for r in route_names(self.route) if r not in ROUTES]
        if unknown or not route_names(self.route):
            yield Problem(
                ("route",),
                f"unknown route {self.route!r}; allowed: {', '.join(ROUTES)} "
                "(several joined by ' and ')",
            )

    def on_route(self, route: str) -> bool:
        """True when this use is by ``route`` (one of :data:`ROUTES`, any case).

        >>> Use("pain", "oral and topical", "limited", "Eases pain.", ("r",)).on_route("Topical")
        True
        """
        return name_key(route) in route_names(self.route)

    @property
    def is_indication(self) -> bool:
        """True for a use backed by established or limited evidence and not a mere claim."""
        return not self.claim and self.evidence >= Evidence.LIMITED

    def matches(self, text: str) -> bool:
        """True when ``text`` occurs in the condition, a keyword or the summary, compared
        by :func:`~compoundkit.names.name_key` (any case, spacing or hyphens).

        >>> Use("muscle spasm", "oral", "limited", "Eases spasm.", ("r",)).matches("Muscle-Spasm")
        True
        """
        needle = name_key(text)
        return any(needle in name_key(h) for h in (self.condition, *self.keywords, self.summary))


@frozen
class Valence(Checked):
    """Charge of the moiety ion, for milliequivalents."""

    value: int = field(metadata=doc("Valence (e.g. 2 for Mg2+).", minimum=1))
    sources: Sources = field(converter=texts, metadata=SOURCES)


@frozen(kw_only=True)
class StrengthRange(Checked):
    """A strength range: typical use, or a maximum (no ``low``).

    ``form`` is the id of the form the strengths are expressed as; ``sourced`` is
    False when no published source backs the numbers (``sources`` then points to where
    they were written down). ``unusual_above`` is a note-level threshold, not a limit.
    """

    low: Strength | None = optional("Lower end (required for a typical range).")
    high: Strength = field(metadata=doc("Upper end (or the maximum)."))
    form: str | None = optional("Id of the form the strengths are expressed as.")
    route: str = field(default="topical", metadata=doc("Route (default topical)."))
    sourced: bool = field(metadata=doc("False when no published source backs the numbers."))
    unusual_above: Strength | None = optional("Note-level threshold (not a maximum).")
    sources: Sources = field(converter=texts, metadata=doc(SOURCES["doc"]))
    note: str | None = field(default=None, metadata=NOTE)
    verify: bool = field(default=False, metadata=VERIFY)

    def _problems(self) -> Iterator[Problem]:
        if self.sourced and not self.sources:
            yield Problem(("sources",), "a sourced range needs its sources")
        try:
            if self.low is not None and self.low > self.high:
                yield Problem(("low",), f"low {self.low} is above high {self.high}")
        except CompoundkitError as exc:  # different bases: cannot compare
            yield Problem((), str(exc))

    def contains(self, strength: Strength) -> bool:
        """True when ``strength`` (same basis) lies within ``[low, high]``.

        Raises :class:`~compoundkit.errors.DimensionError` on a different basis.
        """
        above_low = self.low is None or strength >= self.low
        return above_low and strength <= self.high

    def __str__(self) -> str:
        text = str(self.high) if self.low is None else f"{self.low} to {self.high}"
        if self.form:
            text += f" (as {self.form})"
        return text if self.sourced else text + " [unsourced]"


@frozen
class ObservedStrength(Checked):
    """A strength reported in use (a compounded product seen), not a recommendation."""

    strength: Strength = field(metadata=doc("The strength, as reported (basis may be unstated)."))
    sources: Sources = field(converter=texts, metadata=SOURCES)
    form: str | None = optional("Id of the form, when the source states it.")
    dosage_form: str | None = optional("Dosage form (gel, cream...).")
    vehicle: str | None = optional("Vehicle named by the source.")
    note: str | None = field(default=None, metadata=NOTE)
    verify: bool = field(default=False, metadata=VERIFY)


@frozen
class Caution(Checked):
    """A contraindication, interaction, warning or adverse effect, in words."""

    category: CautionCategory = field(converter=CautionCategory, metadata=doc("Kind of caution."))
    text: str = field(metadata=doc("The caution in words."))
    sources: Sources = field(converter=texts, metadata=SOURCES)
    verify: bool = field(default=False, metadata=VERIFY)

    def __str__(self) -> str:
        return self.text


@frozen
class Label(Checked):
    """An auxiliary label to put on the container.

    ``str(label)`` is its text.
    """

    text: str = field(metadata=doc("Label text."))
    sources: Sources = field(converter=texts, metadata=SOURCES)
    reason: str | None = optional("Why it is needed.")

    def __str__(self) -> str:
        return self.text


@frozen
class Code(Checked):
    """A code in a classification or registry (ATC, PubChem CID...)."""

    system: str = field(metadata=doc("Code system (ATC, ATCvet, PubChem CID, DrugBank...)."))
    code: str = field(metadata=doc("The code."))
    sources: Sources = field(converter=texts, metadata=SOURCES)
    note: str | None = field(default=None, metadata=NOTE)


class _FlagValue:
    """A flag of :class:`Physicochemical` read as a plain bool (False when not recorded)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.field = "_" + name

    @overload
    def __get__(self, obj: None, owner: type) -> _FlagValue: ...
    @overload
    def __get__(self, obj: Physicochemical, owner: type) -> bool: ...
    def __get__(self, obj: Physicochemical | None, owner: type) -> _FlagValue | bool:
        if obj is None:
            return self
        flag: Flag | None = getattr(obj, self.field)
        return flag is not None and flag.value


@frozen
class Physicochemical(Checked):
    """Physical and chemical facts; the flags are what the formulation rules use.

    A flag (``light_sensitive``...) is True only when a sourced fact says so; the facts
    are built with their document keys (``Physicochemical(light_sensitive=Flag(...))``)
    and listed, as notes, by :attr:`flag_notes`. ``melting_point`` is in degC.
    """

    description: Fact | None = optional("Appearance.")
    melting_point: Range | None = optional("Melting range in degC.")
    pka: Value | None = optional("Acid dissociation constant.")
    logp: Value | None = optional("Octanol/water partition coefficient (log).")
    solution_ph: Range | None = optional("pH of a stated solution.")
    solubility: tuple[Solubility, ...] = field(default=(), metadata=doc("Solubility by solvent."))
    storage: Fact | None = optional("Storage requirement.")
    _light_sensitive: Flag | None = optional("Flag: degraded by light.")
    _light_stable: Flag | None = optional("Flag: stable in light.")
    _deliquescent: Flag | None = optional("Flag: takes up water from the air until it dissolves.")
    _hygroscopic: Flag | None = optional("Flag: takes up water from the air.")
    _electrolyte: Flag | None = optional("Flag: adds electrolyte load to a preparation.")
    _salted_out_by_electrolytes: Flag | None = optional(
        "Flag: comes out of solution with electrolytes."
    )
    _precipitates_in_alkaline: Flag | None = optional("Flag: precipitates in alkaline media.")
    notes: tuple[Note, ...] = field(default=(), metadata=doc("Other physicochemical notes."))

    light_sensitive = _FlagValue()
    light_stable = _FlagValue()
    deliquescent = _FlagValue()
    hygroscopic = _FlagValue()
    electrolyte = _FlagValue()
    salted_out_by_electrolytes = _FlagValue()
    precipitates_in_alkaline = _FlagValue()

    @property
    def flag_notes(self) -> tuple[Note, ...]:
        """The recorded flags as notes (topic = the flag's name), in :data:`FLAGS` order."""
        flags = ((name, getattr(self, "_" + name)) for name in FLAGS)
        return tuple(Note(name, f.text, f.sources, f.verify) for name, f in flags if f is not None)

    def sources_of(self, flag: str) -> Sources:
        """The reference ids backing a flag such as ``"light_sensitive"`` (empty if unset)."""
        fact: Flag | None = getattr(self, "_" + flag, None)
        return () if fact is None else fact.sources


#: The yes/no physicochemical facts (flags of :class:`Physicochemical`), in order.
FLAGS: Final = tuple(k for k, v in vars(Physicochemical).items() if isinstance(v, _FlagValue))
