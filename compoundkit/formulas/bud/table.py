"""The BUD table as data: rule sets, their rules and citations, from ``bud_rules.toml``.

``compoundkit/formulas/data/bud_rules.toml`` holds one ``[[rule_set]]`` per chapter
revision (the default is USP <795> as official on 2023-11-01, Table 3; the superseded
2014 table can be chosen by name only) and the ``[classification]`` settings that
:func:`~compoundkit.formulas.bud.classify` sorts by. The document is structured by the one
converter (:func:`compoundkit.documents.structure`) into the classes below; the checks of
meaning (unique ids, one default, exactly one of days and months, known routes, no two
rules for one preparation...) run after, and every problem is reported as
``file:line: field.path: message`` (:class:`~compoundkit.errors.BudRulesError`).

>>> get_rule_set().rule("aqueous-nonpreserved").length_text
'14 days'
>>> RuleBook.from_toml(
...     'schema = 1\\n[classification]\\nwater_activity_threshold = 6', source="mine.toml")
Traceback (most recent call last):
...
compoundkit.errors.BudRulesError: mine.toml: 6 problems:
  mine.toml: rule_set: required, but missing
  mine.toml:2: classification.citation: required, but missing
  ...
"""

from __future__ import annotations

import calendar
import datetime as _dt
import enum
import functools
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import TYPE_CHECKING, Final

from attrs import evolve, field, frozen

from compoundkit._toml import TomlTextError
from compoundkit._toml import parse as parse_toml
from compoundkit.documents import NOT_A_KEY, Path, Text, locate, structure
from compoundkit.errors import BudError, BudRulesError, DocumentError, Problem
from compoundkit.names import name_key

if TYPE_CHECKING:
    from compoundkit.formulas.bud.classes import BudClass

__all__ = [
    "DEFAULT_RULE_SET",
    "SCHEMA",
    "BudRule",
    "BudRuleSet",
    "Citation",
    "Classification",
    "DayCounting",
    "RuleBook",
    "RuleCondition",
    "RuleSetStatus",
    "get_rule_set",
    "last_day",
    "rule_book",
    "rule_sets",
]

DEFAULT_RULE_SET: Final = "usp795-2023"
"""The rule set :func:`~compoundkit.formulas.bud.assign_bud` uses unless told otherwise."""

SCHEMA: Final = 1
"""The version of the rules document format this compoundkit reads."""

_DATA_FILE: Final = "bud_rules.toml"


class DayCounting(enum.StrEnum):
    """How the days of a BUD are counted."""

    DAY1 = "day1"
    """The compounding day is Day 1: an N-day BUD ends on ``compounded_on + N - 1``."""
    DAY0 = "day0"
    """The day after compounding is Day 1: an N-day BUD ends on ``compounded_on + N``."""


class RuleSetStatus(enum.StrEnum):
    """Whether a rule set's chapter revision is still official."""

    CURRENT = "current"
    SUPERSEDED = "superseded"


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
    """The preparations a rule applies to (``when`` in the file); ``None`` matches anything."""

    aqueous: bool | None = None
    preserved: bool | None = None
    oral_liquid: bool | None = None
    routes: tuple[Text, ...] | None = None

    def matches(self, bud_class: BudClass) -> bool:
        """Whether a classified preparation falls under this rule."""
        return (
            (self.aqueous is None or self.aqueous == bud_class.aqueous)
            and (self.preserved is None or self.preserved == bud_class.preserved)
            and (self.oral_liquid is None or self.oral_liquid == bud_class.oral_liquid)
            and (self.routes is None or name_key(bud_class.route) in _keys(self.routes))
        )

    def overlaps(self, other: RuleCondition, routes: Iterable[str]) -> bool:
        """Whether some preparation (on one of ``routes``) matches both conditions.

        >>> RuleCondition(aqueous=True).overlaps(RuleCondition(preserved=False), ["oral"])
        True
        """
        pairs = (
            (self.aqueous, other.aqueous),
            (self.preserved, other.preserved),
            (self.oral_liquid, other.oral_liquid),
        )
        if any(a is not None and b is not None and a != b for a, b in pairs):
            return False
        mine, theirs = (_keys(c.routes if c.routes is not None else routes) for c in (self, other))
        return bool(mine & theirs)


@frozen
class BudRule:
    """One row of a BUD table: a class of preparation and its BUD and storage.

    ``rule_set``, ``citation`` and ``day_counting`` are not keys of a rule in the file:
    they come from the rule set the rule belongs to (:meth:`BudRuleSet.linked`).
    """

    id: Text
    """Stable id within the rule set, e.g. ``"aqueous-nonpreserved"``."""
    description: Text
    """The class as the chapter words it."""
    storage: Text
    """The storage the BUD assumes."""
    storage_label: Text
    """The storage instruction for a label or worksheet."""
    when: RuleCondition
    days: int | None = None
    """BUD length in days, or None when the rule is in months."""
    months: int | None = None
    """BUD length in calendar months, or None when the rule is in days."""
    examples: Text | None = None
    note: Text | None = None
    rule_set: str = field(default="", metadata=NOT_A_KEY)
    """Id of the rule set the rule belongs to."""
    citation: Citation | None = field(default=None, metadata=NOT_A_KEY)
    """The rule set's chapter, revision and table (None only outside a rule set)."""
    day_counting: DayCounting = field(default=DayCounting.DAY1, metadata=NOT_A_KEY)

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
        return last_day(compounded_on, self.days, self.months, self.day_counting)


