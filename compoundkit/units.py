"""Units: the package's one pint registry, ``Q_``, and the :class:`Strength` type.

The registry is built on first use (importing compoundkit does not import pint),
from pint's defaults plus ``definitions.txt`` (the ``dosage_unit`` dimension for
per-capsule or per-dose strengths). Quantities built with another pint registry,
such as pint's application registry, are accepted everywhere: they are converted
in their own registry, so nothing depends on registry identity.

>>> s = Strength.parse("10 % w/w")
>>> s.basis
<Basis.W_W: 'w/w'>
>>> str(s.to("mg/g"))
'100 mg/g'
>>> Strength.parse("10 %").resolve("cream")
Strength.parse('10 % w/w')
"""

from __future__ import annotations

import enum
import math
import os
import threading
from collections.abc import Callable
from importlib import resources
from typing import TYPE_CHECKING, Any, Final

from compoundkit._grammar import (
    DIMENSION,
    FACTOR,
    PINT_NAME,
    Scanner,
    check_length,
    format_number,
    parse_amount,
)
from compoundkit._record import field, frozen
from compoundkit.errors import (
    CalculationError,
    DensityRequiredError,
    DimensionError,
    DosageFormError,
    StrengthParseError,
)

if TYPE_CHECKING:
    import attrs
    import pint

__all__ = [
    "Q_",  # noqa: F822 -- provided lazily by the module __getattr__ below
    "Basis",
    "Notation",
    "Strength",
    "density_g_per_ml",
    "get_registry",
    "magnitude",
    "parse_quantity",
    "quantity",
    "resolve_basis",
    "ureg",  # noqa: F822 -- provided lazily by the module __getattr__ below
]

# --------------------------------------------------------------------------- registry

_lock = threading.Lock()
_registry: pint.UnitRegistry[Any] | None = None
_units: dict[str, pint.Unit] = {}
# (registry Quantity class, unit name) -> units container, for the fast constructor;
# empty when pint's internals differ from what the fast path expects.
_containers: dict[str, Any] = {}
_fast_class: list[Any] = []
# units container -> (dimension, factor to g or mL), for the same-registry fast path.
_factors: dict[Any, tuple[str, float]] = {}


def get_registry() -> pint.UnitRegistry[Any]:
    """The package's pint registry, built once on first call (thread-safe).

    pint's on-disk cache is used when the user cache folder is writable (about
    10x faster to build); set ``COMPOUNDKIT_CACHE=0`` to turn it off.
    """
    global _registry
    if _registry is not None:
        return _registry
    with _lock:
        if _registry is None:
            _registry = _build_registry()
    return _registry


def _combined_definitions() -> str:
    """pint's default definitions plus compoundkit's, as one file in the user cache folder.

    pint caches a registry built from one definitions file; definitions added
    afterwards cost a ~100 ms rebuild on every start. So pint's own files are
    copied next to a copy that ends with ours (named by the hash of all three,
    written atomically), and the registry is built from that, from pint's cache.
    """
    import hashlib
    from pathlib import Path

    import pint

    from compoundkit._cache import cache_folder
    from compoundkit._files import write_atomic

    pint_dir = Path(pint.__file__).parent
    default = (pint_dir / "default_en.txt").read_text(encoding="utf-8")
    constants = (pint_dir / "constants_en.txt").read_text(encoding="utf-8")
    ours = resources.files("compoundkit").joinpath("definitions.txt").read_text("utf-8")
    combined = f"{default}\n\n{ours}"
    digest = hashlib.sha256(f"{combined}\0{constants}".encode()).hexdigest()[:16]
    root = cache_folder()
    if root is None:
        raise OSError("cache turned off")
    folder = root / f"units-{digest}"
    target = folder / "default_en.txt"
    if not target.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / "constants_en.txt", constants)
        write_atomic(target, combined)
    return str(target)


def _build_registry() -> pint.UnitRegistry[Any]:
    import pint

    registry: pint.UnitRegistry[Any] | None = None
    if os.environ.get("COMPOUNDKIT_CACHE", "1") != "0":
        try:
            registry = pint.UnitRegistry(_combined_definitions(), cache_folder=":auto:")
        except (OSError, ValueError, ImportError):  # unwritable cache folder, missing extra
            registry = None
    if registry is None:
        registry = pint.UnitRegistry()
        definitions = resources.files("compoundkit").joinpath("definitions.txt")
        with resources.as_file(definitions) as path:
            registry.load_definitions(str(path))
    for name in set(PINT_NAME.values()) | {"gram / milliliter", "gram / mole"}:
        _units[name] = registry.Unit(name)
    _enable_fast_quantities(registry)
    return registry


