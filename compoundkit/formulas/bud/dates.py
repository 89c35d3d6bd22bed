"""Assigning the date: Day-1 counting, extensions, component expiry caps, shortening.

Dates are :class:`datetime.date`. A :class:`datetime.datetime` is refused rather than
truncated: which calendar day a timestamp falls on depends on a time zone compoundkit
does not guess, so pass ``timestamp.date()`` (the local compounding day) yourself.

>>> r = assign_bud(compounded_on=_dt.date(2024, 3, 1), aqueous=True, preserved=False,
...                dosage_form="cream", component_expiries={"K lot 1": _dt.date(2024, 3, 9)})
>>> r.date, r.days, r.limited_by
(datetime.date(2024, 3, 9), 9, 'K lot 1')
"""

from __future__ import annotations

import datetime as _dt
import types
from collections.abc import Mapping
from typing import Final, Literal

from attrs import frozen

from compoundkit.documents import calendar_date
from compoundkit.errors import BudError
from compoundkit.formulas.bud.classes import BudClass, classify
from compoundkit.formulas.bud.table import (
    DEFAULT_RULE_SET,
    BudRule,
    BudRuleSet,
    get_rule_set,
    last_day,
)

__all__ = ["BudExtension", "BudResult", "ExtensionKind", "assign_bud"]

ExtensionKind = Literal["monograph", "stability-study"]
_EXTENSION_KINDS: Final = ("monograph", "stability-study")
_NO_EXPIRIES: Mapping[str, _dt.date] = types.MappingProxyType({})


@frozen
class BudExtension:
    """A BUD supported by a USP monograph or a stability-indicating study.

    ``days`` replaces the table's days (at most the rule set's maximum, 180 days, and still
    capped by the component expiries). ``reference`` is required. For an aqueous
    preparation extended on a stability study beyond the table's days, USP <795> also asks
    for antimicrobial effectiveness testing (USP <51>): give its reference in
    ``antimicrobial_effectiveness``. ``storage`` overrides the rule's storage when the
    study or monograph states one.

    >>> BudExtension(60, "", "stability-study")
    Traceback (most recent call last):
    ...
    compoundkit.errors.BudError: BudExtension.reference is required: ...
    """

    days: int
    reference: str
    kind: ExtensionKind = "stability-study"
    storage: str | None = None
    antimicrobial_effectiveness: str | None = None

    def __attrs_post_init__(self) -> None:
        if type(self.days) is not int or self.days < 1:
            raise BudError(
                f"BudExtension.days must be a whole number of days, at least 1, got {self.days!r}"
            )
        if not (isinstance(self.reference, str) and self.reference.strip()):
            raise BudError(
                "BudExtension.reference is required: cite the USP monograph or the "
                f"stability-indicating study that supports the BUD (got {self.reference!r})"
            )
        if self.kind not in _EXTENSION_KINDS:
            allowed = ", ".join(_EXTENSION_KINDS)
            raise BudError(f"BudExtension.kind must be one of {allowed}; got {self.kind!r}")
        for name in ("storage", "antimicrobial_effectiveness"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, str) and value.strip()):
                raise BudError(f"BudExtension.{name} must be None or text, got {value!r}")


@frozen
class BudResult:
    """An assigned beyond-use date and everything that justifies it."""

    date: _dt.date
    """The last day the preparation may be used."""
    days: int
    """Days of use counted Day-1 style (the compounding day is Day 1)."""
    storage: str
    storage_label: str
    rule: BudRule
    """The table rule for the preparation's class (with its citation)."""
    rule_set: str
    limited_by: str | None
    """None when the rule (or, if given, the extension) set the date unmodified; else the
    component whose expiry capped it, ``"extension"`` when an extension set it, or
    ``"pharmacist shortening"``."""
    compounded_on: _dt.date
    bud_class: BudClass
    rule_date: _dt.date
    """The date the table rule alone gives."""
    extension: BudExtension | None = None
    earliest_expiry: tuple[str, _dt.date] | None = None
    """The component with the earliest expiry and that expiry, if any were given."""

    def explain(self) -> str:
        """One or two lines a pharmacist can put on a worksheet.

        >>> r = assign_bud(compounded_on=_dt.date(2024, 3, 1), aqueous=True,
        ...     preserved=False, dosage_form="cream",
        ...     component_expiries={"ketoprofen lot K1": _dt.date(2024, 3, 10)})
        >>> print(r.explain())  # the first line is wrapped here
        14 days (USP <795> 2023 Table 3: aqueous, nonpreserved),
        Day 1 = 2024-03-01 -> 2024-03-14, refrigerate
        Limited to 2024-03-10 (10 days) by the expiry of ketoprofen lot K1 (2024-03-10).
        """
        start = self.compounded_on.isoformat()
        rule_part = f"{self.rule.citation}: {self.rule.description}"
        if self.extension is None:
            first = (
                f"{self.rule.length_text} ({rule_part}), Day 1 = {start} -> "
                f"{self.rule_date.isoformat()}, {self.storage_label}"
            )
        else:
            ext = self.extension
            ext_end = last_day(self.compounded_on, ext.days)
            first = (
                f"{ext.days} days by {ext.kind} ({ext.reference}; table: "
                f"{self.rule.length_text}, {rule_part}), Day 1 = {start} -> "
                f"{ext_end.isoformat()}, {self.storage_label}"
            )
        if self.limited_by is None or self.limited_by == "extension":
            return first
        span = f"{self.date.isoformat()} ({self.days} day{'s' if self.days != 1 else ''})"
        if self.limited_by == "pharmacist shortening":
            return f"{first}\nShortened by the pharmacist to {span}."
        assert self.earliest_expiry is not None
        name, expiry = self.earliest_expiry
        return f"{first}\nLimited to {span} by the expiry of {name} ({expiry.isoformat()})."


