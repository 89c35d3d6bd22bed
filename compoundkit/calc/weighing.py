"""Balances, minimum weighable quantities and aliquot plans.

A quantity below a balance's minimum weighable quantity (MWQ) must not be weighed
directly (USP <1176>, USP <41>): the aliquot method weighs a multiple of it, dilutes
that with an inert diluent to a known total and weighs the part of the mixture that
holds the amount needed. Every figure here is a pint Quantity at the boundary and a
plain float inside; figures to weigh are rounded in one place, :func:`round_to_increment`.

(Over 500 lines on purpose: the input checks, the balance and the aliquot planner that
:mod:`~compoundkit.calc.trituration` shares are one piece of arithmetic, read together.)
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Final

from attrs import field, frozen

from compoundkit.calc._steps import numbered, positive_amount
from compoundkit.errors import (
    BatchError,
    CalculationError,
    CompoundkitError,
    RuleNotAppliedWarning,
    StrengthParseError,
)
from compoundkit.units import magnitude, quantity
from compoundkit.units.grammar import FACTOR, MAX_TEXT, Scanner, format_number
from compoundkit.units.registry import QuantityOf

if TYPE_CHECKING:
    import attrs
    import pint

__all__ = [
    "AliquotPlan",
    "Balance",
    "CalculationError",
    "aliquot_plan",
    "minimum_weighable_quantity",
    "round_to_increment",
    "usp41_minimum_weight",
]


#: USP <41>: minimum weight = 2000 x s (0.10 % requirement, coverage k = 2) ...
USP41_SD_FACTOR: Final = 2000.0
#: ... and s is taken as at least 0.41 d (d = readability), so the floor is 820 d.
USP41_READABILITY_FLOOR: Final = 0.41

#: Class III prescription balance (USP <1176>): sensitivity requirement 6 mg ...
CLASS_III_SENSITIVITY_MG: Final = 6.0
#: ... weighed with at most 5 % error, so MWQ = 6 mg / 0.05 = 120 mg.
CLASS_III_ERROR_PERCENT: Final = 5.0

#: Figures from an SR-type balance are stated to the milligram unless told otherwise.
DEFAULT_READABILITY_MG: Final = 1.0

_BALANCE_FORMS: Final = (
    "class-iii | sr=<mass>,error=<percent>[,d=<mass>] | usp41:s=<mass>,d=<mass> "
    "(e.g. sr=6mg,error=5% or usp41:s=0.15mg,d=0.1mg)"
)


# --------------------------------------------------------------------------- input checks


def readability_mg(readability: object) -> float:
    """A balance's readability in mg: :data:`DEFAULT_READABILITY_MG` when not given."""
    if readability is None:
        return DEFAULT_READABILITY_MG
    return positive_amount(readability, "milligram", field="readability")


def error_percent(value: object, *, field: str = "max_error") -> float:
    """An acceptable weighing error as a percent, strictly between 0 and 100.

    Accepts a pint Quantity in percent or any dimensionless unit (``Q_(5, "percent")``,
    ``Q_(0.05, "dimensionless")``) or text such as ``"5%"``. A bare number is refused:
    0.05 could mean 5 % or 0.05 %.

    >>> error_percent("5 %")
    5.0
    """
    if isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_TEXT:
            raise CalculationError(
                f"{field}: text of {len(text)} characters; at most {MAX_TEXT} allowed"
            )
        scanner = Scanner(text)
        try:
            number = scanner.number(field)
            if not scanner.accept("%") or not scanner.at_end():
                raise scanner.fail(f"{field} is a percent such as 5%")
        except StrengthParseError as exc:
            raise CalculationError(
                f"{field}: {value!r} is not a percent such as '5%' ({exc.reason})"
            ) from None
    elif isinstance(value, bool | int | float):
        raise CalculationError(
            f"{field}: {value!r} has no unit; give a percent such as '5%' or Q_(5, 'percent')"
        )
    else:
        number = float(magnitude(value, "percent", field=field))
    if not (math.isfinite(number) and 0.0 < number < 100.0):
        raise CalculationError(
            f"{field}: {value} must be more than 0 % and less than 100 % (e.g. 5 %)"
        )
    return number


