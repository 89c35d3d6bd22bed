"""The catalog's data model: frozen, slotted attrs classes, no I/O.

Every fact carries ``sources``: ids of entries in its ingredient's ``references``.
Facts the domain notes mark as needing confirmation carry ``verify = True``.
Serialisation lives in :mod:`compoundkit.ingredients._export`; loading and
validation in :mod:`compoundkit.ingredients._loader`.
"""

from __future__ import annotations

import enum
import functools
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final

from attrs import evolve, field, frozen

from compoundkit.errors import CatalogError

if TYPE_CHECKING:
    import attrs
    import pint

    from compoundkit.units import Strength

__all__ = [
    "FLAGS",
    "SCHEMA_VERSION",
    "Caution",
    "Code",
    "Evidence",
    "Form",
    "Ingredient",
    "Label",
    "Mechanism",
    "Note",
    "ObservedStrength",
    "Physicochemical",
    "Range",
    "Reference",
    "Solubility",
    "StrengthRange",
    "UnknownFormError",
    "Use",
    "Value",
]

Sources = tuple[str, ...]


def _positive(attribute: attrs.Attribute[float], value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise CatalogError(f"must be a positive number, not {value!r}", field=attribute.name)


def _tuple_of_str(value: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in value)


#: Version of the catalog data format (``schema_version`` in files and exports).
SCHEMA_VERSION: Final = 1

#: The yes/no physicochemical facts (fields of :class:`Physicochemical`).
FLAGS: Final = (
    "light_sensitive",
    "light_stable",
    "deliquescent",
    "hygroscopic",
    "electrolyte",
    "salted_out_by_electrolytes",
    "precipitates_in_alkaline",
)


class UnknownFormError(CatalogError, LookupError):
    """An ingredient has no form (salt, hydrate, base...) answering to a name.

    The message lists the forms the ingredient has, with their aliases.
    """

    def __str__(self) -> str:  # LookupError would otherwise repr() the message
        return str(self.args[0])


class Evidence(enum.Enum):
    """How well a use is supported, strongest first.

    ``established``: approved labelling or a systematic review; ``limited``: small or
    low-quality studies; ``theoretical``: mechanism or animal data only;
    ``unsupported``: no supporting study found (kept visible as a claim).

    >>> Evidence("limited") > Evidence.UNSUPPORTED
    True
    """

    ESTABLISHED = "established"
    LIMITED = "limited"
    THEORETICAL = "theoretical"
    UNSUPPORTED = "unsupported"

    @property
    def rank(self) -> int:
        """3 for established down to 0 for unsupported."""
        return _EVIDENCE_RANK[self.value]

    def __lt__(self, other: Evidence) -> bool:
        if not isinstance(other, Evidence):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: Evidence) -> bool:
        if not isinstance(other, Evidence):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: Evidence) -> bool:
        if not isinstance(other, Evidence):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: Evidence) -> bool:
        if not isinstance(other, Evidence):
            return NotImplemented
        return self.rank >= other.rank


_EVIDENCE_RANK = {"established": 3, "limited": 2, "theoretical": 1, "unsupported": 0}


@frozen
class Reference:
    """A source that facts cite by ``id``: a monograph, label, study or database entry."""

    id: str
    citation: str
    kind: str
    url: str | None = None
    doi: str | None = None
    pubmed: str | None = None
    pmc: str | None = None
    note: str | None = None
    verify: bool = False


@frozen
class Note:
    """A sourced statement in words, filed under ``topic`` (storage, handling...)."""

    topic: str
    text: str
    sources: Sources = field(converter=_tuple_of_str)
    verify: bool = False

    def __str__(self) -> str:
        return self.text


@frozen
class Value:
    """A sourced number, such as a pKa or logP; ``unit`` is ``None`` when dimensionless."""

    value: float
    sources: Sources = field(converter=_tuple_of_str)
    unit: str | None = None
    approximate: bool = False
    note: str | None = None
    verify: bool = False

    def quantity(self) -> pint.Quantity[Any]:
        """The value as a pint Quantity (dimensionless when ``unit`` is None)."""
        from compoundkit.units import quantity

        return quantity(self.value, self.unit or "dimensionless")


