"""What every command shares: error handling, safe output, option parsing.

Every command that writes a file takes ``-o FILE`` and ``--force`` from
:func:`output_options`, checks the path with :func:`output_target` before it computes
anything (a command's inputs, ``--catalog`` files and record logs are never written
over; an existing file only with ``--force``) and writes with :func:`write_file`
(atomically). Text printed on a terminal goes through :func:`echo`, which drops
control and bidirectional formatting characters.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final, TypeVar

import click

from compoundkit._text import terminal
from compoundkit.errors import CompoundkitError

__all__ = [
    "InputError",
    "checked_path",
    "clock_time",
    "echo",
    "echo_json",
    "handle_errors",
    "iso_date",
    "key_values",
    "option_errors",
    "output_options",
    "output_target",
    "printable",
    "quiet_broken_pipe",
    "write_file",
    "write_output",
]

F = TypeVar("F", bound=Callable[..., Any])


class InputError(click.ClickException):
    """A user mistake: one line on stderr (with a hint when there is one), exit code 2."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def show(self, file: Any = None) -> None:
        stream = file or sys.stderr
        lines = terminal(self.format_message()).splitlines() or [""]
        click.echo(f"compoundkit: error: {lines[0]}", file=stream)
        for line in lines[1:]:
            click.echo(f"  {line}", file=stream)
        if self.hint:
            click.echo(f"  hint: {terminal(self.hint)}", file=stream)


def echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """Print text that may hold names from files: control and bidi characters dropped."""
    click.echo(terminal(text), err=err, nl=nl)


_HINTS: Final = {
    "StrengthParseError": "strengths look like '10 % w/w', '20 mg/g' or '1:1000'",
    "UnknownIngredientError": "list the catalog with: compoundkit ingredients",
    "UnknownVehicleError": "list the vehicles with: compoundkit vehicles",
}
# A keyword argument in a library message (density='1.05 g/mL'), and a message that
# starts with the name of the argument it is about (size: ...).
_KEYWORD: Final = re.compile(r"\b([a-z_]+)='([^']*)'")
_LEADING_FIELD: Final = re.compile(r"([a-z_]+): ")


def _options() -> dict[str, str]:
    """The current command's options by parameter name (``density`` -> ``--density``)."""
    context = click.get_current_context(silent=True)
    found: dict[str, str] = {}
    while context is not None:
        for param in context.command.params:
            if isinstance(param, click.Option) and param.name is not None:
                long = [o for o in param.opts if o.startswith("--")]
                found.setdefault(param.name, (long or param.opts)[0])
        context = context.parent
    return found


def as_typed(message: str, *, lead: bool = True) -> str:
    """A library message in the form a command-line user types: options, not arguments.

    ``density='1.05 g/mL'`` becomes ``--density 1.05g/mL`` and a leading ``size:``
    becomes ``--size:`` when the command has those options (``lead=False`` for
    messages that start with a file name).
    """
    options = _options()

    def option(found: re.Match[str]) -> str:
        name = options.get(found.group(1))
        return found.group() if name is None else f"{name} {found.group(2).replace(' ', '')}"

    text = _KEYWORD.sub(option, message)
    field = _LEADING_FIELD.match(text) if lead else None
    if field is not None and field.group(1) in options:
        text = f"{options[field.group(1)]}: {text[field.end() :]}"
    return text


def _density_hint() -> str:
    if "density" in _options():
        return "measure the preparation's density; pass it as --density 1.05g/mL"
    return "measure the preparation's density; write it in the formula: density = '1.05 g/mL'"


def _os_message(exc: OSError) -> str:
    where = f"{exc.filename}: " if exc.filename else ""
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return f"{where}the disk is full (no space left on device); nothing was written"
    return f"{where}{exc.strerror or exc}"


@contextlib.contextmanager
def handle_errors() -> Iterator[None]:
    """Turn compoundkit and OS errors into one-line messages (exit 2), never tracebacks.

    A closed output pipe (``compoundkit ... | head``) is left to the command line,
    which ends quietly (:func:`quiet_broken_pipe`).
    """
    try:
        yield
    except InputError:
        raise
    except BrokenPipeError:
        raise
    except CompoundkitError as exc:
        name = type(exc).__name__
        hint = _HINTS.get(name)
        if name == "StrengthParseError" and "strength" not in str(exc):
            hint = None  # a size, excess or density: the strength examples would mislead
        if name == "DensityRequiredError":
            hint = _density_hint()
        from compoundkit.errors import DocumentError

        message = as_typed(str(exc), lead=not isinstance(exc, DocumentError))
        raise InputError(message, hint) from None
    except OSError as exc:
        raise InputError(_os_message(exc)) from None
    except RecursionError:
        raise InputError("input nested too deeply") from None