# --------------------------------------------------------------------------- rounding


def round_to_increment(value: float, increment: float) -> float:
    """``value`` rounded to a whole number of ``increment``, halves away from zero.

    The one place figures to weigh are rounded. Both numbers are read as the decimals
    they print as (``0.1235`` is 0.1235, not the binary float just below it), so a
    half is always a half; the result is the float nearest the rounded decimal.

    >>> round_to_increment(0.1235, 0.001), round_to_increment(82.04, 0.1)
    (0.124, 82.0)
    >>> round_to_increment(-0.0005, 0.001)
    -0.001
    """
    if not (math.isfinite(increment) and increment > 0):
        raise CalculationError(f"increment: {increment!r} must be a finite number above zero")
    if not math.isfinite(value):
        raise CalculationError(f"value: {value!r} must be a finite number")
    step = Decimal(repr(float(increment)))
    count = (Decimal(repr(float(value))) / step).to_integral_value(rounding=ROUND_HALF_UP)
    return float(count * step)


# --------------------------------------------------------------------------- MWQ


def smallest_for_error(sensitivity: float, percent: float) -> float:
    """The smallest quantity measured within ``percent`` error: 100 x sensitivity / percent.

    The one formula behind the minimum weighable quantity (USP <1176>) and the smallest
    measurable volume; same unit in as out.

    >>> smallest_for_error(6.0, 5.0)
    120.0
    """
    return sensitivity * 100.0 / percent


def minimum_weighable_quantity(sensitivity: object, max_error: object) -> pint.Quantity[Any]:
    """Minimum weighable quantity MWQ = SR / acceptable error (USP <1176>).

    ``sensitivity`` is the balance's sensitivity requirement (a mass); ``max_error`` a
    percent (``Q_(5, "percent")``, ``"5%"``) or a dimensionless fraction.

    >>> minimum_weighable_quantity("6 mg", "5%")
    <Quantity(120.0, 'milligram')>
    """
    sr_mg = positive_amount(sensitivity, "milligram", field="sensitivity")
    percent = error_percent(max_error)
    return quantity(smallest_for_error(sr_mg, percent), "milligram")


def usp41_minimum_weight(
    repeatability_sd: object, readability: object = None
) -> pint.Quantity[Any]:
    """USP <41> minimum weight: 2000 x s, with s taken as at least 0.41 d (so >= 820 d).

    ``repeatability_sd`` is the standard deviation s of at least 10 replicate weighings;
    ``readability`` the balance's scale interval d. Without the readability the 0.41 d
    floor is NOT applied: the result is 2000 x s alone, which is below the USP <41>
    minimum when s < 0.41 d, and a :class:`~compoundkit.errors.RuleNotAppliedWarning`
    says so. Give d (or use :meth:`Balance.usp41`, whose description says which rule set
    the minimum).

    >>> usp41_minimum_weight("0.02 mg", "0.1 mg")  # 820 d, as s < 0.41 d
    <Quantity(82.0, 'milligram')>
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     usp41_minimum_weight("0.02 mg")  # no d: the floor is not applied
    <Quantity(40.0, 'milligram')>
    >>> print(caught[0].message)  # doctest: +ELLIPSIS
    usp41_minimum_weight: no readability given, so USP <41>'s 0.41 d floor was not ...
    """
    s_mg = positive_amount(
        repeatability_sd, "milligram", field="repeatability_sd", allow_zero=readability is not None
    )
    if readability is None:
        import warnings

        warnings.warn(
            "usp41_minimum_weight: no readability given, so USP <41>'s 0.41 d floor was not "
            "applied (2000 x s alone; give readability=d)",
            RuleNotAppliedWarning,
            stacklevel=2,
        )
        return quantity(USP41_SD_FACTOR * s_mg, "milligram")
    d_mg = positive_amount(readability, "milligram", field="readability")
    return quantity(USP41_SD_FACTOR * max(s_mg, USP41_READABILITY_FLOOR * d_mg), "milligram")


# --------------------------------------------------------------------------- balance


