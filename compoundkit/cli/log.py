"""``compoundkit log list|show|lot|verify|checkpoint|copy``: read and verify the record log.

The log is a SQLite file or a PostgreSQL database (``--log PATH|URL``); reading commands
exit 1 when the hash chain is broken and 2 when the log cannot be read.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs
import click

from compoundkit.cli._common import (
    InputError,
    checked_path,
    echo,
    echo_json,
    handle_errors,
    iso_date,
    output_target,
)

if TYPE_CHECKING:
    from compoundkit.records.log import LogEntry, RecordLog

__all__ = [
    "LOG_OPTION",
    "MAX_WAIT",
    "WAIT_OPTION",
    "integrity",
    "log",
    "log_target",
    "log_wait",
    "open_log_readonly",
    "resolve_entry_id",
]

_WAIT_KEY: Final = "compoundkit.log_wait"
_WAIT_RE: Final = re.compile(r"[0-9]{1,5}(\.[0-9]{1,3})?")
MAX_WAIT: Final = 3600
"""The longest ``--wait`` (seconds) a command accepts."""


def _store_wait(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """Keep ``--wait`` in the command's context, for every log it opens."""
    if value is None:
        return
    text = value.strip()
    if not _WAIT_RE.fullmatch(text) or float(text) > MAX_WAIT:
        raise click.BadParameter(
            f"{value!r} is not a number of seconds from 0 to {MAX_WAIT}, such as 5 or 0.5",
            param_hint="--wait",
        )
    ctx.meta[_WAIT_KEY] = float(text)


WAIT_OPTION: Final = click.option(
    "--wait",
    metavar="SECONDS",
    expose_value=False,
    callback=_store_wait,
    help="How long to wait for a record log another process is writing [default: 30].",
)


def log_wait() -> float:
    """The ``--wait`` given to the running command, in seconds (30 when not given)."""
    context = click.get_current_context(silent=True)
    meta = {} if context is None else context.meta
    return float(meta.get(_WAIT_KEY, 30.0))


def LOG_OPTION(func: Callable[..., None]) -> Callable[..., None]:
    """``--log PATH|URL`` (required) and ``--wait SECONDS``."""
    log_option = click.option(
        "--log",
        "log_path",
        required=True,
        metavar="PATH|URL",
        help="The record log: a SQLite file, or postgresql://user@host:port/dbname.",
    )
    return log_option(WAIT_OPTION(func))


def log_target(value: str) -> Path | str:
    """A record log's file (checked like every output path), or its PostgreSQL URL."""
    from compoundkit.records.log import is_log_url

    return value if is_log_url(value) else checked_path(value, "record log")


@contextlib.contextmanager
def open_log_readonly(path: str) -> Iterator[RecordLog]:
    """The record log at ``path``, opened read-only (a missing log is an error)."""
    from compoundkit.records.log import open_log

    target = log_target(path)
    with handle_errors():
        opened = open_log(target, readonly=True, timeout=log_wait())
    with opened:
        yield opened


def resolve_entry_id(opened: RecordLog, given: str) -> str:
    """The full id of the entry ``given`` names: a full id, or a short one (``R000001``)."""
    short = _SHORT_ID.fullmatch(given.strip())
    return opened.entry_number(int(short[1])).id if short else given


_SHORT_ID: Final = re.compile(r"R([0-9]{6,})")


def integrity(func: Callable[..., None]) -> Callable[..., None]:
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
        echo(f"compoundkit: error: {broken}", err=True)
        echo("  hint: compoundkit log verify --log PATH names the first bad entry", err=True)
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
        echo("  ".join(str(p) for p in parts))


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
@LOG_OPTION
@click.option("--since", metavar="YYYY-MM-DD", help="Entries on or after this day.")
@click.option("--until", metavar="YYYY-MM-DD", help="Entries on or before this day.")
@click.option("--formula", metavar="NAME", help="Entries of this formula (its name).")
@_FORMAT_OPTION
@integrity
def log_list(
    log_path: str, since: str | None, until: str | None, formula: str | None, fmt: str
) -> None:
    """List the entries of the record log, oldest first."""
    first = None if since is None else iso_date(since, "--since")
    last = None if until is None else iso_date(until, "--until")
    with open_log_readonly(log_path) as opened:
        entries = opened.find(since=first, until=last, formula=formula)
    _print_entries(entries, fmt)
    if fmt == "text":
        echo(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}", err=True)


