"""``compoundkit bud``, ``compoundkit record mfr|cr|approve|correct`` and ``compoundkit log ...``.

Beyond-use dates, master formulation and compounding records (worksheets in Markdown,
HTML, JSON, TOML or PDF) through their life (approve, prepare, weigh, verify, release,
correct), and the tamper-evident record log. (Over 500 lines on purpose: the record and
log commands share their options, paths and error handling.)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NoReturn

import attrs
import click

from compoundkit.cli._common import (
    WHOLE_NUMBER,
    InputError,
    echo_json,
    handle_errors,
    key_values,
    output_options,
    output_target,
    printable,
    write_file,
)

if TYPE_CHECKING:
    from compoundkit.formulas import Formulation
    from compoundkit.records.cr import CompoundingRecord
    from compoundkit.records.log import LogEntry, RecordLog
    from compoundkit.records.mfr import MasterFormulationRecord

__all__ = ["bud", "log", "record"]

_RULE_SETS: Final = ("usp795-2023", "usp795-2014")
_DATE_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME_RE: Final = re.compile(r"\d{2}:\d{2}")
_SUFFIXES: Final = {
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".toml": "toml",
    ".pdf": "pdf",
}
_FORMATS: Final = ("md", "html", "json", "toml", "pdf")


# --------------------------------------------------------------------------- helpers


def _iso_date(text: str | None, option: str) -> dt.date:
    """A strict ISO date (YYYY-MM-DD); today when ``text`` is None."""
    if text is None:
        return dt.date.today()
    value = text.strip()
    if _DATE_RE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise InputError(f"{option}: {value} is not a day ({_why_not_a_day(value)})") from None
    raise InputError(f"{option}: {text!r} is not a date; write YYYY-MM-DD, such as 2024-03-01")


def _why_not_a_day(value: str) -> str:
    """Why a date written YYYY-MM-DD names no day: ``November has 30 days``."""
    import calendar

    year, month, _ = (int(part) for part in value.split("-"))
    if not 1 <= month <= 12:
        return f"there is no month {month:02d}"
    days = calendar.monthrange(year, month)[1] if year >= 1 else 31
    return f"{calendar.month_name[month]} {year} has {days} days"


def _clock(text: str | None, option: str) -> dt.time:
    if text is None:
        return dt.datetime.now().time().replace(second=0, microsecond=0)
    value = text.strip()
    if _TIME_RE.fullmatch(value):
        with contextlib.suppress(ValueError):
            return dt.time.fromisoformat(value)
    raise InputError(f"{option}: {text!r} is not a time; write HH:MM (24 h), such as 09:30")


def _checked_path(path: str, what: str) -> Path:
    from compoundkit._files import check_output_path

    with handle_errors():
        return check_output_path(path, what=what)


def _output_format(output: str | None, fmt: str | None) -> str:
    if fmt is not None:
        return fmt
    if output is None:
        return "md"
    suffix = Path(output).suffix.lower()
    if suffix not in _SUFFIXES:
        raise InputError(
            f"-o: cannot tell the format of {output!r}; end it in .html, .md, .json, .toml "
            "or .pdf, or give --format"
        )
    return _SUFFIXES[suffix]


def _render(record: MasterFormulationRecord | CompoundingRecord, fmt: str) -> str | bytes:
    from compoundkit.records import render, serialize
    from compoundkit.records.mfr import MasterFormulationRecord

    is_mfr = isinstance(record, MasterFormulationRecord)
    if fmt == "json":
        return serialize.dumps_record(record, "json")
    if fmt == "toml":
        return serialize.dumps_record(record, "toml")
    if fmt == "md":
        return render.mfr_to_markdown(record) if is_mfr else render.cr_to_markdown(record)  # type: ignore[arg-type]
    html = render.mfr_to_html(record) if is_mfr else render.cr_to_html(record)  # type: ignore[arg-type]
    return html if fmt == "html" else render.html_to_pdf(html)


def _emit(data: str | bytes, target: Path | None, *, force: bool = False) -> None:
    if target is None:
        if isinstance(data, bytes):
            raise InputError("PDF is binary: give -o FILE.pdf")
        click.echo(data.rstrip("\n"))
        return
    write_file(data, target, force=force)


def _report_missing(what: str, missing: tuple[Any, ...]) -> None:
    if missing:
        listing = "; ".join(str(m) for m in missing)
        click.echo(f"note: {what} is incomplete; USP elements missing: {listing}", err=True)


@contextlib.contextmanager
def _formula_errors(formula: str) -> Iterator[None]:
    """A formula with error-level findings: print them, exit 1 (as ``batch`` does)."""
    from compoundkit.errors import FormulationError

    try:
        yield
    except FormulationError as exc:
        from compoundkit.cli._table import print_findings

        print_findings(exc.findings)
        click.echo(f"{formula}: no record made: the formula has errors", err=True)
        raise SystemExit(1) from None


def _load_source(path: str) -> MasterFormulationRecord | Formulation:
    """A saved MFR (.json/.toml with ``schema = "compoundkit.mfr"``) or a formula file."""
    from compoundkit.formulas import load_formula
    from compoundkit.records.mfr import MasterFormulationRecord
    from compoundkit.records.serialize import MAX_RECORD_BYTES, load_record

    source = Path(path)
    if source.suffix.lower() in (".json", ".toml") and source.is_file():
        import tomllib

        data: object = None
        # Unreadable or malformed: load_formula reports it (with the line and field).
        with contextlib.suppress(OSError, ValueError, RecursionError):
            raw = source.read_bytes()[: MAX_RECORD_BYTES + 1].decode("utf-8")
            data = json.loads(raw) if source.suffix.lower() == ".json" else tomllib.loads(raw)
        if isinstance(data, dict) and "schema" in data:
            record = load_record(source)
            if not isinstance(record, MasterFormulationRecord):
                raise InputError(f"{path} is a compounding record; give a formula or a saved MFR")
            return record
    return load_formula(path)


def _mfr_for(
    path: str, *, author: str | None, rules: str | None, size: str | None
) -> MasterFormulationRecord:
    from compoundkit.records.mfr import MasterFormulationRecord

    source = _load_source(path)
    if isinstance(source, MasterFormulationRecord):
        if rules is not None or size is not None or author is not None:
            raise InputError(
                f"{path} is a saved MFR: --rules, --reference-batch and --author apply to a "
                "formula (revise the MFR to change them)"
            )
        return source
    return MasterFormulationRecord.create(
        source, author=author, rules=rules or "usp795-2023", reference_batch=size
    )


# --------------------------------------------------------------------------- bud


@click.command(
    epilog="Examples:\n\n\b\n"
    "  compoundkit bud examples/muscle-spasm-cream.toml --date 2024-03-01\n"
    "  compoundkit bud cream.toml --date 2024-03-01 --expiry ketoprofen=2024-03-10\n"
    "  compoundkit bud cream.toml --rules usp795-2014\n"
    "  compoundkit bud cream.toml --format json\n\n"
    "The first line of the text output is the BUD (YYYY-MM-DD) and the rule or component "
    "that set it. Day 1 is the compounding day (USP <795> 2023)."
)
@click.argument("formula", metavar="FORMULA")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="Compounding day (Day 1); default today.")
@click.option(
    "--expiry",
    "expiries",
    multiple=True,
    metavar="NAME=YYYY-MM-DD",
    help="Expiry of a component lot; the BUD never passes the earliest (repeatable).",
)
@click.option(
    "--rules",
    type=click.Choice(_RULE_SETS),
    default="usp795-2023",
    show_default=True,
    help="BUD rule set (the superseded 2014 table only by name).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def bud(formula: str, day: str | None, expiries: tuple[str, ...], rules: str, fmt: str) -> None:
    """Assign the beyond-use date of a preparation of FORMULA."""
    from compoundkit.errors import RecordError
    from compoundkit.formulas import load_formula
    from compoundkit.formulas.bud import get_rule_set

    start = _iso_date(day, "--date")
    given = key_values(expiries, "--expiry", "ketoprofen=2026-01-31")
    with handle_errors():
        formulation = load_formula(formula)
        dated: dict[str, dt.date] = {}
        for name, text in given.items():
            try:
                component = formulation.resolve_component(name)
            except RecordError as exc:
                raise InputError(f"--expiry: {exc}") from None
            if component in dated:
                raise InputError(f"--expiry: {component} is given twice")
            dated[component] = _iso_date(text, f"--expiry {name}")
        result = formulation.bud(start, expiries=dated, rules=rules)
        rule_set = get_rule_set(rules)
    rule = result.rule
    if result.limited_by is None:
        set_by = f"rule: {rule.citation}: {rule.description}, {rule.length_text}"
    elif result.limited_by == "extension":  # pragma: no cover - the CLI takes no extension
        set_by = "extension"
    else:
        set_by = f"capped by the expiry of {result.limited_by}"
    if fmt == "json":
        earliest = result.earliest_expiry
        echo_json(
            json.dumps(
                {
                    "formula": formulation.name,
                    "bud": result.date.isoformat(),
                    "days": result.days,
                    "compounded_on": result.compounded_on.isoformat(),
                    "storage": result.storage,
                    "storage_label": result.storage_label,
                    "class": result.bud_class.id,
                    "rule_set": result.rule_set,
                    "rule": {
                        "id": rule.id,
                        "description": rule.description,
                        "length": rule.length_text,
                        "citation": str(rule.citation),
                        "date": result.rule_date.isoformat(),
                    },
                    "limited_by": result.limited_by,
                    "earliest_expiry": None
                    if earliest is None
                    else {"component": earliest[0], "date": earliest[1].isoformat()},
                    "explanation": result.explain(),
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    click.echo(f"{result.date.isoformat()}  {set_by}")
    click.echo(f"{formulation.name}: {result.bud_class.description} ({result.bud_class.basis})")
    click.echo(result.explain())
    click.echo(f"Storage: {result.storage_label}")
    if rule_set.superseded:
        click.echo(f"note: {rule_set.id} is superseded; {rule_set.note or ''}".rstrip(), err=True)


# --------------------------------------------------------------------------- record


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Examples:\n\n\b\n"
    "  compoundkit record mfr examples/muscle-spasm-cream.toml -o mfr.toml --author 'A. Chen'\n"
    "  compoundkit record approve mfr.toml --by 'B. Osei'\n"
    "  compoundkit record cr mfr.approved.toml --size 120g --lot ketoprofen=K123:2027-01-31 \\\n"
    "      ... --weighed ketoprofen=12.01g ... --by 'A. Chen' --verified-by 'B. Osei' \\\n"
    "      --log records.db -o rx1001.html\n"
    "  compoundkit record correct R000001 --reason 'lot mistyped' --by 'B. Osei' \\\n"
    "      --lot ketoprofen=K124:2027-01-31 --log records.db",
)
def record() -> None:
    """Master formulation records (mfr, approve) and compounding records (cr, correct)."""


@record.command(
    "mfr",
    epilog="Examples:\n\n\b\n"
    "  compoundkit record mfr examples/muscle-spasm-cream.toml\n"
    "  compoundkit record mfr cream.toml -o mfr.html --author 'A. Chen'\n"
    "  compoundkit record mfr cream.toml -o mfr.json\n"
    "  compoundkit record mfr saved-mfr.toml -o mfr.pdf   (needs compoundkit[pdf])\n\n"
    "FORMULA is a formula file, or a saved MFR (.json/.toml) to render. The worksheet lists "
    "every USP <795> MFR element and marks the missing ones; fill them in a saved MFR "
    "(-o mfr.toml, edit, render again).",
)
@click.argument("formula", metavar="FORMULA")
@output_options("Write to FILE (.html, .md, .json, .toml, .pdf).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(_FORMATS),
    help="Output format (default: from -o, else md).",
)
@click.option("--author", metavar="NAME", help="Who wrote the MFR.")
@click.option(
    "--reference-batch",
    "size",
    metavar="SIZE",
    help="Batch for the calculations (default: the formula's makes, or 100g).",
)
@click.option("--rules", type=click.Choice(_RULE_SETS), help="BUD rule set [default: usp795-2023].")
def record_mfr(
    formula: str,
    output: str | None,
    force: bool,
    fmt: str | None,
    author: str | None,
    size: str | None,
    rules: str | None,
) -> None:
    """Print or save the master formulation record of FORMULA."""
    printable("--author", author)
    kind = _output_format(output, fmt)
    target = output_target(output, force=force, inputs={formula: "FORMULA"})
    with handle_errors(), _formula_errors(formula):
        mfr = _mfr_for(formula, author=author, rules=rules, size=size)
        data = _render(mfr, kind)
    _emit(data, target, force=force)
    _report_missing(f"MFR {mfr.record_id} v{mfr.version}", mfr.missing_elements())


# --------------------------------------------------------------------------- log


_LOG_OPTION: Final = click.option(
    "--log",
    "log_path",
    required=True,
    metavar="PATH|URL",
    help="The record log: a SQLite file, or postgresql://user@host:port/dbname.",
)


def _log_target(value: str) -> Path | str:
    """A record log's file (checked like every output path), or its PostgreSQL URL."""
    from compoundkit.records.log import is_log_url

    return value if is_log_url(value) else _checked_path(value, "record log")