def _finite_positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (isinstance(value, float) and math.isfinite(value) and value > 0):
        raise BatchError(f"balance {attribute.name}: {value!r} must be a finite number above zero")


def _mg_text(mg: float) -> str:
    """A mass given in mg as short text: ``120 mg``, ``1.5 g`` (from 1000 mg up)."""
    if abs(mg) >= 1000.0:
        return f"{format_number(float(Decimal(repr(mg)) / 1000))} g"
    return f"{format_number(mg)} mg"


@frozen
class Balance:
    """A balance: the smallest quantity it may weigh and the increment figures round to.

    Build one with a named constructor: :meth:`class_iii`, :meth:`from_sensitivity`,
    :meth:`usp41`, or :meth:`parse` for the CLI text. ``spec`` is the CLI text that
    rebuilds the balance. ``minimum_g``, ``increment_g`` and :meth:`round_g` are the
    float fast path for batch calculations.

    >>> b = Balance.parse("usp41:s=0.15mg,d=0.1mg")
    >>> b.minimum_weight, b.readability
    (<Quantity(300.0, 'milligram')>, <Quantity(0.1, 'milligram')>)
    >>> b.round_g(0.04567)
    0.0457
    """

    minimum_mg: float = field(converter=float, validator=_finite_positive)
    """Minimum weighable quantity, in milligrams."""
    increment_mg: float = field(converter=float, validator=_finite_positive)
    """Rounding increment for figures to weigh (the readability), in milligrams."""
    description: str
    """One line for a weigh sheet, with the rule and its USP citation."""
    spec: str
    """CLI text that rebuilds this balance (``Balance.parse(b.spec) == b``)."""
    minimum_g: float = field(init=False, eq=False, repr=False)
    """Minimum weighable quantity, in grams (float fast path)."""
    increment_g: float = field(init=False, eq=False, repr=False)
    """Rounding increment, in grams (float fast path)."""

    def __attrs_post_init__(self) -> None:
        if self.increment_mg > self.minimum_mg:
            raise BatchError(
                f"balance readability {_mg_text(self.increment_mg)} is larger than its "
                f"minimum weighable quantity {_mg_text(self.minimum_mg)}"
            )
        # attrs documents object.__setattr__ in __attrs_post_init__ for frozen classes.
        object.__setattr__(self, "minimum_g", float(Decimal(repr(self.minimum_mg)) / 1000))
        object.__setattr__(self, "increment_g", float(Decimal(repr(self.increment_mg)) / 1000))

    # ----------------------------------------------------------------- constructors

    @classmethod
    def class_iii(cls) -> Balance:
        """Class III prescription balance: SR 6 mg at 5 % error, MWQ 120 mg (USP <1176>).

        >>> Balance.class_iii().description
        'Class III prescription balance (SR 6 mg, 5 % error): minimum 120 mg (USP <1176>)'
        """
        minimum = smallest_for_error(CLASS_III_SENSITIVITY_MG, CLASS_III_ERROR_PERCENT)
        return cls(
            minimum,
            DEFAULT_READABILITY_MG,
            f"Class III prescription balance (SR {_mg_text(CLASS_III_SENSITIVITY_MG)}, "
            f"{format_number(CLASS_III_ERROR_PERCENT)} % error): minimum {_mg_text(minimum)} "
            "(USP <1176>)",
            "class-iii",
        )

    @classmethod
    def from_sensitivity(
        cls, sensitivity: object, max_error: object, readability: object = None
    ) -> Balance:
        """A balance of sensitivity requirement ``sensitivity`` used at ``max_error``.

        ``readability`` (default 1 mg) is the increment figures to weigh round to.

        >>> Balance.from_sensitivity("10 mg", "5%").minimum_weight
        <Quantity(200.0, 'milligram')>
        """
        sr_mg = positive_amount(sensitivity, "milligram", field="sensitivity")
        percent = error_percent(max_error)
        minimum = smallest_for_error(sr_mg, percent)
        d_mg = readability_mg(readability)
        spec = f"sr={format_number(sr_mg)}mg,error={format_number(percent)}%"
        if d_mg != DEFAULT_READABILITY_MG:
            spec += f",d={format_number(d_mg)}mg"
        return cls(
            minimum,
            d_mg,
            f"Balance with SR {_mg_text(sr_mg)} at {format_number(percent)} % error: "
            f"minimum {_mg_text(minimum)} (MWQ = SR / error, USP <1176>)",
            spec,
        )

    @classmethod
    def usp41(cls, repeatability_sd: object, readability: object) -> Balance:
        """An electronic balance qualified by USP <41>: minimum 2000 s, at least 820 d.

        >>> Balance.usp41("0.02 mg", "0.1 mg").minimum_weight
        <Quantity(82.0, 'milligram')>
        """
        s_mg = positive_amount(
            repeatability_sd, "milligram", field="repeatability_sd", allow_zero=True
        )
        d_mg = positive_amount(readability, "milligram", field="readability")
        minimum = USP41_SD_FACTOR * max(s_mg, USP41_READABILITY_FLOOR * d_mg)
        rule = "2000 s" if s_mg >= USP41_READABILITY_FLOOR * d_mg else "820 d, as s < 0.41 d"
        return cls(
            minimum,
            d_mg,
            f"Electronic balance (s {_mg_text(s_mg)}, d {_mg_text(d_mg)}): minimum "
            f"{_mg_text(minimum)} ({rule}; USP <41>)",
            f"usp41:s={format_number(s_mg)}mg,d={format_number(d_mg)}mg",
        )

    @classmethod
    def parse(cls, text: str) -> Balance:
        """A balance from CLI text: ``class-iii``, ``sr=6mg,error=5%[,d=1mg]`` or
        ``usp41:s=0.15mg,d=0.1mg``. Parsed strictly (never by pint).

        >>> Balance.parse("sr=6mg,error=5%").minimum_weight
        <Quantity(120.0, 'milligram')>
        >>> Balance.parse("sr=abc")
        Traceback (most recent call last):
        ...
        compoundkit.errors.BatchError: balance 'sr=abc': sr: expected the sensitivity ...
        """
        if not isinstance(text, str):
            raise BatchError(
                f"balance must be text, not {type(text).__name__}; allowed: {_BALANCE_FORMS}"
            )
        stripped = text.strip()
        if not stripped or len(stripped) > MAX_TEXT:
            raise BatchError(
                f"balance {text[:40]!r}: give 1 to {MAX_TEXT} characters; allowed: {_BALANCE_FORMS}"
            )
        lowered = stripped.lower()
        if lowered in ("class-iii", "class iii", "classiii"):
            return cls.class_iii()
        try:
            if lowered.startswith("usp41:"):
                values = _key_values(stripped[6:], required=("s", "d"), optional=())
                return cls.usp41(
                    quantity(values["s"], "milligram"), quantity(values["d"], "milligram")
                )
            if "=" in stripped:
                values = _key_values(stripped, required=("sr", "error"), optional=("d",))
                readability = values.get("d")
                return cls.from_sensitivity(
                    quantity(values["sr"], "milligram"),
                    quantity(values["error"], "percent"),
                    None if readability is None else quantity(readability, "milligram"),
                )
        except CompoundkitError as exc:
            raise BatchError(f"balance {stripped!r}: {exc}; allowed: {_BALANCE_FORMS}") from None
        raise BatchError(f"balance {stripped!r} is not a balance form; allowed: {_BALANCE_FORMS}")

    # ----------------------------------------------------------------- quantities

    minimum_weight = QuantityOf("minimum_mg", "milligram")
    """The minimum weighable quantity, in milligrams."""

    readability = QuantityOf("increment_mg", "milligram")
    """The increment figures to weigh are rounded to, in milligrams."""

    # ----------------------------------------------------------------- fast path

    def round_g(self, grams: float) -> float:
        """``grams`` rounded to the readability (halves away from zero), in grams.

        >>> Balance.class_iii().round_g(0.0305)
        0.031
        """
        return round_to_increment(grams, self.increment_g)

    def is_weighable_g(self, grams: float) -> bool:
        """True when ``grams`` may be weighed directly (at or above the minimum)."""
        return grams >= self.minimum_g

    def aliquot_plan(
        self, needed_g: float, diluent: str = "the base", *, drug: str = "the drug"
    ) -> AliquotPlan:
        """The aliquot plan for ``needed_g`` grams (below the minimum) on this balance.

        >>> Balance.class_iii().aliquot_plan(0.03, "the cream base").total
        <Quantity(480.0, 'milligram')>
        """
        if not (isinstance(needed_g, float | int) and math.isfinite(needed_g)):
            raise CalculationError(f"needed: {needed_g!r} must be a finite number of grams")
        return _plan(
            float(Decimal(repr(float(needed_g))) * 1000),
            self.minimum_mg,
            self.increment_mg,
            diluent=diluent,
            drug=drug,
        )


