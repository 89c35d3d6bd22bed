"""Formulations: ingredients and excipients in a vehicle, as strengths or reference amounts.

A component is given either as a strength (``10 % w/w``) or as an amount of a
stated reference batch (``makes = "100 g"``, ``amount = "14 g"``), as published
formulas do; both describe the same formulation. Everything is immutable: use
:func:`attrs.evolve` (or :meth:`Formulation.evolve`) for variants.

Strengths are normalised once, when a formulation is built, to a float: grams of
the form weighed per gram of preparation (``weigh_fraction``). Batch sheets and
validation work from those floats. What compoundkit makes at all (topical and oral
liquid preparations, by weight or volume) is :func:`out_of_scope`. (Over 500 lines on
purpose: the four model classes, the one normalisation of lines and the scope it assumes
belong together.)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from attrs import evolve, field, frozen

from compoundkit.errors import (
    BatchError,
    CompoundkitError,
    DensityRequiredError,
    DimensionError,
    DosageFormError,
    FormulaFileError,
    RecordError,
)
from compoundkit.formulas.vehicles import Vehicle
from compoundkit.names import name_key
from compoundkit.units import Basis, Strength, resolve_basis
from compoundkit.units.grammar import DIMENSION, FACTOR, format_number

if TYPE_CHECKING:
    from typing import Unpack

    import pint

    from compoundkit.formulas.batch import BatchOptions, BatchSheet
    from compoundkit.formulas.bud import BudExtension, BudResult
    from compoundkit.formulas.findings import Report
    from compoundkit.ingredients import Form, Ingredient

__all__ = [
    "DEFAULT_TOLERANCE",
    "SCOPE",
    "Amount",
    "Component",
    "Excipient",
    "Formulation",
    "format_tolerance",
    "parse_tolerance",
]

#: The problem of an amount line when the formula states no reference batch (rule CK115).
NO_MAKES: Final = "an amount needs the reference batch size ('makes')"
#: What compoundkit makes; said whenever a preparation or strength is out of scope.
SCOPE: Final = (
    "compoundkit handles topical and oral liquid preparations (creams, gels, ointments, "
    "solutions, suspensions...), made by weight or volume"
)
#: Dosage forms outside :data:`SCOPE`: made and checked per dosage unit, or sterile.
_OUT_OF_SCOPE_FORMS: Final = {
    "capsule": "capsules",
    "tablet": "tablets",
    "troche": "troches",
    "lozenge": "lozenges",
    "suppository": "suppositories",
    "ophthalmic": "ophthalmic preparations",
    "eye drops": "ophthalmic preparations",
    "eye drop": "ophthalmic preparations",
    "ophthalmic solution": "ophthalmic preparations",
    "ophthalmic suspension": "ophthalmic preparations",
    "ophthalmic ointment": "ophthalmic preparations",
    "eye ointment": "ophthalmic preparations",
}
#: Routes outside :data:`SCOPE` (sterile preparations).
_OUT_OF_SCOPE_ROUTES: Final = frozenset(
    {"ophthalmic", "injection", "intravenous", "intramuscular", "subcutaneous", "parenteral"}
)


def out_of_scope(dosage_form: str, route: str = "topical") -> str | None:
    """Why a preparation is outside what compoundkit makes, or None when it is within.

    >>> out_of_scope("cream") is None
    True
    >>> print(out_of_scope("Capsules", "oral"))
    dosage form 'Capsules': capsules are out of scope; compoundkit handles topical and ...
    """
    form = " ".join(str(dosage_form).lower().replace("_", " ").replace("-", " ").split())
    singular = form[:-1] if form.endswith("s") and form[:-1] in _OUT_OF_SCOPE_FORMS else form
    if singular in _OUT_OF_SCOPE_FORMS:
        what = f"dosage form {dosage_form!r}: {_OUT_OF_SCOPE_FORMS[singular]}"
    elif name_key(route) in _OUT_OF_SCOPE_ROUTES:
        what = f"route {route!r}: sterile preparations"
    else:
        return None
    return f"{what} are out of scope; {SCOPE}"


#: The problem of a strength per dosage unit (5 mg/capsule) in a preparation.
PER_UNIT_PROBLEM: Final = (
    "a strength per dosage unit (per capsule, tablet, dose...) does not fit a preparation "
    f"made by weight or volume; {SCOPE.removesuffix(', made by weight or volume')}"
)

#: Weighing tolerance, in percent of the target, when neither the formula nor the run sets
#: one: the +/- 5 % that compounding teaching allows for most weighings.
DEFAULT_TOLERANCE: Final = 5.0
#: Widest weighing tolerance accepted, in percent of the target.
MAX_TOLERANCE: Final = 50.0


def parse_tolerance(text: object, what: str = "tolerance") -> float:
    """A weighing tolerance as a percent of the target (``"1 %"``, ``"0.5%"``, ``"±2 %"``).

    >>> parse_tolerance("1 %"), parse_tolerance("+/- 0.5%")
    (1.0, 0.5)
    >>> parse_tolerance("2 g")
    Traceback (most recent call last):
    ...
    compoundkit.errors.BatchError: tolerance '2 g': write a percent of the target, such as '1 %'
    """
    from compoundkit.units.grammar import Scanner, check_length

    body = check_length(text, what)
    for sign in ("\u00b1", "+/-"):
        if body.startswith(sign):
            body = body[len(sign) :].lstrip()
    if not body.endswith("%"):
        raise BatchError(f"{what} {text!r}: write a percent of the target, such as '1 %'")
    scanner = Scanner(body[:-1].rstrip())
    number = scanner.number(f"the {what}")
    if not scanner.at_end():
        raise BatchError(f"{what} {text!r}: write a percent of the target, such as '1 %'")
    if not 0 < number <= MAX_TOLERANCE:
        raise BatchError(
            f"{what} {text!r}: must be more than 0 % and at most {MAX_TOLERANCE:g} % of the target"
        )
    return number


def format_tolerance(percent: float) -> str:
    """A tolerance as the formula file writes it.

    >>> format_tolerance(1.0)
    '1 %'
    """
    return f"{format_number(percent)} %"


def _tolerance(value: object) -> float | None:
    """attrs converter: a tolerance as a percent (text is parsed; None stays None)."""
    if value is None:
        return None
    if isinstance(value, str):
        return parse_tolerance(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number) and 0 < number <= MAX_TOLERANCE:
            return number
    raise BatchError(
        f"tolerance must be a percent of the target above 0 and at most {MAX_TOLERANCE:g}, "
        f"not {value!r}"
    )


@frozen
class Amount:
    """A mass or volume as written in a formula (``14 g``, ``8 mL``).

    >>> Amount.parse("8 mL").grams(density_g_per_ml=0.85)
    6.8
    """

    value: float
    unit: str

    @classmethod
    def parse(cls, text: str) -> Amount:
        """Parse with compoundkit's strict grammar (no pint evaluation)."""
        from compoundkit.units.grammar import parse_amount

        value, unit = parse_amount(text, ("mass", "volume"), "amount")
        return cls(value, unit)

    @property
    def is_volume(self) -> bool:
        """True for a volume (mL, L, fl oz)."""
        return DIMENSION[self.unit] == "volume"

    def grams(self, density_g_per_ml: float | None = None) -> float:
        """The mass in grams; a volume needs a density (g/mL)."""
        base = self.value * FACTOR[self.unit]
        if not self.is_volume:
            return base
        if density_g_per_ml is None:
            raise DensityRequiredError(
                f"{self} is a volume: give its density (e.g. density = '0.85 g/mL') to weigh it"
            )
        return base * density_g_per_ml

    def quantity(self) -> pint.Quantity[Any]:
        """As a pint Quantity."""
        from compoundkit.units import quantity
        from compoundkit.units.grammar import PINT_NAME

        return quantity(self.value, PINT_NAME[self.unit])

    def __str__(self) -> str:
        return f"{format_number(self.value)} {self.unit}"


