"""An ingredient, its chemical forms, and the catalog file: frozen attrs classes, no I/O.

These classes, with the facts of :mod:`._facts`, are the catalog format: documents are
structured into them by :func:`compoundkit.documents.structure`, exported by
:func:`compoundkit.documents.unstructure`, and the JSON Schema is generated from them.
Building one checks it whole (:class:`~._fields.Checked`): an :class:`Ingredient` with
an unknown source id, a molecular weight that disagrees with its formula or a default
form it does not have is refused, with every problem listed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final

import attrs
from attrs import Factory, field, frozen

from compoundkit import documents
from compoundkit.errors import CatalogError, Problem
from compoundkit.ingredients._chem import FormulaError, molecular_weight
from compoundkit.ingredients._facts import (
    ID_PATTERN,
    NOTE,
    SOURCES,
    VERIFY,
    Caution,
    Code,
    Evidence,
    Label,
    Mechanism,
    Note,
    ObservedStrength,
    Physicochemical,
    Reference,
    Sources,
    StrengthRange,
    Use,
    Valence,
    texts,
)
from compoundkit.ingredients._fields import Checked, doc, optional, walk
from compoundkit.names import name_key

if TYPE_CHECKING:
    import cattrs
    import pint

__all__ = [
    "MW_TOLERANCE",
    "SCHEMA_VERSION",
    "CatalogFile",
    "Form",
    "Ingredient",
    "UnknownFormError",
]

#: Version of the catalog data format (``schema_version`` in files and exports).
SCHEMA_VERSION: Final = 1

#: Largest accepted difference (g/mol) between a recorded and a computed molecular weight.
MW_TOLERANCE: Final = 0.01


class UnknownFormError(CatalogError, LookupError):
    """An ingredient has no form (salt, hydrate, base...) answering to a name.

    The message lists the forms the ingredient has, with their aliases.
    """


def _weight_of_formula(form: Form) -> float:
    try:
        return molecular_weight(form.formula)
    except FormulaError:
        return math.nan  # reported by Form._problems, so such a Form is never built


@frozen(kw_only=True)
class Form(Checked):
    """One chemical form of an ingredient: the base or free acid, a salt, a hydrate, or
    the moiety itself (``elemental-magnesium``).

    ``molecular_weight`` (g/mol) is the value recorded in the sources;
    ``computed_molecular_weight`` (g/mol) is computed from ``formula`` and is what
    conversion factors use; the two must agree within :data:`MW_TOLERANCE`.
    ``moiety_count`` is the number of moles of the parent moiety in one mole of this
    form (normally 1). ``ingredient_id`` is set by the ingredient holding the form.

    >>> Form(id="base", name="Guaifenesin", formula="C10H14O4", molecular_weight=198.3,
    ...      sources=("usp",))
    Traceback (most recent call last):
    ...
    compoundkit.errors.CatalogError: molecular_weight: recorded 198.3 g/mol disagrees with ...
    """

    id: str = field(metadata=doc("Form id, unique within the ingredient.", pattern=ID_PATTERN))
    name: str = field(metadata=doc("Display name."))
    aliases: tuple[str, ...] = field(default=(), metadata=doc("Other names this form answers to."))
    formula: str = field(metadata=doc("Molecular formula in molmass syntax (hydrates with '.')."))
    molecular_weight: float = field(
        metadata=doc(
            "Recorded molecular weight in g/mol; must agree with the formula within 0.01.",
            above=0,
        )
    )
    computed_molecular_weight: float = field(
        default=Factory(_weight_of_formula, takes_self=True),
        metadata=doc(
            "Exports only: g/mol computed from the formula by compoundkit (checked on load).",
            always=True,
        ),
    )
    cas: str | None = optional("CAS registry number.", pattern=r"^[0-9]{2,7}-[0-9]{2}-[0-9]$")
    unii: str | None = optional("FDA UNII.", pattern=r"^[0-9A-Z]{10}$")
    pubchem_cid: int | None = optional("PubChem compound id.", minimum=1)
    chemical_name: str | None = optional("Systematic name.")
    moiety_count: int = field(
        default=1,
        metadata=doc("Moles of the parent moiety per mole of this form (default 1).", minimum=1),
    )
    description: str | None = optional("What this form is and when it is used.")
    sources: Sources = field(converter=texts, metadata=SOURCES)
    note: str | None = field(default=None, metadata=NOTE)
    verify: bool = field(default=False, metadata=VERIFY)
    ingredient_id: str = field(default="", init=False)

    def _problems(self) -> Iterator[Problem]:
        try:
            computed = molecular_weight(self.formula)
        except FormulaError as exc:
            yield Problem(("formula",), str(exc))
            return
        if abs(self.molecular_weight - computed) > MW_TOLERANCE:
            yield Problem(
                ("molecular_weight",),
                f"recorded {self.molecular_weight:g} g/mol disagrees with {computed:.3f} g/mol "
                f"computed from {self.formula!r} (more than {MW_TOLERANCE} g/mol apart)",
            )
        # an export shows it to 10 significant digits (units.grammar.presented)
        if not math.isclose(self.computed_molecular_weight, computed, rel_tol=1e-9):
            yield Problem(
                ("computed_molecular_weight",),
                f"{self.computed_molecular_weight!r} is not the {computed!r} g/mol compoundkit "
                "computes from the formula",
            )

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        # checked above; factors use compoundkit's own float, not the exported figure
        computed = _weight_of_formula(self)
        object.__setattr__(self, "computed_molecular_weight", computed)  # attrs-documented

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

    def _of(self, ingredient_id: str) -> Form:
        """This form as held by ingredient ``ingredient_id`` (a copy unless it already is)."""
        if self.ingredient_id == ingredient_id:
            return self
        held = attrs.evolve(self)
        object.__setattr__(held, "ingredient_id", ingredient_id)  # a fresh copy, not shared yet
        return held


def _names(text: str) -> Any:
    return field(default=(), converter=texts, metadata=doc(text))


@frozen(kw_only=True)
class Ingredient(Checked):
    """An active ingredient with its forms, uses, evidence and handling facts.

    Build one from TOML text with :func:`compoundkit.ingredients.load_file`, or in code
    (then :func:`compoundkit.ingredients.register` it). Forms are tied to the
    ingredient on construction (``Form.ingredient_id``); ``origin`` says where the
    entry came from (``"shipped"``, ``"file ..."``, ``"code"``).

    >>> from compoundkit import ingredients
    >>> ket = ingredients.get("ketoprofen")
    >>> ket.default_form, ket.physicochemical.light_sensitive
    ('free-acid', True)
    """

    id: str = field(metadata=doc("Catalog id (lowercase, hyphens).", pattern=ID_PATTERN))
    name: str = field(metadata=doc("Display name."))
    synonyms: tuple[str, ...] = _names("Other names (lookups accept them).")
    misspellings: tuple[str, ...] = _names("Known misspellings (lookups accept them).")
    trade_names: tuple[str, ...] = _names("Brand names (lookups accept them).")
    confusable_names: tuple[str, ...] = _names(
        "Different drugs easily confused with this one (never accepted by lookups)."
    )
    drug_class: str = field(metadata=doc("Drug class in words."))
    class_terms: tuple[str, ...] = _names("Class search terms (NSAID, muscle relaxant...).")
    default_form: str = field(metadata=doc("Id of the form compounders weigh."))
    strength_form_required: bool = field(
        default=False,
        metadata=doc("True when a strength must state the form (e.g. hexahydrate or anhydrous)."),
    )
    _valence: Valence | None = optional("Ion valence, for mEq.")
    mechanism: Mechanism = field(metadata=doc("Mechanism of action."))
    uses: tuple[Use, ...] = field(metadata=doc("Uses with evidence grades.", min_items=1))
    forms: tuple[Form, ...] = field(metadata=doc("Chemical forms.", min_items=1))
    typical_strength: StrengthRange | None = optional("Typical topical range.")
    max_strength: StrengthRange | None = optional("Sourced maximum strength.")
    strengths_seen: tuple[ObservedStrength, ...] = field(
        default=(), metadata=doc("Strengths reported in use.")
    )
    physicochemical: Physicochemical = field(metadata=doc("Physical and chemical facts."))
    cautions: tuple[Caution, ...] = field(default=(), metadata=doc("Cautions."))
    auxiliary_labels: tuple[Label, ...] = field(default=(), metadata=doc("Auxiliary labels."))
    formulation_notes: tuple[Note, ...] = field(default=(), metadata=doc("Compounding advice."))
    notes: tuple[Note, ...] = field(default=(), metadata=doc("Other sourced notes."))
    codes: tuple[Code, ...] = field(default=(), metadata=doc("ATC and registry codes."))
    references: tuple[Reference, ...] = field(metadata=doc("Sources.", min_items=1))
    origin: str = field(default="code", init=False, eq=False)

    def __attrs_post_init__(self) -> None:
        # attrs documents object.__setattr__ in __attrs_post_init__ for frozen classes.
        object.__setattr__(self, "forms", tuple(f._of(self.id) for f in self.forms))
        super().__attrs_post_init__()

    def _problems(self) -> Iterator[Problem]:
        ref_ids = [r.id for r in self.references]
        twice = sorted({i for i in ref_ids if ref_ids.count(i) > 1})
        if twice:
            yield Problem(("references",), f"duplicate reference ids: {', '.join(twice)}")
        ids = [f.id for f in self.forms]
        if len(set(ids)) != len(ids):
            yield Problem(("forms",), f"duplicate form ids: {ids}")
        owners: dict[str, str] = {}
        for f in self.forms:
            for name in f.names():
                owner = owners.setdefault(name_key(name), f.id)
                if owner != f.id:
                    message = f"form name {name!r} is used by forms {owner!r} and {f.id!r}"
                    yield Problem(("forms",), message)
        for path, form_id in self._form_ids():
            if form_id not in ids:
                yield Problem(path, f"{form_id!r} is not a form id; forms: {ids}")
        if self.typical_strength is not None and self.typical_strength.low is None:
            yield Problem(("typical_strength", "low"), "a typical range needs both low and high")
        known = set(ref_ids)
        for path, fact in walk(self):
            for index, ref in enumerate(getattr(fact, "sources", ())):
                if ref not in known:
                    yield Problem(
                        (*path, "sources", index),
                        f"unknown reference id {ref!r}; this entry's references: "
                        f"{', '.join(sorted(known))}",
                    )

    def _form_ids(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        """Every form id the entry refers to, with its path."""
        yield ("default_form",), self.default_form
        for key in ("typical_strength", "max_strength"):
            strength_range = getattr(self, key)
            if strength_range is not None and strength_range.form is not None:
                yield (key, "form"), strength_range.form
        for index, seen in enumerate(self.strengths_seen):
            if seen.form is not None:
                yield ("strengths_seen", index, "form"), seen.form

    # ----------------------------------------------------------------- forms

    def __repr__(self) -> str:
        return f"<Ingredient {self.id!r}: {self.name}, {len(self.forms)} form(s)>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython and hypothesis print the one-line repr, not every nested field."""
        printer.text(repr(self))

    @property
    def valence(self) -> int | None:
        """Charge of the moiety ion (``Valence.value``), or None when not recorded."""
        return None if self._valence is None else self._valence.value

    @property
    def valence_sources(self) -> Sources:
        """The reference ids backing :attr:`valence` (empty when not recorded)."""
        return () if self._valence is None else self._valence.sources

    def form(self, name: str | None = None) -> Form:
        """The form answering to ``name`` (id or alias, any case); the default form if None.

        >>> from compoundkit import ingredients
        >>> ingredients.get("magnesium chloride").form("MgCl2.6H2O").id
        'hexahydrate'
        """
        if name is None:
            name = self.default_form
        key = name_key(name)
        for candidate in self.forms:
            if any(name_key(n) == key for n in candidate.names()):
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
        raise CatalogError(
            f"{self.name} has no reference {ref_id!r}", entry=self.id, field="references"
        )

    def strongest_grade(self, use: Use) -> Evidence:
        """The best grade the references ``use`` cites can back (see
        :attr:`Reference.strongest_grade`): the best of its primary references, or
        ``limited`` when it cites only compilations (``secondary``).

        >>> from compoundkit import ingredients
        >>> cbz = ingredients.get("cyclobenzaprine")
        >>> topical = next(u for u in cbz.uses if u.on_route("topical"))
        >>> cbz.strongest_grade(topical).value, topical.evidence.value
        ('against', 'against')
        """
        grades = [self.reference(ref).strongest_grade for ref in use.sources]
        primary = [g for g in grades if g is not None]
        return max(primary) if primary else Evidence.LIMITED

    def indications(self) -> tuple[Use, ...]:
        """The uses with established or limited evidence that are not mere claims."""
        return tuple(u for u in self.uses if u.is_indication)

    def claims(self) -> tuple[Use, ...]:
        """Uses recorded as unsupported claims (promotional statements without evidence)."""
        return tuple(u for u in self.uses if u.claim)

    def iter_sources(self) -> Iterator[tuple[str, Sources]]:
        """Yield ``(field path, sources)`` for every sourced fact.

        >>> from compoundkit import ingredients
        >>> next(ingredients.get("ketoprofen").iter_sources())
        ('mechanism', ('ck-domain',))
        """
        for path, fact in walk(self):
            sources = getattr(fact, "sources", None)
            if sources is not None:
                yield documents.dotted(path), sources

    def to_dict(self) -> dict[str, Any]:
        """A JSON/TOML-ready dict in the catalog data format (loads back equal).

        >>> from compoundkit import ingredients
        >>> ingredients.get("guaifenesin").to_dict()["id"]
        'guaifenesin'
        """
        result: dict[str, Any] = documents.unstructure(self)
        return result

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