_KEY_WORDS: Final = {
    "sr": "the sensitivity requirement",
    "error": "the error",
    "d": "the readability d",
    "s": "the repeatability s",
}


def _key_values(
    text: str, *, required: tuple[str, ...], optional: tuple[str, ...]
) -> dict[str, float]:
    """Parse ``key=value,key=value`` into magnitudes: masses in mg, ``error`` in percent."""
    allowed = required + optional
    values: dict[str, float] = {}
    for part in text.split(","):
        key, sep, raw = part.partition("=")
        key = key.strip().lower()
        if not sep or key not in allowed:
            shown = part.strip() or "(empty)"
            raise CalculationError(
                f"{shown!r}: expected key=value with a key among {', '.join(allowed)}"
            )
        if key in values:
            raise CalculationError(f"{key} is given twice")
        scanner = Scanner(raw.strip())
        what = _KEY_WORDS[key]
        try:
            # USP <41>: s may be 0 (the 0.41 d floor then applies); everything else > 0
            number = scanner.number(what, allow_zero=key == "s")
            if key == "error":
                if not scanner.accept("%"):
                    raise scanner.fail("the error is a percent such as 5%")
                if not scanner.at_end():
                    raise scanner.fail("unexpected text after the percent")
                if number >= 100.0:
                    raise scanner.fail("the error must be less than 100 %", 0)
                values[key] = number
            else:
                symbol = scanner.unit(("mass",))
                if not scanner.at_end():
                    raise scanner.fail("unexpected text after the mass")
                values[key] = float(Decimal(repr(number)) * Decimal(repr(FACTOR[symbol])) * 1000)
        except StrengthParseError as exc:
            raise CalculationError(f"{key}: {exc.reason} in {raw.strip()!r}") from None
    missing = [key for key in required if key not in values]
    if missing:
        raise CalculationError(f"missing {', '.join(missing)}")
    return values