def quantity_problem(name: str, strength: Strength | None, amount: Amount | None) -> str | None:
    """Why a line is refused (it must give exactly one of strength and amount), or None.

    >>> quantity_problem("zinc oxide", None, None)
    "zinc oxide: give exactly one of strength (e.g. '10 % w/w') and amount ..."
    """
    if (strength is None) != (amount is None):
        return None
    return (
        f"{name}: give exactly one of strength (e.g. '10 % w/w') and amount "
        "(of the reference batch, e.g. '14 g')"
    )


def _check_quantity(name: str, strength: Strength | None, amount: Amount | None) -> None:
    problem = quantity_problem(name, strength, amount)
    if problem is not None:
        raise FormulaFileError(problem, field="strength")


def _positive_density(instance: object, attribute: Any, value: float | None) -> None:
    """attrs validator: a density (g/mL) is unknown (None) or positive and finite."""
    if value is not None and not (math.isfinite(value) and value > 0):
        raise FormulaFileError(f"density must be positive, not {value!r}", field="density")


def _printable_name(instance: object, attribute: Any, value: str) -> None:
    """attrs validator: a name is one line of printable text (no controls, no bidi)."""
    from compoundkit.names import check_printable

    try:
        check_printable(value, f"{attribute.name} {value!r}")
    except ValueError as exc:
        raise FormulaFileError(str(exc), field=attribute.name) from None


