"""Batch sheets: what to weigh of each ingredient for a batch size.

For each line: the moiety needed (batch x strength), the form conversion factor
(salt or hydrate, from the catalog), the potency correction, the quantity to
weigh and the figure rounded for the balance; lines below the balance's minimum
weighable quantity get an aliquot plan. The vehicle is quantity sufficient
(q.s.) to the total. All arithmetic is in floats (grams); Quantities are made
only when a result is read.

    weigh = made x fraction x factor / potency
    vehicle = made - sum(weigh)

(Over 500 lines on purpose: the sheet's classes and the one computation that fills
them are read together; the exports live in ``sheet_export``.)

>>> from compoundkit.formulas.io import loads_toml
>>> f = loads_toml('''
... name = "Ketoprofen 10 % cream"
... dosage_form = "cream"
... vehicle = "lipoderm-activemax"
... container = "light-resistant jar"
... [[ingredients]]
... name = "ketoprofen"
... strength = "10 % w/w"
... ''')
>>> sheet = f.batch("120 g")
>>> sheet.lines[0].weigh
<Quantity(12.0, 'gram')>
>>> sheet.vehicle.weigh
<Quantity(108.0, 'gram')>
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, TypedDict

from attrs import frozen

from compoundkit.errors import BatchError, DimensionError
from compoundkit.formulas.findings import Finding, Report, Severity
from compoundkit.formulas.model import Component, Excipient
from compoundkit.formulas.potency import POLICIES, Potency, potency_from
from compoundkit.units import Strength, quantity
from compoundkit.units.grammar import FACTOR, Scanner, check_length, format_number, parse_amount
from compoundkit.units.registry import QuantityOf

if TYPE_CHECKING:
    from typing import Unpack

    import pint

    from compoundkit.calc.weighing import AliquotPlan, Balance
    from compoundkit.formulas.model import Formulation

__all__ = ["BatchOptions", "BatchSheet", "Excess", "SheetLine", "VehicleLine", "compute_batch"]

#: Most containers in one batch (a guard against a slip such as --count 40000).
MAX_COUNT: Final = 10_000
#: Largest batch, in grams (1,000 kg); the smallest is any positive mass.
MAX_BATCH_G: Final = 1e6


@frozen
class Excess:
    """Overage for losses: a percent of the batch or a fixed extra mass."""

    percent: float | None = None
    extra_g: float | None = None

    @classmethod
    def parse(cls, value: Any) -> Excess | None:
        """From ``None``, ``"5%"``, ``"2 g"``, or a Quantity (percent or mass)."""
        if value is None or isinstance(value, Excess):
            return value
        if isinstance(value, str):
            text = check_length(value, "excess")
            if text.endswith("%"):
                scanner = Scanner(text[:-1])
                number = scanner.number("the excess")
                if not scanner.at_end():
                    raise BatchError(f"excess {value!r}: write a percent such as 5%")
                return cls._checked(percent=number)
            number, unit = parse_amount(text, ("mass",), "excess")
            return cls._checked(extra_g=number * FACTOR[unit])
        if hasattr(value, "dimensionality") and hasattr(value, "to"):
            from compoundkit.units import magnitude

            if not value.dimensionless:
                return cls._checked(extra_g=float(magnitude(value, "gram", field="excess")))
            return cls._checked(percent=float(magnitude(value, "percent", field="excess")))
        raise BatchError(
            f"excess: give a percent such as '5%' or a mass such as '2 g', not {value!r}"
        )

    @classmethod
    def _checked(cls, *, percent: float | None = None, extra_g: float | None = None) -> Excess:
        amount = percent if percent is not None else extra_g
        if amount is None or not math.isfinite(amount) or amount < 0:
            raise BatchError(f"excess must be zero or more, not {amount}")
        if percent is not None and percent > 100:
            raise BatchError(f"excess of {percent:g} % is more than 100 %; check the figure")
        return cls(percent=percent, extra_g=extra_g)

    def made_g(self, prescribed_g: float) -> float:
        """The quantity to make for ``prescribed_g`` grams prescribed."""
        if self.percent is not None:
            return prescribed_g * (1.0 + self.percent / 100.0)
        return prescribed_g + (self.extra_g or 0.0)

    def quantity(self) -> pint.Quantity[Any]:
        """The excess as a Quantity (percent or grams)."""
        if self.percent is not None:
            return quantity(self.percent, "percent")
        return quantity(self.extra_g or 0.0, "gram")

    def __str__(self) -> str:
        if self.percent is not None:
            return f"{format_number(self.percent)} %"
        return f"{format_number(self.extra_g or 0.0)} g"


class _Weighed:
    """The Quantity views of a weighed line's grams (``weigh_g``, ``rounded_g``)."""

    __slots__ = ()
    weigh_g: float
    rounded_g: float

    weigh = QuantityOf("weigh_g", "gram")
    """The quantity to weigh (before rounding; the vehicle: q.s.)."""
    rounded = QuantityOf("rounded_g", "gram")
    """The figure actually to weigh on the balance."""


