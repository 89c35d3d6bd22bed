"""What a compounding record needs before it is final, as findings.

A record is final (released) only with an approved MFR version, a lot and an expiry for
every component, an actual quantity for every line, a compounder and a verifier who are
different people (:func:`~compoundkit.names.name_key`), a BUD, and a documented,
acknowledged deviation for every line outside its tolerance. USP <795> (2023) asks that
each compounding record be reviewed for completeness before the preparation is
released (https://www.naplexstudy.com/2024/02/master-formulation-and-compounding-records.html);
compounding teaching allows +/- 5 % for most weighings
(https://pharmlabs.unc.edu/labs/measurements/weigh.htm), and compounding software checks
each weighing against the variance set for it
(https://github.com/Pharmetika/gitbook-docs, "compounding a lot").

Each gap is a :class:`~compoundkit.formulas.findings.Finding` with a stable code:

- ``CK301`` error: an actual quantity outside its tolerance, no deviation documented;
- ``CK302`` warning: outside its tolerance, with a documented deviation;
- ``CK303`` error: the MFR version is not approved;
- ``CK304`` error: a component has no lot number or no expiry;
- ``CK305`` error: a line has no actual quantity;
- ``CK306`` error: no verifier, or the verifier compounded it;
- ``CK307`` error: not verified yet (only when releasing);
- ``CK308`` warning: the compounding date is in the future or more than ten years ago;
- ``CK309`` error: a correction refused (it changes nothing, or breaks the record);
- ``CK310`` and ``CK311`` errors: an MFR approval refused (by its author; an element
  missing), from :meth:`~compoundkit.records.mfr.MasterFormulationRecord.approve`.

>>> c = _component("Ketoprofen", 12.0, 120.0)
>>> print(out_of_tolerance_finding(c).message)
weighed 120 g for a target of 12 g: +108 g (+900.00 %), outside ±5 % (11.4 g to 12.6 g)
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

from compoundkit.errors import (
    IncompleteRecordError,
    OutOfToleranceError,
    RecordError,
    RecordRefusedError,
)
from compoundkit.formulas.findings import Finding, Report, Severity
from compoundkit.records.mfr import same_person

if TYPE_CHECKING:
    from compoundkit.records.cr import ComponentRecord, CompoundingRecord

__all__ = [
    "DATE_SPAN_YEARS",
    "VERIFY_CODES",
    "check_signoffs",
    "date_findings",
    "findings",
    "gaps",
    "out_of_tolerance_finding",
    "refusal",
]

DATE_SPAN_YEARS: Final = 10
"""A compounding date more than this many years ago is a warning (a mistyped year)."""
VERIFY_CODES: Final = frozenset({"CK301", "CK305"})
"""The gaps that also keep a record from being verified (what the verifier checks)."""

_USP_REVIEW: Final = "USP <795> (2023): the CR is reviewed for completeness before release"
_TOLERANCE_SOURCE: Final = "weighing tolerance: +/- 5 % for most weighings unless set"


def _grams(value: float) -> str:
    return f"{value:.4g} g"


def _signed(value: float) -> str:
    return f"{value:+.4g} g"


def out_of_tolerance_finding(c: ComponentRecord, reason: str | None = None) -> Finding:
    """The finding for a line outside its tolerance: ``CK301`` (an error) without a
    documented ``reason``, ``CK302`` (a warning) with one."""
    assert c.weighed_g is not None
    low, high = c.limits_g
    percent = c.deviation_percent
    shown = "" if percent is None else f" ({percent:+.2f} %)"
    message = (
        f"weighed {_grams(c.weighed_g)} for a target of {_grams(c.target_g)}: "
        f"{_signed(c.weighed_g - c.target_g)}{shown}, outside \u00b1{c.tolerance:g} % "
        f"({_grams(low)} to {_grams(high)})"
    )
    if reason is None:
        return Finding(
            "CK301",
            Severity.ERROR,
            message,
            c.name,
            f"weigh it again, or document the deviation: --deviation "
            f'"{c.name.lower()}=reason" (document_deviations() in Python)',
            _TOLERANCE_SOURCE,
        )
    return Finding("CK302", Severity.WARNING, f"{message}; documented: {reason}", c.name,
                   "the verifier acknowledges it by verifying", _TOLERANCE_SOURCE)  # fmt: skip


def same_person_finding(compounder: str) -> Finding:
    """CK306 for a verifier who is the compounder."""
    return Finding(
        "CK306",
        Severity.ERROR,
        f"{compounder} compounded it and cannot verify it; a second person must",
        None,
        "name another person with --verified-by",
        _USP_REVIEW,
    )


def not_verified_finding(state: str) -> Finding:
    """CK307: a record released before it is verified."""
    return Finding(
        "CK307",
        Severity.ERROR,
        f"not verified (the record is {state}); the second person verifies it first",
        None,
        "the verifier verifies it, then releases it (--verified-by NAME)",
        _USP_REVIEW,
    )


def _reasons(record: CompoundingRecord) -> dict[str, str]:
    from compoundkit.names import name_key

    return {name_key(d.component): d.reason for d in record.line_deviations or ()}


def gaps(record: CompoundingRecord) -> tuple[Finding, ...]:
    """What keeps ``record`` from being final, as error-level findings, in this order:
    the MFR, lots and expiries, actual quantities, tolerances, the verifier."""
    from compoundkit.names import name_key

    found: list[Finding] = []
    mfr = record.mfr
    if not mfr.is_approved:
        found.append(
            Finding(
                "CK303",
                Severity.ERROR,
                f"MFR {mfr.record_id} v{mfr.version} is not approved",
                None,
                "approve it (compoundkit record approve MFR_FILE --by NAME) and compound "
                "from the approved file",
                _USP_REVIEW,
            )
        )
    for c in record.components:
        what = [w for w, v in (("lot", c.lot), ("expiry", c.expiry)) if v is None]
        if what:
            found.append(
                Finding(
                    "CK304",
                    Severity.ERROR,
                    f"no {' and '.join(what)} for {c.name}",
                    c.name,
                    f'--lot "{c.name.lower()}=LOT:YYYY-MM-DD"',
                    _USP_REVIEW,
                )
            )
    for c in record.components:
        if c.weighed_g is None:
            found.append(
                Finding(
                    "CK305",
                    Severity.ERROR,
                    f"no actual quantity for {c.name}",
                    c.name,
                    f'--weighed "{c.name.lower()}=AMOUNT"',
                    _USP_REVIEW,
                )
            )
    reasons = _reasons(record)
    for c in record.components:
        if c.out_of_tolerance and name_key(c.name) not in reasons:
            found.append(out_of_tolerance_finding(c))
    if record.verified_by is None:
        found.append(
            Finding(
                "CK306",
                Severity.ERROR,
                "no verifier: a second person verifies the record",
                None,
                "--verified-by NAME",
                _USP_REVIEW,
            )
        )
    return tuple(found)


def date_findings(prepared_at: _dt.datetime, today: _dt.date | None = None) -> tuple[Finding, ...]:
    """CK308 when the compounding date is after ``today`` or over ten years before it.

    >>> [f.message for f in date_findings(_dt.datetime(1924, 3, 1, 9, 30),
    ...                                   _dt.date(2024, 3, 1))]
    ['compounded on 1924-03-01, more than 10 years ago: check the year']
    """
    today = today or _dt.date.today()
    day = prepared_at.date()
    if day > today:
        message = f"compounded on {day.isoformat()}, which is in the future"
    elif day < today - _dt.timedelta(days=round(365.25 * DATE_SPAN_YEARS)):
        message = (
            f"compounded on {day.isoformat()}, more than {DATE_SPAN_YEARS} years ago: "
            "check the year"
        )
    else:
        return ()
    return (Finding("CK308", Severity.WARNING, message, None, "check --date", ""),)


def findings(record: CompoundingRecord, today: _dt.date | None = None) -> Report:
    """Every finding about ``record``: its gaps, its documented deviations, its date."""
    from compoundkit.names import name_key

    reasons = _reasons(record)
    documented = [
        out_of_tolerance_finding(c, reasons[name_key(c.name)])
        for c in record.components
        if c.out_of_tolerance and name_key(c.name) in reasons
    ]
    return Report((*gaps(record), *documented, *date_findings(record.prepared_at, today)))


def refusal(message: str, found: Iterable[Finding]) -> RecordRefusedError:
    """The exception for a refused step: :class:`OutOfToleranceError` when a line is out
    of tolerance without a deviation, else :class:`IncompleteRecordError`; the message
    lists every finding."""
    items = tuple(found)
    listing = "\n".join(f"  {f.code} {f.component or 'record'}: {f.message}" for f in items)
    text = f"{message}:\n{listing}"
    if any(f.code == "CK301" for f in items):
        return OutOfToleranceError(text, items)
    return IncompleteRecordError(text, items)


_ORDER: Final = ("prepared", "weighed", "verified", "released")


def check_signoffs(record: CompoundingRecord) -> None:
    """Refuse steps that the record's content does not support (on construction and
    when a saved record is read): out of order or repeated, ``weighed`` with a line
    unweighed, ``verified`` by someone else than the verifier or with an unacknowledged
    deviation, ``released`` with a gap."""
    steps = record.signoffs
    if steps is None:
        return
    where = f"compounding record {record.internal_id}: signoffs"
    names = [s.step for s in steps]
    if (
        not names
        or names[0] != "prepared"
        or names != sorted(names, key=_ORDER.index)
        or len(set(names)) != len(names)
    ):
        raise RecordError(f"{where}: steps must be {', '.join(_ORDER)} in order, got {names}")
    if "weighed" in names and record.unweighed():
        raise RecordError(f"{where}: weighed, but {', '.join(record.unweighed())} not weighed")
    if "verified" in names:
        verifier = steps[names.index("verified")].by
        if not same_person(verifier, record.verified_by):
            raise RecordError(f"{where}: verified by {verifier!r}, not the verifier")
        if "weighed" not in names:
            raise RecordError(f"{where}: verified before it was weighed")
        for deviation in record.line_deviations or ():
            if deviation.acknowledged_by is None:
                raise RecordError(
                    f"{where}: verified, but the deviation of {deviation.component} is not "
                    "acknowledged by the verifier"
                )
    if "released" in names:
        if "verified" not in names:
            raise RecordError(f"{where}: released before it was verified")
        missing = gaps(record)
        if missing:
            listing = "; ".join(f"{f.code} {f.message}" for f in missing)
            raise RecordError(f"{where}: released, but {listing}")


def _component(name: str, target: float, weighed: float) -> ComponentRecord:
    """A component for the examples above."""
    from compoundkit.records.cr import ComponentRecord

    return ComponentRecord(name, "active", target, weighed_g=weighed)