def _enable_fast_quantities(registry: pint.UnitRegistry[Any]) -> None:
    """Use a constructor that skips pint's argument checks, if it gives equal Quantities.

    pint's ``Quantity(value, unit)`` spends most of its ~6 us checking arguments
    we already know are right. The fast path builds the same object directly; it
    is enabled only after checking, on this pint version, that it is identical.
    """
    cls = registry.Quantity
    try:
        unit = registry.Unit("gram")
        probe = object.__new__(cls)
        probe._magnitude = 1.5
        probe._units = unit._units
        reference = cls(1.5, unit)
        same = (
            probe == reference
            and repr(probe) == repr(reference)
            and probe._REGISTRY is registry
            and probe.to("milligram").magnitude == 1500.0
        )
    except (AttributeError, TypeError, ValueError):  # pragma: no cover - other pint versions
        same = False
    if same:
        _fast_class.append(cls)
        for name, unit_obj in _units.items():
            _containers[name] = unit_obj._units
        for symbol, name in PINT_NAME.items():
            if DIMENSION[symbol] in ("mass", "volume"):
                _factors[_units[name]._units] = (DIMENSION[symbol], FACTOR[symbol])


def __getattr__(name: str) -> Any:
    """``ureg`` and ``Q_`` are built lazily, on first access."""
    if name == "ureg":
        return get_registry()
    if name == "Q_":
        return get_registry().Quantity
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def quantity(value: Any, unit: str) -> pint.Quantity[Any]:
    """A Quantity in the package registry; ``unit`` is a pint unit name, never user text.

    >>> quantity(120.0, "gram")
    <Quantity(120.0, 'gram')>
    """
    registry = get_registry()
    container = _containers.get(unit)
    if container is not None and value.__class__ is float:
        made = object.__new__(_fast_class[0])
        made._magnitude = value
        made._units = container
        return made  # type: ignore[no-any-return]
    unit_obj = _units.get(unit)
    if unit_obj is None:
        unit_obj = _units[unit] = registry.Unit(unit)
    return registry.Quantity(value, unit_obj)


def magnitude(value: object, unit: str, *, field: str) -> Any:
    """The magnitude of a pint Quantity in ``unit`` (any pint registry is accepted).

    Text such as ``"120 g"`` is parsed with compoundkit's strict grammar, not pint's.
    A bare number is refused: units must be explicit.

    >>> magnitude("120 g", "gram", field="size")
    120.0
    >>> magnitude(120, "gram", field="size")
    Traceback (most recent call last):
    ...
    compoundkit.errors.DimensionError: size: 120 has no unit; give a quantity such as '120 g'
    """
    if isinstance(value, str):
        number, symbol = parse_amount(value, ("mass", "volume"), field)
        target = _BASE_OF.get(unit)
        if target is not None:  # no pint needed for text in a known unit
            if DIMENSION[symbol] != target[0]:
                raise DimensionError(
                    f"{field}: {value} cannot be expressed in {unit} (wrong dimension)"
                )
            return number * FACTOR[symbol] / target[1]
        value = quantity(number, PINT_NAME[symbol])
    if _fast_class and value.__class__ is _fast_class[0]:
        found = _factors.get(value._units)  # type: ignore[attr-defined]
        target = _BASE_OF.get(unit)
        if found is not None and target is not None and found[0] == target[0]:
            if found[1] == target[1]:
                return value._magnitude  # type: ignore[attr-defined]
            return value._magnitude * (found[1] / target[1])  # type: ignore[attr-defined]
    to = getattr(value, "to", None)
    if to is None or not hasattr(value, "magnitude"):
        raise DimensionError(f"{field}: {value!r} has no unit; give a quantity such as '120 g'")
    import pint

    try:
        return to(unit).magnitude
    except pint.DimensionalityError:
        raise DimensionError(
            f"{field}: {value} cannot be expressed in {unit} (wrong dimension)"
        ) from None
    except pint.UndefinedUnitError as exc:
        raise DimensionError(f"{field}: {exc}") from None