def last_day(
    compounded_on: _dt.date,
    days: int | None,
    months: int | None = None,
    counting: DayCounting = DayCounting.DAY1,
) -> _dt.date:
    """The last day of use of a BUD of ``days`` (or calendar ``months``), counted as
    ``counting`` says, for a preparation made on ``compounded_on``.

    >>> last_day(_dt.date(2024, 1, 31), None, 1)
    datetime.date(2024, 2, 28)
    """
    offset = -1 if counting == DayCounting.DAY1 else 0
    try:
        if months is None:
            assert days is not None  # a rule has one of them (the loader checks it)
            return compounded_on + _dt.timedelta(days=days + offset)
        index = compounded_on.month - 1 + months
        year, month = compounded_on.year + index // 12, index % 12 + 1
        day = min(compounded_on.day, calendar.monthrange(year, month)[1])
        return compounded_on.replace(year=year, month=month, day=day) + _dt.timedelta(days=offset)
    except (OverflowError, ValueError):  # past year 9999
        length = f"{days}-day" if months is None else f"{months}-month"
        raise BudError(
            f"compounded_on {compounded_on.isoformat()} is too late in the calendar "
            f"for a {length} BUD"
        ) from None


@frozen(kw_only=True)
class BudRuleSet:
    """A BUD table of one chapter revision (a ``[[rule_set]]`` of the file)."""

    id: Text
    title: Text
    chapter: Text
    revision: Text
    official: _dt.date | None = None
    table: Text
    status: RuleSetStatus
    default: bool
    day_counting: DayCounting
    day_counting_citation: Text
    max_extension_days: int
    note: Text | None = None
    rules: tuple[BudRule, ...] = field(alias="rule")
    """The rules (``[[rule_set.rule]]``), in order: the first that matches applies."""

    @property
    def superseded(self) -> bool:
        """True when the chapter revision is no longer official."""
        return self.status == RuleSetStatus.SUPERSEDED

    @property
    def citation(self) -> Citation:
        """Chapter, revision, official date and table, as each rule cites them."""
        return Citation(self.chapter, self.revision, self.official, self.table, self.superseded)

    def linked(self) -> BudRuleSet:
        """This rule set, its rules carrying its id, citation and day counting.

        Reading a rules document links every rule set; a rule set built in code is
        linked by calling this.
        """
        rules = tuple(
            evolve(r, rule_set=self.id, citation=self.citation, day_counting=self.day_counting)
            for r in self.rules
        )
        return evolve(self, rule=rules)

    def rule(self, rule_id: str) -> BudRule:
        """The rule with id ``rule_id``."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        allowed = ", ".join(r.id for r in self.rules)
        raise BudError(f"rule set {self.id!r} has no rule {rule_id!r}; rules: {allowed}")

    def rule_for(self, bud_class: BudClass) -> BudRule:
        """The rule that applies to a classified preparation.

        >>> from compoundkit.formulas.bud import classify
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
    """How :func:`~compoundkit.formulas.bud.classify` sorts preparations (``[classification]``).

    Names (dosage forms, routes) compare by :func:`compoundkit.names.name_key`.
    """

    water_activity_threshold: float
    citation: Text
    liquid_dosage_forms: tuple[Text, ...]
    oral_routes: tuple[Text, ...]
    routes: tuple[Text, ...]
    sterile_routes: tuple[Text, ...]