@contextlib.contextmanager
def _open_log(path: str) -> Iterator[RecordLog]:
    """The record log at ``path``, opened read-only (a missing log is an error)."""
    from compoundkit.records.log import open_log

    target = _log_target(path)
    with handle_errors():
        opened = open_log(target, readonly=True)
    with opened:
        yield opened


# ----------------------------------------------------------- record cr, approve, correct


def _lots(values: tuple[str, ...], vendors: dict[str, str]) -> dict[str, Any]:
    from compoundkit.names import name_key
    from compoundkit.records.cr import Lot

    lots: dict[str, Any] = {}
    vendor_for = {name_key(name): (name, vendor) for name, vendor in vendors.items()}
    for name, value in key_values(values, "--lot", "ketoprofen=K123:2026-01-31").items():
        printable(f"--lot {name}", value)
        lot, sep, expiry = value.rpartition(":")
        if not sep or not lot.strip():
            raise InputError(
                f"--lot: {name}={value!r} should be NAME=LOT:EXPIRY, such as "
                "ketoprofen=K123:2026-01-31"
            )
        day = _iso_date(expiry, f"--lot {name}")
        vendor = vendor_for.pop(name_key(name), (name, None))[1]
        with handle_errors():
            lots[name] = Lot(lot.strip(), day, vendor)
    if vendor_for:
        names = ", ".join(name for name, _ in vendor_for.values())
        raise InputError(f"--vendor: give a --lot for {names} too")
    return lots