@log.command(
    "show",
    epilog="Examples:\n\n\b\n  compoundkit log show R000001-1f3a9c0e --log records.db\n"
    "  compoundkit log show R000001 --log records.db --format json\n\n"
    "ID is an entry's id, or its short form: R000001 is the first entry.",
)
@click.argument("entry_id", metavar="ID")
@LOG_OPTION
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="text: the entry and its record as a Markdown worksheet; json: the entry as stored.",
)  # fmt: skip
@integrity
def log_show(entry_id: str, log_path: str, fmt: str) -> None:
    """Show one entry of the record log (a record as its worksheet) and its corrections."""
    from compoundkit.records.serialize import (
        CORRECTION_KIND,
        CR_KIND,
        MFR_KIND,
        correction_chain,
        record_from_entry,
    )

    with open_log_readonly(log_path) as opened, handle_errors():
        entry = _entry_by_id_or_number(opened, resolve_entry_id(opened, entry_id))
        corrections = correction_chain(opened, entry.id)
    if fmt == "json":
        data = {**_summary(entry), "prev_hash": entry.prev_hash, "payload": dict(entry.payload)}
        echo_json(json.dumps(data, indent=2, ensure_ascii=False))
        return
    s = _summary(entry)
    echo(f"Entry {entry.id} (#{entry.seq}), {entry.kind}, day {s['day']}")
    echo(f"Appended {s['created_at']}; hash {entry.hash}")
    if s["state"] is not None:
        echo(f"State: {s['state']}")
    if entry.lots:
        echo(f"Lots: {', '.join(entry.lots)}")
    if entry.corrects:
        echo(f"Corrects {entry.corrects}")
    for fix in corrections:
        echo(_chain_line(fix))
    if entry.kind == CORRECTION_KIND:
        echo(_correction_text(entry.payload))
    echo("")
    if entry.kind in (MFR_KIND, CR_KIND, CORRECTION_KIND):
        with handle_errors():
            echo(_markdown(record_from_entry(entry), entry))
    else:
        echo(json.dumps(dict(entry.payload), indent=2, ensure_ascii=False))


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
@LOG_OPTION
@_FORMAT_OPTION
@integrity
def log_lot(lot: str, log_path: str, fmt: str) -> None:
    """List the entries that used ingredient lot LOT (recall)."""
    with open_log_readonly(log_path) as opened:
        entries = opened.find(lot=lot)
    _print_entries(entries, fmt)
    if fmt == "text":
        echo(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'} used lot {lot}", err=True)


@log.command(
    "verify",
    epilog="Examples:\n\n\b\n  compoundkit log verify --log records.db\n\n"
    "Exit codes: 0 intact, 1 broken (the first bad entry is named), 2 unreadable.",
)
@LOG_OPTION
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
@integrity
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
            echo(f"checkpoint {against}: signature not checked; give --trust FILE", err=True)
        else:
            with handle_errors():
                trusted = load_trusted(trust)
            try:
                saved.verify_signature(trusted)
            except SignatureError as exc:
                echo(f"compoundkit: checkpoint {against}: {exc}", err=True)
                raise SystemExit(1) from None
            assert saved.signature is not None
            echo(f"checkpoint {against}: {manifestation(saved.signature)}", err=True)
    with open_log_readonly(log_path) as opened:
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
        echo(str(report))
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
@LOG_OPTION
@click.option("-o", "--output", required=True, metavar="FILE", help="The checkpoint file.")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.option(
    "--sign-with",
    "sign_with",
    metavar="KEYFILE",
    help="Sign the checkpoint with this key (compoundkit keys new); passphrase from "
    "COMPOUNDKIT_PASSPHRASE or a prompt.",
)
@integrity
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
    with open_log_readonly(log_path) as opened:
        opened.verify().raise_if_broken()
        with handle_errors():
            saved = save_checkpoint(opened, target, signer=signer)
    echo(f"wrote {target}: {saved.entries} entries, head {saved.head_hash}", err=True)


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
@WAIT_OPTION
@integrity
def log_copy(source: str, dest: str) -> None:
    """Copy the record log SOURCE into the new log DEST (another file or backend)."""
    from compoundkit.records.log import copy_log, is_log_url, open_log

    dest_target = log_target(dest)
    with open_log_readonly(source) as opened:
        with handle_errors():
            copy = open_log(dest_target, timeout=log_wait())
        with copy:
            report = copy_log(opened, copy)  # a broken source: LogIntegrityError, exit 1
            shown = [
                log.location if is_log_url(given) else given
                for given, log in ((source, opened), (dest, copy))
            ]
    noun = "entry" if report.count == 1 else "entries"
    echo(f"copied {report.count} {noun} from {shown[0]} to {shown[1]}")
    echo(str(report))
    if not report.ok:
        raise SystemExit(1)


def _markdown(record: object, entry: LogEntry) -> str:
    """The Markdown worksheet of a logged MFR or compounding record (a CR's with its
    entry and the log's head after it)."""
    from compoundkit.records import render
    from compoundkit.records.mfr import MasterFormulationRecord

    if isinstance(record, MasterFormulationRecord):
        return render.mfr_to_markdown(record)
    return render.cr_to_markdown(record, logged=entry)  # type: ignore[arg-type]