@frozen
class SheetLine(_Weighed):
    """One weighed ingredient or excipient of a batch sheet (floats in grams inside)."""

    name: str
    kind: str
    form: str | None
    expressed_as: str | None
    form_name: str | None
    strength: Strength | None
    reference_amount: str | None
    moiety_g: float
    factor: float
    potency: float
    potency_note: str | None
    weigh_g: float
    rounded_g: float
    below_minimum: bool
    aliquot: AliquotPlan | None

    moiety = QuantityOf("moiety_g", "gram")
    """The amount of the moiety the strength is expressed as."""

    def explain(self, made_g: float) -> str:
        """The calculation trail for a second person to verify."""
        if self.strength is not None:
            steps = [f"{format_number(made_g)} g x {self.strength} = {self.moiety_g:.6g} g"]
        else:
            steps = [f"{self.reference_amount} per reference batch -> {self.moiety_g:.6g} g"]
        if self.expressed_as and self.expressed_as != self.form:
            steps.append(f"x {self.factor:.6g} ({self.expressed_as} -> {self.form})")
        if self.potency != 1.0:
            steps.append(f"/ potency {self.potency:.6g}")
        if len(steps) > 1:
            steps.append(f"= {self.weigh_g:.6g} g")
        steps.append(f"-> weigh {self.rounded_g:.6g} g")
        return f"{self.name}: " + " ".join(steps)


@frozen
class VehicleLine(_Weighed):
    """The vehicle, quantity sufficient to the total."""

    name: str
    weigh_g: float
    rounded_g: float
    in_aliquots_g: float = 0.0

    @property
    def add_separately_g(self) -> float:
        """Grams of vehicle to add besides what the aliquots already carry."""
        return self.weigh_g - self.in_aliquots_g

    @property
    def add_separately(self) -> pint.Quantity[Any]:
        """The vehicle to add besides what the aliquots already carry."""
        return quantity(self.add_separately_g, "gram")

    def aliquot_note(self) -> str | None:
        """One sentence on the vehicle the aliquots carry, or None without aliquots."""
        if not self.in_aliquots_g:
            return None
        return (
            f"Of the {self.weigh_g:.4g} g of {self.name}, {self.in_aliquots_g:.4g} g comes "
            f"with the aliquots: add {self.add_separately_g:.4g} g separately."
        )