def _refused(head: str, findings: Any, tail: str) -> NoReturn:
    """Print a refusal with every finding (as ``check`` prints them) and exit 1."""
    from compoundkit.formulas.findings import Report

    click.echo(f"compoundkit: {head}:", err=True)
    for line in Report(tuple(findings)).to_text().splitlines():
        click.echo(f"  {line}", err=True)
    click.echo(tail, err=True)
    raise SystemExit(1)


def _warn(findings: Any) -> None:
    for finding in findings:
        click.echo(f"warning: {finding}", err=True)


def _tolerance_option(value: str | None) -> float | None:
    from compoundkit.formulas.model import parse_tolerance

    if value is None:
        return None
    with handle_errors():
        try:
            return parse_tolerance(value, "--tolerance")
        except InputError:
            raise
        except Exception as exc:  # a CompoundkitError: shown as an input error
            raise InputError(str(exc)) from None


@record.command(
    "cr",
    epilog="Examples:\n\n\b\n"
    "  compoundkit record cr mfr.approved.toml --size 120g --id RX-1042 \\\n"
    "      --lot ketoprofen=K123:2027-01-31 --lot cyclobenzaprine=C9:2027-05-01 ... \\\n"
    "      --weighed ketoprofen=12.01g --weighed cyclobenzaprine=2.4g ... \\\n"
    "      --by 'A. Chen' --verified-by 'B. Osei' --log records.db -o rx1042.html\n"
    "  compoundkit record cr cream.toml --size 30g --count 4 --tolerance 1% ... --draft\n"
    "  compoundkit record cr mfr.approved.toml ... --weighed ketoprofen=120g \\\n"
    "      --deviation ketoprofen='tenfold slip; batch kept for the stability study'\n\n"
    "Names are ingredient ids, names or synonyms, excipient names, or the vehicle. "
    "Each actual weight is checked against its target within a tolerance (+/- 5 %, or "
    "as the formula sets per line or overall; --tolerance tightens it for this run). "
    "A record is final only with an approved MFR (record approve), a lot and expiry for "
    "every component, an actual weight for every line, a verifier who is not the "
    "compounder, and a documented deviation for every line outside its tolerance; then "
    "it is verified and released (labels printed) and, with --log, appended to the "
    "record log. Otherwise nothing is written or logged and every gap is listed (exit "
    "1), unless --draft: the record is then saved or logged as a draft, and logging the "
    "complete record later with the same --id completes the draft.\n\n"
    "Exit codes: 0 final (or a draft with --draft), 1 not final, 2 input errors.",
)
@click.argument("formula", metavar="FORMULA_OR_MFR")
@click.option("--size", required=True, help="Batch (or container) size: 120g, 0.5kg.")
@click.option(
    "--count", type=WHOLE_NUMBER, default=1, show_default=True, help="Number of containers."
)
@click.option("--excess", default=None, help="Excess for losses: 5% or 2g.")
@click.option(
    "--lot",
    "lot_values",
    multiple=True,
    metavar="NAME=LOT:EXPIRY",
    help="A component's lot and expiry (repeatable).",
)
@click.option(
    "--vendor",
    "vendor_values",
    multiple=True,
    metavar="NAME=VENDOR",
    help="A component lot's vendor (repeatable).",
)
@click.option(
    "--weighed",
    "weighed_values",
    multiple=True,
    metavar="NAME=QUANTITY",
    help="Actual weight, e.g. ketoprofen=12.01g (repeatable).",
)
@click.option(
    "--tolerance",
    metavar="PERCENT",
    help="Weighing tolerance for this run, e.g. 1% (default: the formula's, else 5%).",
)
@click.option(
    "--deviation",
    "deviation_values",
    multiple=True,
    metavar='NAME="REASON"',
    help="Why a line is outside its tolerance (repeatable); the verifier acknowledges it.",
)
@click.option("--by", "compounded_by", required=True, metavar="NAME", help="Who compounded.")
@click.option(
    "--verified-by",
    "verified_by",
    metavar="NAME",
    help="Who verified (another person); needed for a final record.",
)
@click.option(
    "--id", "internal_id", metavar="ID", help="Rx, order or lot number (default: generated)."
)
@click.option(
    "--date", "day", metavar="YYYY-MM-DD", help="Compounding day (BUD Day 1); default today."
)
@click.option("--time", "clock", metavar="HH:MM", help="Time of preparation; default now.")
@click.option(
    "--made",
    metavar="QUANTITY",
    help="The finished preparation's weight, if weighed, e.g. 118.5g.",
)
@click.option("--description", metavar="TEXT", help="Physical description of what was made.")
@click.option(
    "--qc",
    "qc_values",
    multiple=True,
    metavar="TEST=RESULT",
    help="A QC result, e.g. appearance=smooth (repeatable).",
)
@click.option(
    "--note", "notes", multiple=True, metavar="TEXT", help="A note or problem (repeatable)."
)
@click.option(
    "--draft", is_flag=True, help="Save or log the record as a draft even if it is not final."
)
@click.option(
    "--rules",
    type=click.Choice(_RULE_SETS),
    help="BUD rule set for a formula [default: usp795-2023].",
)
@click.option(
    "--log",
    "log_path",
    metavar="PATH|URL",
    help="Append the record to this record log (a file, or postgresql://user@host:port/db).",
)
@output_options("Write to FILE (.html, .md, .json, .toml, .pdf).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(_FORMATS),
    help="Output format (default: from -o, else md).",
)
def record_cr(
    formula: str,
    size: str,
    count: int,
    excess: str | None,
    lot_values: tuple[str, ...],
    vendor_values: tuple[str, ...],
    weighed_values: tuple[str, ...],
    tolerance: str | None,
    deviation_values: tuple[str, ...],
    compounded_by: str,
    verified_by: str | None,
    internal_id: str | None,
    day: str | None,
    clock: str | None,
    made: str | None,
    description: str | None,
    qc_values: tuple[str, ...],
    notes: tuple[str, ...],
    draft: bool,
    rules: str | None,
    log_path: str | None,
    output: str | None,
    force: bool,
    fmt: str | None,
) -> None:
    """Make, check, verify and release the compounding record of one batch."""
    import secrets

    from compoundkit.records.cr import CompoundingRecord, QcResult

    kind = _output_format(output, fmt)
    inputs = {formula: "FORMULA", **({} if log_path is None else {log_path: "record log (--log)"})}
    target = output_target(output, force=force, inputs=inputs)
    for option, value in (
        ("--by", compounded_by),
        ("--verified-by", verified_by),
        ("--id", internal_id),
    ):
        if value is not None:
            printable(option, value)
    log_target = None if log_path is None else _log_target(log_path)
    if log_path is not None and isinstance(log_target, Path) and log_target.exists():
        with _open_log(log_path):  # an unreadable log is an input error, found first
            pass
    start = _iso_date(day, "--date")
    when = dt.datetime.combine(start, _clock(clock, "--time"))
    vendors = key_values(vendor_values, "--vendor", "ketoprofen=Acme")
    lots = _lots(lot_values, vendors)
    weighed = key_values(weighed_values, "--weighed", "ketoprofen=12.01g")
    reasons = key_values(deviation_values, "--deviation", 'ketoprofen="re-weighed twice"')
    qc = key_values(qc_values, "--qc", "appearance=smooth white cream")
    run_tolerance = _tolerance_option(tolerance)
    rx = internal_id or f"CK-{start:%Y%m%d}-{secrets.token_hex(3)}"
    with handle_errors(), _formula_errors(formula):
        mfr = _mfr_for(formula, author=None, rules=rules, size=None)
        cr = CompoundingRecord.create(
            mfr,
            size=size,
            count=count,
            excess=excess,
            internal_id=rx,
            prepared_at=when,
            compounded_by=compounded_by,
            verified_by=verified_by,
            lots=lots,
            weighed=weighed,
            tolerance=run_tolerance,
            line_deviations=reasons,
            made=made,
            description=description,
            qc_results=[QcResult(test, result) for test, result in qc.items()],
            notes=notes,
        )
        gaps = cr.gaps()
        if not gaps and verified_by is not None and not draft:
            cr = cr.verify(by=verified_by, at=when).release(by=verified_by, at=when)
    _warn(cr.findings().warnings)
    if gaps and not draft:
        what = "nothing logged" if log_target is not None else "no record made"
        _refused(
            f"compounding record {rx} is not final",
            gaps,
            f"{what}: give what is missing, or --draft to keep it as a draft",
        )
    with handle_errors():
        data = _render(cr, kind)
    if log_target is not None:
        _log_cr(cr, log_target)
    _emit(data, target, force=force)
    state = "final (released)" if cr.is_final else f"DRAFT ({cr.state})"
    click.echo(
        f"{state}; BUD {cr.bud.date.isoformat()} ({cr.bud.storage}); ID {cr.internal_id}",
        err=True,
    )
    if gaps:
        click.echo("note: a draft; to be final it lacks:", err=True)
        for finding in gaps:
            click.echo(f"  {finding.code}: {finding.message}", err=True)
    _report_missing(f"compounding record {cr.internal_id}", cr.missing_elements())


