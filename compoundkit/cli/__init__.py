"""The ``compoundkit`` command line.

Exit codes: 0 ok, 1 findings or validation errors, 2 usage or input errors (a
one-line message on stderr, never a traceback). Subcommands are imported only
when used, so every call starts fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Final

import click

from compoundkit._version import __version__
from compoundkit.cli._common import InputError, handle_errors, quiet_broken_pipe
from compoundkit.notices import DISCLAIMER

__all__ = ["DISCLAIMER", "InputError", "main", "run"]


# command name -> (module, attribute); imported on first use.
_COMMANDS: Final = {
    "ingredients": ("compoundkit.cli.ingredients", "ingredients"),
    "check": ("compoundkit.cli.check", "check"),
    "batch": ("compoundkit.cli.batch", "batch"),
    "bud": ("compoundkit.cli.bud", "bud"),
    "record": ("compoundkit.cli.records", "record"),
    "log": ("compoundkit.cli.log", "log"),
    "keys": ("compoundkit.cli.keys", "keys"),
    "weigh": ("compoundkit.cli.devices", "weigh"),
    "station": ("compoundkit.cli.devices", "station"),
    "vehicles": ("compoundkit.cli.vehicles", "vehicles"),
}


class _LazyGroup(click.Group):
    """A group whose subcommands are imported when they are called."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(_COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        target = _COMMANDS.get(cmd_name)
        if target is None:
            return None
        try:
            command = getattr(import_module(target[0]), target[1])
        except ImportError:  # a command whose module is not installed yet
            return None
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with handle_errors():
                return super().invoke(ctx)
        except BrokenPipeError:  # `compoundkit ... | head`: the reader has all it wants
            quiet_broken_pipe()


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=(
        "Examples:\n\n"
        "\b\n"
        "  compoundkit ingredients show ketoprofen\n"
        "  compoundkit vehicles show lipoderm-activemax\n"
        "  compoundkit check examples/muscle-spasm-cream.toml\n"
        "  compoundkit batch examples/muscle-spasm-cream.toml --size 120g\n"
        "  compoundkit batch cream.toml --size 30g --count 4 --excess 5% --format json\n"
        "  compoundkit bud examples/muscle-spasm-cream.toml --date 2026-11-25\n"
        "  compoundkit record mfr examples/muscle-spasm-cream.toml -o mfr.html\n"
        "  compoundkit weigh --balance sim://?load=12.345\n\n"
        'Shell completion: eval "$(compoundkit completion bash)" (or zsh, fish).'
    ),
)
@click.version_option(__version__, "-V", "--version", prog_name="compoundkit")
@click.option(
    "--catalog",
    "catalogs",
    multiple=True,
    metavar="PATH",
    help="Add ingredients from a catalog TOML file (repeatable).",
)
def main(catalogs: tuple[str, ...]) -> None:
    """Unit-safe compounding calculations, validation and records.

    compoundkit supports a licensed pharmacist's calculations and documentation;
    it does not replace professional judgment.
    """
    if catalogs:
        from compoundkit import ingredients

        with handle_errors():
            for path in catalogs:
                ingredients.load_file(path)


@main.command(epilog='Example:\n\n\b\n  eval "$(compoundkit completion bash)"   # add to ~/.bashrc')
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script for SHELL."""
    from click.shell_completion import get_completion_class

    completer = get_completion_class(shell)
    assert completer is not None  # click ships bash, zsh and fish
    click.echo(completer(main, {}, "compoundkit", "_COMPOUNDKIT_COMPLETE").source())


def run() -> None:
    """Entry point used by ``python -m compoundkit``."""
    main(prog_name="compoundkit")