@frozen
class Component:
    """A catalog ingredient in a formulation.

    ``form`` is the form weighed (None: the ingredient's usual form, as written in
    the catalog); ``expressed_as`` is the form or moiety the strength refers to
    (None: the form weighed). Exactly one of ``strength`` and ``amount`` is given.
    ``written_name`` keeps the name as the formula wrote it (for round trips and
    for the salt-form consistency check). ``tolerance`` is this line's weighing
    tolerance in percent of its target (None: the formula's, or the default).
    """

    ingredient: Ingredient
    strength: Strength | None = None
    amount: Amount | None = None
    form: str | None = None
    expressed_as: str | None = None
    written_name: str | None = None
    tolerance: float | None = field(default=None, converter=_tolerance)
    _forms: tuple[Form, Form, float] = field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        _check_quantity(self.name, self.strength, self.amount)
        if self.written_name is not None and _same_name(
            self.written_name, self.ingredient.id, self.ingredient.name
        ):
            object.__setattr__(self, "written_name", None)  # nothing beyond the catalog name
        # Resolve the forms once, now, so an unknown form fails when the formula is built.
        weighed = self.ingredient.form(self.form)
        expressed = self.ingredient.form(self.expressed_as) if self.expressed_as else weighed
        object.__setattr__(self, "_forms", (weighed, expressed, expressed.factor_to(weighed)))

    @property
    def name(self) -> str:
        """The catalog name of the ingredient."""
        return self.ingredient.name

    def weighed_form(self) -> Form:
        """The catalog form that is weighed."""
        return self._forms[0]

    def expressed_form(self) -> Form:
        """The catalog form (or moiety) the strength is expressed as."""
        return self._forms[1]

    @property
    def form_stated(self) -> bool:
        """True when the formula names the form weighed or the form the strength refers to."""
        return self.form is not None or self.expressed_as is not None

    def factor(self) -> float:
        """Grams of the weighed form per gram of the moiety the strength is expressed as.

        Cyclobenzaprine expressed as base, weighed as HCl: 1.1324.
        """
        return self._forms[2]

    @property
    def as_form(self) -> str | None:
        """The form the strength is expressed as, when it is not the form weighed."""
        weighed, expressed, _ = self._forms
        return None if expressed.id == weighed.id else expressed.id

    def strength_text(self) -> str:
        """The strength (or amount) as shown everywhere: ``"1 % w/w (as base)"`` when it
        is expressed as another form than the one weighed."""
        return strength_text(self.strength or self.amount, self.as_form)


@frozen
class Excipient:
    """A non-catalog ingredient (ethoxy diglycol, zinc oxide, mineral oil...).

    ``density_g_per_ml`` turns a volume amount (``8 mL``) into a mass; ``tolerance`` is
    this line's weighing tolerance in percent of its target.
    """

    name: str = field(validator=_printable_name)
    strength: Strength | None = None
    amount: Amount | None = None
    density_g_per_ml: float | None = field(default=None, validator=_positive_density)
    tolerance: float | None = field(default=None, converter=_tolerance)

    def __attrs_post_init__(self) -> None:
        _check_quantity(self.name, self.strength, self.amount)


def strength_text(amount: object, as_form: str | None) -> str:
    """``amount`` as text, followed by ``(as FORM)`` when ``as_form`` is given.

    >>> strength_text(Strength.parse("1 % w/w"), "base")
    '1 % w/w (as base)'
    """
    return f"{amount} (as {as_form})" if as_form else str(amount)


@frozen
class Line:
    """One weighed line of a formulation, normalised to floats (internal)."""

    name: str
    kind: str  # "active" or "excipient"
    strength: Strength | None  # resolved, as written (None for reference amounts)
    fraction: float | None  # moiety g per g of preparation (None: w/v without density)
    factor: float  # g weighed per g of moiety
    problem: str | None  # why the fraction could not be computed