def _log_cr(cr: CompoundingRecord, log_target: Path | str) -> None:
    """Append ``cr`` to the log; a final record completes the draft of the same id."""
    from compoundkit.records.log import open_log
    from compoundkit.records.serialize import find_draft, log_record

    with handle_errors(), open_log(log_target) as record_log:
        draft = find_draft(record_log, cr.internal_id)
        completes = draft.id if draft is not None and cr.is_final else None
        entry = log_record(record_log, cr, completes=completes)
        where = record_log.location if isinstance(log_target, str) else log_target
    done = f"; completes draft {completes}" if completes else ""
    click.echo(f"logged {entry.id} in {where}{done}", err=True)


@record.command(
    "approve",
    epilog="Examples:\n\n\b\n"
    "  compoundkit record approve mfr.toml --by 'B. Osei'\n"
    "  compoundkit record approve mfr.toml --by 'B. Osei' --date 2026-11-20 -o approved.json\n\n"
    "MFR_FILE is a saved MFR (compoundkit record mfr FORMULA --author NAME -o mfr.toml, "
    "with its missing elements filled in). The approved version is written next to it "
    "(mfr.approved.toml) or to -o; it is bound to the MFR's content hash, so any later "
    "change makes an unapproved version. The author cannot approve (names compared after "
    "Unicode folding, case and spaces).\n\n"
    "Exit codes: 0 approved, 1 refused (the author, an element missing, already "
    "approved), 2 input errors.",
)
@click.argument("mfr_file", metavar="MFR_FILE")
@click.option("--by", "approver", required=True, metavar="NAME", help="Who approves.")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="Day of approval; default today.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (.toml or .json).")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
def record_approve(
    mfr_file: str, approver: str, day: str | None, output: str | None, force: bool
) -> None:
    """Approve a saved master formulation record (a second person)."""
    from compoundkit.errors import RecordRefusedError
    from compoundkit.records.mfr import MasterFormulationRecord
    from compoundkit.records.serialize import save_record

    on = _iso_date(day, "--date")
    source = Path(mfr_file)
    wanted = output or str(source.with_name(f"{source.stem}.approved{source.suffix}"))
    target = _checked_path(wanted, "output file")
    if target.exists() and not force:
        raise InputError(f"-o: {wanted} exists; give --force to replace it")
    with handle_errors():
        mfr = _load_source(mfr_file)
        if not isinstance(mfr, MasterFormulationRecord):
            raise InputError(
                f"{mfr_file} is a formula, not a saved MFR: save one with compoundkit "
                "record mfr FORMULA --author NAME -o mfr.toml, fill in its missing elements, "
                "then approve it"
            )
        try:
            approved = mfr.approve(approver, on)
        except RecordRefusedError as exc:
            _refused(f"MFR {mfr.record_id} v{mfr.version} not approved", exc.findings,
                     "nothing written")  # fmt: skip
        save_record(approved, target)
    click.echo(
        f"wrote {target}: MFR {approved.record_id} v{approved.version} approved by "
        f"{approved.approved_by} on {on.isoformat()} (content {approved.content_hash[:16]}...)",
        err=True,
    )


