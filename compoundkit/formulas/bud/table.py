"""Beyond-use dates (BUD) for nonsterile compounded preparations (USP <795>).

The rules live in ``data/bud_rules.toml`` (one entry per class, with its citation and
chapter revision) and are validated while loading. The default rule set is USP <795> as
official on 2023-11-01 (Table 3); the superseded 2014 table can be chosen by name only.

How a BUD is assigned:

1. :func:`classify` sorts the preparation: aqueous unless its water activity is shown to be
   below 0.6; a nonaqueous *oral liquid* is its own class; every other nonaqueous
   preparation is "other nonaqueous".
2. The rule for that class gives a number of days. The compounding day is **Day 1**, so an
   N-day BUD ends on ``compounded_on + N - 1`` days.
3. A :class:`BudExtension` (a USP monograph or a stability-indicating study, with its
   reference) may replace the table's days, up to 180 days.
4. The BUD is never later than the earliest expiry of any component; the component that
   capped it is named.
5. The pharmacist may always shorten it (``shorten_to``); lengthening needs an extension.

Dates are :class:`datetime.date`. A :class:`datetime.datetime` is refused rather than
truncated: which calendar day a timestamp falls on depends on a time zone compoundkit
does not guess, so pass ``timestamp.date()`` (the local compounding day) yourself.

>>> import datetime
>>> result = assign_bud(
...     compounded_on=datetime.date(2024, 3, 1), aqueous=True, preserved=False,
...     dosage_form="cream")
>>> result.date
datetime.date(2024, 3, 14)
>>> print(result.explain())  # one line, wrapped here
14 days (USP <795> 2023 Table 3: aqueous, nonpreserved),
Day 1 = 2024-03-01 -> 2024-03-14, refrigerate
"""

from __future__ import annotations

import calendar
import datetime as _dt
import functools
import math
import tomllib
import types
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any, Final, Literal

from attrs import field, frozen

from compoundkit.errors import BudError

__all__ = [
    "DEFAULT_RULE_SET",
    "BudClass",
    "BudExtension",
    "BudResult",
    "BudRule",
    "BudRuleSet",
    "Citation",
    "Classification",
    "ExtensionKind",
    "RuleBook",
    "RuleCondition",
    "assign_bud",
    "classify",
    "get_rule_set",
    "rule_sets",
]

DEFAULT_RULE_SET: Final = "usp795-2023"
"""The rule set :func:`assign_bud` uses unless told otherwise."""

ExtensionKind = Literal["monograph", "stability-study"]
_EXTENSION_KINDS: Final = ("monograph", "stability-study")
_DAY_COUNTING: Final = ("day1", "day0")
_STATUSES: Final = ("current", "superseded")
_NO_EXPIRIES: Mapping[str, _dt.date] = types.MappingProxyType({})
_DATA_FILE: Final = "bud_rules.toml"

# The four classes of USP <795> (2023) Table 3; classify() returns one of them.
_CLASS_DESCRIPTIONS: Final = types.MappingProxyType(
    {
        "aqueous-nonpreserved": "aqueous, nonpreserved",
        "aqueous-preserved": "aqueous, preserved",
        "nonaqueous-oral-liquid": "nonaqueous oral liquid",
        "other-nonaqueous": "other nonaqueous",
    }
)


# --------------------------------------------------------------------------- models


@frozen
class Citation:
    """Where a rule comes from: chapter, revision, official date and table."""

    chapter: str
    """The USP chapter, e.g. ``"USP <795>"``."""
    revision: str
    """The chapter revision, e.g. ``"2023"``."""
    official: _dt.date | None
    """The date the revision became official, when known."""
    table: str
    """The table (or section) within the chapter."""
    superseded: bool = False
    """True for a revision that is no longer official."""

    def __str__(self) -> str:
        text = f"{self.chapter} {self.revision} {self.table}"
        return f"{text}, superseded" if self.superseded else text