def _line_fraction(
    strength: Strength | None,
    amount: Amount | None,
    makes: tuple[float | None, str | None],
    density: float | None,
    item_density: float | None,
    dosage_form: str,
) -> tuple[Strength | None, float | None, str | None]:
    """(resolved strength, g of moiety per g of preparation, problem).

    ``makes`` is (reference batch in grams, why it is unknown).
    """
    if amount is not None:
        makes_g, makes_problem = makes
        if makes_g is None:
            return None, None, makes_problem or NO_MAKES
        try:
            return None, amount.grams(item_density) / makes_g, None
        except DensityRequiredError as exc:
            return None, None, str(exc)
    assert strength is not None
    # USP: a bare percent of a liquid in a liquid is v/v; an item with a density is a liquid
    solute = "liquid" if item_density is not None else "solid"
    try:
        resolved = strength.resolve(dosage_form, solute)
    except (DimensionError, DosageFormError):  # unknown dosage form: rule CK116 reports it
        resolved = strength
    basis = resolved.basis
    if basis is Basis.UNRESOLVED:
        return resolved, None, f"a bare {strength} has no basis in an unknown dosage form"
    if basis is Basis.W_W:
        return resolved, resolved.canonical, None
    if basis is Basis.W_V:
        if density is None:
            return resolved, None, "a w/v strength needs the preparation's density"
        return resolved, resolved.canonical / density, None
    if basis is Basis.V_V:
        if density is None or item_density is None:
            return resolved, None, "a v/v strength needs both densities"
        return resolved, resolved.canonical * item_density / density, None
    return resolved, None, PER_UNIT_PROBLEM  # the one basis left: per dosage unit


def _same_name(written: str, *names: str) -> bool:
    """True when ``written`` is one of ``names`` by :func:`~compoundkit.names.name_key`."""
    return name_key(written) in {name_key(name) for name in names}


class _Cache:
    """Results derived once from an immutable formulation (not part of its value)."""

    __slots__ = ("coefficients", "report")

    def __init__(self) -> None:
        self.report: Report | None = None
        self.coefficients: tuple[float, ...] | None = None


def _components(items: Iterable[Component]) -> tuple[Component, ...]:
    return tuple(items)


def _excipients(items: Iterable[Excipient]) -> tuple[Excipient, ...]:
    return tuple(items)


def _texts(items: Iterable[str]) -> tuple[str, ...]:
    return (items,) if isinstance(items, str) else tuple(items)