@record.command(
    "correct",
    epilog="Examples:\n\n\b\n"
    "  compoundkit record correct R000001-1f3a9c0e --reason 'lot mistyped' --by 'B. Osei' \\\n"
    "      --lot ketoprofen=K124:2027-06-30 --log records.db\n"
    "  compoundkit record correct R000001-1f3a9c0e --reason 'QC done' --by 'B. Osei' \\\n"
    "      --qc pH=6.1 --log records.db\n\n"
    "ENTRY_ID is an entry's id, or its short form (R000001: the first entry). "
    "Appends a correction entry that points at the record's latest version (the entry, "
    "or its last correction); nothing is edited in place. compoundkit log show ENTRY_ID "
    "lists the chain of corrections. Exit codes: 0 logged, 1 refused (nothing changes, "
    "or the corrected record would not be complete), 2 input errors.",
)
@click.argument("entry_id", metavar="ENTRY_ID")
@click.option("--reason", required=True, metavar="TEXT", help="Why the record is corrected.")
@click.option("--by", "corrector", required=True, metavar="NAME", help="Who corrects it.")
@click.option("--lot", "lot_values", multiple=True, metavar="NAME=LOT:EXPIRY")
@click.option("--vendor", "vendor_values", multiple=True, metavar="NAME=VENDOR")
@click.option("--weighed", "weighed_values", multiple=True, metavar="NAME=QUANTITY")
@click.option("--deviation", "deviation_values", multiple=True, metavar='NAME="REASON"')
@click.option("--description", metavar="TEXT", help="The physical description.")
@click.option("--qc", "qc_values", multiple=True, metavar="TEST=RESULT")
@click.option("--note", "notes", multiple=True, metavar="TEXT", help="A note to add.")
@click.option("--made", metavar="QUANTITY", help="The finished preparation's weight.")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="Day of the correction; default today.")
@click.option("--time", "clock", metavar="HH:MM", help="Time of the correction; default now.")
@_LOG_OPTION
def record_correct(
    entry_id: str,
    reason: str,
    corrector: str,
    lot_values: tuple[str, ...],
    vendor_values: tuple[str, ...],
    weighed_values: tuple[str, ...],
    deviation_values: tuple[str, ...],
    description: str | None,
    qc_values: tuple[str, ...],
    notes: tuple[str, ...],
    made: str | None,
    day: str | None,
    clock: str | None,
    log_path: str,
) -> None:
    """Correct a logged compounding record by appending a correction."""
    from compoundkit.errors import RecordRefusedError
    from compoundkit.records.corrections import correct
    from compoundkit.records.cr import CompoundingRecord, QcResult
    from compoundkit.records.log import open_log
    from compoundkit.records.serialize import latest_version, log_correction

    when = dt.datetime.combine(_iso_date(day, "--date"), _clock(clock, "--time"))
    lots = _lots(lot_values, {})
    vendors = key_values(vendor_values, "--vendor", "ketoprofen=Acme")
    weighed = key_values(weighed_values, "--weighed", "ketoprofen=12.01g")
    reasons = key_values(deviation_values, "--deviation", 'ketoprofen="re-weighed twice"')
    qc = key_values(qc_values, "--qc", "appearance=smooth white cream")
    log_target = _log_target(log_path)
    if isinstance(log_target, Path) and not log_target.exists():
        raise InputError(f"--log: no record log at {log_path}")
    with handle_errors(), open_log(log_target) as record_log:
        entry_id = _entry_id(record_log, entry_id)
        tip, current = latest_version(record_log, entry_id)
        if not isinstance(current, CompoundingRecord):
            raise InputError(
                f"entry {entry_id} is an MFR: make a new version (MasterFormulationRecord."
                "revise) and approve it instead"
            )
        try:
            fix = correct(
                current,
                reason=reason,
                by=corrector,
                at=when,
                lots=lots,
                vendors=vendors,
                weighed=weighed,
                line_deviations=reasons,
                description=description,
                qc_results=[QcResult(t, r) for t, r in qc.items()] if qc else None,
                notes=notes,
                made=made,
            )
        except RecordRefusedError as exc:
            _refused(f"entry {entry_id} not corrected", exc.findings or [_note(str(exc))],
                     "nothing logged")  # fmt: skip
        entry = log_correction(record_log, tip.id, fix)
    latest = "" if tip.id == entry_id else f" (the latest version of {entry_id})"
    click.echo(f"logged {entry.id}: corrects {tip.id}{latest}", err=True)
    for change in fix.changes:
        click.echo(f"  {change}", err=True)