# pint unit name -> (dimension, factor to g or mL), for conversions without pint.
_BASE_OF: Final[dict[str, tuple[str, float]]] = {
    PINT_NAME[symbol]: (DIMENSION[symbol], FACTOR[symbol])
    for symbol in ("mcg", "mg", "g", "kg", "mL", "L")
}


def parse_quantity(text: str, allowed: tuple[str, ...] = ("mass", "volume")) -> pint.Quantity[Any]:
    """Parse ``'120 g'``/``'8 mL'`` with compoundkit's strict grammar into a Quantity.

    >>> parse_quantity("120g")
    <Quantity(120.0, 'gram')>
    """
    number, symbol = parse_amount(text, allowed)
    return quantity(number, PINT_NAME[symbol])


# --------------------------------------------------------------------------- strength


class Basis(enum.Enum):
    """What a strength is a proportion of, following from its units' dimensions."""

    W_W = "w/w"
    W_V = "w/v"
    V_V = "v/v"
    PER_UNIT = "per unit"
    UNRESOLVED = "unresolved"


class Notation(enum.Enum):
    """How a strength is written: ``10 %``, ``1:1000`` or ``20 mg/g``."""

    PERCENT = "percent"
    RATIO = "ratio"
    UNITS = "units"


_BASIS_OF: Final[dict[tuple[str, str], Basis]] = {
    ("mass", "mass"): Basis.W_W,
    ("mass", "volume"): Basis.W_V,
    ("volume", "volume"): Basis.V_V,
    ("mass", "count"): Basis.PER_UNIT,
    ("volume", "count"): Basis.PER_UNIT,
}
_UNITS_OF: Final[dict[str, tuple[str, str]]] = {
    "w/w": ("g", "g"),
    "w/v": ("g", "mL"),
    "v/v": ("mL", "mL"),
}

_PAIRS: Final = frozenset(_UNITS_OF.values())

# USP General Notices, "Percentage Measurements": what a bare percent means.
_SEMISOLID_OR_SOLID: Final = frozenset(
    {
        "cream", "ointment", "gel", "paste", "powder", "stick", "suppository", "troche",
        "lozenge", "capsule", "tablet", "solid", "semisolid", "organogel", "emollient",
    }
)  # fmt: skip
_LIQUID: Final = frozenset(
    {
        "solution", "suspension", "lotion", "emulsion", "liquid", "spray", "drops", "syrup",
        "elixir", "wash", "rinse", "mouthwash", "enema", "liniment", "tincture",
    }
)  # fmt: skip
_SOLUTES: Final = ("solid", "liquid", "gas")