@frozen(kw_only=True)
class CatalogFile(Checked):
    """A compoundkit ingredient catalog file (TOML) or export (JSON)."""

    schema_version: int = field(
        default=SCHEMA_VERSION, metadata=doc("Data format version (1).", minimum=1)
    )
    generator: str | None = optional("Program that wrote an export.")
    disclaimer: str | None = optional("Statement of what the data is for.")
    ingredients: tuple[Ingredient, ...] = field(metadata=doc("The ingredients.", min_items=1))

    def _problems(self) -> Iterator[Problem]:
        if self.schema_version > SCHEMA_VERSION:
            yield Problem(
                ("schema_version",),
                f"schema_version {self.schema_version} is newer than this compoundkit reads "
                f"({SCHEMA_VERSION}); upgrade compoundkit",
            )
        first: dict[str, int] = {}
        for index, ing in enumerate(self.ingredients):
            seen = first.setdefault(ing.id, index)
            if seen != index:
                message = f"duplicate id {ing.id!r} (also entry #{seen + 1} in this file)"
                yield Problem(("ingredients", index, "id"), message)


def _configure(made: cattrs.Converter) -> None:
    from compoundkit.ingredients._schema import configure

    configure(made)


documents.extend(_configure)  # the converter learns the catalog classes when it is made
