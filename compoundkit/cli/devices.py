"""``compoundkit weigh --balance URL`` (one stable reading) and ``compoundkit station``."""

from __future__ import annotations

import json

import click

from compoundkit.cli._common import (
    WHOLE_NUMBER,
    echo_json,
    handle_errors,
    output_options,
    output_target,
    write_file,
)


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


@click.command(
    epilog="Example (the simulator; type or scan each container's GS1 code):\n\n\b\n"
    "  compoundkit station examples/muscle-spasm-cream.toml --size 120g \\\n"
    "      --balance 'sim://?settle=0.5' --stock stock.toml --by 'A. Chen' -o weighed.json\n\n"
    "Keys: Enter ends a scan, t tares, a accepts a stable reading inside the band, Esc "
    "stops; on sim:// balances + and - put 10 % of the target on or off, = fills.\n\n"
    "Exit codes: 0 every line weighed (the weighings are printed as JSON or written to "
    "-o), 1 stopped before the last line, 2 usage or input errors."
)
@click.argument("formula", metavar="FORMULA")
@click.option("--size", required=True, help="Batch (or container) size: 120g, 0.5kg.")
@click.option("--count", type=WHOLE_NUMBER, default=None, help="Number of containers of --size.")
@click.option("--balance", "url", required=True, metavar="URL", help="The balance (see weigh).")
@click.option(
    "--stock", required=True, metavar="FILE", help="Stock file: GTIN -> ingredient and form."
)
@click.option("--by", default=None, metavar="NAME", help="Who weighs (kept with each line).")
@click.option(
    "--tolerance",
    type=click.FloatRange(min=0, max=100, min_open=True, max_open=True),
    default=5.0,
    show_default=True,
    metavar="PERCENT",
    help="Accepted band around each target, in percent.",
)
@output_options("Write the JSON to FILE.")
def station(
    formula: str,
    size: str,
    count: int | None,
    url: str,
    stock: str,
    by: str | None,
    tolerance: float,
    output: str | None,
    force: bool,
) -> None:
    """Weigh a batch of FORMULA line by line: scan, tare, weigh, accept."""
    import datetime as dt

    from compoundkit.devices import WeighSession, load_stock, open_balance
    from compoundkit.devices._extras import require
    from compoundkit.devices.station import steps_of
    from compoundkit.formulas import load_formula

    # Checked before anyone weighs: a refused -o must not lose a weighed batch.
    target = output_target(output, force=force, inputs={formula: "FORMULA", stock: "--stock"})
    with handle_errors():
        require("textual", "the station")
        from compoundkit.devices.station_app import run_station

        formulation = load_formula(formula)
        sheet = formulation.batch(size, count=count)
        steps_of(sheet)  # a sheet the station cannot walk is refused before connecting
        today = dt.date.today()
        use_by = formulation.bud(today).date
        items = load_stock(stock)
        balance = open_balance(url)
    with balance:
        session = WeighSession(
            sheet, balance, items, tolerance=tolerance / 100, today=today, use_by=use_by, by=by
        )
        weighings = run_station(session)
    if weighings is None:
        click.echo("compoundkit: stopped before the last line; nothing was written", err=True)
        raise SystemExit(1)
    if target is None:
        echo_json(session.to_json())
    else:
        write_file(session.to_json(), target, force=force)