@frozen
class BatchSheet:
    """A weigh sheet: the batch, every line, the vehicle q.s., findings and the balance."""

    formulation: Formulation
    size_g: float
    count: int
    excess: Excess | None
    made_g: float
    lines: tuple[SheetLine, ...]
    vehicle: VehicleLine
    balance: Balance
    potency_policy: str
    findings: Report

    def __repr__(self) -> str:
        from compoundkit.formulas.sheet_export import _title

        lines = "; ".join(f"{line.name} {line.weigh_g:.6g} g" for line in self.lines)
        vehicle = f"{self.vehicle.name} q.s. {self.vehicle.weigh_g:.6g} g"
        return f"<BatchSheet {_title(self)}: {lines}; {vehicle}>"

    size = QuantityOf("size_g", "gram")
    """One container's size (or the whole batch when count is 1)."""

    @property
    def prescribed(self) -> pint.Quantity[Any]:
        """The quantity prescribed: size x count."""
        return quantity(self.size_g * self.count, "gram")

    total = QuantityOf("made_g", "gram")
    """The quantity made: prescribed plus the excess for losses."""

    def explain(self) -> list[str]:
        """The whole calculation trail, one line per step."""
        prescribed = self.size_g * self.count
        head = [f"batch: {self.count} x {format_number(self.size_g)} g = {prescribed:.6g} g"]
        if self.excess is not None:
            head.append(f"excess {self.excess}: make {self.made_g:.6g} g")
        body = [line.explain(self.made_g) for line in self.lines]
        lines_total = sum(line.weigh_g for line in self.lines)
        tail = (
            f"{self.vehicle.name}: q.s. {self.made_g:.6g} - {lines_total:.6g} "
            f"= {self.vehicle.weigh_g:.6g} g"
        )
        return head + body + [tail, f"balance: {self.balance.description}"]

    # ----------------------------------------------------------------- exports

    def to_dict(self) -> dict[str, Any]:
        """The batch JSON contract (see `sheet_export`): every quantity is {value, unit}."""
        from compoundkit.formulas.sheet_export import sheet_to_dict

        return sheet_to_dict(self)

    def to_json(self) -> str:
        """The batch as JSON text (the batch JSON contract)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_csv(self) -> str:
        """One row per line and the vehicle, in grams (text cells never spreadsheet formulas)."""
        from compoundkit.formulas.sheet_export import sheet_to_csv

        return sheet_to_csv(self)

    def to_dataframe(self) -> Any:
        """The sheet as a pandas DataFrame (needs the ``pandas`` extra)."""
        from compoundkit.formulas.notebook import sheet_dataframe

        return sheet_dataframe(self)

    def to_markdown(self) -> str:
        """A Markdown weigh sheet with the calculation trail."""
        from compoundkit.formulas.sheet_export import sheet_to_markdown

        return sheet_to_markdown(self)

    def _repr_html_(self) -> str:
        from compoundkit.formulas.sheet_export import sheet_to_html

        return sheet_to_html(self)


# --------------------------------------------------------------------------- computing


def _size_g(size: Any, density: float | None) -> float:
    """The batch size in grams from a mass, or a volume with a density."""
    from compoundkit.units import magnitude

    if isinstance(size, int | float) and not isinstance(size, bool):
        raise DimensionError(f"size: {size!r} has no unit; give a quantity such as '120 g'")
    try:
        mass = magnitude(size, "gram", field="size")
    except DimensionError:
        millilitres = _scalar(magnitude(size, "milliliter", field="size"), size)
        if density is None:
            raise DimensionError(
                f"size: {size} is a volume; give the preparation's density "
                "(density='1.05 g/mL') to make a volume of a w/w preparation"
            ) from None
        grams = millilitres * density
    else:
        grams = _scalar(mass, size)
    if not math.isfinite(grams) or grams <= 0:
        raise BatchError(f"size must be a positive, finite quantity, not {size}")
    return grams


def _scalar(value: Any, size: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise DimensionError(
            f"size: {size} is not one quantity; for many batch sizes use weigh_many()"
        ) from None


def _density_arg(density: Any, formulation: Formulation) -> float | None:
    if density is None:
        return formulation.density_g_per_ml
    from compoundkit.units import density_g_per_ml

    return density_g_per_ml(density)


@functools.cache
def _default_balance() -> Balance:
    from compoundkit.calc.weighing import Balance

    return Balance.class_iii()


def _balance(balance: Any) -> Balance:
    from compoundkit.calc.weighing import Balance

    if balance is None:
        return _default_balance()
    if isinstance(balance, Balance):
        return balance
    if isinstance(balance, str):
        return Balance.parse(balance)
    raise BatchError(f"balance: give a Balance or text such as 'class-iii', not {balance!r}")


def _potencies(potency: Mapping[str, Any] | None, formulation: Formulation) -> dict[int, Potency]:
    """Potency per line index; names are matched by :meth:`Formulation.resolve_component`."""
    if not potency:
        return {}
    names = [line.name for line in formulation.lines]
    result: dict[int, Potency] = {}
    for name, value in potency.items():
        try:
            index = names.index(formulation.resolve_component(name))
        except ValueError:  # not a component, or the vehicle (no weighed line)
            raise BatchError(
                f"potency: {name!r} is not in this formula; its ingredients are: {', '.join(names)}"
            ) from None
        result[index] = potency_from(value, name)
    return result


def _count(count: int | None) -> int:
    if count is None:
        return 1
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise BatchError(f"count must be a whole number from 1 to {MAX_COUNT}, not {count!r}")
    return count


class BatchOptions(TypedDict, total=False):
    """The options of a batch sheet, declared once for :func:`compute_batch`,
    :meth:`Formulation.batch <compoundkit.formulas.Formulation.batch>` and
    ``compoundkit batch``; every one may be left out.

    - ``count``: the number of containers of ``size`` (default 1);
    - ``excess``: overage for losses, a percent (``"5%"``) or a mass (``"2 g"``);
    - ``potency``: ingredient names to ``"98.5%"`` or a :class:`Potency`;
    - ``potency_policy``: ``certificate`` (default) or ``always``;
    - ``balance``: a :class:`~compoundkit.calc.Balance` or its text (``class-iii``,
      the default; ``sr=6mg,error=5%``; ``usp41:s=0.15mg,d=0.1mg``);
    - ``density``: the preparation's measured density (``"1.05 g/mL"``), for a volume
      ``size`` and for w/v and v/v lines (default: the formulation's);
    - ``diluent``: the aliquot diluent (default: the vehicle).
    """

    count: int | None
    excess: Any
    potency: Mapping[str, Any] | None
    potency_policy: str
    balance: Any
    density: Any
    diluent: str | None


def compute_batch(
    formulation: Formulation, size: Any, **options: Unpack[BatchOptions]
) -> BatchSheet:
    """The batch sheet of ``formulation`` for ``count`` containers of ``size``.

    ``size`` is a mass (pint Quantity, or text such as ``"120 g"``), or a volume
    with the preparation's ``density``; :class:`BatchOptions` lists the options.

    Raises :class:`~compoundkit.errors.FormulationError` when the formulation has
    error-level findings, and :class:`~compoundkit.errors.BatchError` or
    :class:`~compoundkit.errors.DimensionError` for bad arguments.
    """
    unknown = sorted(set(options) - BatchOptions.__optional_keys__)
    if unknown:
        raise TypeError(f"batch() got an unexpected keyword argument {unknown[0]!r}")
    density, diluent = options.get("density"), options.get("diluent")
    potency_policy = options.get("potency_policy", "certificate")
    batch_density = _density_arg(density, formulation)
    if batch_density != formulation.density_g_per_ml:
        # The measured density is the preparation's: it converts a volume size AND the
        # w/v and v/v lines, so it must be the formulation's density for this batch.
        formulation = formulation.evolve(density_g_per_ml=batch_density)
    report = formulation.check()
    if potency_policy not in POLICIES:
        raise BatchError(
            f"potency_policy {potency_policy!r} unknown; allowed: {', '.join(POLICIES)}"
        )
    n = _count(options.get("count"))
    size_g = _size_g(size, batch_density)
    excess_obj = Excess.parse(options.get("excess"))
    prescribed_g = size_g * n
    made_g = excess_obj.made_g(prescribed_g) if excess_obj else prescribed_g
    if made_g > MAX_BATCH_G:
        raise BatchError(f"size: a batch of {made_g:g} g is over the {MAX_BATCH_G:g} g limit")
    scale = _balance(options.get("balance"))
    potencies = _potencies(options.get("potency"), formulation)
    diluent_name = diluent or formulation.vehicle.name
    items: list[Component | Excipient] = [*formulation.ingredients, *formulation.excipients]

    lines: list[SheetLine] = []
    extra: list[Finding] = []
    for index, (line, item) in enumerate(zip(formulation.lines, items, strict=True)):
        assert line.fraction is not None  # check() refused formulations without one
        factor = line.factor
        potency_value, note = 1.0, None
        if index in potencies:
            corrected, note = potencies[index].decide(potency_policy)
            if corrected:
                potency_value = potencies[index].as_is
        coefficient = line.fraction * factor / potency_value
        weigh_g = made_g * coefficient
        below = not scale.is_weighable_g(weigh_g)
        plan = scale.aliquot_plan(weigh_g, diluent_name, drug=line.name) if below else None
        if below:
            extra.append(
                Finding(
                    "CK201",
                    Severity.WARNING,
                    f"{weigh_g * 1000:.4g} mg is below the balance's minimum weighable "
                    f"quantity ({scale.minimum_mg:g} mg): use the aliquot plan",
                    line.name,
                    "weigh the multiple, dilute, and take the aliquot as planned",
                    "USP <1176> / <41> minimum weighable quantity; USP <1160> aliquots",
                )
            )
        form = expressed = form_name = None
        if isinstance(item, Component):
            weighed_form = item.weighed_form()
            form, form_name, expressed = (
                weighed_form.id,
                weighed_form.name,
                item.expressed_form().id,
            )
        lines.append(
            SheetLine(
                name=line.name,
                kind=line.kind,
                form=form,
                expressed_as=expressed,
                form_name=form_name,
                strength=line.strength,
                reference_amount=str(item.amount) if item.amount is not None else None,
                moiety_g=made_g * line.fraction,
                factor=factor,
                potency=potency_value,
                potency_note=note,
                weigh_g=weigh_g,
                rounded_g=scale.round_g(weigh_g),
                below_minimum=below,
                aliquot=plan,
            )
        )
    vehicle_g = made_g - sum(line.weigh_g for line in lines)
    if vehicle_g < -1e-9 * made_g:
        raise BatchError(
            f"the weighed lines ({made_g - vehicle_g:.6g} g) exceed the batch ({made_g:.6g} g) "
            "after potency correction: the vehicle would be negative"
        )
    vehicle_g = max(vehicle_g, 0.0)
    rounded_vehicle = scale.round_g(made_g - sum(line.rounded_g for line in lines))
    # Each aliquot carries diluent besides the drug; it is part of the q.s. to the total,
    # so the vehicle to add on its own is what remains.
    in_aliquots = sum(
        plan.aliquot_g - line.weigh_g for line in lines if (plan := line.aliquot) is not None
    )
    if in_aliquots > vehicle_g + scale.increment_g / 2:
        raise BatchError(
            f"the aliquots carry {in_aliquots:.4g} g of {diluent_name} but the batch has room "
            f"for only {vehicle_g:.4g} g of {formulation.vehicle.name}: make a larger batch, "
            "or weigh on a more sensitive balance (--balance)"
        )
    vehicle = VehicleLine(
        formulation.vehicle.name, vehicle_g, max(rounded_vehicle, 0.0), in_aliquots
    )
    separately = vehicle_g - in_aliquots
    if in_aliquots and 0 < separately < scale.minimum_g:
        extra.append(
            Finding(
                "CK202",
                Severity.WARNING,
                f"after the aliquots, only {separately * 1000:.4g} mg of "
                f"{formulation.vehicle.name} is left to add: below the minimum weighable "
                f"quantity ({scale.minimum_mg:g} mg)",
                formulation.vehicle.name,
                "make a larger batch, or bring the mixture to the total weight (q.s.)",
                "USP <1176> / <41> minimum weighable quantity",
            )
        )
    findings = Report(report.findings + tuple(extra)) if extra else report
    return BatchSheet(
        formulation=formulation,
        size_g=size_g,
        count=n,
        excess=excess_obj,
        made_g=made_g,
        lines=tuple(lines),
        vehicle=vehicle,
        balance=scale,
        potency_policy=potency_policy,
        findings=findings,
    )


def weigh_many(formulation: Formulation, sizes: Any, *, excess: Any = None) -> dict[str, Any]:
    """Quantities to weigh for many batch sizes at once (notebooks).

    ``sizes`` is a pint Quantity holding a numpy array of masses. Returns
    ``{line name: Quantity array, ..., vehicle name: Quantity array}`` in grams,
    identical to the scalar path (no potency; same arithmetic, in (lines x sizes)).
    """
    import numpy as np

    from compoundkit.units import magnitude

    formulation.check()
    grams = np.asarray(magnitude(sizes, "gram", field="sizes"), dtype=np.float64)
    # min and max also catch nan (comparisons with nan are false) and inf (over the cap)
    if grams.ndim != 1 or not grams.size or not (grams.min() > 0 and grams.max() <= MAX_BATCH_G):
        raise BatchError(f"sizes must be a 1-D array of positive masses up to {MAX_BATCH_G:g} g")
    excess_obj = Excess.parse(excess)
    made = np.asarray(
        excess_obj.made_g(grams) if excess_obj else grams,  # type: ignore[arg-type]
        dtype=np.float64,
    )
    coefficients = np.asarray(
        [(line.fraction or 0.0) * line.factor for line in formulation.lines], dtype=np.float64
    )
    weighed = np.outer(coefficients, made)
    result = {line.name: quantity(weighed[i], "gram") for i, line in enumerate(formulation.lines)}
    result[formulation.vehicle.name] = quantity(made - weighed.sum(axis=0), "gram")
    return result