# --------------------------------------------------------------------------- aliquots


@frozen
class AliquotPlan:
    """An aliquot plan: weigh ``weigh`` of the drug, add ``diluent_amount`` of the diluent
    to make ``total``, mix, and weigh ``aliquot`` of the mixture, which holds ``delivered``.

    ``factor`` is the whole multiple k: ``weigh`` is k x the amount needed (rounded to the
    readability) and ``total`` is exactly k x ``aliquot``, so the aliquot holds
    ``weigh / k``. Every weighed figure is a whole number of readability steps and at
    least the minimum. Masses are stored in milligrams (``*_mg``); ``*_g`` properties are
    the float fast path.

    >>> print("\\n".join(aliquot_plan("30 mg", "120 mg", diluent="the cream base").steps()))
    1. Weigh 120 mg of the drug (4 x 30 mg).
    2. Add 360 mg of the cream base and mix until uniform: 480 mg of mixture.
    3. Weigh 120 mg of the mixture (1/4): it holds 30 mg of the drug (120 mg x 120 mg / 480 mg).
    """

    needed_mg: float
    """The amount of drug needed, in milligrams."""
    weigh_mg: float
    """Drug to weigh, in milligrams (k x needed, rounded to the readability)."""
    diluent_mg: float
    """Diluent to add, in milligrams."""
    total_mg: float
    """Mixture made, in milligrams (weigh + diluent = factor x aliquot)."""
    aliquot_mg: float
    """Mixture to weigh out, in milligrams; it holds ``weigh / factor`` of the drug."""
    factor: int
    """The whole multiple k (an int: total / aliquot and weigh / needed)."""
    minimum_mg: float
    """The minimum weighable quantity the plan respects, in milligrams."""
    readability_mg: float
    """The increment every figure is a whole number of, in milligrams."""
    diluent: str = "the base"
    """What the drug is diluted with (an inert diluent, or the base itself)."""
    drug: str = "the drug"
    """What is being weighed, for the steps' wording."""
    mixture: str = ""
    """What the steps call the mixture (``mixture 1`` in a serial trituration)."""

    def __attrs_post_init__(self) -> None:
        figures = (self.weigh_mg, self.diluent_mg, self.aliquot_mg)
        if min(figures) < self.minimum_mg:
            raise CalculationError(
                f"aliquot plan: every weighed step must be at least {_mg_text(self.minimum_mg)}"
            )
        if self.factor < 2 or not math.isclose(
            self.weigh_mg + self.diluent_mg, self.total_mg, rel_tol=1e-12
        ):
            raise CalculationError("aliquot plan: weigh + diluent must make the total")
        if not math.isclose(self.factor * self.aliquot_mg, self.total_mg, rel_tol=1e-12):
            raise CalculationError("aliquot plan: the total must be factor x aliquot")

    # ----------------------------------------------------------------- quantities

    needed = QuantityOf("needed_mg", "milligram")
    """The amount of drug needed."""

    weigh = QuantityOf("weigh_mg", "milligram")
    """The drug to weigh first."""

    diluent_amount = QuantityOf("diluent_mg", "milligram")
    """The diluent to add."""

    total = QuantityOf("total_mg", "milligram")
    """The mixture made."""

    aliquot = QuantityOf("aliquot_mg", "milligram")
    """The mixture to weigh out."""

    @property
    def delivered_mg(self) -> float:
        """Drug in the aliquot, aliquot x weigh / total, in milligrams."""
        return self.aliquot_mg * self.weigh_mg / self.total_mg

    delivered = QuantityOf("delivered_mg", "milligram")
    """Drug in the aliquot (equals ``needed`` within readability / (2 x factor))."""

    # ----------------------------------------------------------------- fast path

    @property
    def weigh_g(self) -> float:
        """Drug to weigh, in grams."""
        return self.weigh_mg / 1000.0

    @property
    def diluent_g(self) -> float:
        """Diluent to add, in grams."""
        return self.diluent_mg / 1000.0

    @property
    def total_g(self) -> float:
        """Mixture made, in grams."""
        return self.total_mg / 1000.0

    @property
    def aliquot_g(self) -> float:
        """Mixture to weigh out, in grams."""
        return self.aliquot_mg / 1000.0

    @property
    def leftover_mg(self) -> float:
        """Mixture left over after the aliquot is taken (to be discarded), in milligrams."""
        return self.total_mg - self.aliquot_mg

    # ----------------------------------------------------------------- text

    def steps(self) -> list[str]:
        """The plan as numbered sentences a second person can check."""
        return numbered(self.sentences())

    def sentences(self) -> list[str]:
        """The steps without their numbers (a serial trituration joins two plans' steps)."""
        exact = math.isclose(self.weigh_mg, self.factor * self.needed_mg, rel_tol=1e-9)
        how = f"{self.factor} x {_mg_text(self.needed_mg)}"
        if not exact:
            how += f", rounded to {_mg_text(self.readability_mg)}"
        return [
            f"Weigh {_mg_text(self.weigh_mg)} of {self.drug} ({how}).",
            f"Add {_mg_text(self.diluent_mg)} of {self.diluent} and mix until uniform: "
            f"{_mg_text(self.total_mg)} of {self.mixture or 'mixture'}.",
            f"Weigh {_mg_text(self.aliquot_mg)} of {self.mixture or 'the mixture'} "
            f"(1/{self.factor}): it holds {_mg_text(_display(self.delivered_mg))} of "
            f"{self.drug} ({_mg_text(self.aliquot_mg)} x {_mg_text(self.weigh_mg)} / "
            f"{_mg_text(self.total_mg)}).",
        ]


