"""``compoundkit record mfr|cr|approve|correct``: master formulation and compounding records.

Worksheets in Markdown, HTML, JSON, TOML or PDF, through a record's life (approve,
prepare, weigh, verify, release, correct). (Over 500 lines on purpose: the four commands
share their options, paths and error handling.)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NoReturn, TypeVar

import attrs
import click

from compoundkit.cli._common import (
    WHOLE_NUMBER,
    InputError,
    clock_time,
    echo,
    handle_errors,
    iso_date,
    key_values,
    output_options,
    output_target,
    printable,
    write_file,
)
from compoundkit.cli.bud import RULE_SETS
from compoundkit.cli.log import (
    LOG_OPTION,
    WAIT_OPTION,
    log_target,
    log_wait,
    open_log_readonly,
    resolve_entry_id,
)

if TYPE_CHECKING:
    from compoundkit.formulas import Formulation
    from compoundkit.records.cr import CompoundingRecord
    from compoundkit.records.log import LogEntry
    from compoundkit.records.mfr import MasterFormulationRecord
    from compoundkit.records.signing import PublicKey, SigningKey

__all__ = ["record"]

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
FC = TypeVar("FC", bound=Callable[..., Any])
TRUST_OPTION: Final = click.option(
    "--trust",
    metavar="FILE",
    help="Trusted signers (JSON, keys export-public): check every signature of the records "
    "read, and count only a signed approval [default: $COMPOUNDKIT_TRUST, else "
    "trusted-signers.json in the user's config folder, if there; else nothing is checked].",
)


def sign_option(who: str) -> Callable[[FC], FC]:
    return click.option(
        "--sign-with",
        "sign_with",
        multiple=True,
        metavar="KEYFILE",
        help=f"Sign with this key (compoundkit keys new): {who} (repeatable); passphrase "
        "from COMPOUNDKIT_PASSPHRASE or a prompt.",
    )


# --------------------------------------------------------------------------- helpers


def record_outputs(default: str) -> Callable[[FC], FC]:
    """``-o FILE``, ``--force`` and ``--format`` for a command that writes one record, in
    ``default`` format unless ``-o`` or ``--format`` says otherwise."""

    def decorate(command: FC) -> FC:
        command = click.option(
            "--format",
            "fmt",
            type=click.Choice(_FORMATS),
            help=f"Output format (default: from -o, else {default}).",
        )(command)
        return output_options("Write to FILE (.html, .md, .json, .toml, .pdf).")(command)

    return decorate


def output_format(output: str | None, fmt: str | None, *, default: str = "md") -> str:
    """The format to write: ``--format``, else the ``-o`` file's suffix, else ``default``."""
    if fmt is not None:
        return fmt
    if output is None:
        return default
    suffix = Path(output).suffix.lower()
    if suffix not in _SUFFIXES:
        raise InputError(
            f"-o: cannot tell the format of {output!r}; end it in .html, .md, .json, .toml "
            "or .pdf, or give --format"
        )
    return _SUFFIXES[suffix]


def _render(
    record: MasterFormulationRecord | CompoundingRecord,
    fmt: str,
    logged: LogEntry | None = None,
) -> str | bytes:
    from compoundkit.records import render, serialize
    from compoundkit.records.mfr import MasterFormulationRecord

    if fmt in ("json", "toml"):
        return serialize.dumps_record(record, fmt)  # type: ignore[arg-type]
    if isinstance(record, MasterFormulationRecord):
        if fmt == "md":
            return render.mfr_to_markdown(record)
        html = render.mfr_to_html(record)
    else:
        if fmt == "md":
            return render.cr_to_markdown(record, logged=logged)
        html = render.cr_to_html(record, logged=logged)
    return html if fmt == "html" else render.html_to_pdf(html)


def _trusted(given: str | None) -> tuple[PublicKey, ...] | None:
    """The trusted signers (``--trust``, ``$COMPOUNDKIT_TRUST`` or the configured file),
    or None when none is given or configured (signatures are then not checked)."""
    from compoundkit.records.signatures import TRUST_ENV, trust_file
    from compoundkit.records.signing import load_trusted

    path = trust_file(given)
    if path is None:
        return None
    if not path.is_file():
        where = "--trust" if given is not None else TRUST_ENV
        raise InputError(f"{where}: trusted signers file {path} does not exist")
    with handle_errors():
        return load_trusted(path)


