"""``compoundkit record verify``: the second person verifies (and releases) a weighed
compounding record, such as one the weigh station wrote, keeping its actuals as weighed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from compoundkit.cli._common import (
    InputError,
    handle_errors,
    output_target,
    printable,
)
from compoundkit.cli.log import WAIT_OPTION
from compoundkit.cli.records import TRUST_OPTION, record_outputs, sign_option

if TYPE_CHECKING:
    from compoundkit.records.cr import CompoundingRecord
    from compoundkit.records.log import RecordLog
    from compoundkit.records.signing import PublicKey

__all__ = ["verify"]

_VERIFY_EPILOG = """Examples:

\b
  compoundkit record verify rx1042.json --by 'B. Osei' --release -o rx1042.released.json
  compoundkit record verify RX-1042 --log records.db --by 'B. Osei' --release

RECORD is a saved compounding record (.json or .toml, as station -o or record cr -o
write it), or, with --log, the record's ID (--id) or its log entry (R000001): the
latest draft logged for it. The verifier, who is not the compounder, checks that every
line has its actual and that each line outside its tolerance has a documented deviation,
which verifying acknowledges; --release then releases it (the label is printed), which
needs a complete record (an approved MFR, a lot and expiry for every component). The
record keeps the actuals as weighed: nothing is re-typed. With --log the verified
(released) record is appended; a released one completes the draft. Without -o or --log
the record is printed (JSON). --sign-with signs the steps each key's holder did (the
compounder's key signs "prepared", the verifier's "verified" and "released"); with
trusted signers (--trust), the record's signatures are checked and its MFR approval must
be signed, as in record cr.

Exit codes: 0 verified (and released), 1 refused (every finding is listed; nothing is
written), 2 input errors."""


@click.command(epilog=_VERIFY_EPILOG)
@click.argument("source", metavar="RECORD")
@click.option("--by", required=True, metavar="NAME", help="Who verifies (not the compounder).")
@click.option("--release", is_flag=True, help="Release it too: the record is then final.")
@click.option(
    "--log",
    "log_path",
    metavar="PATH|URL",
    help="The record log holding the draft (RECORD is then its ID or entry).",
)
@WAIT_OPTION
@sign_option("each key signs the steps its holder did (prepared: the compounder; verified "
              "and released: --by)")  # fmt: skip
@TRUST_OPTION
@record_outputs("json")
def verify(
    source: str,
    by: str,
    release: bool,
    log_path: str | None,
    sign_with: tuple[str, ...],
    trust: str | None,
    output: str | None,
    force: bool,
    fmt: str | None,
) -> None:
    """Verify (and release) a weighed compounding record: the second person's sign-off."""
    import datetime as dt

    from compoundkit.cli.log import log_target, open_log_readonly
    from compoundkit.cli.records import (
        _emit,
        _log_cr,
        _open_keys,
        _refused,
        _render,
        _require_signed_approval,
        _sign_cr,
        _trusted,
        output_format,
    )
    from compoundkit.errors import RecordRefusedError

    kind = output_format(output, fmt, default="json")
    inputs = {source: "RECORD"} if log_path is None else {log_path: "record log (--log)"}
    target = output_target(output, force=force, inputs=inputs)
    printable("--by", by)
    where = None if log_path is None else log_target(log_path)
    trusted = _trusted(trust)
    keys = _open_keys(sign_with, trusted)
    if log_path is None:
        record = _saved_record(source, trusted)
    else:
        with open_log_readonly(log_path) as opened, handle_errors():
            record = _logged_record(opened, source)
    if trusted is not None:
        _require_signed_approval(record.mfr, trusted, source, "nothing written")
    now = dt.datetime.now().replace(microsecond=0)
    with handle_errors():
        try:
            if record.state != "verified":
                record = record.verify(by=by, at=now)
            if release:
                record = record.release(by=by, at=now)
        except RecordRefusedError as exc:
            _refused(
                f"compounding record {record.internal_id} not signed off",
                exc.findings,
                "nothing written",
            )
    record = _sign_cr(record, keys)
    with handle_errors():
        data = _render(record, kind)
    if where is not None:
        entry = _log_cr(record, where)
        with handle_errors():
            data = _render(record, kind, entry)
    if target is not None or where is None:
        _emit(data, target, force=force)
    state = "final (released)" if record.is_final else f"{record.state}, not released"
    click.echo(f"{state} by {by}; ID {record.internal_id}", err=True)


def _saved_record(path: str, trusted: tuple[PublicKey, ...] | None) -> CompoundingRecord:
    from compoundkit.records.cr import CompoundingRecord
    from compoundkit.records.serialize import load_record

    with handle_errors():
        record = load_record(path, trusted=trusted)
    if not isinstance(record, CompoundingRecord):
        raise InputError(f"{path} is an MFR, not a compounding record")
    return record


def _logged_record(opened: RecordLog, given: str) -> CompoundingRecord:
    from compoundkit.cli.log import resolve_entry_id
    from compoundkit.records.cr import CompoundingRecord
    from compoundkit.records.serialize import find_draft, latest_version

    draft = find_draft(opened, given)
    if draft is not None:
        _, record = latest_version(opened, draft.id)
    else:
        try:
            _, record = latest_version(opened, resolve_entry_id(opened, given))
        except LookupError:
            raise InputError(
                f"{given}: no draft compounding record with this ID and no such entry in "
                "the record log"
            ) from None
    if not isinstance(record, CompoundingRecord):
        raise InputError(f"{given} is an MFR, not a compounding record")
    return record