def assign_bud(
    *,
    compounded_on: _dt.date,
    aqueous: bool,
    preserved: bool,
    dosage_form: str,
    route: str = "topical",
    water_activity: float | None = None,
    component_expiries: Mapping[str, _dt.date] = _NO_EXPIRIES,
    rules: str = DEFAULT_RULE_SET,
    extension: BudExtension | None = None,
    shorten_to: _dt.date | None = None,
) -> BudResult:
    """Assign a beyond-use date (the steps are in :mod:`compoundkit.formulas.bud`).

    ``component_expiries`` maps a component (or lot) name to its expiry date; a
    component that expired before ``compounded_on`` is an error. ``rules`` selects a rule
    set by name (:func:`~compoundkit.formulas.bud.rule_sets`). ``shorten_to`` sets an
    earlier date; a later one is refused (lengthening needs an ``extension`` with a
    reference).

    >>> r = assign_bud(compounded_on=_dt.date(2024, 3, 1), aqueous=False,
    ...     preserved=False, dosage_form="ointment", shorten_to=_dt.date(2024, 4, 30))
    >>> r.date, r.days, r.limited_by
    (datetime.date(2024, 4, 30), 61, 'pharmacist shortening')
    """
    start = calendar_date(compounded_on, "compounded_on", BudError)
    rule_set = get_rule_set(rules)
    bud_class = classify(
        aqueous=aqueous,
        preserved=preserved,
        dosage_form=dosage_form,
        route=route,
        water_activity=water_activity,
    )
    rule = rule_set.rule_for(bud_class)
    rule_date = rule.end_date(start)

    date, limited_by, storage, storage_label = rule_date, None, rule.storage, rule.storage_label
    if extension is not None:
        if not isinstance(extension, BudExtension):
            raise BudError(f"extension must be a BudExtension, got {extension!r}")
        _check_extension(extension, rule_set, rule, bud_class, rule_date, start)
        date, limited_by = last_day(start, extension.days), "extension"
        if extension.storage is not None:
            storage = storage_label = extension.storage

    earliest = _earliest_expiry(component_expiries, start)
    if earliest is not None and earliest[1] < date:
        date, limited_by = earliest[1], earliest[0]

    if shorten_to is not None:
        wanted = calendar_date(shorten_to, "shorten_to", BudError)
        if wanted < start:
            raise BudError(
                f"shorten_to {wanted.isoformat()} is before the compounding day "
                f"{start.isoformat()} (Day 1)"
            )
        if wanted > date:
            raise BudError(
                f"shorten_to {wanted.isoformat()} is later than the assigned BUD "
                f"{date.isoformat()}; a pharmacist may only shorten a BUD, and lengthening "
                "needs an extension with a monograph or stability-study reference "
                "(still capped by the component expiries)"
            )
        if wanted < date:
            date, limited_by = wanted, "pharmacist shortening"

    return BudResult(
        date=date,
        days=(date - start).days + 1,
        storage=storage,
        storage_label=storage_label,
        rule=rule,
        rule_set=rule_set.id,
        limited_by=limited_by,
        compounded_on=start,
        bud_class=bud_class,
        rule_date=rule_date,
        extension=extension,
        earliest_expiry=earliest,
    )


def _check_extension(
    extension: BudExtension,
    rule_set: BudRuleSet,
    rule: BudRule,
    bud_class: BudClass,
    rule_date: _dt.date,
    start: _dt.date,
) -> None:
    if extension.days > rule_set.max_extension_days:
        raise BudError(
            f"extension of {extension.days} days is longer than the "
            f"{rule_set.max_extension_days}-day maximum of {rule_set.chapter} "
            f"{rule_set.revision}, whatever the reference"
        )
    longer = last_day(start, extension.days) > rule_date
    if (
        bud_class.aqueous
        and longer
        and extension.kind == "stability-study"
        and extension.antimicrobial_effectiveness is None
    ):
        raise BudError(
            f"extending an aqueous preparation beyond {rule.length_text} on a stability "
            "study also needs antimicrobial effectiveness testing (USP <51>): give its "
            "reference in BudExtension.antimicrobial_effectiveness"
        )


def _earliest_expiry(
    expiries: Mapping[str, _dt.date], start: _dt.date
) -> tuple[str, _dt.date] | None:
    if not isinstance(expiries, Mapping):
        raise BudError(f"component_expiries must be a mapping of name to date, got {expiries!r}")
    checked: list[tuple[str, _dt.date]] = []
    for name, expiry in expiries.items():
        if not isinstance(name, str) or not name.strip():
            raise BudError(f"component_expiries: a component name must be text, got {name!r}")
        checked.append((name, calendar_date(expiry, f"expiry of component {name!r}", BudError)))
    expired = [(n, e) for n, e in checked if e < start]
    if expired:
        listing = ", ".join(f"{n!r} (expired {e.isoformat()})" for n, e in expired)
        raise BudError(
            f"expired component: {listing}; the compounding day is {start.isoformat()} and "
            "an expired component cannot be used"
        )
    if not checked:
        return None
    return min(checked, key=lambda item: item[1])  # ties: the first given
