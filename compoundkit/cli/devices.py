"""``compoundkit weigh --balance URL`` (one stable reading) and ``compoundkit station`` (weigh
a batch into its compounding record, for ``compoundkit record verify``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from compoundkit.cli._common import (
    WHOLE_NUMBER,
    InputError,
    echo_json,
    handle_errors,
    output_target,
    printable,
)
from compoundkit.cli.log import WAIT_OPTION
from compoundkit.cli.records import TRUST_OPTION, record_outputs

if TYPE_CHECKING:
    pass


@click.command(
    epilog="Examples:\n\n\b\n"
    "  compoundkit weigh --balance sim://?load=12.345\n"
    "  compoundkit weigh --balance 'serial:///dev/ttyUSB0?baudrate=9600&parity=N'\n"
    "  compoundkit weigh --balance tcp://192.168.0.20:8001 --format json\n\n"
    "Exit codes: 0 a stable reading was printed, 2 the balance could not give one "
    "(overload, underload, not stable in time, no reply, a lost connection)."
)
@click.option(
    "--balance",
    "url",
    required=True,
    metavar="URL",
    help="serial:///dev/ttyUSB0?baudrate=9600, tcp://HOST:PORT or sim://.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True, max=3600),
    default=None,
    metavar="SECONDS",
    help="Longest wait for a stable reading (default: the URL's timeout, else 5).",
)
def weigh(url: str, fmt: str, timeout: float | None) -> None:
    """Print one stable reading from the balance at URL."""
    from compoundkit.devices import open_balance

    with handle_errors(), open_balance(url, timeout=timeout) as balance:
        info = balance.identify() if fmt == "json" else None
        reading = balance.reading()
    if info is None:
        click.echo(str(reading))
        return
    quantity = reading.quantity
    echo_json(
        json.dumps(
            {
                "value": float(reading.value),
                "unit": str(quantity.units),
                "time": reading.at.isoformat(),
                "balance": {"url": url, **info.to_dict()},
            },
            indent=2,
            ensure_ascii=False,
        )
    )


_STATION_EPILOG = """Examples:

\b
  compoundkit station examples/muscle-spasm-cream.toml --size 120g --balance sim:// \\
      --stock examples/station/stock.toml --by 'A. Chen' --demo -o rx-demo.md
  compoundkit station mfr.approved.toml --size 120g --id RX-1042 \\
      --balance 'serial:///dev/ttyUSB0?baudrate=9600' --stock stock.toml \\
      --by 'A. Chen' --log records.db -o rx1042.json

FORMULA_OR_MFR is a formula file or a saved (approved) MFR, as record cr takes it. Every
line is weighed, a line below the minimum weighable quantity by its aliquot plan (the
drug, the base added, the aliquot taken), the q.s. vehicle last (to bring the batch to
its total): scan the
container's GS1 code (the stock file must name the line's ingredient and form, vehicle
or excipient; the lot must not be expired nor expire before the BUD), t tares, a accepts
a stable reading within the line's tolerance (the formula's per line or overall, else
+/- 5 %; --tolerance tightens it, as in record cr); d documents why a refused reading is
kept. Esc stops. On sim:// balances + and - put 10 % of the target on or off, = fills;
--demo fills in made-up labels and readings so that Enter walks the batch.

The result is the compounding record, weighed by --by and ready for the verifier (not
verified): every actual is the balance's reading, with the balance's model and serial
number and the reading's time, and the lot and expiry from the scan. It is printed (JSON)
or written to -o (.json, .toml, .md, .html, .pdf) and/or appended to --log as a draft.
The verifier then verifies and releases it: compoundkit record verify RECORD --by NAME --release.
With trusted signers (--trust, as record cr takes them), an MFR's approval must be
signed. The station signs nothing: a signature seals the record as it stands, so the
keys sign at verify.