@contextlib.contextmanager
def option_errors(option: str, hint: str | None = None) -> Iterator[None]:
    """Errors raised while reading one option's value name the option as typed.

    >>> from compoundkit.units.grammar import parse_amount
    >>> try:
    ...     with option_errors("--size", "a size looks like 120g"):
    ...         parse_amount("120", ("mass",), "size")
    ... except InputError as exc:
    ...     print(exc.format_message().splitlines()[0])
    --size: expected a unit (mcg, mg, g, kg, oz, lb), found the end of the text
    """
    try:
        yield
    except CompoundkitError as exc:
        text = str(exc)
        lead = _LEADING_FIELD.match(text)
        if lead is not None and f"--{lead.group(1)}" == option.replace("_", "-"):
            text = text[lead.end() :]
        raise InputError(f"{option}: {as_typed(text)}", hint) from None


def printable(option: str, value: str | None) -> str | None:
    """``value`` of a name option (a person, a lot), refused with control or bidi characters.

    >>> printable("--by", "A. Chen")
    'A. Chen'
    """
    from compoundkit.names import check_printable

    if value is not None:
        try:
            check_printable(value)
        except ValueError as exc:
            raise InputError(f"{option}: {exc}") from None
    return value


def quiet_broken_pipe() -> None:
    """End the command quietly (exit 0) when the reader of its output went away.

    ``compoundkit ingredients | head -3``: ``head`` closes the pipe; what was not read
    is not wanted. Standard output is pointed at the null device so nothing is written
    (or reported) when Python flushes it on the way out.
    """
    with contextlib.suppress(OSError, ValueError, AttributeError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    raise SystemExit(0)


def echo_json(text: str) -> None:
    """Print JSON text (already serialised), control and bidi characters as ``\\uXXXX``."""
    from compoundkit._text import json_text

    click.echo(json_text(text.rstrip("\n")))


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


# --------------------------------------------------------------------------- output files


def output_options(help: str = "Write to FILE.") -> Callable[[F], F]:
    """``-o/--output FILE`` and ``--force`` (replace FILE if it exists), for any command."""

    def decorate(command: F) -> F:
        command = click.option(
            "--force",
            is_flag=True,
            default=False,
            help="Replace FILE if it exists (never a record log or an input).",
        )(command)
        return click.option("-o", "--output", default=None, metavar="FILE", help=help)(command)

    return decorate


def _catalogs() -> tuple[str, ...]:
    """The ``--catalog`` files given to ``compoundkit`` (inputs of every command)."""
    context = click.get_current_context(silent=True)
    if context is None:
        return ()
    value = context.find_root().params.get("catalogs") or ()
    return tuple(value)


def output_target(
    output: str | None, *, force: bool = False, inputs: Mapping[str, str] | None = None
) -> Path | None:
    """The checked path of ``-o FILE`` (None without one), before anything is computed.

    ``inputs`` maps the files the command reads to how the user named them
    (``{"cream.toml": "FORMULA", "records.db": "record log (--log)"}``); the
    ``--catalog`` files are added. Writing over any of them, or over a record log, is
    refused even with ``--force``; another existing file is replaced only with it.
    """
    if output is None:
        return None
    from compoundkit._files import check_output_path

    sources = dict(inputs or {})
    for catalog in _catalogs():
        sources.setdefault(catalog, "catalog (--catalog)")
    with handle_errors():
        return check_output_path(output, force=force, inputs=sources)


def write_file(data: str | bytes, target: Path, *, force: bool = False) -> None:
    """Write ``data`` to the checked ``target`` atomically; say so on stderr."""
    from compoundkit._files import write_atomic

    with handle_errors():
        write_atomic(target, data, replace=force)
    echo(f"wrote {target}", err=True)


def write_output(
    text: str | bytes,
    output: str | None,
    *,
    force: bool = False,
    inputs: Mapping[str, str] | None = None,
) -> None:
    """Print ``text``, or write it atomically to ``output`` (checked: :func:`output_target`)."""
    target = output_target(output, force=force, inputs=inputs)
    if target is None:
        if isinstance(text, bytes):
            raise InputError("this format is binary: give -o FILE")
        click.echo(text.rstrip("\n"))
        return
    write_file(text, target, force=force)


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


_DATE_RE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME_RE: Final = re.compile(r"[0-9]{2}:[0-9]{2}")


def iso_date(text: str | None, option: str) -> dt.date:
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


def clock_time(text: str | None, option: str) -> dt.time:
    """A strict 24 h time (HH:MM); now (to the minute) when ``text`` is None."""
    if text is None:
        return dt.datetime.now().time().replace(second=0, microsecond=0)
    value = text.strip()
    if _TIME_RE.fullmatch(value):
        with contextlib.suppress(ValueError):
            return dt.time.fromisoformat(value)
    raise InputError(f"{option}: {text!r} is not a time; write HH:MM (24 h), such as 09:30")


def checked_path(path: str, what: str) -> Path:
    """``path`` checked as an output path (exit 2 with the reason when it cannot be one)."""
    from compoundkit._files import check_output_path

    with handle_errors():
        return check_output_path(path, what=what)