@frozen
class RuleBook:
    """All rule sets and the classification settings: a whole rules document."""

    rule_sets: tuple[BudRuleSet, ...] = field(alias="rule_set")
    classification: Classification
    schema: int
    """The document format version (:data:`SCHEMA`)."""
    source: str = field(default=_DATA_FILE, metadata=NOT_A_KEY)
    """The file the rules were read from."""

    @classmethod
    def from_toml(cls, text: str, *, source: str = "<string>") -> RuleBook:
        """Read and check a rules document (the format of ``bud_rules.toml``).

        Every problem is listed as ``file:line: field.path: message``.

        >>> RuleBook.from_toml("schema = 2", source="x.toml")
        Traceback (most recent call last):
        ...
        compoundkit.errors.BudRulesError: x.toml:1: schema: unsupported schema 2;
        this compoundkit reads schema 1
        """
        try:
            data = parse_toml(text)
        except TomlTextError as exc:
            raise BudRulesError([Problem((), str(exc), exc.line)], file=source) from None
        schema = data.get("schema", SCHEMA)
        if schema != SCHEMA or isinstance(schema, bool):
            message = f"unsupported schema {schema!r}; this compoundkit reads schema {SCHEMA}"
            raise BudRulesError(
                [Problem(("schema",), message, locate(text, ("schema",)))], file=source
            )
        try:
            book = structure(data, cls, source=source, text=text)
        except DocumentError as exc:
            raise BudRulesError(exc.problems, file=source) from None
        book = evolve(book, rule_set=tuple(rs.linked() for rs in book.rule_sets), source=source)
        problems = [Problem(path, message, locate(text, path)) for path, message in book._check()]
        if problems:
            raise BudRulesError(problems, file=source)
        return book

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

    def _check(self) -> Iterator[tuple[Path, str]]:
        """Every problem of meaning, as (path, message)."""
        yield from _check_classification(self.classification)
        routes = self.classification.routes
        defaults = [rs.id for rs in self.rule_sets if rs.default]
        if len(defaults) != 1:
            found = ", ".join(defaults) or "none"
            yield ("rule_set",), f"exactly one rule set must be the default, found {found}"
        seen: set[str] = set()
        for index, rule_set in enumerate(self.rule_sets):
            where: Path = ("rule_set", index)
            if rule_set.id in seen:
                yield (*where, "id"), f"rule set id {rule_set.id!r} is used twice"
            seen.add(rule_set.id)
            yield from _check_rule_set(rule_set, where, routes)


# --------------------------------------------------------------------------- checks


def _keys(names: Iterable[str]) -> frozenset[str]:
    return frozenset(name_key(n) for n in names)


def _positive(value: int | None, path: Path) -> Iterator[tuple[Path, str]]:
    if value is not None and value < 1:
        yield path, f"must be a positive whole number, not {value}"


def _check_classification(settings: Classification) -> Iterator[tuple[Path, str]]:
    where: Path = ("classification",)
    threshold = settings.water_activity_threshold
    if not 0 < threshold < 1:
        yield (*where, "water_activity_threshold"), f"must be between 0 and 1, not {threshold:g}"
    for name in ("liquid_dosage_forms", "oral_routes", "routes", "sterile_routes"):
        if not getattr(settings, name):
            yield (*where, name), "must list at least one name"
    routes = _keys(settings.routes)
    both = sorted(r for r in settings.sterile_routes if name_key(r) in routes)
    if both:
        yield (*where, "sterile_routes"), f"also listed as routes: {', '.join(both)}"
    unknown = sorted(r for r in settings.oral_routes if name_key(r) not in routes)
    if unknown:
        yield (*where, "oral_routes"), f"not listed in routes: {', '.join(unknown)}"


def _check_rule_set(
    rule_set: BudRuleSet, where: Path, routes: tuple[str, ...]
) -> Iterator[tuple[Path, str]]:
    if rule_set.default and rule_set.superseded:
        yield (*where, "default"), "a superseded rule set can never be the default"
    yield from _positive(rule_set.max_extension_days, (*where, "max_extension_days"))
    if not rule_set.rules:
        yield (*where, "rule"), "expected at least one [[rule_set.rule]]"
    known = _keys(routes)
    for index, rule in enumerate(rule_set.rules):
        at: Path = (*where, "rule", index)
        if any(r.id == rule.id for r in rule_set.rules[:index]):
            yield (*at, "id"), f"rule id {rule.id!r} is used twice in this rule set"
        if (rule.days is None) == (rule.months is None):
            yield (*at, "days"), "give exactly one of 'days' and 'months'"
        yield from _positive(rule.days, (*at, "days"))
        yield from _positive(rule.months, (*at, "months"))
        given = rule.when.routes
        if given is not None and not given:
            yield (*at, "when", "routes"), "must list at least one route (or be left out)"
        unknown = sorted(r for r in given or () if name_key(r) not in known)
        if unknown:
            allowed = ", ".join(sorted(routes))
            yield (*at, "when", "routes"), f"unknown route(s) {unknown}; allowed: {allowed}"
        for earlier in rule_set.rules[:index]:
            if earlier.when.overlaps(rule.when, routes):
                both = f"rules {earlier.id!r} and {rule.id!r} both apply to some preparations"
                yield (*at, "when"), f"{both}; each preparation must fall under one rule"


# --------------------------------------------------------------------------- the shipped book


@functools.cache
def rule_book() -> RuleBook:
    """The shipped rule book, read and checked once.

    >>> rule_book().classification.water_activity_threshold
    0.6
    """
    text = resources.files("compoundkit.formulas").joinpath("data", _DATA_FILE).read_text("utf-8")
    return RuleBook.from_toml(text, source=f"compoundkit/formulas/data/{_DATA_FILE}")


def rule_sets() -> tuple[str, ...]:
    """Ids of the shipped rule sets, the default first.

    >>> rule_sets()
    ('usp795-2023', 'usp795-2014')
    """
    book = rule_book()
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
    return rule_book().get(name)