def _display(mg: float) -> float:
    """A computed mass shown to 12 significant figures (hides float noise in sentences)."""
    return float(f"{mg:.12g}")


def aliquot_plan(
    needed: object,
    minimum: object,
    *,
    diluent: str = "the base",
    readability: object = None,
    drug: str = "the drug",
    aliquot: object = None,
) -> AliquotPlan:
    """The aliquot method for ``needed`` (below the minimum weighable quantity ``minimum``).

    Weigh k x ``needed`` (k a round whole multiple, so that it is at least the minimum),
    dilute with ``diluent`` to a total of k x the aliquot, mix, and weigh the aliquot.
    Every weighed figure is at least ``minimum`` and a whole number of ``readability``
    steps (default 1 mg). When ``needed`` is a whole number of steps the aliquot holds
    ``needed`` (to float precision); otherwise within ``readability / (2 k)``. Among a few round
    multiples the plan picks the most exact, then the smallest total.

    ``aliquot`` fixes the mixture weighed out (at least ``minimum``, a whole number of
    readability steps, more than ``needed``): the plan then chooses k so that k x aliquot
    leaves room for at least ``minimum`` of diluent.

    ``needed`` at or above ``minimum`` is an error (weigh it directly), as is
    ``needed`` <= 0.

    >>> aliquot_plan("12.5 mg", "120 mg").total
    <Quantity(1200.0, 'milligram')>
    >>> plan = aliquot_plan("2 mg", "120 mg", aliquot="125 mg")
    >>> plan.factor, plan.total, plan.diluent_amount
    (60, <Quantity(7500.0, 'milligram')>, <Quantity(7380.0, 'milligram')>)
    """
    inputs = plan_inputs(needed, minimum, readability, aliquot, method="aliquot")
    return _plan(*inputs, diluent=diluent, drug=drug)