@frozen
class Range:
    """A sourced range of numbers, such as a melting range in degC or a solution pH."""

    low: float
    high: float
    sources: Sources = field(converter=_tuple_of_str)
    unit: str | None = None
    approximate: bool = False
    note: str | None = None
    verify: bool = False

    def quantities(self) -> tuple[pint.Quantity[Any], pint.Quantity[Any]]:
        """``(low, high)`` as pint Quantities (dimensionless when ``unit`` is None)."""
        from compoundkit.units import quantity

        unit = self.unit or "dimensionless"
        return quantity(self.low, unit), quantity(self.high, unit)


@frozen
class Solubility:
    """How much of the substance dissolves in ``solvent``, in the source's words."""

    solvent: str
    text: str
    sources: Sources = field(converter=_tuple_of_str)
    verify: bool = False


@frozen
class Mechanism:
    """How the drug works: a summary in words and the targets it names."""

    summary: str
    sources: Sources = field(converter=_tuple_of_str)
    targets: tuple[str, ...] = field(default=(), converter=_tuple_of_str)


@frozen
class Use:
    """A use with its evidence grade.

    ``claim`` marks statements made by promotional material (such as the page the
    project started from) that are recorded so users see the gap; a claim is never
    an indication.
    """

    condition: str
    route: str
    evidence: Evidence
    summary: str
    sources: Sources = field(converter=_tuple_of_str)
    keywords: tuple[str, ...] = field(default=(), converter=_tuple_of_str)
    claim: bool = False
    dosing: str | None = None
    note: str | None = None
    verify: bool = False

    @property
    def is_indication(self) -> bool:
        """True for a use backed by established or limited evidence and not a mere claim."""
        return not self.claim and self.evidence >= Evidence.LIMITED

    def matches(self, text: str) -> bool:
        """True when ``text`` (any case) occurs in the condition, a keyword or the summary."""
        needle = " ".join(text.casefold().replace("-", " ").split())
        haystack = (self.condition, *self.keywords, self.summary)
        return any(needle in " ".join(h.casefold().replace("-", " ").split()) for h in haystack)


@frozen
class Form:
    """One chemical form of an ingredient: the base or free acid, a salt, a hydrate, or
    the moiety itself (``elemental-magnesium``).

    ``molecular_weight`` (g/mol) is the value recorded in the sources;
    ``computed_molecular_weight`` (g/mol) is derived from ``formula`` when loading
    and is what conversion factors use. ``moiety_count`` is the number of moles of
    the parent moiety in one mole of this form (normally 1).
    """

    id: str
    name: str
    formula: str
    molecular_weight: float
    computed_molecular_weight: float = field(validator=lambda i, a, v: _positive(a, v))
    sources: Sources = field(converter=_tuple_of_str)
    aliases: tuple[str, ...] = field(default=(), converter=_tuple_of_str)
    cas: str | None = None
    unii: str | None = None
    pubchem_cid: int | None = None
    chemical_name: str | None = None
    moiety_count: int = 1
    description: str | None = None
    note: str | None = None
    verify: bool = False
    ingredient_id: str = ""

    def __repr__(self) -> str:
        return f"<Form {self.ingredient_id}:{self.id} {self.formula} {self.molecular_weight} g/mol>"

    def factor_to(self, other: Form) -> float:
        """Grams of ``other`` holding the same moles of moiety as 1 g of this form.

        >>> from compoundkit import ingredients
        >>> cbz = ingredients.get("cyclobenzaprine")
        >>> round(cbz.form("HCl").factor_to(cbz.form("base")), 4)
        0.8831
        """
        if self.ingredient_id and other.ingredient_id and self.ingredient_id != other.ingredient_id:
            raise CatalogError(
                f"cannot convert between forms of different ingredients "
                f"({self.ingredient_id!r} {self.id!r} -> {other.ingredient_id!r} {other.id!r})",
                field="form",
            )
        return (self.moiety_count * other.computed_molecular_weight) / (
            self.computed_molecular_weight * other.moiety_count
        )

    def molecular_weight_quantity(self) -> pint.Quantity[Any]:
        """The computed molecular weight as a pint Quantity in g/mol."""
        from compoundkit.units import quantity

        return quantity(self.computed_molecular_weight, "gram / mole")

    def mmol_moiety_per_gram(self) -> float:
        """Millimoles of the parent moiety in 1 g of this form (plain float, mmol/g)."""
        return 1000.0 * self.moiety_count / self.computed_molecular_weight

    def names(self) -> tuple[str, ...]:
        """The id, name and aliases this form answers to."""
        return (self.id, self.name, *self.aliases)