def _note(message: str) -> Any:
    from compoundkit.formulas.findings import Finding, Severity

    return Finding("CK309", Severity.ERROR, message)


def _entry_id(opened: RecordLog, given: str) -> str:
    """The full id of the entry ``given`` names: a full id, or a short one (``R000001``)."""
    short = _SHORT_ID.fullmatch(given.strip())
    return opened.entry_number(int(short[1])).id if short else given


_SHORT_ID: Final = re.compile(r"R(\d{6,})")


def _integrity(func: Callable[..., None]) -> Callable[..., None]:
    """Exit 1 (not 2) when reading finds a broken chain; other errors exit 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        from compoundkit.errors import LogIntegrityError

        broken: LogIntegrityError
        with handle_errors():
            try:
                return func(*args, **kwargs)
            except LogIntegrityError as exc:
                broken = exc
        click.echo(f"compoundkit: error: {broken}", err=True)
        click.echo("  hint: compoundkit log verify --log PATH names the first bad entry", err=True)
        sys.exit(1)

    return wrapper


def _entry_by_id_or_number(opened: RecordLog, wanted: str) -> LogEntry:
    """The entry with id ``wanted``, else the latest whose record has that internal
    identification (Rx) number."""
    from compoundkit.names import name_key
    from compoundkit.records.log import UnknownEntryError

    try:
        return opened.get(wanted)
    except UnknownEntryError:
        key = name_key(wanted)
        found = [
            entry
            for entry in opened.entries()
            if any(
                isinstance(number, str) and name_key(number) == key
                for number in (entry.payload.get("internal_id"), entry.payload.get("record_id"))
            )
        ]
        if not found:
            raise
        return found[-1]


def _summary(entry: LogEntry) -> dict[str, Any]:
    from compoundkit.records.serialize import entry_state

    payload = entry.payload
    record = payload.get("record") if entry.kind == "correction" else payload
    if not isinstance(record, Mapping):
        record = payload
    return {
        "id": entry.id,
        "seq": entry.seq,
        "kind": entry.kind,
        "day": entry.day.isoformat(),
        "created_at": entry.created_at.isoformat(),
        "formula": entry.formula,
        "internal_id": record.get("internal_id") or record.get("record_id"),
        "state": entry_state(entry),
        "lots": list(entry.lots),
        "corrects": entry.corrects,
        "hash": entry.hash,
    }


def _print_entries(entries: list[LogEntry], fmt: str) -> None:
    if fmt == "json":
        echo_json(json.dumps([_summary(e) for e in entries], indent=2, ensure_ascii=False))
        return
    for entry in entries:
        s = _summary(entry)
        parts = [s["id"], s["day"], s["kind"], s["formula"] or "-", s["internal_id"] or "-"]
        if s["state"] is not None and s["state"] != "correction":
            parts.append(s["state"])
        if entry.lots:
            parts.append("lots " + ", ".join(entry.lots))
        if entry.corrects:
            parts.append(f"corrects {entry.corrects}")
        click.echo("  ".join(str(p) for p in parts))


_FORMAT_OPTION: Final = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Examples:\n\n\b\n"
    "  compoundkit log list --log records.db\n"
    "  compoundkit log show R000001-1f3a9c0e --log records.db\n"
    "  compoundkit log lot K123 --log records.db\n"
    "  compoundkit log verify --log records.db\n"
    "  compoundkit log verify --log postgresql://pharmacy@db.example:5432/records\n"
    "  compoundkit log copy records.db postgresql://pharmacy@db.example:5432/records\n\n"
    "Every --log takes a SQLite file or a postgresql:// URL.\n\n"
    "Exit codes: 0 ok, 1 the hash chain is broken, 2 the log cannot be read.",
)
def log() -> None:
    """Read and verify the tamper-evident record log."""


@log.command(
    "list",
    epilog="Examples:\n\n\b\n  compoundkit log list --log records.db\n"
    "  compoundkit log list --log records.db --since 2024-03-01 --format json",
)
@_LOG_OPTION
@click.option("--since", metavar="YYYY-MM-DD", help="Entries on or after this day.")
@click.option("--until", metavar="YYYY-MM-DD", help="Entries on or before this day.")
@click.option("--formula", metavar="NAME", help="Entries of this formula (its name).")
@_FORMAT_OPTION
@_integrity
def log_list(
    log_path: str, since: str | None, until: str | None, formula: str | None, fmt: str
) -> None:
    """List the entries of the record log, oldest first."""
    first = None if since is None else _iso_date(since, "--since")
    last = None if until is None else _iso_date(until, "--until")
    with _open_log(log_path) as opened:
        entries = opened.find(since=first, until=last, formula=formula)
    _print_entries(entries, fmt)
    if fmt == "text":
        click.echo(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}", err=True)


@log.command(
    "show",
    epilog="Examples:\n\n\b\n  compoundkit log show R000001-1f3a9c0e --log records.db\n"
    "  compoundkit log show R000001 --log records.db --format json\n\n"
    "ID is an entry's id, or its short form: R000001 is the first entry.",
)
@click.argument("entry_id", metavar="ID")
@_LOG_OPTION
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="text: the entry and its record as a Markdown worksheet; json: the entry as stored.",
)  # fmt: skip
@_integrity
def log_show(entry_id: str, log_path: str, fmt: str) -> None:
    """Show one entry of the record log (a record as its worksheet) and its corrections."""
    from compoundkit.records.serialize import (
        CORRECTION_KIND,
        CR_KIND,
        MFR_KIND,
        correction_chain,
        record_from_entry,
    )

    with _open_log(log_path) as opened, handle_errors():
        entry = _entry_by_id_or_number(opened, _entry_id(opened, entry_id))
        corrections = correction_chain(opened, entry.id)
    if fmt == "json":
        data = {**_summary(entry), "prev_hash": entry.prev_hash, "payload": dict(entry.payload)}
        echo_json(json.dumps(data, indent=2, ensure_ascii=False))
        return
    s = _summary(entry)
    click.echo(f"Entry {entry.id} (#{entry.seq}), {entry.kind}, day {s['day']}")
    click.echo(f"Appended {s['created_at']}; hash {entry.hash}")
    if s["state"] is not None:
        click.echo(f"State: {s['state']}")
    if entry.lots:
        click.echo(f"Lots: {', '.join(entry.lots)}")
    if entry.corrects:
        click.echo(f"Corrects {entry.corrects}")
    for fix in corrections:
        click.echo(_chain_line(fix))
    if entry.kind == CORRECTION_KIND:
        click.echo(_correction_text(entry.payload))
    click.echo("")
    if entry.kind in (MFR_KIND, CR_KIND, CORRECTION_KIND):
        with handle_errors():
            click.echo(_render(record_from_entry(entry), "md"))
    else:
        click.echo(json.dumps(dict(entry.payload), indent=2, ensure_ascii=False))


def _chain_line(fix: LogEntry) -> str:
    """One line of a correction chain: who corrected (or completed) it, when, why."""
    if fix.kind != "correction":
        return f"Completed by {fix.id} ({fix.day.isoformat()}, {fix.kind}; corrects {fix.corrects})"
    payload = fix.payload
    at = str(payload.get("at", fix.day.isoformat()))[:16].replace("T", " ")
    return (
        f"Corrected by {fix.id} (corrects {fix.corrects}) at {at} by "
        f"{payload.get('by', '?')}: {payload.get('reason', '')}\n"
        + _correction_text(payload, indent="    ")
    ).rstrip("\n")


def _correction_text(payload: Mapping[str, Any], indent: str = "") -> str:
    changes = payload.get("changes")
    lines = []
    for change in changes if isinstance(changes, list | tuple) else ():
        if isinstance(change, Mapping):
            old = change.get("from")
            lines.append(f"{indent}{change.get('field')}: {'-' if old is None else old} -> "
                         f"{change.get('to')}")  # fmt: skip
    return "\n".join(lines)


@log.command(
    "lot",
    epilog="Examples:\n\n\b\n  compoundkit log lot K123 --log records.db\n\n"
    "A recall: every entry (compounding record) that used lot LOT.",
)
@click.argument("lot", metavar="LOT")
@_LOG_OPTION
@_FORMAT_OPTION
@_integrity
def log_lot(lot: str, log_path: str, fmt: str) -> None:
    """List the entries that used ingredient lot LOT (recall)."""
    with _open_log(log_path) as opened:
        entries = opened.find(lot=lot)
    _print_entries(entries, fmt)
    if fmt == "text":
        click.echo(
            f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'} used lot {lot}", err=True
        )


@log.command(
    "verify",
    epilog="Examples:\n\n\b\n  compoundkit log verify --log records.db\n\n"
    "Exit codes: 0 intact, 1 broken (the first bad entry is named), 2 unreadable.",
)
@_LOG_OPTION
@click.option(
    "--against",
    metavar="CHECKPOINT",
    help="Also check that the log still extends this checkpoint (log checkpoint -o FILE).",
)
@click.option(
    "--trust",
    metavar="FILE",
    help="Trusted signers (JSON): check the checkpoint's signature (log checkpoint "
    "--sign-with KEY); a checkpoint that is not signed by one of them fails.",
)
@_FORMAT_OPTION
@_integrity
def log_verify(log_path: str, against: str | None, trust: str | None, fmt: str) -> None:
    """Check every entry against its hash and the chain; name the first bad one."""
    from compoundkit.errors import SignatureError
    from compoundkit.records.log import load_checkpoint

    saved = None
    if trust is not None and against is None:
        raise InputError("--trust: checks a checkpoint's signature; give --against FILE too")
    if against is not None:
        with handle_errors():
            saved = load_checkpoint(against)
    if saved is not None and (trust is not None or saved.signature is not None):
        from compoundkit.records.signing import load_trusted, manifestation

        if trust is None:
            click.echo(f"checkpoint {against}: signature not checked; give --trust FILE", err=True)
        else:
            with handle_errors():
                trusted = load_trusted(trust)
            try:
                saved.verify_signature(trusted)
            except SignatureError as exc:
                click.echo(f"compoundkit: checkpoint {against}: {exc}", err=True)
                raise SystemExit(1) from None
            assert saved.signature is not None
            click.echo(f"checkpoint {against}: {manifestation(saved.signature)}", err=True)
    with _open_log(log_path) as opened:
        report = opened.verify()
        if report.ok and saved is not None:
            report = opened.verify(since=saved.point)
            if not report.ok:
                report = attrs.evolve(
                    report,
                    detail=f"the log no longer extends checkpoint {against} "
                    f"({saved.entries} entries, taken {saved.time.isoformat()}): "
                    f"{report.detail}",
                )
    if fmt == "json":
        bad = report.first_bad
        echo_json(
            json.dumps(
                {
                    "path": report.path,
                    "ok": report.ok,
                    "count": report.count,
                    "head_hash": report.head_hash,
                    "first_bad": None
                    if bad is None
                    else {"seq": bad.seq, "id": bad.id, "reason": bad.reason},
                    "detail": report.detail,
                },
                indent=2,
            )
        )
    else:
        click.echo(str(report))
    if not report.ok:
        raise SystemExit(1)


@log.command(
    "checkpoint",
    epilog="Examples:\n\n\b\n"
    "  compoundkit log checkpoint --log records.db -o head-2026-12-01.json\n"
    "  compoundkit log verify --log records.db --against head-2026-12-01.json\n"
    "  compoundkit log checkpoint --log records.db --sign-with chen.key -o head.json\n\n"
    "Keep the file somewhere else (another disk, another site, printed): a log rewritten "
    "after it no longer extends it.",
)
@_LOG_OPTION
@click.option("-o", "--output", required=True, metavar="FILE", help="The checkpoint file.")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.option(
    "--sign-with",
    "sign_with",
    metavar="KEYFILE",
    help="Sign the checkpoint with this key (compoundkit keys new); passphrase from "
    "COMPOUNDKIT_PASSPHRASE or a prompt.",
)
@_integrity
def log_checkpoint(log_path: str, output: str, force: bool, sign_with: str | None) -> None:
    """Write the log's entry count and head hash to FILE, after checking the whole chain."""
    from compoundkit.records.log import save_checkpoint

    inputs = {log_path: "record log (--log)", **({sign_with: "--sign-with"} if sign_with else {})}
    target = output_target(output, force=force, inputs=inputs)
    assert target is not None  # -o is required
    signer = None
    if sign_with is not None:
        from compoundkit.cli.keys import open_signing_key

        signer = open_signing_key(sign_with)
    with _open_log(log_path) as opened:
        opened.verify().raise_if_broken()
        with handle_errors():
            saved = save_checkpoint(opened, target, signer=signer)
    click.echo(f"wrote {target}: {saved.entries} entries, head {saved.head_hash}", err=True)


