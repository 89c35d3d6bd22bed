"""The :class:`Strength` type: an amount per an amount, parsed by a strict grammar.

>>> s = Strength.parse("10 % w/w")
>>> s.basis
<Basis.W_W: 'w/w'>
>>> str(s.to("mg/g"))
'100 mg/g'
>>> Strength.parse("10 %").resolve("cream")
Strength.parse('10 % w/w')
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from attrs import field, frozen

from compoundkit.errors import DensityRequiredError, DimensionError, StrengthParseError
from compoundkit.units.grammar import (
    DIMENSION,
    FACTOR,
    PINT_NAME,
    Scanner,
    check_length,
    format_number,
)
from compoundkit.units.percent import BASIS_OF, UNITS_OF, Basis, Notation, resolve_basis
from compoundkit.units.registry import density_g_per_ml, magnitude, quantity

if TYPE_CHECKING:
    import attrs
    import pint

__all__ = ["Strength"]

_PAIRS: Final = frozenset(UNITS_OF.values())


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (isinstance(value, float) and math.isfinite(value) and value > 0):
        raise StrengthParseError(
            repr(value), None, f"strength {attribute.name} must be a finite number above zero"
        )


def _unit(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if value and value not in DIMENSION:
        raise StrengthParseError(
            value,
            None,
            f"{attribute.name}: unknown unit {value!r}; allowed: {', '.join(DIMENSION)}",
        )


@frozen(eq=True, order=False, repr=False)
class Strength:
    """An amount per an amount, e.g. ``10 g per 100 g`` (10 % w/w).

    The basis (w/w, w/v, v/v, per dosage unit) follows from the units, so a w/v
    strength can never be used as w/w without a density. A bare ``10 %`` or
    ``1:1000`` stays ``UNRESOLVED`` until :meth:`resolve` applies the USP rule
    for a dosage form. Equality is structural (``10 % w/w`` and ``100 mg/g`` are
    equivalent but not equal); compare values with ``<``, ``<=`` or :meth:`isclose`.

    >>> Strength.parse("0.5 g/100 g") < Strength.parse("1 % w/w")
    True
    >>> Strength.parse("100 mg/g").isclose(Strength.parse("10 % w/w"))
    True
    """

    amount: float = field(converter=float, validator=_positive)
    amount_unit: str = field(validator=_unit)
    per: float = field(converter=float, validator=_positive)
    per_unit: str = field(validator=_unit)
    notation: Notation = field(default=Notation.UNITS)
    _canonical: float = field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if bool(self.amount_unit) != bool(self.per_unit):
            raise StrengthParseError(
                str(self), None, "give both units of a strength, or neither (bare % or ratio)"
            )
        if self.notation is Notation.RATIO and self.amount != 1.0:
            raise StrengthParseError(str(self.amount), None, "a ratio strength is 1:N")
        if self.notation is Notation.PERCENT and self.per != 100.0:
            raise StrengthParseError(str(self.per), None, "a percent is per 100")
        pair = (self.amount_unit, self.per_unit)
        if self.notation is not Notation.UNITS and pair != ("", "") and pair not in _PAIRS:
            raise StrengthParseError(
                f"{self.amount_unit}/{self.per_unit}",
                None,
                f"a {self.notation.value} strength is g/g (w/w), g/mL (w/v) or mL/mL (v/v)",
            )
        if self.notation is Notation.UNITS and not self.amount_unit:
            raise StrengthParseError(str(self.amount), None, "a unit strength needs its units")
        if self.amount_unit:
            dims = (DIMENSION[self.amount_unit], DIMENSION[self.per_unit])
            if dims not in BASIS_OF:
                raise StrengthParseError(
                    f"{self.amount_unit}/{self.per_unit}",
                    None,
                    f"{dims[0]} per {dims[1]} is not a strength compoundkit supports; "
                    "use mass or volume per mass, volume or dosage unit (w/w, w/v, v/v)",
                )
            value = self.amount * FACTOR[self.amount_unit] / (self.per * FACTOR[self.per_unit])
        else:
            value = self.amount / self.per
        object.__setattr__(self, "_canonical", value)
        if self.basis in (Basis.W_W, Basis.V_V, Basis.UNRESOLVED) and value > 1.0 + 1e-12:
            raise StrengthParseError(
                str(self), None, f"{self} is more than 100 % of the {self._whole_word()}"
            )

    # ----------------------------------------------------------------- construction

    @classmethod
    def parse(cls, text: str) -> Strength:
        """Parse a strength with compoundkit's strict grammar.

        Accepted: ``10 % w/w``, ``10% (w/w)``, ``10 %w/v``, ``2 % v/v``, bare ``10 %``,
        ``1:1000`` (optionally ``1:1000 w/v``), ``20 mg/g``, ``2 mg/mL``,
        ``0.5 g/100 g``, ``5 mg/capsule``. Numbers are plain positive decimals; no
        exponents, signs, nan, inf or expressions. A strength per dosage unit
        (``5 mg/capsule``) parses, for arithmetic such as
        :func:`compoundkit.calc.total_for_active`, but a formulation refuses it (rule
        CK101): compoundkit makes topical and oral liquid preparations, by weight or volume.

        >>> Strength.parse("10% (w/w)")
        Strength.parse('10 % w/w')
        >>> Strength.parse("9**9**9 mg/g")
        Traceback (most recent call last):
        ...
        compoundkit.errors.StrengthParseError: powers and expressions are not allowed; ...
          9**9**9 mg/g
           ^
        """
        stripped = check_length(text, "strength")
        try:
            return cls._parse(Scanner(stripped))
        except StrengthParseError as exc:
            if exc.text == stripped:
                raise
            raise StrengthParseError(stripped, None, exc.reason) from None

    @classmethod
    def _parse(cls, scanner: Scanner) -> Strength:
        amount = scanner.number("the strength")
        scanner.skip_spaces()
        if scanner.accept("%"):
            units = UNITS_OF.get(_qualifier(scanner), ("", ""))
            return cls(amount, units[0], 100.0, units[1], Notation.PERCENT)
        if scanner.accept(":"):
            if amount != 1.0:
                raise scanner.fail("a ratio strength is written 1:N, such as 1:1000", 0)
            per = scanner.number("the ratio's second part")
            units = UNITS_OF.get(_qualifier(scanner), ("", ""))
            return cls(1.0, units[0], per, units[1], Notation.RATIO)
        if not scanner.peek():
            raise scanner.fail("a strength needs '%', a ratio '1:N' or units such as mg/g")
        amount_unit = scanner.unit(("mass", "volume"))
        if not scanner.accept("/"):
            raise scanner.fail("expected '/' then the unit of the whole, as in 20 mg/g or 2 mg/mL")
        scanner.skip_spaces()
        per = scanner.number("the amount of the whole") if scanner.peek().isdigit() else 1.0
        per_unit = scanner.unit(("mass", "volume", "count"))
        if scanner.accept("/"):
            raise scanner.fail(
                "only one '/' is allowed: a strength is an amount per an amount "
                "(doses per day belong to the directions, not the strength)",
                scanner.pos - 1,
            )
        if not scanner.at_end():
            raise scanner.fail("unexpected text after the strength")
        return cls(amount, amount_unit, per, per_unit, Notation.UNITS)

    @classmethod
    def percent(cls, value: float, basis: str | Basis | None = None) -> Strength:
        """``value`` percent of ``basis`` ('w/w', 'w/v', 'v/v'), or a bare percent.

        >>> Strength.percent(2, "w/w")
        Strength.parse('2 % w/w')
        """
        key = _basis_key(basis)
        units = UNITS_OF.get(key, ("", ""))
        return cls(value, units[0], 100.0, units[1], Notation.PERCENT)

    @classmethod
    def from_quantities(cls, amount: Any, per: Any) -> Strength:
        """A strength from two pint Quantities (any registry), e.g. 20 mg per 1 g.

        >>> Strength.from_quantities(quantity(20, "milligram"), quantity(1, "gram"))
        Strength.parse('20 mg/g')
        """
        amount_value, amount_unit = _from_quantity(amount, "amount")
        per_value, per_unit = _from_quantity(per, "per")
        return cls(amount_value, amount_unit, per_value, per_unit, Notation.UNITS)

    # ----------------------------------------------------------------- properties

    @property
    def basis(self) -> Basis:
        """w/w, w/v, v/v or per unit, from the dimensions; UNRESOLVED for a bare % or ratio."""
        if not self.amount_unit:
            return Basis.UNRESOLVED
        return BASIS_OF[(DIMENSION[self.amount_unit], DIMENSION[self.per_unit])]

    @property
    def is_resolved(self) -> bool:
        """False for a bare percent or ratio whose basis no dosage form has settled yet."""
        return bool(self.amount_unit)

    @property
    def canonical(self) -> float:
        """The value in base units: g/g, g/mL, mL/mL or g (mL) per dosage unit."""
        return self._canonical

    def fraction(self) -> float:
        """The dimensionless fraction of a w/w or v/v strength (10 % w/w -> 0.1).

        >>> Strength.parse("2 % w/w").fraction()
        0.02
        """
        if self.basis not in (Basis.W_W, Basis.V_V):
            raise DimensionError(
                f"{self} is {self.basis.value}: only w/w and v/v strengths are a pure fraction; "
                "use .to('g/mL') for w/v, or resolve a bare percent first"
            )
        return self._canonical

    def amount_quantity(self) -> pint.Quantity[Any]:
        """The numerator as a Quantity (``20 mg`` of ``20 mg/g``, ``10 g`` of ``10 % w/v``).

        >>> Strength.parse("10 % w/v").amount_quantity()
        <Quantity(10.0, 'gram')>
        """
        self._require_resolved("amount_quantity()")
        return quantity(self.amount, PINT_NAME[self.amount_unit])

    def per_quantity(self) -> pint.Quantity[Any]:
        """The denominator as a Quantity (``100 g`` of ``10 % w/w``, ``100 mL`` of ``10 % w/v``).

        >>> Strength.parse("10 % w/v").per_quantity()
        <Quantity(100.0, 'milliliter')>
        """
        self._require_resolved("per_quantity()")
        return quantity(self.per, PINT_NAME[self.per_unit])

    def as_quantity(self) -> pint.Quantity[Any]:
        """The strength as one Quantity with the dimensions of its basis.

        amount / per in the strength's own units: a w/v percent is grams per 100 mL
        (``10 % w/v`` is 0.1 g/mL), a w/w or v/v percent a mass or volume fraction
        (``10 % w/w`` is 0.1, dimensionless), ``20 mg/g`` stays 20 mg/g and ``5 mg/capsule``
        is a mass per ``dosage_unit``. Multiplied by an amount of the whole it gives the
        amount of the part.

        >>> Strength.parse("20 mg/g").as_quantity()
        <Quantity(20.0, 'milligram / gram')>
        >>> (Strength.parse("0.5 % w/v").as_quantity() * quantity(1.25, "liter")).to("gram")
        <Quantity(6.25, 'gram')>
        >>> Strength.parse("10 % w/v").as_quantity().to("gram / milliliter")
        <Quantity(0.1, 'gram / milliliter')>
        >>> Strength.parse("10 % w/w").as_quantity() * quantity(120, "gram")
        <Quantity(12.0, 'gram')>
        """
        self._require_resolved("as_quantity()")
        if self.amount_unit == self.per_unit:  # g/g or mL/mL: pint would cancel them anyway
            return quantity(self.amount / self.per, "dimensionless")
        unit = f"{PINT_NAME[self.amount_unit]} / {PINT_NAME[self.per_unit]}"
        return quantity(self.amount / self.per, unit)

    # ----------------------------------------------------------------- conversions

    def resolve(self, dosage_form: str, solute: str = "solid") -> Strength:
        """Settle a bare percent or ratio by the USP rule for ``dosage_form``.

        Already-resolved strengths are returned unchanged.

        >>> Strength.parse("1:1000").resolve("solution")
        Strength.parse('1:1000 w/v')
        """
        if self.is_resolved:
            return self
        units = UNITS_OF[resolve_basis(dosage_form, solute).value]
        return Strength(self.amount, units[0], self.per, units[1], self.notation)

    def to(self, target: str, *, density: Any = None) -> Strength:
        """The same strength written in ``target`` units.

        ``target`` is ``'%'``, ``'% w/v'``, ``'ratio'``, or units such as ``'mg/g'`` or
        ``'g/100 mL'``. Changing between w/w and w/v needs ``density`` (a Quantity or
        text such as ``'1.05 g/mL'``): it is never guessed.

        >>> str(Strength.parse("10 % w/w").to("% w/v", density="1.2 g/mL"))
        '12 % w/v'
        """
        self._require_resolved("to()")
        scanner = Scanner(check_length(target, "target unit"))
        if scanner.accept("%"):
            key = _qualifier(scanner) or self.basis.value
            amount_unit, per_unit = _units_for_basis(key, self)
            value = self._value_on(self._dims_key(amount_unit, per_unit), density)
            return Strength(_tidy(value * 100.0), amount_unit, 100.0, per_unit, Notation.PERCENT)
        if scanner.text.lower().startswith("ratio"):
            scanner.pos = 5
            key = _qualifier(scanner) or self.basis.value
            amount_unit, per_unit = _units_for_basis(key, self)
            value = self._value_on(self._dims_key(amount_unit, per_unit), density)
            return Strength(1.0, amount_unit, _tidy(1.0 / value), per_unit, Notation.RATIO)
        amount_unit = scanner.unit(("mass", "volume"))
        if not scanner.accept("/"):
            raise scanner.fail("expected '/' in the target unit, as in mg/g")
        scanner.skip_spaces()
        per = scanner.number("the amount of the whole") if scanner.peek().isdigit() else 1.0
        per_unit = scanner.unit(("mass", "volume", "count"))
        if not scanner.at_end():
            raise scanner.fail("unexpected text after the target unit")
        value = self._value_on(self._dims_key(amount_unit, per_unit), density, amount_unit)
        amount = value * per * FACTOR[per_unit] / FACTOR[amount_unit]
        return Strength(_tidy(amount), amount_unit, per, per_unit, Notation.UNITS)

    def _dims_key(self, amount_unit: str, per_unit: str) -> Basis:
        dims = (DIMENSION[amount_unit], DIMENSION[per_unit])
        if dims not in BASIS_OF:
            raise DimensionError(f"{amount_unit}/{per_unit} is not a strength unit")
        return BASIS_OF[dims]

    def _value_on(self, basis: Basis, density: Any, amount_unit: str = "") -> float:
        """The canonical value on ``basis`` (g/g, g/mL...), converting with a density."""
        if basis is self.basis:
            if basis is Basis.PER_UNIT and DIMENSION[amount_unit] != self._amount_kind:
                raise DimensionError(
                    f"cannot convert {self} to {amount_unit} per unit: a mass and a volume "
                    "per dosage unit differ by a density"
                )
            return self._canonical
        pair = (self.basis, basis)
        if pair not in ((Basis.W_W, Basis.W_V), (Basis.W_V, Basis.W_W)):
            raise DimensionError(
                f"cannot convert {self} ({self.basis.value}) to {basis.value}: "
                "only w/w <-> w/v conversions exist, with the preparation's density"
            )
        if density is None:
            raise DensityRequiredError(
                f"converting {self} from {self.basis.value} to {basis.value} needs the "
                "preparation's density (e.g. density='1.05 g/mL'); it is never guessed"
            )
        grams_per_ml = density_g_per_ml(density)
        if self.basis is Basis.W_W:
            return self._canonical * grams_per_ml
        return self._canonical / grams_per_ml

    # ----------------------------------------------------------------- comparisons

    def _comparable(self, other: object) -> float:
        if not isinstance(other, Strength):
            raise TypeError(f"cannot compare Strength with {type(other).__name__}")
        if (
            self.basis is not other.basis
            or self.basis is Basis.UNRESOLVED
            or self._amount_kind != other._amount_kind
        ):
            raise DimensionError(
                f"cannot compare {self} ({self.basis.value}) with {other} ({other.basis.value})"
            )
        return other._canonical

    def __lt__(self, other: Strength) -> bool:
        return self._canonical < self._comparable(other)

    def __le__(self, other: Strength) -> bool:
        return self._canonical <= self._comparable(other)

    def __gt__(self, other: Strength) -> bool:
        return self._canonical > self._comparable(other)

    def __ge__(self, other: Strength) -> bool:
        return self._canonical >= self._comparable(other)

    def isclose(self, other: Strength, rel: float = 1e-9) -> bool:
        """True when both have the same basis and values within ``rel`` relative."""
        return math.isclose(self._canonical, self._comparable(other), rel_tol=rel)

    # ----------------------------------------------------------------- text

    def __str__(self) -> str:
        return self._text(format_number)

    def __format__(self, spec: str) -> str:
        """Format the numbers with ``spec`` for display: ``f"{s:.4g}"`` -> ``10.5 % w/v``.

        >>> f"{Strength.parse('10 % w/w').to('% w/v', density='1.05 g/mL'):.4g}"
        '10.5 % w/v'
        """
        if not spec:
            return str(self)
        return self._text(lambda number: format(number, spec))

    def _text(self, number: Callable[[float], str]) -> str:
        qualifier = "" if not self.amount_unit else " " + self.basis.value
        if self.notation is Notation.PERCENT:
            return f"{number(self.amount)} %{qualifier}"
        if self.notation is Notation.RATIO:
            return f"1:{number(self.per)}{qualifier}"
        per = "" if self.per == 1.0 else f"{number(self.per)} "
        return f"{number(self.amount)} {self.amount_unit}/{per}{self.per_unit}"

    def __repr__(self) -> str:
        return f"Strength.parse({str(self)!r})"

    @property
    def _amount_kind(self) -> str:
        """'mass' or 'volume' (what the amount is); '' when unresolved."""
        return DIMENSION[self.amount_unit] if self.amount_unit else ""

    def _whole_word(self) -> str:
        return "volume" if self.basis is Basis.V_V else "mass"

    def _require_resolved(self, what: str) -> None:
        if not self.amount_unit:
            raise DimensionError(
                f"{self} has no basis yet: call .resolve(dosage_form) before {what} "
                "(USP: w/w in creams and ointments, w/v for solids in solutions)"
            )


def _tidy(value: float) -> float:
    """``value`` to 15 significant digits: drops binary noise (10.500000000000002 -> 10.5).

    The change is below 1e-15 relative, far inside any pharmacy tolerance.
    """
    return float(f"{value:.15g}")


def _basis_key(basis: str | Basis | None) -> str:
    if basis is None or basis is Basis.UNRESOLVED:
        return ""
    key = basis.value if isinstance(basis, Basis) else str(basis).strip().lower()
    if key not in UNITS_OF:
        raise StrengthParseError(key, None, f"unknown basis {key!r}; allowed: w/w, w/v, v/v")
    return key


def _units_for_basis(key: str, strength: Strength) -> tuple[str, str]:
    if key not in UNITS_OF:
        raise DimensionError(f"{strength} is per dosage unit and cannot be written as a percent")
    return UNITS_OF[key]


def _qualifier(scanner: Scanner) -> str:
    """An optional ``w/w``, ``w/v`` or ``v/v`` (maybe in parentheses) closing the text."""
    if scanner.at_end():
        return ""
    bracket = scanner.accept("(")
    scanner.skip_spaces()
    start = scanner.pos
    word = scanner.text[start : start + 3].lower()
    if word not in UNITS_OF:
        raise scanner.fail(
            f"unknown basis {scanner.text[start : start + 3]!r}; allowed: w/w, w/v, v/v", start
        )
    scanner.pos = start + 3
    if bracket and not scanner.accept(")"):
        raise scanner.fail("expected ')' to close the basis")
    if not scanner.at_end():
        raise scanner.fail("unexpected text after the strength")
    return word


def _from_quantity(value: Any, field: str) -> tuple[float, str]:
    units = getattr(value, "units", None)
    if units is None:
        raise DimensionError(f"{field}: {value!r} has no unit; give a pint Quantity")
    try:
        float(value.magnitude)
    except (TypeError, ValueError):
        raise DimensionError(f"{field}: {value} is not one quantity (an array?)") from None
    name = str(units)
    for symbol, pint_name in PINT_NAME.items():
        if pint_name == name and DIMENSION[symbol] != "count":
            return float(value.magnitude), symbol
    for symbol, base in (("g", "gram"), ("mL", "milliliter"), ("unit", "dosage_unit")):
        try:
            return float(magnitude(value, base, field=field)), symbol
        except DimensionError:
            continue
    raise DimensionError(f"{field}: {value} is not a mass, volume or dosage-unit count")