def resolve_basis(dosage_form: str, solute: str = "solid") -> Basis:
    """The basis a bare percent means in ``dosage_form`` (USP General Notices).

    w/w for mixtures of solids and semisolids; w/v for solids (or gases) in liquids;
    v/v for liquids in liquids.

    >>> resolve_basis("cream"), resolve_basis("solution"), resolve_basis("solution", "liquid")
    (<Basis.W_W: 'w/w'>, <Basis.W_V: 'w/v'>, <Basis.V_V: 'v/v'>)
    """
    form = " ".join(str(dosage_form).lower().replace("_", " ").replace("-", " ").split())
    if solute not in _SOLUTES:
        raise DosageFormError(f"solute state {solute!r} unknown; allowed: {', '.join(_SOLUTES)}")
    if form in _SEMISOLID_OR_SOLID:
        return Basis.W_W
    if form in _LIQUID:
        return Basis.V_V if solute == "liquid" else Basis.W_V
    allowed = ", ".join(sorted(_SEMISOLID_OR_SOLID | _LIQUID))
    raise DosageFormError(f"dosage form {dosage_form!r} unknown; allowed: {allowed}")


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
            if dims not in _BASIS_OF:
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
        exponents, signs, nan, inf or expressions.

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
            basis = _qualifier(scanner)
            units = _UNITS_OF.get(basis, ("", ""))
            result = cls(amount, units[0], 100.0, units[1], Notation.PERCENT)
        elif scanner.accept(":"):
            if amount != 1.0:
                raise scanner.fail("a ratio strength is written 1:N, such as 1:1000", 0)
            per = scanner.number("the ratio's second part")
            basis = _qualifier(scanner)
            units = _UNITS_OF.get(basis, ("", ""))
            result = cls(1.0, units[0], per, units[1], Notation.RATIO)
        else:
            if not scanner.peek():
                raise scanner.fail("a strength needs '%', a ratio '1:N' or units such as mg/g")
            amount_unit = scanner.unit(("mass", "volume"))
            if not scanner.accept("/"):
                raise scanner.fail(
                    "expected '/' then the unit of the whole, as in 20 mg/g or 2 mg/mL"
                )
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
            result = cls(amount, amount_unit, per, per_unit, Notation.UNITS)
        return result

    @classmethod
    def percent(cls, value: float, basis: str | Basis | None = None) -> Strength:
        """``value`` percent of ``basis`` ('w/w', 'w/v', 'v/v'), or a bare percent.

        >>> Strength.percent(2, "w/w")
        Strength.parse('2 % w/w')
        """
        key = _basis_key(basis)
        units = _UNITS_OF.get(key, ("", ""))
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
        return _BASIS_OF[(DIMENSION[self.amount_unit], DIMENSION[self.per_unit])]

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
        """The numerator as a Quantity (``20 mg`` of ``20 mg/g``)."""
        self._require_resolved("amount_quantity()")
        return quantity(self.amount, PINT_NAME[self.amount_unit])

    def per_quantity(self) -> pint.Quantity[Any]:
        """The denominator as a Quantity (``100 g`` of ``10 % w/w``)."""
        self._require_resolved("per_quantity()")
        return quantity(self.per, PINT_NAME[self.per_unit])

    def as_quantity(self) -> pint.Quantity[Any]:
        """The strength as one Quantity: ``10 percent`` for 10 % w/w, ``20 mg/g`` for 20 mg/g.

        >>> Strength.parse("20 mg/g").as_quantity()
        <Quantity(20.0, 'milligram / gram')>
        """
        self._require_resolved("as_quantity()")
        if self.notation is Notation.PERCENT:
            return quantity(self.amount, "percent")
        if self.amount_unit == self.per_unit:
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
        units = _UNITS_OF[resolve_basis(dosage_form, solute).value]
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
        if dims not in _BASIS_OF:
            raise DimensionError(f"{amount_unit}/{per_unit} is not a strength unit")
        return _BASIS_OF[dims]

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
    if key not in _UNITS_OF:
        raise StrengthParseError(key, None, f"unknown basis {key!r}; allowed: w/w, w/v, v/v")
    return key


def _units_for_basis(key: str, strength: Strength) -> tuple[str, str]:
    if key not in _UNITS_OF:
        raise DimensionError(f"{strength} is per dosage unit and cannot be written as a percent")
    return _UNITS_OF[key]


def _qualifier(scanner: Scanner) -> str:
    """An optional ``w/w``, ``w/v`` or ``v/v`` (maybe in parentheses) closing the text."""
    if scanner.at_end():
        return ""
    bracket = scanner.accept("(")
    scanner.skip_spaces()
    start = scanner.pos
    word = scanner.text[start : start + 3].lower()
    if word not in _UNITS_OF:
        raise scanner.fail(
            f"unknown basis {scanner.text[start : start + 3]!r}; allowed: w/w, w/v, v/v", start
        )
    scanner.pos = start + 3
    if bracket and not scanner.accept(")"):
        raise scanner.fail("expected ')' to close the basis")
    if not scanner.at_end():
        raise scanner.fail("unexpected text after the strength")
    return word


def density_g_per_ml(density: Any) -> float:
    """A density in g/mL from a Quantity (any registry) or strict text such as ``1.05 g/mL``.

    >>> density_g_per_ml("0.85 g/mL"), density_g_per_ml(quantity(1.2, "gram / milliliter"))
    (0.85, 1.2)
    """
    if isinstance(density, str):
        scanner = Scanner(check_length(density, "density"))
        number = scanner.number("the density")
        mass_unit = scanner.unit(("mass",))
        if not scanner.accept("/"):
            raise scanner.fail("a density is a mass per volume, as in 1.05 g/mL")
        volume_unit = scanner.unit(("volume",))
        if not scanner.at_end():
            raise scanner.fail("unexpected text after the density")
        return number * FACTOR[mass_unit] / FACTOR[volume_unit]
    value = float(magnitude(density, "gram / milliliter", field="density"))
    if not (math.isfinite(value) and value > 0):
        raise CalculationError(f"density: {density} must be a finite density above zero")
    return value


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