def plan_inputs(
    needed: object, minimum: object, readability: object, aliquot: object, *, method: str
) -> tuple[float, float, float, float | None]:
    """Needed, minimum, readability and the chosen aliquot (or None) in mg, checked for an
    aliquot plan or a trituration (``method`` names it in the error)."""
    needed_mg = positive_amount(needed, "milligram", field="needed")
    minimum_mg = positive_amount(minimum, "milligram", field="minimum")
    step_mg = readability_mg(readability)
    if step_mg > minimum_mg:
        raise CalculationError(
            f"readability: {_mg_text(step_mg)} is larger than the minimum "
            f"{_mg_text(minimum_mg)}; the readability must be at most the minimum"
        )
    _check_below_minimum(needed_mg, minimum_mg, method)
    aliquot_mg = None if aliquot is None else chosen_aliquot(aliquot, minimum_mg, step_mg)
    return needed_mg, minimum_mg, step_mg, aliquot_mg


def _check_below_minimum(needed_mg: float, minimum_mg: float, method: str) -> None:
    if needed_mg >= minimum_mg:
        raise CalculationError(
            f"needed: {_mg_text(needed_mg)} is at or above the minimum weighable quantity "
            f"{_mg_text(minimum_mg)}: weigh it directly, no {method} is needed"
        )


def chosen_aliquot(aliquot: object, minimum_mg: float, step_mg: float) -> float:
    """A user's aliquot in mg, checked: at least the minimum (so above the amount needed,
    which is below it) and a whole number of readability steps (weighable as written)."""
    aliquot_mg = positive_amount(aliquot, "milligram", field="aliquot")
    if aliquot_mg < minimum_mg:
        raise CalculationError(
            f"aliquot: {_mg_text(aliquot_mg)} is below the minimum weighable quantity "
            f"{_mg_text(minimum_mg)}; choose at least {_mg_text(minimum_mg)}"
        )
    ticks = Decimal(repr(aliquot_mg)) / Decimal(repr(step_mg))
    if ticks != ticks.to_integral_value():
        raise CalculationError(
            f"aliquot: {_mg_text(aliquot_mg)} is not a whole number of the readability "
            f"{_mg_text(step_mg)}; choose one the balance can weigh"
        )
    return aliquot_mg


#: How many round multiples past the smallest workable one the planners compare.
CANDIDATES: Final = 12