def _open_keys(
    paths: tuple[str, ...], trusted: tuple[PublicKey, ...] | None
) -> list[tuple[str, SigningKey]]:
    """The ``--sign-with`` keys, opened (a passphrase each); with trusted signers, a key
    that is not one of them is refused: what it signs would be refused when read."""
    from compoundkit.cli.keys import open_signing_key

    keys = []
    for path in paths:
        key = open_signing_key(path)
        if trusted is not None and key.key_id not in {t.key_id for t in trusted}:
            raise InputError(
                f"--sign-with: key {key.key_id} of {key.name!r} ({path}) is not a trusted "
                "signer; add its public record (keys export-public) to the trusted signers file"
            )
        keys.append((path, key))
    return keys


def _sign_cr(record: CompoundingRecord, keys: list[tuple[str, SigningKey]]) -> CompoundingRecord:
    """``record`` signed by each key, for the steps its holder did; a key that did no step
    is an input error."""
    from compoundkit.records.signatures import signed_steps

    for path, key in keys:
        if not signed_steps(record, key.name):
            people = "; ".join(f"{s.step} by {s.by!r}" for s in record.steps
                               if s.step != "weighed")  # fmt: skip
            raise InputError(
                f"--sign-with: key {key.key_id} ({path}) belongs to {key.name!r}, who did no step "
                f"of {record.internal_id} ({people or 'no step'})"
            )
    for _, key in keys:
        with handle_errors():
            record = record.sign(key)
    return record


def _emit(data: str | bytes, target: Path | None, *, force: bool = False) -> None:
    if target is None:
        if isinstance(data, bytes):
            raise InputError("PDF is binary: give -o FILE.pdf")
        click.echo(data.rstrip("\n"))
        return
    write_file(data, target, force=force)


def _report_missing(what: str, missing: tuple[Any, ...], *, released: bool = False) -> None:
    if not missing:
        return
    listing = "; ".join(str(m) for m in missing)
    if released:  # final all the same: these elements do not gate release
        click.echo(
            f"note: {what} is released without these USP <795> record elements (compoundkit "
            f"record correct adds them): {listing}",
            err=True,
        )
    else:
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


def _load_source(
    path: str, trusted: tuple[PublicKey, ...] | None = None
) -> MasterFormulationRecord | Formulation:
    """A saved MFR (.json/.toml with ``schema = "compoundkit.mfr"``) or a formula file;
    an MFR's signatures checked against ``trusted`` signers when given."""
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
            record = load_record(source, trusted=trusted)
            if not isinstance(record, MasterFormulationRecord):
                raise InputError(f"{path} is a compounding record; give a formula or a saved MFR")
            return record
    return load_formula(path)


def _mfr_for(
    path: str,
    *,
    author: str | None,
    rules: str | None,
    size: str | None,
    trusted: tuple[PublicKey, ...] | None = None,
) -> MasterFormulationRecord:
    from compoundkit.records.mfr import MasterFormulationRecord

    source = _load_source(path, trusted)
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


# --------------------------------------------------------------------------- record