@frozen
class StrengthRange:
    """A strength range (typical use, or a maximum when ``low`` is None).

    ``form`` is the id of the form the strengths are expressed as; ``sourced`` is
    False when no published source backs the numbers (``sources`` then points to where
    they were written down). ``unusual_above`` is a note-level threshold, not a limit.
    """

    high: Strength
    form: str | None
    sourced: bool
    sources: Sources = field(converter=_tuple_of_str)
    low: Strength | None = None
    route: str = "topical"
    unusual_above: Strength | None = None
    note: str | None = None
    verify: bool = False

    def __attrs_post_init__(self) -> None:
        if self.low is not None and self.low > self.high:
            raise CatalogError(f"low {self.low} is above high {self.high}", field="low")

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
class ObservedStrength:
    """A strength reported in use (a compounded product seen), not a recommendation."""

    strength: Strength
    sources: Sources = field(converter=_tuple_of_str)
    form: str | None = None
    dosage_form: str | None = None
    vehicle: str | None = None
    note: str | None = None
    verify: bool = False


@frozen
class Caution:
    """A contraindication, interaction, warning or adverse effect, in words."""

    category: str
    text: str
    sources: Sources = field(converter=_tuple_of_str)
    verify: bool = False

    def __str__(self) -> str:
        return self.text


@frozen
class Label:
    """An auxiliary label to put on the container; ``str(label)`` is its text."""

    text: str
    sources: Sources = field(converter=_tuple_of_str)
    reason: str | None = None

    def __str__(self) -> str:
        return self.text


@frozen
class Code:
    """A code in a classification or registry (ATC, PubChem CID...)."""

    system: str
    code: str
    sources: Sources = field(converter=_tuple_of_str)
    note: str | None = None


@frozen
class Physicochemical:
    """Physical and chemical facts, with plain booleans for the formulation rules.

    A boolean is True only when a sourced fact says so; its wording and sources are in
    ``flag_notes`` (topic = the flag's name). ``melting_point`` is in degC.
    """

    light_sensitive: bool = False
    light_stable: bool = False
    deliquescent: bool = False
    hygroscopic: bool = False
    electrolyte: bool = False
    salted_out_by_electrolytes: bool = False
    precipitates_in_alkaline: bool = False
    description: Note | None = None
    melting_point: Range | None = None
    pka: Value | None = None
    logp: Value | None = None
    solution_ph: Range | None = None
    solubility: tuple[Solubility, ...] = ()
    storage: Note | None = None
    flag_notes: tuple[Note, ...] = ()
    notes: tuple[Note, ...] = ()

    def sources_of(self, flag: str) -> Sources:
        """The reference ids backing a flag such as ``"light_sensitive"`` (empty if unset)."""
        return tuple(s for note in self.flag_notes if note.topic == flag for s in note.sources)


def _set_ingredient_id(forms: tuple[Form, ...], ingredient_id: str) -> tuple[Form, ...]:
    return tuple(
        f if f.ingredient_id == ingredient_id else evolve(f, ingredient_id=ingredient_id)
        for f in forms
    )