def in_ticks(
    needed_mg: float, minimum_mg: float, step_mg: float, aliquot_mg: float | None
) -> tuple[Decimal, Decimal, int, int | None]:
    """The readability step, then needed, minimum (rounded up) and the chosen aliquot (or
    None) in whole steps (ticks), as the planners count.

    ``needed`` is read to 12 significant figures: float noise (0.0342 mg arriving as
    0.03420000000000001 from a gram -> milligram conversion) is not a remainder.
    """
    step = Decimal(repr(step_mg))
    needed = Decimal(f"{needed_mg:.12g}") / step
    minimum = int((Decimal(repr(minimum_mg)) / step).to_integral_value(ROUND_CEILING))
    fixed = None if aliquot_mg is None else int(Decimal(repr(aliquot_mg)) / step)
    return step, needed, minimum, fixed


def weighable_multiples(needed: Decimal, minimum: int) -> Iterator[tuple[int, int, Decimal]]:
    """``(k, weigh, error)`` for the round multiples k (2, 3, 4, 5, 6, 8, 10, 12, 15, 20,
    25, 30, 40, ...) whose k x ``needed`` is at least ``minimum`` (in ticks): ``weigh`` is
    k x needed rounded to a tick, ``error`` what the rounding leaves in one aliquot."""
    power = 1
    while True:
        for base in (10, 12, 15, 20, 25, 30, 40, 50, 60, 80):
            value = base * power
            if value % 10 or value < 20:
                continue
            k = value // 10
            exact = k * needed
            if exact >= minimum:
                weigh = int(exact.to_integral_value(ROUND_HALF_UP))
                yield k, weigh, abs(weigh - exact) / k
        power *= 10


def aliquot_ticks(weigh: int, k: int, minimum: int, fixed: int | None) -> int | None:
    """The aliquot (in ticks) for a mixture of ``k`` aliquots holding ``weigh`` with at
    least ``minimum`` of diluent: ``fixed``, when it leaves room for that (else None), or
    the round size (two significant figures, 121 -> 130) at least the minimum."""
    if fixed is not None:
        return fixed if k * fixed - weigh >= minimum else None
    ticks = max(minimum, -(-(weigh + minimum) // k))
    figure = int(10 ** max(0, len(str(ticks)) - 2))
    return -(-ticks // figure) * figure


def _plan(
    needed_mg: float,
    minimum_mg: float,
    step_mg: float,
    aliquot_mg: float | None = None,
    *,
    diluent: str,
    drug: str,
) -> AliquotPlan:
    """Choose k, W, A in whole readability steps (ticks); see :func:`aliquot_plan`.

    ``aliquot_mg`` fixes A (checked by :func:`chosen_aliquot`); otherwise it is chosen.
    """
    if not (math.isfinite(needed_mg) and needed_mg > 0):
        raise CalculationError(f"needed: {needed_mg!r} mg must be a finite amount above zero")
    _check_below_minimum(needed_mg, minimum_mg, "aliquot")
    step, needed, minimum, fixed = in_ticks(needed_mg, minimum_mg, step_mg, aliquot_mg)
    best: tuple[bool, int, Decimal, int, int, int] | None = None
    seen = 0
    for k, weigh, error in weighable_multiples(needed, minimum):
        aliquot = aliquot_ticks(weigh, k, minimum, fixed)
        if aliquot is None:
            continue  # too little diluent in k aliquots of this size: a larger k
        # Exact first, then the least material, then the least error.
        key = (error != 0, k * aliquot, error, k, weigh, aliquot)
        if best is None or key < best:
            best = key
        seen += 1
        if seen >= CANDIDATES:
            break
    assert best is not None  # the multiples are unbounded
    _, total, _, k, weigh, aliquot = best
    return AliquotPlan(
        needed_mg=needed_mg,
        weigh_mg=float(weigh * step),
        diluent_mg=float((total - weigh) * step),
        total_mg=float(total * step),
        aliquot_mg=float(aliquot * step),
        factor=k,
        minimum_mg=minimum_mg,
        readability_mg=step_mg,
        diluent=diluent,
        drug=drug,
    )