@frozen
class Formulation:
    """A topical preparation: components and excipients in a vehicle, q.s. to the total.

    ``makes`` is the reference batch that ``amount`` entries belong to;
    ``density_g_per_ml`` is the preparation's measured density (needed for w/v
    strengths in a semisolid and for batch sizes given as volumes). ``tolerance`` is the
    weighing tolerance of every line that states none, in percent of its target (None:
    :data:`DEFAULT_TOLERANCE`).
    """

    name: str = field(validator=_printable_name)
    dosage_form: str
    vehicle: Vehicle
    ingredients: tuple[Component, ...] = field(default=(), converter=_components)
    excipients: tuple[Excipient, ...] = field(default=(), converter=_excipients)
    route: str = "topical"
    makes: Amount | None = None
    density_g_per_ml: float | None = field(default=None, validator=_positive_density)
    indication: str | None = None
    container: str | None = None
    storage: str | None = None
    description: str | None = None
    notes: tuple[str, ...] = field(default=(), converter=_texts)
    tolerance: float | None = field(default=None, converter=_tolerance)
    _lines: tuple[Line, ...] = field(init=False, eq=False, repr=False)
    _cache: _Cache = field(init=False, eq=False, repr=False, factory=lambda: _Cache())

    def __attrs_post_init__(self) -> None:
        makes: tuple[float | None, str | None] = (None, None)
        if self.makes is not None:
            try:
                makes = (self.makes.grams(self.density_g_per_ml), None)
            except DensityRequiredError:
                makes = (
                    None,
                    f"the reference batch ({self.makes}) is a volume: the preparation's "
                    "density is needed to relate the amounts to it",
                )
        # (item, kind, its own density, g weighed per g of moiety) for each line
        items: list[tuple[Component | Excipient, str, float | None, float]] = [
            *((c, "active", None, c.factor()) for c in self.ingredients),
            *((e, "excipient", e.density_g_per_ml, 1.0) for e in self.excipients),
        ]
        lines = []
        for item, kind, item_density, factor in items:
            strength, fraction, problem = _line_fraction(
                item.strength,
                item.amount,
                makes,
                self.density_g_per_ml,
                item_density,
                self.dosage_form,
            )
            lines.append(Line(item.name, kind, strength, fraction, factor, problem))
        object.__setattr__(self, "_lines", tuple(lines))

    # ----------------------------------------------------------------- views

    @property
    def lines(self) -> tuple[Line, ...]:
        """Every weighed line (actives, then excipients), normalised to floats."""
        return self._lines

    def tolerances(self) -> tuple[float | None, ...]:
        """The weighing tolerance each line states (actives, then excipients), in percent,
        falling back to the formula's; None where neither states one."""
        items: list[Component | Excipient] = [*self.ingredients, *self.excipients]
        return tuple(
            item.tolerance if item.tolerance is not None else self.tolerance for item in items
        )

    @property
    def out_of_scope(self) -> str | None:
        """Why compoundkit cannot make this preparation (a capsule, tablet, suppository,
        ophthalmic...), or None; validation reports it as an error (rule CK116)."""
        return out_of_scope(self.dosage_form, self.route)

    def bare_percent_basis(self) -> Basis | None:
        """The basis a bare percent takes in this dosage form, or None if the form is unknown
        or out of scope."""
        if self.out_of_scope:
            return None
        try:
            return resolve_basis(self.dosage_form)
        except DosageFormError:
            return None

    def __repr__(self) -> str:
        parts = [
            f"{c.written_name or c.ingredient.id} {c.strength or c.amount}"
            for c in self.ingredients
        ]
        parts += [f"{e.name} {e.strength or e.amount}" for e in self.excipients]
        return (
            f"<Formulation {self.name!r}: {self.dosage_form} in {self.vehicle.name}; "
            f"{', '.join(parts)}>"
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython and hypothesis print the one-line repr, not every nested field."""
        printer.text(repr(self))

    def _repr_html_(self) -> str:
        """An HTML summary for notebooks (components, vehicle, findings)."""
        from compoundkit.formulas.notebook import formulation_html

        return formulation_html(self)

    def evolve(self, **changes: Any) -> Formulation:
        """A copy with ``changes`` applied (validated again)."""
        return evolve(self, **changes)

    # ----------------------------------------------------------------- behaviour

    def validate(self) -> Report:
        """Run every validation rule; returns a report of all findings (never raises).

        The report is computed once per formulation (it is immutable) and reused.
        """
        if self._cache.report is None:
            from compoundkit.formulas.rules import validate

            self._cache.report = validate(self)
        return self._cache.report

    def bud(
        self,
        compounded_on: Any,
        *,
        expiries: Mapping[str, Any] | None = None,
        rules: str | None = None,
        extension: BudExtension | None = None,
        shorten_to: Any = None,
        water_activity: float | None = None,
    ) -> BudResult:
        """The beyond-use date of a preparation of this formulation made on ``compounded_on``.

        The BUD class follows from the vehicle (water; preservative, where unknown the
        conservative nonpreserved class) and the dosage form; Day 1 is the compounding
        day; ``expiries`` maps component names (any name :meth:`resolve_component`
        knows) to lot expiry dates and caps the result. Returns a
        :class:`~compoundkit.formulas.bud.BudResult`.

        >>> import datetime as dt
        >>> from compoundkit import load_formula
        >>> cream = load_formula("examples/muscle-spasm-cream.toml")
        >>> cream.bud(dt.date(2024, 3, 1)).date
        datetime.date(2024, 3, 14)
        >>> lots = {"cyclobenzaprine": dt.date(2024, 3, 9)}
        >>> cream.bud(dt.date(2024, 3, 1), expiries=lots).limited_by
        'Cyclobenzaprine'
        """
        from compoundkit.formulas.bud import DEFAULT_RULE_SET, assign_bud

        dated = {self.resolve_component(name): day for name, day in (expiries or {}).items()}
        return assign_bud(
            compounded_on=compounded_on,
            aqueous=self.vehicle.aqueous,
            preserved=bool(self.vehicle.preserved),
            dosage_form=self.dosage_form,
            route=self.route,
            water_activity=water_activity,
            component_expiries=dated,
            rules=rules or DEFAULT_RULE_SET,
            extension=extension,
            shorten_to=shorten_to,
        )

    def resolve_component(self, name: str) -> str:
        """The batch-sheet name of the component ``name`` refers to.

        Catalog ingredients answer to their id, name and synonyms; excipients to their
        name; the vehicle to its name, id and aliases (compared by
        :func:`~compoundkit.names.name_key`). Any other name is a
        :class:`~compoundkit.errors.RecordError` listing the components.

        >>> from compoundkit import load_formula
        >>> f = load_formula("examples/muscle-spasm-cream.toml")
        >>> f.resolve_component("cyclobenzaprine hcl"), f.resolve_component("lipoderm-activemax")
        ('Cyclobenzaprine', 'Lipoderm ActiveMax')
        """
        from compoundkit import ingredients

        wanted = name_key(name)
        try:
            ingredient_id: str | None = ingredients.get(name).id
        except (CompoundkitError, LookupError):
            ingredient_id = None
        for component in self.ingredients:
            if component.ingredient.id == ingredient_id or name_key(component.name) == wanted:
                return component.name
        for excipient in self.excipients:
            if name_key(excipient.name) == wanted:
                return excipient.name
        vehicle = self.vehicle
        if wanted in {name_key(n) for n in (vehicle.name, vehicle.id or "", *vehicle.aliases) if n}:
            return vehicle.name
        names = [c.name for c in self.ingredients] + [e.name for e in self.excipients]
        names.append(vehicle.name)
        raise RecordError(f"{name!r} is not a component of {self.name}: {', '.join(names)}")

    def weigh_g(self, size_g: float) -> tuple[float, ...]:
        """Grams to weigh of each line, then the vehicle, for ``size_g`` grams (fast path).

        The plain-float path for sweeps and apps that keep their own units; it
        skips validation, potency and the balance (use :meth:`batch` for a sheet).

        >>> from compoundkit import load_formula
        >>> load_formula("examples/ketoprofen-gel.toml").weigh_g(50.0)
        (5.0, 45.0)
        """
        weighed = [size_g * c for c in self._coefficients()]
        weighed.append(size_g - sum(weighed))
        return tuple(weighed)

    def weigh(self, size: Any) -> dict[str, pint.Quantity[Any]]:
        """Quantities to weigh of each line and the vehicle for a batch ``size`` (a mass).

        The same figures as :meth:`batch` without potency or balance, as Quantities.

        >>> from compoundkit import load_formula
        >>> load_formula("examples/ketoprofen-gel.toml").weigh("50 g")["Ketoprofen"]
        <Quantity(5.0, 'gram')>
        """
        from compoundkit.units import magnitude, quantity

        size_g = float(magnitude(size, "gram", field="size"))
        if not (math.isfinite(size_g) and size_g > 0):
            raise DimensionError(f"size must be a positive, finite mass, not {size}")
        names = [line.name for line in self._lines] + [self.vehicle.name]
        return {n: quantity(g, "gram") for n, g in zip(names, self.weigh_g(size_g), strict=True)}

    def _coefficients(self) -> tuple[float, ...]:
        """Grams weighed per gram of preparation, per line (check() must pass first)."""
        if self._cache.coefficients is None:
            self.check()
            self._cache.coefficients = tuple(
                (line.fraction or 0.0) * line.factor for line in self._lines
            )
        return self._cache.coefficients

    def check(self) -> Report:
        """Validate, raising :class:`~compoundkit.errors.FormulationError` if any error is found."""
        report = self.validate()
        report.raise_for_errors()
        return report

    def batch(self, size: Any, **options: Unpack[BatchOptions]) -> BatchSheet:
        """The weigh sheet for ``size`` (or ``count`` containers of ``size``).

        :class:`~compoundkit.formulas.batch.BatchOptions` lists the options (count,
        excess, potency, potency_policy, balance, density, diluent).
        """
        from compoundkit.formulas.batch import compute_batch

        return compute_batch(self, size, **options)

    # ----------------------------------------------------------------- serialisation

    def to_dict(self) -> dict[str, Any]:
        """The formula as a plain dict in the formula-file format."""
        from compoundkit.formulas.io import formulation_to_dict

        return formulation_to_dict(self)

    def to_toml(self) -> str:
        """The formula as TOML text (the formula-file format)."""
        from compoundkit.formulas.io import dumps_toml

        return dumps_toml(self)

    def to_json(self) -> str:
        """The formula as JSON text (same structure as the TOML file)."""
        from compoundkit.formulas.io import dumps_json

        return dumps_json(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | None = None) -> Formulation:
        """Build a formulation from a formula-file mapping; all problems reported at once."""
        from compoundkit.formulas.io import formulation_from_dict

        return formulation_from_dict(data, source=source)