@frozen
class RuleCondition:
    """The preparations a rule applies to; ``None`` matches anything."""

    aqueous: bool | None = None
    preserved: bool | None = None
    oral_liquid: bool | None = None
    routes: tuple[str, ...] | None = None

    def matches(self, bud_class: BudClass) -> bool:
        """Whether a classified preparation falls under this rule."""
        return (
            (self.aqueous is None or self.aqueous == bud_class.aqueous)
            and (self.preserved is None or self.preserved == bud_class.preserved)
            and (self.oral_liquid is None or self.oral_liquid == bud_class.oral_liquid)
            and (self.routes is None or bud_class.route in self.routes)
        )


@frozen
class BudRule:
    """One row of a BUD table: a class of preparation and its BUD and storage."""

    id: str
    """Stable id within the rule set, e.g. ``"aqueous-nonpreserved"``."""
    description: str
    """The class as the chapter words it."""
    days: int | None
    """BUD length in days (Day-1 counting), or None when the rule is in months."""
    months: int | None
    """BUD length in calendar months, or None when the rule is in days."""
    storage: str
    """The storage the BUD assumes."""
    storage_label: str
    """The storage instruction for a label or worksheet."""
    when: RuleCondition
    citation: Citation
    rule_set: str
    """Id of the rule set the rule belongs to."""
    day_counting: str = "day1"
    """``"day1"``: the compounding day is Day 1; ``"day0"``: the day after is Day 1."""
    examples: str | None = None
    note: str | None = None

    @property
    def length_text(self) -> str:
        """``"14 days"`` or ``"6 months"``."""
        if self.months is not None:
            return f"{self.months} month{'s' if self.months != 1 else ''}"
        return f"{self.days} day{'s' if self.days != 1 else ''}"

    def end_date(self, compounded_on: _dt.date) -> _dt.date:
        """The last day of use this rule gives for a preparation made on ``compounded_on``.

        >>> rule = get_rule_set("usp795-2023").rule("aqueous-nonpreserved")
        >>> rule.end_date(_dt.date(2024, 3, 1))
        datetime.date(2024, 3, 14)
        """
        offset = -1 if self.day_counting == "day1" else 0
        try:
            if self.months is not None:
                return _add_months(compounded_on, self.months) + _dt.timedelta(days=offset)
            assert self.days is not None  # guaranteed by the loader
            return compounded_on + _dt.timedelta(days=self.days + offset)
        except OverflowError:
            raise BudError(
                f"compounded_on {compounded_on.isoformat()} is too late in the calendar "
                f"for a {self.length_text} BUD"
            ) from None


