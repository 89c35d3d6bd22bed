"""What every command shares: error handling, output helpers, option parsing."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any, Final

import click

from compoundkit.errors import CompoundkitError

__all__ = ["InputError", "echo_json", "handle_errors", "key_values", "write_output"]


class InputError(click.ClickException):
    """A user mistake: one line on stderr (with a hint when there is one), exit code 2."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def show(self, file: Any = None) -> None:
        stream = file or sys.stderr
        lines = self.format_message().splitlines() or [""]
        click.echo(f"compoundkit: error: {lines[0]}", file=stream)
        for line in lines[1:]:
            click.echo(f"  {line}", file=stream)
        if self.hint:
            click.echo(f"  hint: {self.hint}", file=stream)


_HINTS = {
    "StrengthParseError": "strengths look like '10 % w/w', '20 mg/g' or '1:1000'",
    "UnknownIngredientError": "list the catalog with: compoundkit ingredients",
    "UnknownVehicleError": "a vehicle is a catalog id (e.g. lipoderm-activemax) or an inline table",
    "DensityRequiredError": "measure the preparation's density; pass it as --density 1.05g/mL",
}


@contextlib.contextmanager
def handle_errors() -> Iterator[None]:
    """Turn compoundkit and OS errors into one-line messages (exit 2), never tracebacks."""
    try:
        yield
    except InputError:
        raise
    except CompoundkitError as exc:
        hint = _HINTS.get(type(exc).__name__)
        if type(exc).__name__ == "StrengthParseError" and "strength" not in str(exc):
            hint = None  # a size, excess or density: the strength examples would mislead
        raise InputError(str(exc), hint) from None
    except OSError as exc:
        raise InputError(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")) from None
    except RecursionError:
        raise InputError("input nested too deeply") from None


def echo_json(text: str) -> None:
    """Print JSON text (already serialised)."""
    click.echo(text.rstrip("\n"))


def key_values(values: tuple[str, ...], option: str, example: str) -> dict[str, str]:
    """Parse repeated ``NAME=VALUE`` options into a dict; a clear error names the option."""
    from compoundkit.names import name_key

    result: dict[str, str] = {}
    seen: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")  # at the first '=': a value may hold one
        if not sep or not name.strip() or not value.strip():
            raise InputError(f"{option}: {item!r} should be NAME=VALUE, such as {example}")
        key = name_key(name)
        if key in seen:  # the same name in another spelling ("KETOPROFEN") counts too
            raise InputError(f"{option}: {name.strip()!r} is given twice (as {seen[key]!r} too)")
        seen[key] = name.strip()
        result[name.strip()] = value.strip()
    return result


class WholeNumber(click.ParamType[int]):
    """A positive whole number in ASCII digits (``int()`` would also take '৪' or '1_0')."""

    name = "N"

    def __init__(self, what: str, most: int) -> None:
        self.what, self.most = what, most

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= self.most:
            self.fail(
                f"{self.what} must be a whole number from 1 to {self.most} in digits 0-9, "
                f"not {value!r}",
                param,
                ctx,
            )
        return int(text)


#: The ``--count`` option's type.
WHOLE_NUMBER: Final = WholeNumber("count", 10_000)


def write_output(text: str | bytes, output: str | None) -> None:
    """Print ``text``, or write it atomically to ``output`` (checked path)."""
    if output is None:
        if isinstance(text, bytes):
            raise InputError("this format is binary: give -o FILE")
        click.echo(text.rstrip("\n"))
        return
    from compoundkit._files import check_output_path, write_atomic

    target = check_output_path(output)
    write_atomic(target, text)
    click.echo(f"wrote {target}", err=True)