@frozen
class Ingredient:
    """An active ingredient with its forms, uses, evidence and handling facts.

    Build one from TOML text with :func:`compoundkit.ingredients.load_file`, or in code
    (then :func:`compoundkit.ingredients.register` it). Forms are tied to the
    ingredient on construction (``Form.ingredient_id``).

    >>> from compoundkit import ingredients
    >>> ket = ingredients.get("ketoprofen")
    >>> ket.default_form, ket.physicochemical.light_sensitive
    ('free-acid', True)
    """

    id: str
    name: str
    drug_class: str
    mechanism: Mechanism
    uses: tuple[Use, ...]
    forms: tuple[Form, ...]
    default_form: str
    physicochemical: Physicochemical
    references: tuple[Reference, ...]
    synonyms: tuple[str, ...] = field(default=(), converter=_tuple_of_str)
    misspellings: tuple[str, ...] = field(default=(), converter=_tuple_of_str)
    trade_names: tuple[str, ...] = field(default=(), converter=_tuple_of_str)
    confusable_names: tuple[str, ...] = field(default=(), converter=_tuple_of_str)
    class_terms: tuple[str, ...] = field(default=(), converter=_tuple_of_str)
    typical_strength: StrengthRange | None = None
    max_strength: StrengthRange | None = None
    strengths_seen: tuple[ObservedStrength, ...] = ()
    strength_form_required: bool = False
    valence: int | None = None
    valence_sources: Sources = field(default=(), converter=_tuple_of_str)
    cautions: tuple[Caution, ...] = ()
    auxiliary_labels: tuple[Label, ...] = ()
    formulation_notes: tuple[Note, ...] = ()
    notes: tuple[Note, ...] = ()
    codes: tuple[Code, ...] = ()
    origin: str = field(default="code", eq=False)

    def __attrs_post_init__(self) -> None:
        # attrs documents object.__setattr__ in __attrs_post_init__ for frozen classes.
        object.__setattr__(self, "forms", _set_ingredient_id(tuple(self.forms), self.id))
        ids = [f.id for f in self.forms]
        if not ids:
            raise CatalogError(
                "an ingredient needs at least one form", entry=self.id, field="forms"
            )
        if len(set(ids)) != len(ids):
            raise CatalogError(f"duplicate form ids {ids}", entry=self.id, field="forms")
        if self.default_form not in ids:
            raise CatalogError(
                f"{self.default_form!r} is not one of the forms {ids}",
                entry=self.id,
                field="default_form",
            )
        owners: dict[str, str] = {}
        for f in self.forms:
            for name in f.names():
                owner = owners.setdefault(_form_key(name), f.id)
                if owner != f.id:
                    raise CatalogError(
                        f"form name {name!r} is used by forms {owner!r} and {f.id!r}",
                        entry=self.id,
                        field="forms",
                    )
        if self.valence is not None and self.valence < 1:
            raise CatalogError("valence must be 1 or more", entry=self.id, field="valence")

    # ----------------------------------------------------------------- forms

    def __repr__(self) -> str:
        return f"<Ingredient {self.id!r}: {self.name}, {len(self.forms)} form(s)>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython and hypothesis print the one-line repr, not every nested field."""
        printer.text(repr(self))

    def form(self, name: str | None = None) -> Form:
        """The form answering to ``name`` (id or alias, any case); the default form if None.

        >>> from compoundkit import ingredients
        >>> ingredients.get("magnesium chloride").form("MgCl2.6H2O").id
        'hexahydrate'
        """
        if name is None:
            name = self.default_form
        key = _form_key(name)
        for candidate in self.forms:
            if any(_form_key(n) == key for n in candidate.names()):
                return candidate
        allowed = "; ".join(
            f"{f.id}" + (f" ({', '.join(f.aliases)})" if f.aliases else "") for f in self.forms
        )
        raise UnknownFormError(
            f"{self.name} has no form {name!r}; allowed: {allowed}", entry=self.id, field="form"
        )

    def factor(self, from_form: str, to_form: str) -> float:
        """Grams of ``to_form`` equivalent to 1 g of ``from_form`` (see :meth:`Form.factor_to`).

        >>> from compoundkit import ingredients
        >>> round(ingredients.get("magnesium chloride").factor("anhydrous", "hexahydrate"), 4)
        2.1353
        """
        return self.form(from_form).factor_to(self.form(to_form))

    def mmol_per_gram(self, form: str | None = None) -> pint.Quantity[Any]:
        """Millimoles of the moiety in 1 g of ``form`` (default form), as a Quantity in mmol/g.

        >>> from compoundkit import ingredients
        >>> q = ingredients.get("magnesium chloride").mmol_per_gram("hexahydrate")
        >>> round(q.magnitude, 3), str(q.units)
        (4.919, 'millimole / gram')
        """
        from compoundkit.units import quantity

        return quantity(self.form(form).mmol_moiety_per_gram(), "millimole / gram")

    def meq_per_gram(self, form: str | None = None) -> pint.Quantity[Any]:
        """Milliequivalents of the moiety ion in 1 g of ``form``, as a Quantity in mEq/g.

        Needs the ingredient's ``valence`` (mEq = mmol x valence).

        >>> from compoundkit import ingredients
        >>> q = ingredients.get("magnesium chloride").meq_per_gram("hexahydrate")
        >>> round(q.magnitude, 2), str(q.units)
        (9.84, 'milliequivalent / gram')
        """
        if self.valence is None:
            raise CatalogError(
                f"{self.name} has no valence recorded, so mEq are undefined",
                entry=self.id,
                field="valence",
            )
        from compoundkit.units import quantity

        value = self.form(form).mmol_moiety_per_gram() * self.valence
        return quantity(value, "milliequivalent / gram")

    # ----------------------------------------------------------------- other views

    def names(self) -> tuple[str, ...]:
        """Every name this ingredient answers to in lookups (id, name, synonyms,
        trade names, known misspellings)."""
        return (self.id, self.name, *self.synonyms, *self.trade_names, *self.misspellings)

    def reference(self, ref_id: str) -> Reference:
        """The reference with id ``ref_id``."""
        for ref in self.references:
            if ref.id == ref_id:
                return ref
        raise CatalogError(f"no reference {ref_id!r}", entry=self.id, field="references")

    def indications(self) -> tuple[Use, ...]:
        """The uses with established or limited evidence that are not mere claims."""
        return tuple(u for u in self.uses if u.is_indication)

    def claims(self) -> tuple[Use, ...]:
        """Uses recorded as unsupported claims (promotional statements without evidence)."""
        return tuple(u for u in self.uses if u.claim)

    def iter_sources(self) -> Iterator[tuple[str, Sources]]:
        """Yield ``(what, sources)`` for every sourced fact (used to check references)."""
        from compoundkit.ingredients._export import iter_sources

        return iter_sources(self)

    def to_dict(self) -> dict[str, Any]:
        """A JSON/TOML-ready dict in the catalog data format (loads back equal).

        >>> from compoundkit import ingredients
        >>> ingredients.get("guaifenesin").to_dict()["id"]
        'guaifenesin'
        """
        from compoundkit.ingredients._export import ingredient_to_dict

        return ingredient_to_dict(self)

    def _repr_html_(self) -> str:
        """A compact card for notebooks."""
        import html

        esc = html.escape
        rows = [
            f"<h4>{esc(self.name)} <small>({esc(self.id)})</small></h4>",
            f"<p><b>Class:</b> {esc(self.drug_class)}<br><b>Mechanism:</b> "
            f"{esc(self.mechanism.summary)}</p>",
            "<table><tr><th>Use</th><th>Route</th><th>Evidence</th></tr>",
        ]
        for use in self.uses:
            claim = " (claim)" if use.claim else ""
            rows.append(
                f"<tr><td>{esc(use.condition)}</td><td>{esc(use.route)}</td>"
                f"<td>{esc(use.evidence.value)}{claim}</td></tr>"
            )
        rows.append("</table><table><tr><th>Form</th><th>Formula</th><th>MW g/mol</th></tr>")
        for f in self.forms:
            rows.append(
                f"<tr><td>{esc(f.name)}</td><td>{esc(f.formula)}</td>"
                f"<td>{f.computed_molecular_weight:.3f}</td></tr>"
            )
        rows.append("</table>")
        if self.cautions:
            items = "".join(f"<li>{esc(c.text)}</li>" for c in self.cautions)
            rows.append(f"<p><b>Cautions</b></p><ul>{items}</ul>")
        return "".join(rows)


@functools.lru_cache(maxsize=4096)
def _form_key(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch not in " -_\t")
