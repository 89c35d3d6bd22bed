"""``compoundkit weigh --balance URL``: one stable reading from a balance."""

from __future__ import annotations

import json

import click

from compoundkit.cli._common import echo_json, handle_errors


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