Exit codes: 0 every line weighed, 1 stopped before the last line (nothing written), 2
usage or input errors."""


@click.command(epilog=_STATION_EPILOG)
@click.argument("formula", metavar="FORMULA_OR_MFR")
@click.option("--size", required=True, help="Batch (or container) size: 120g, 0.5kg.")
@click.option(
    "--count", type=WHOLE_NUMBER, default=1, show_default=True, help="Number of containers."
)
@click.option("--balance", "url", required=True, metavar="URL", help="The balance (see weigh).")
@click.option(
    "--stock", required=True, metavar="FILE", help="Stock file: GTIN -> ingredient and form."
)
@click.option("--by", required=True, metavar="NAME", help="Who compounds (weighs).")
@click.option(
    "--id", "internal_id", metavar="ID", help="Rx, order or lot number (default: generated)."
)
@click.option(
    "--tolerance",
    metavar="PERCENT",
    help="Weighing tolerance for this run, e.g. 1% (default: the formula's, else 5%).",
)
@click.option(
    "--demo",
    is_flag=True,
    help="On sim:// only: made-up labels and readings, Enter walks the batch.",
)
@click.option(
    "--log",
    "log_path",
    metavar="PATH|URL",
    help="Append the weighed record to this record log, as a draft.",
)
@WAIT_OPTION
@TRUST_OPTION
@record_outputs("json")
def station(
    formula: str,
    size: str,
    count: int,
    url: str,
    stock: str,
    by: str,
    internal_id: str | None,
    tolerance: str | None,
    demo: bool,
    log_path: str | None,
    trust: str | None,
    output: str | None,
    force: bool,
    fmt: str | None,
) -> None:
    """Weigh a batch of FORMULA_OR_MFR line by line into its compounding record."""
    import datetime as dt
    import secrets

    from compoundkit.cli.log import log_target, open_log_readonly
    from compoundkit.cli.records import (
        _emit,
        _formula_errors,
        _log_cr,
        _mfr_for,
        _render,
        _report_missing,
        _require_signed_approval,
        _tolerance_option,
        _trusted,
        output_format,
    )
    from compoundkit.devices import WeighSession, load_stock, open_balance
    from compoundkit.devices._extras import require
    from compoundkit.devices.station import steps_of
    from compoundkit.records.cr import CompoundingRecord

    kind = output_format(output, fmt, default="json")
    inputs = {formula: "FORMULA", stock: "--stock"}
    if log_path is not None:
        inputs[log_path] = "record log (--log)"
    # Checked before anyone weighs: a refused -o or --log must not lose a weighed batch.
    target = output_target(output, force=force, inputs=inputs)
    printable("--by", by)
    printable("--id", internal_id)
    where = None if log_path is None else log_target(log_path)
    run_tolerance = _tolerance_option(tolerance)
    now = dt.datetime.now().replace(microsecond=0)
    rx = internal_id or f"CK-{now:%Y%m%d}-{secrets.token_hex(3)}"
    if log_path is not None and isinstance(where, Path) and where.exists():
        from compoundkit.records.serialize import find_draft

        # An unreadable log, or an ID already logged as final, is refused before weighing.
        with open_log_readonly(log_path) as opened, handle_errors():
            find_draft(opened, rx)
    if demo and not url.startswith("sim:"):
        raise InputError(f"--demo: the demo runs on the simulator only (sim://), not {url}")
    with handle_errors(), _formula_errors(formula):
        require("textual", "the station")
        from compoundkit.devices.station_app import run_station

        trusted = _trusted(trust)
        mfr = _mfr_for(formula, author=None, rules=None, size=None, trusted=trusted)
        if trusted is not None:
            _require_signed_approval(mfr, trusted, formula, "nobody weighed")
        record = CompoundingRecord.create(
            mfr,
            size=size,
            count=count,
            internal_id=rx,
            prepared_at=now,
            compounded_by=by,
            tolerance=run_tolerance,
        )
        steps_of(record)  # a batch the station cannot walk is refused before connecting
        _render(record, kind)  # as is the output format (PDF needs its extra)
        items = load_stock(stock)
        balance = open_balance(url)
    with balance, handle_errors():
        session = WeighSession(record, balance, items)
        weighed = run_station(session, demo=demo)
    if weighed is None:
        click.echo("compoundkit: stopped before the last line; nothing was written", err=True)
        raise SystemExit(1)
    with handle_errors():
        data = _render(weighed, kind)  # a worksheet that cannot be made stops before the log
    if where is not None:
        entry = _log_cr(weighed, where)
        with handle_errors():
            data = _render(weighed, kind, entry)  # with the log's head after its entry
    _emit(data, target, force=force)
    click.echo(
        f"weighed ({weighed.state}), ready for the verifier; BUD {weighed.bud.date.isoformat()} "
        f"({weighed.bud.storage}); ID {weighed.internal_id}",
        err=True,
    )
    for finding in weighed.gaps():
        click.echo(f"  {finding.code}: {finding.message}", err=True)
    _report_missing(f"compounding record {weighed.internal_id}", weighed.missing_elements())