@log.command(
    "copy",
    epilog="Examples:\n\n\b\n"
    "  compoundkit log copy records.db postgresql://pharmacy@db.example:5432/records\n"
    "  compoundkit log copy postgresql://pharmacy@db.example:5432/records backup.db\n\n"
    "SOURCE and DEST are SQLite files or postgresql:// URLs. DEST is created if missing "
    "and must hold no entry. Ids, order and hashes are kept, so the copy has the source's "
    "head. Exit codes: 0 copied and verified, 1 the source or the copy does not verify "
    "(nothing is copied from a broken source), 2 a log cannot be opened or DEST is not empty.",
)
@click.argument("source", metavar="SOURCE")
@click.argument("dest", metavar="DEST")
@_integrity
def log_copy(source: str, dest: str) -> None:
    """Copy the record log SOURCE into the new log DEST (another file or backend)."""
    from compoundkit.records.log import copy_log, is_log_url, open_log

    dest_target = _log_target(dest)
    with _open_log(source) as opened:
        with handle_errors():
            copy = open_log(dest_target)
        with copy:
            report = copy_log(opened, copy)  # a broken source: LogIntegrityError, exit 1
            shown = [
                log.location if is_log_url(given) else given
                for given, log in ((source, opened), (dest, copy))
            ]
    noun = "entry" if report.count == 1 else "entries"
    click.echo(f"copied {report.count} {noun} from {shown[0]} to {shown[1]}")
    click.echo(str(report))
    if not report.ok:
        raise SystemExit(1)
