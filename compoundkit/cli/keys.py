"""``compoundkit keys new|list|export-public``: signing keys.

The passphrase comes from ``COMPOUNDKIT_PASSPHRASE`` (for scripts) or a hidden prompt;
it is never written anywhere, and no command prints a private key.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from compoundkit._files import write_atomic
from compoundkit.cli._common import InputError, handle_errors, output_target

if TYPE_CHECKING:
    from compoundkit.records.signing import SigningKey

__all__ = ["keys", "open_signing_key", "passphrase"]


def passphrase(*, confirm: bool = False, prompt: str = "Passphrase") -> str:
    """The passphrase: ``COMPOUNDKIT_PASSPHRASE``, else a hidden ``prompt`` (twice if
    ``confirm``)."""
    from compoundkit.records.signing import PASSPHRASE_ENV

    given = os.environ.get(PASSPHRASE_ENV)
    if given is not None:
        if not given:
            raise InputError(f"{PASSPHRASE_ENV} is set but empty; a key needs a passphrase")
        return given
    try:
        value: str = click.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True)
    except click.Abort:
        raise InputError(f"no passphrase: set {PASSPHRASE_ENV} or answer the prompt") from None
    return value


def open_signing_key(path: str, option: str = "--sign-with") -> SigningKey:
    """Open key file ``path`` (for ``--sign-with``) with the passphrase."""
    from compoundkit.records.signing import load_key

    if not Path(path).is_file():
        raise InputError(f"{option}: key file {path} does not exist")
    with handle_errors():
        return load_key(path, passphrase(prompt=f"Passphrase of {path}"))


@click.group(
    epilog="Examples:\n\n\b\n"
    '  compoundkit keys new --name "A. Chen"\n'
    "  compoundkit keys list\n"
    "  compoundkit keys export-public -o chen.pub.json\n\n"
    "The passphrase comes from COMPOUNDKIT_PASSPHRASE or a hidden prompt.",
)
def keys() -> None:
    """Signing keys (Ed25519): make one, list them, export the public part."""


@keys.command(
    "new",
    epilog="Examples:\n\n\b\n"
    '  compoundkit keys new --name "A. Chen"\n'
    '  compoundkit keys new --name "A. Chen" -o chen.key',
)
@click.option("--name", required=True, metavar="NAME", help="The signer's printed name.")
@click.option(
    "-o",
    "--output",
    metavar="KEYFILE",
    help="Where to keep the key [default: <key id>.key in the user's data folder].",
)
@click.option("--force", is_flag=True, help="Replace KEYFILE if it exists.")
def keys_new(name: str, output: str | None, force: bool) -> None:
    """Make a key pair for NAME; the private key is kept encrypted, readable by you only."""
    from compoundkit.records.signing import new_key

    target = output_target(output, force=force)  # never a record log or a --catalog file
    secret = passphrase(confirm=True)
    with handle_errors():
        public = new_key(name, secret, target, replace=force)
    where = target if target is not None else "the key folder"
    click.echo(f"made key {public.key_id} for {public.name} in {where}", err=True)
    click.echo(public.key_id)


@keys.command("list", epilog="Examples:\n\n\b\n  compoundkit keys list --folder ./keys")
@click.option(
    "--folder",
    metavar="DIR",
    help="The key folder [default: keys in the user's data folder].",
)
def keys_list(folder: str | None) -> None:
    """List the keys in the key folder: key id, created, name, file."""
    from compoundkit.records.signing import list_keys

    with handle_errors():
        found = list_keys(folder)
    for path, public in found:
        click.echo(f"{public.key_id}  {public.created.isoformat()}  {public.name}  {path}")
    click.echo(f"{len(found)} key{'' if len(found) == 1 else 's'}", err=True)


@keys.command(
    "export-public",
    epilog="Examples:\n\n\b\n"
    "  compoundkit keys export-public chen.key -o chen.pub.json\n\n"
    "Add the record to the pharmacy's trusted signers file (a JSON list of them).",
)
@click.argument("keyfile", metavar="[KEYFILE]", required=False)
@click.option("-o", "--output", metavar="FILE", help="Write the public record to FILE.")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
def keys_export_public(keyfile: str | None, output: str | None, force: bool) -> None:
    """Print (or write) KEYFILE's public record: name, key id, created, public key PEM."""
    from compoundkit.records.signing import list_keys, public_json, read_public

    target = output_target(output, force=force, inputs={keyfile: "KEYFILE"} if keyfile else {})
    with handle_errors():
        if keyfile is None:
            found = list_keys()
            if len(found) != 1:
                raise InputError(
                    f"KEYFILE: the key folder holds {len(found)} keys; name the one to export"
                )
            public = found[0][1]
        else:
            if not Path(keyfile).is_file():
                raise InputError(f"KEYFILE: {keyfile} does not exist")
            public = read_public(keyfile)
        text = public_json(public)
        if output is None:
            click.echo(text, nl=False)
            return
        assert target is not None
        write_atomic(target, text, replace=force)
    click.echo(f"wrote {target}: key {public.key_id} of {public.name}", err=True)