class _RecordGroup(click.Group):
    """``record``: its commands here, and ``verify`` (cli/verify.py) imported when used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, "verify"})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "verify" and cmd_name not in self.commands:
            from compoundkit.cli.verify import verify

            return verify
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=_RecordGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Examples:\n\n\b\n"
    "  compoundkit record mfr examples/muscle-spasm-cream.toml -o mfr.toml --author 'A. Chen'\n"
    "  compoundkit record approve mfr.toml --by 'B. Osei'\n"
    "  compoundkit record cr mfr.approved.toml --size 120g --lot ketoprofen=K123:2027-01-31 \\\n"
    "      ... --weighed ketoprofen=12.01g ... --by 'A. Chen' --verified-by 'B. Osei' \\\n"
    "      --log records.db -o rx1001.html\n"
    "  compoundkit record verify RX-1001 --log records.db --by 'B. Osei' --release\n"
    "  compoundkit record correct R000001 --reason 'lot mistyped' --by 'B. Osei' \\\n"
    "      --lot ketoprofen=K124:2027-01-31 --log records.db",
)
def record() -> None:
    """Master formulation records (mfr, approve) and compounding records (cr, verify, correct)."""


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
@record_outputs("md")
@click.option("--author", metavar="NAME", help="Who wrote the MFR.")
@click.option(
    "--reference-batch",
    "size",
    metavar="SIZE",
    help="Batch for the calculations (default: the formula's makes, or 100g).",
)
@click.option("--rules", type=click.Choice(RULE_SETS), help="BUD rule set [default: usp795-2023].")
@TRUST_OPTION
def record_mfr(
    formula: str,
    output: str | None,
    force: bool,
    fmt: str | None,
    author: str | None,
    size: str | None,
    rules: str | None,
    trust: str | None,
) -> None:
    """Print or save the master formulation record of FORMULA."""
    printable("--author", author)
    kind = output_format(output, fmt)
    target = output_target(output, force=force, inputs={formula: "FORMULA"})
    trusted = _trusted(trust)
    with handle_errors(), _formula_errors(formula):
        mfr = _mfr_for(formula, author=author, rules=rules, size=size, trusted=trusted)
        data = _render(mfr, kind)
    _emit(data, target, force=force)
    _report_missing(f"MFR {mfr.record_id} v{mfr.version}", mfr.missing_elements())


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
        day = iso_date(expiry, f"--lot {name}")
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
    "      --deviation ketoprofen='tenfold slip; batch kept for the stability study'\n"
    "  compoundkit record cr mfr.approved.toml ... --by 'A. Chen' --verified-by 'B. Osei' \\\n"
    "      --sign-with chen.key --sign-with osei.key --trust trusted-signers.json\n\n"
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
    type=click.Choice(RULE_SETS),
    help="BUD rule set for a formula [default: usp795-2023].",
)
@click.option(
    "--log",
    "log_path",
    metavar="PATH|URL",
    help="Append the record to this record log (a file, or postgresql://user@host:port/db).",
)
@WAIT_OPTION
@record_outputs("md")
@sign_option("each key signs the steps its holder did (prepared: --by; verified and released: "
              "--verified-by)")  # fmt: skip
@TRUST_OPTION
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
    sign_with: tuple[str, ...],
    trust: str | None,
) -> None:
    """Make, check, verify and release the compounding record of one batch."""
    import secrets

    from compoundkit.records.cr import CompoundingRecord, QcResult

    kind = output_format(output, fmt)
    inputs = {formula: "FORMULA", **({} if log_path is None else {log_path: "record log (--log)"})}
    target = output_target(output, force=force, inputs=inputs)
    for option, value in (
        ("--by", compounded_by),
        ("--verified-by", verified_by),
        ("--id", internal_id),
    ):
        if value is not None:
            printable(option, value)
    where = None if log_path is None else log_target(log_path)
    if log_path is not None and isinstance(where, Path) and where.exists():
        with open_log_readonly(log_path):  # an unreadable log is an input error, found first
            pass
    start = iso_date(day, "--date")
    when = dt.datetime.combine(start, clock_time(clock, "--time"))
    vendors = key_values(vendor_values, "--vendor", "ketoprofen=Acme")
    lots = _lots(lot_values, vendors)
    weighed = key_values(weighed_values, "--weighed", "ketoprofen=12.01g")
    reasons = key_values(deviation_values, "--deviation", 'ketoprofen="re-weighed twice"')
    qc = key_values(qc_values, "--qc", "appearance=smooth white cream")
    run_tolerance = _tolerance_option(tolerance)
    rx = internal_id or f"CK-{start:%Y%m%d}-{secrets.token_hex(3)}"
    trusted = _trusted(trust)
    keys = _open_keys(sign_with, trusted)
    with handle_errors(), _formula_errors(formula):
        mfr = _mfr_for(formula, author=None, rules=rules, size=None, trusted=trusted)
        if trusted is not None:
            nothing = "nothing logged" if where is not None else "no record made"
            _require_signed_approval(mfr, trusted, formula, nothing)
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
        what = "nothing logged" if where is not None else "no record made"
        _refused(
            f"compounding record {rx} is not final",
            gaps,
            f"{what}: give what is missing, or --draft to keep it as a draft",
        )
    cr = _sign_cr(cr, keys)
    with handle_errors():
        data = _render(cr, kind)  # a worksheet that cannot be made stops before the log
        if where is not None and target is not None:
            from compoundkit._files import trial_write

            trial_write(target, data)  # nor one that cannot be written (a full disk)
    if where is None:
        _emit(data, target, force=force)
    else:
        entry = _log_cr(cr, where)
        try:
            with handle_errors():
                data = _render(cr, kind, entry)  # with the log's head after its entry
            _emit(data, target, force=force)
        except SystemExit:
            echo(
                f"note: the record IS logged as {entry.id}; do not log it again: print its "
                f"worksheet with compoundkit log show {entry.id} --log {log_path}",
                err=True,
            )
            raise
    state = "final (released)" if cr.is_final else f"DRAFT ({cr.state})"
    click.echo(
        f"{state}; BUD {cr.bud.date.isoformat()} ({cr.bud.storage}); ID {cr.internal_id}",
        err=True,
    )
    if gaps:
        click.echo("note: a draft; to be final it lacks:", err=True)
        for finding in gaps:
            click.echo(f"  {finding.code}: {finding.message}", err=True)
    _report_missing(
        f"compounding record {cr.internal_id}", cr.missing_elements(), released=cr.is_final
    )


def _require_signed_approval(
    mfr: MasterFormulationRecord, trusted: tuple[PublicKey, ...], source: str, nothing: str
) -> None:
    """With trusted signers, an approval without a valid signature is not an approval:
    exit 1, naming what is missing."""
    from compoundkit.errors import SignatureError
    from compoundkit.records.signatures import require_signed_approval

    try:
        require_signed_approval(mfr, trusted)
    except SignatureError as exc:
        click.echo(f"compoundkit: {source}: {exc}", err=True)
        click.echo(
            f"{nothing}: the approver signs the approval: compoundkit record approve "
            f"MFR_FILE --by {shlex.quote(mfr.approved_by or 'NAME')} --sign-with KEYFILE",
            err=True,
        )
        raise SystemExit(1) from None


def _log_cr(cr: CompoundingRecord, log_target: Path | str) -> LogEntry:
    """Append ``cr`` to the log; a final record completes the draft of the same id."""
    from compoundkit.records.log import open_log
    from compoundkit.records.serialize import find_draft, log_record

    with handle_errors(), open_log(log_target, timeout=log_wait()) as record_log:
        draft = find_draft(record_log, cr.internal_id)
        completes = draft.id if draft is not None and cr.is_final else None
        entry = log_record(record_log, cr, completes=completes)
        where = record_log.location if isinstance(log_target, str) else log_target
    done = f"; completes draft {completes}" if completes else ""
    click.echo(f"logged {entry.id} in {where}{done}", err=True)
    return entry


@record.command(
    "approve",
    epilog="Examples:\n\n\b\n"
    "  compoundkit record approve mfr.toml --by 'B. Osei'\n"
    "  compoundkit record approve mfr.toml --by 'B. Osei' --date 2026-11-20 -o approved.json\n"
    "  compoundkit record approve mfr.toml --by 'B. Osei' --sign-with osei.key\n\n"
    "MFR_FILE is a saved MFR (compoundkit record mfr FORMULA --author NAME -o mfr.toml, "
    "with its missing elements filled in). The approved version is written next to it "
    "(mfr.approved.toml) or to -o; it is bound to the MFR's content hash, so any later "
    "change makes an unapproved version. The author cannot approve (names compared after "
    "Unicode folding, case and spaces). With --sign-with, the approver's key signs the "
    "approval (meaning 'approved'); the key must be the approver's and not the author's. "
    "With trusted signers (--trust), record cr accepts only a signed approval.\n\n"
    "Exit codes: 0 approved, 1 refused (the author, an element missing, already "
    "approved), 2 input errors.",
)
@click.argument("mfr_file", metavar="MFR_FILE")
@click.option("--by", "approver", required=True, metavar="NAME", help="Who approves.")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="Day of approval; default today.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (.toml or .json).")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.option(
    "--sign-with",
    "sign_with",
    metavar="KEYFILE",
    help="Sign the approval with the approver's key (compoundkit keys new); passphrase "
    "from COMPOUNDKIT_PASSPHRASE or a prompt.",
)
@TRUST_OPTION
def record_approve(
    mfr_file: str,
    approver: str,
    day: str | None,
    output: str | None,
    force: bool,
    sign_with: str | None,
    trust: str | None,
) -> None:
    """Approve a saved master formulation record (a second person)."""
    from compoundkit._files import write_atomic
    from compoundkit.errors import RecordRefusedError
    from compoundkit.records.mfr import MasterFormulationRecord, same_person
    from compoundkit.records.serialize import dumps_record

    on = iso_date(day, "--date")
    source = Path(mfr_file)
    wanted = output or str(source.with_name(f"{source.stem}.approved{source.suffix}"))
    if Path(wanted).suffix.lower() not in (".json", ".toml"):
        raise InputError(f"-o: {wanted!r}: an approved MFR is saved as .toml or .json")
    read = {mfr_file: "MFR_FILE", sign_with: "--sign-with", trust: "--trust"}
    target = output_target(wanted, force=force, inputs={k: v for k, v in read.items() if k})
    assert target is not None
    trusted = _trusted(trust)
    signer = None
    if sign_with is not None:
        signer = _open_keys((sign_with,), trusted)[0][1]
        if not same_person(signer.name, approver):
            raise InputError(
                f"--sign-with: key {signer.key_id} ({sign_with}) belongs to {signer.name!r}, not "
                f"to the approver (--by {approver!r}); the approver signs with their own key"
            )
    with handle_errors():
        mfr = _load_source(mfr_file, trusted)
        if not isinstance(mfr, MasterFormulationRecord):
            raise InputError(
                f"{mfr_file} is a formula, not a saved MFR: save one with compoundkit "
                "record mfr FORMULA --author NAME -o mfr.toml, fill in its missing elements, "
                "then approve it"
            )
        try:
            approved = mfr.approve(approver, on, signer=signer)
        except RecordRefusedError as exc:
            _refused(f"MFR {mfr.record_id} v{mfr.version} not approved", exc.findings,
                     "nothing written")  # fmt: skip
        data = dumps_record(approved, "json" if target.suffix.lower() == ".json" else "toml")
        write_atomic(target, data, replace=force)
    click.echo(
        f"wrote {target}: MFR {approved.record_id} v{approved.version} approved by "
        f"{approved.approved_by} on {on.isoformat()} (content {approved.content_hash[:16]}...)",
        err=True,
    )
    if signer is not None:
        from compoundkit.records.signing import manifestation

        assert approved.signatures is not None
        click.echo(manifestation(approved.signatures[-1]), err=True)


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
@LOG_OPTION
@sign_option("each key signs the corrected record's steps its holder did")
@TRUST_OPTION
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
    sign_with: tuple[str, ...],
    trust: str | None,
) -> None:
    """Correct a logged compounding record by appending a correction."""
    from compoundkit.errors import RecordRefusedError
    from compoundkit.records.corrections import correct
    from compoundkit.records.cr import CompoundingRecord, QcResult
    from compoundkit.records.log import open_log
    from compoundkit.records.serialize import latest_version, log_correction

    when = dt.datetime.combine(iso_date(day, "--date"), clock_time(clock, "--time"))
    lots = _lots(lot_values, {})
    vendors = key_values(vendor_values, "--vendor", "ketoprofen=Acme")
    weighed = key_values(weighed_values, "--weighed", "ketoprofen=12.01g")
    reasons = key_values(deviation_values, "--deviation", 'ketoprofen="re-weighed twice"')
    qc = key_values(qc_values, "--qc", "appearance=smooth white cream")
    where = log_target(log_path)
    if isinstance(where, Path) and not where.exists():
        raise InputError(f"--log: no record log at {log_path}")
    trusted = _trusted(trust)
    keys = _open_keys(sign_with, trusted)
    with handle_errors(), open_log(where, timeout=log_wait()) as record_log:
        # A correction extends the chain: never one that is broken anywhere (a record
        # appended to a tampered log would look as trustworthy as the rest).
        record_log.verify().raise_if_broken()
        entry_id = resolve_entry_id(record_log, entry_id)
        tip, current = latest_version(record_log, entry_id)
        if trusted is not None:
            from compoundkit.errors import SignatureError
            from compoundkit.records.signatures import verify_signatures

            try:
                verify_signatures(current, trusted)
            except SignatureError as exc:
                raise SignatureError(f"log entry {tip.id}: {exc}") from None
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
        if keys:
            fix = attrs.evolve(fix, record=_sign_cr(fix.record, keys))
        entry = log_correction(record_log, tip.id, fix)
    latest = "" if tip.id == entry_id else f" (the latest version of {entry_id})"
    click.echo(f"logged {entry.id}: corrects {tip.id}{latest}", err=True)
    for change in fix.changes:
        click.echo(f"  {change}", err=True)


def _note(message: str) -> Any:
    from compoundkit.formulas.findings import Finding, Severity

    return Finding("CK309", Severity.ERROR, message)