@frozen
class BudRuleSet:
    """A BUD table of one chapter revision."""

    id: str
    title: str
    chapter: str
    revision: str
    official: _dt.date | None
    table: str
    status: str
    """``"current"`` or ``"superseded"``."""
    default: bool
    day_counting: str
    day_counting_citation: str
    max_extension_days: int
    rules: tuple[BudRule, ...]
    note: str | None = None

    @property
    def superseded(self) -> bool:
        """True when the chapter revision is no longer official."""
        return self.status == "superseded"

    def rule(self, rule_id: str) -> BudRule:
        """The rule with id ``rule_id``."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        allowed = ", ".join(r.id for r in self.rules)
        raise BudError(f"rule set {self.id!r} has no rule {rule_id!r}; rules: {allowed}")

    def rule_for(self, bud_class: BudClass) -> BudRule:
        """The rule that applies to a classified preparation.

        >>> c = classify(aqueous=False, preserved=False, dosage_form="ointment")
        >>> get_rule_set("usp795-2023").rule_for(c).days
        180
        """
        for rule in self.rules:
            if rule.when.matches(bud_class):
                return rule
        covered = "; ".join(r.description for r in self.rules)
        raise BudError(
            f"rule set {self.id!r} has no rule for a {bud_class.description} preparation "
            f"({bud_class.dosage_form}, route {bud_class.route}); it covers: {covered}"
        )


@frozen
class Classification:
    """How :func:`classify` sorts preparations (from ``[classification]`` in the data)."""

    water_activity_threshold: float
    citation: str
    liquid_dosage_forms: frozenset[str]
    oral_routes: frozenset[str]
    routes: frozenset[str]
    sterile_routes: frozenset[str]


@frozen
class BudClass:
    """A preparation sorted into one of the USP <795> (2023) Table 3 classes."""

    id: str
    """``aqueous-nonpreserved``, ``aqueous-preserved``, ``nonaqueous-oral-liquid`` or
    ``other-nonaqueous``."""
    description: str
    aqueous: bool
    preserved: bool
    oral_liquid: bool
    dosage_form: str
    """Normalised (lower case, single spaces)."""
    route: str
    """Normalised (lower case, single spaces)."""
    water_activity: float | None
    basis: str
    """Why the preparation is (non)aqueous, in words."""


def _check_extension_days(instance: BudExtension, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BudError(f"BudExtension.days must be a whole number of days, got {value!r}")
    if value < 1:
        raise BudError(f"BudExtension.days must be at least 1, got {value}")


def _check_reference(instance: BudExtension, attribute: Any, value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise BudError(
            "BudExtension.reference is required: cite the USP monograph or the "
            f"stability-indicating study that supports the BUD (got {value!r})"
        )


def _check_kind(instance: BudExtension, attribute: Any, value: Any) -> None:
    if value not in _EXTENSION_KINDS:
        raise BudError(
            f"BudExtension.kind must be one of {', '.join(_EXTENSION_KINDS)}; got {value!r}"
        )


def _check_optional_text(instance: BudExtension, attribute: Any, value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise BudError(f"BudExtension.{attribute.name} must be None or text, got {value!r}")


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

    days: int = field(validator=_check_extension_days)
    reference: str = field(validator=_check_reference)
    kind: ExtensionKind = field(default="stability-study", validator=_check_kind)
    storage: str | None = field(default=None, validator=_check_optional_text)
    antimicrobial_effectiveness: str | None = field(default=None, validator=_check_optional_text)


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
            ext_end = _day1_end(self.compounded_on, ext.days)
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


@frozen
class RuleBook:
    """All rule sets and the classification settings, as loaded from the data file."""

    rule_sets: tuple[BudRuleSet, ...]
    classification: Classification
    source: str = _DATA_FILE

    @classmethod
    def from_toml(cls, text: str, *, source: str = "<string>") -> RuleBook:
        """Parse and validate a BUD rules document (the format of ``bud_rules.toml``).

        Errors name the source, the rule set, the rule and the field.

        >>> RuleBook.from_toml("schema = 2", source="x.toml")
        Traceback (most recent call last):
        ...
        compoundkit.errors.BudError: x.toml: unsupported schema 2; this compoundkit reads schema 1
        """
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise BudError(f"{source}: not valid TOML: {exc}") from None
        return _parse_rulebook(data, source)

    def get(self, name: str) -> BudRuleSet:
        """The rule set called ``name``; an unknown name lists the allowed ones."""
        for rule_set in self.rule_sets:
            if rule_set.id == name:
                return rule_set
        allowed = ", ".join(
            f"{rs.id} (superseded)" if rs.superseded else rs.id for rs in self.rule_sets
        )
        raise BudError(f"unknown BUD rule set {name!r}; allowed: {allowed}")

    @property
    def default(self) -> BudRuleSet:
        """The default rule set (exactly one exists; the loader checks it)."""
        return next(rs for rs in self.rule_sets if rs.default)


# --------------------------------------------------------------------------- loading


class _Table:
    """Typed access to one TOML table, with errors that say where the bad value is."""

    def __init__(self, data: object, where: str, allowed: Iterable[str]) -> None:
        self.where = where
        if not isinstance(data, dict):
            raise BudError(f"{where}: expected a table, got {type(data).__name__}")
        unknown = sorted(set(data) - set(allowed))
        if unknown:
            raise BudError(
                f"{where}: unknown field(s) {', '.join(map(repr, unknown))}; "
                f"allowed: {', '.join(sorted(allowed))}"
            )
        self.data: dict[str, Any] = data

    def fail(self, key: str, message: str) -> BudError:
        return BudError(f"{self.where}, field {key!r}: {message}")

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"expected non-empty text, got {value!r}")
        return value

    def req_text(self, key: str) -> str:
        value = self.text(key)
        assert value is not None
        return value

    def positive_int(self, key: str, *, required: bool = True) -> int | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.fail(key, f"expected a positive whole number, got {value!r}")
        return value

    def flag(self, key: str, *, required: bool = True) -> bool | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {value!r}")
        return value

    def date(self, key: str) -> _dt.date | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, _dt.datetime) or not isinstance(value, _dt.date):
            raise self.fail(key, f"expected a TOML date (YYYY-MM-DD), got {value!r}")
        return value

    def words(self, key: str, *, required: bool = True) -> tuple[str, ...] | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v.strip() for v in value)
        ):
            raise self.fail(key, f"expected a non-empty list of text, got {value!r}")
        return tuple(_normalise(v) for v in value)

    def choice(self, key: str, allowed: tuple[str, ...]) -> str:
        value = self.data.get(key)
        if value not in allowed:
            raise self.fail(key, f"expected one of {', '.join(allowed)}, got {value!r}")
        assert isinstance(value, str)
        return value


_RULE_SET_FIELDS: Final = (
    "id",
    "title",
    "chapter",
    "revision",
    "official",
    "table",
    "status",
    "default",
    "day_counting",
    "day_counting_citation",
    "max_extension_days",
    "note",
    "rule",
)
_RULE_FIELDS: Final = (
    "id",
    "description",
    "examples",
    "days",
    "months",
    "storage",
    "storage_label",
    "when",
    "note",
)
_WHEN_FIELDS: Final = ("aqueous", "preserved", "oral_liquid", "routes")
_CLASSIFICATION_FIELDS: Final = (
    "water_activity_threshold",
    "citation",
    "liquid_dosage_forms",
    "oral_routes",
    "routes",
    "sterile_routes",
)


def _parse_rulebook(data: Mapping[str, Any], source: str) -> RuleBook:
    top = _Table(dict(data), source, ("schema", "classification", "rule_set"))
    if top.data.get("schema") != 1:
        raise BudError(
            f"{source}: unsupported schema {top.data.get('schema')!r}; "
            "this compoundkit reads schema 1"
        )
    classification = _parse_classification(top.data.get("classification"), source)
    raw_sets = top.data.get("rule_set")
    if not isinstance(raw_sets, list) or not raw_sets:
        raise top.fail("rule_set", "expected at least one [[rule_set]]")
    rule_sets: list[BudRuleSet] = []
    for index, raw in enumerate(raw_sets):
        rule_set = _parse_rule_set(raw, source, index, classification)
        if any(rs.id == rule_set.id for rs in rule_sets):
            raise BudError(f"{source}: rule set id {rule_set.id!r} is used twice")
        rule_sets.append(rule_set)
    defaults = [rs.id for rs in rule_sets if rs.default]
    if len(defaults) != 1:
        raise BudError(
            f"{source}: exactly one rule set must be the default, found {defaults or 'none'}"
        )
    return RuleBook(tuple(rule_sets), classification, source)


def _parse_classification(raw: object, source: str) -> Classification:
    table = _Table(raw, f"{source}: [classification]", _CLASSIFICATION_FIELDS)
    threshold = table.data.get("water_activity_threshold")
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, float | int)
        or not 0 < threshold < 1
    ):
        raise table.fail(
            "water_activity_threshold", f"expected a number between 0 and 1, got {threshold!r}"
        )

    def words(key: str) -> frozenset[str]:
        value = table.words(key)
        assert value is not None
        return frozenset(value)

    routes = words("routes")
    sterile = words("sterile_routes")
    oral = words("oral_routes")
    if routes & sterile:
        raise table.fail("sterile_routes", f"also listed as routes: {sorted(routes & sterile)}")
    if not oral <= routes:
        raise table.fail("oral_routes", f"not listed in routes: {sorted(oral - routes)}")
    return Classification(
        water_activity_threshold=float(threshold),
        citation=table.req_text("citation"),
        liquid_dosage_forms=words("liquid_dosage_forms"),
        oral_routes=oral,
        routes=routes,
        sterile_routes=sterile,
    )


def _parse_rule_set(
    raw: object, source: str, index: int, classification: Classification
) -> BudRuleSet:
    table = _Table(raw, f"{source}: rule_set #{index + 1}", _RULE_SET_FIELDS)
    set_id = table.req_text("id")
    where = table.where = f"{source}: rule set {set_id!r}"
    status = table.choice("status", _STATUSES)
    default = table.flag("default")
    if default and status == "superseded":
        raise table.fail("default", "a superseded rule set can never be the default")
    day_counting = table.choice("day_counting", _DAY_COUNTING)
    max_extension = table.positive_int("max_extension_days")
    assert max_extension is not None
    official = table.date("official")
    citation = Citation(
        chapter=table.req_text("chapter"),
        revision=table.req_text("revision"),
        official=official,
        table=table.req_text("table"),
        superseded=status == "superseded",
    )
    raw_rules = table.data.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise table.fail("rule", "expected at least one [[rule_set.rule]]")
    rules: list[BudRule] = []
    for index, raw_rule in enumerate(raw_rules):
        rule = _parse_rule(raw_rule, where, index, set_id, citation, day_counting, classification)
        if any(r.id == rule.id for r in rules):
            raise BudError(f"{where}: rule id {rule.id!r} is used twice")
        rules.append(rule)
    _check_no_overlap(rules, where, classification)
    return BudRuleSet(
        id=set_id,
        title=table.req_text("title"),
        chapter=citation.chapter,
        revision=citation.revision,
        official=official,
        table=citation.table,
        status=status,
        default=bool(default),
        day_counting=day_counting,
        day_counting_citation=table.req_text("day_counting_citation"),
        max_extension_days=max_extension,
        rules=tuple(rules),
        note=table.text("note", required=False),
    )


def _parse_rule(
    raw: object,
    where: str,
    index: int,
    set_id: str,
    citation: Citation,
    day_counting: str,
    classification: Classification,
) -> BudRule:
    table = _Table(raw, f"{where}, rule #{index + 1}", _RULE_FIELDS)
    rule_id = table.req_text("id")
    table.where = f"{where}, rule {rule_id!r}"
    days = table.positive_int("days", required=False)
    months = table.positive_int("months", required=False)
    if (days is None) == (months is None):
        raise table.fail("days", "give exactly one of 'days' and 'months'")
    when_table = _Table(table.data.get("when"), f"{table.where}, field 'when'", _WHEN_FIELDS)
    routes = when_table.words("routes", required=False)
    if routes is not None and not set(routes) <= classification.routes:
        unknown = sorted(set(routes) - classification.routes)
        raise when_table.fail("routes", f"unknown route(s) {unknown}")
    when = RuleCondition(
        aqueous=when_table.flag("aqueous", required=False),
        preserved=when_table.flag("preserved", required=False),
        oral_liquid=when_table.flag("oral_liquid", required=False),
        routes=routes,
    )
    return BudRule(
        id=rule_id,
        description=table.req_text("description"),
        days=days,
        months=months,
        storage=table.req_text("storage"),
        storage_label=table.req_text("storage_label"),
        when=when,
        citation=citation,
        rule_set=set_id,
        day_counting=day_counting,
        examples=table.text("examples", required=False),
        note=table.text("note", required=False),
    )


def _check_no_overlap(rules: list[BudRule], where: str, classification: Classification) -> None:
    """Refuse a rule set in which two rules can apply to the same preparation."""
    for aqueous in (True, False):
        for preserved in (True, False):
            for oral_liquid in (True, False):
                for route in sorted(classification.routes):
                    probe = BudClass(
                        id="probe",
                        description="probe",
                        aqueous=aqueous,
                        preserved=preserved,
                        oral_liquid=oral_liquid,
                        dosage_form="probe",
                        route=route,
                        water_activity=None,
                        basis="probe",
                    )
                    hits = [r.id for r in rules if r.when.matches(probe)]
                    if len(hits) > 1:
                        raise BudError(
                            f"{where}: rules {hits} both apply to an "
                            f"{'aqueous' if aqueous else 'nonaqueous'} preparation "
                            f"(preserved={preserved}, oral liquid={oral_liquid}, route {route})"
                        )


@functools.cache
def _rulebook() -> RuleBook:
    """The shipped rule book, loaded and validated once."""
    text = resources.files("compoundkit.records").joinpath("data", _DATA_FILE).read_text("utf-8")
    return RuleBook.from_toml(text, source=f"compoundkit/records/data/{_DATA_FILE}")


def rule_sets() -> tuple[str, ...]:
    """Ids of the shipped rule sets, the default first.

    >>> rule_sets()
    ('usp795-2023', 'usp795-2014')
    """
    book = _rulebook()
    return tuple(rs.id for rs in sorted(book.rule_sets, key=lambda rs: not rs.default))


def get_rule_set(name: str = DEFAULT_RULE_SET) -> BudRuleSet:
    """The shipped rule set called ``name``.

    >>> get_rule_set("usp795-2014").superseded
    True
    >>> get_rule_set("usp795-2020")
    Traceback (most recent call last):
    ...
    compoundkit.errors.BudError: unknown BUD rule set 'usp795-2020';
    allowed: usp795-2023, usp795-2014 (superseded)
    """
    if not isinstance(name, str):
        raise BudError(f"rule set name must be text, got {name!r}")
    return _rulebook().get(name)


# --------------------------------------------------------------------------- classify


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())


def _require_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise BudError(f"{name} must be True or False, got {value!r}")
    return value


def _require_text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BudError(f"{name} must be non-empty text, got {value!r}")
    return _normalise(value)


def classify(
    *,
    aqueous: bool,
    preserved: bool,
    dosage_form: str,
    route: str = "topical",
    water_activity: float | None = None,
) -> BudClass:
    """Sort a preparation into a USP <795> (2023) Table 3 class.

    ``aqueous`` says whether the preparation has a water phase. A measured
    ``water_activity`` decides instead when given: below 0.6 the preparation is
    nonaqueous, otherwise aqueous (the measurement wins over the formula). A nonaqueous
    preparation is a "nonaqueous oral liquid" only when it is a liquid dosage form given by
    mouth; everything else nonaqueous is "other nonaqueous". ``preserved`` only matters for
    aqueous preparations.

    >>> classify(aqueous=True, preserved=False, dosage_form="cream").id
    'aqueous-nonpreserved'
    >>> classify(aqueous=True, preserved=False, dosage_form="gel", water_activity=0.5).id
    'other-nonaqueous'
    >>> classify(aqueous=False, preserved=False, dosage_form="Suspension", route="oral").id
    'nonaqueous-oral-liquid'
    """
    settings = _rulebook().classification
    has_water = _require_bool("aqueous", aqueous)
    is_preserved = _require_bool("preserved", preserved)
    form = _require_text("dosage_form", dosage_form)
    path = _require_text("route", route)
    if path in settings.sterile_routes:
        raise BudError(f"route {path!r} needs a sterile preparation: USP <797> applies, not <795>")
    if path not in settings.routes:
        raise BudError(f"unknown route {path!r}; allowed: {', '.join(sorted(settings.routes))}")
    threshold = settings.water_activity_threshold
    if water_activity is not None:
        if (
            isinstance(water_activity, bool)
            or not isinstance(water_activity, float | int)
            or not math.isfinite(water_activity)
            or not 0 <= water_activity <= 1
        ):
            raise BudError(f"water_activity must be a number from 0 to 1, got {water_activity!r}")
        is_aqueous = water_activity >= threshold
        relation = ">=" if is_aqueous else "<"
        basis = f"water activity {water_activity:g} {relation} {threshold:g} (measured)"
    else:
        is_aqueous = has_water
        basis = (
            f"contains water (aw assumed >= {threshold:g})"
            if has_water
            else "contains no water (nonaqueous)"
        )
    oral_liquid = path in settings.oral_routes and form in settings.liquid_dosage_forms
    if is_aqueous:
        class_id = "aqueous-preserved" if is_preserved else "aqueous-nonpreserved"
    else:
        class_id = "nonaqueous-oral-liquid" if oral_liquid else "other-nonaqueous"
    return BudClass(
        id=class_id,
        description=_CLASS_DESCRIPTIONS[class_id],
        aqueous=is_aqueous,
        preserved=is_preserved,
        oral_liquid=oral_liquid,
        dosage_form=form,
        route=path,
        water_activity=None if water_activity is None else float(water_activity),
        basis=basis,
    )


# --------------------------------------------------------------------------- assign


def _require_date(name: str, value: object) -> _dt.date:
    if isinstance(value, _dt.datetime):
        raise BudError(
            f"{name} must be a date, not a datetime ({value!r}); pass value.date() for the "
            "local calendar day"
        )
    if not isinstance(value, _dt.date):
        raise BudError(f"{name} must be a datetime.date, got {value!r}")
    return value


def _add_months(day: _dt.date, months: int) -> _dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if year > _dt.MAXYEAR:
        raise OverflowError("date out of range")
    last_day = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last_day))


def _day1_end(compounded_on: _dt.date, days: int) -> _dt.date:
    try:
        return compounded_on + _dt.timedelta(days=days - 1)
    except OverflowError:
        raise BudError(
            f"compounded_on {compounded_on.isoformat()} is too late in the calendar "
            f"for a {days}-day BUD"
        ) from None


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
    """Assign a beyond-use date (see the module docstring for the steps).

    ``component_expiries`` maps a component (or lot) name to its expiry date; a
    component that expired before ``compounded_on`` is an error. ``rules`` selects a rule
    set by name (:func:`rule_sets`). ``shorten_to`` sets an earlier date; a later one is
    refused (lengthening needs an ``extension`` with a reference).

    >>> r = assign_bud(compounded_on=_dt.date(2024, 3, 1), aqueous=False,
    ...     preserved=False, dosage_form="ointment", shorten_to=_dt.date(2024, 4, 30))
    >>> r.date, r.days, r.limited_by
    (datetime.date(2024, 4, 30), 61, 'pharmacist shortening')
    """
    start = _require_date("compounded_on", compounded_on)
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
        date, limited_by = _day1_end(start, extension.days), "extension"
        if extension.storage is not None:
            storage = storage_label = extension.storage

    earliest = _earliest_expiry(component_expiries, start)
    if earliest is not None and earliest[1] < date:
        date, limited_by = earliest[1], earliest[0]

    if shorten_to is not None:
        wanted = _require_date("shorten_to", shorten_to)
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
    longer = _day1_end(start, extension.days) > rule_date
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
        checked.append((name, _require_date(f"expiry of component {name!r}", expiry)))
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
