"""atheris target: saved records (MFR/CR JSON and TOML) and record-log appends."""

from __future__ import annotations

import json
import os
import tempfile

import atheris

with atheris.instrument_imports():
    from compoundkit.records import serialize
    from compoundkit.records.log import RecordLog

from _common import main, run, text

_LOG = RecordLog(os.path.join(tempfile.mkdtemp(prefix="ck-fuzz-log-"), "records.db"))


def _append(value: str) -> None:
    try:
        payload = json.loads(value)
    except (ValueError, RecursionError):  # not JSON: not what this target tests
        return
    _LOG.append("fuzz", payload if isinstance(payload, dict) else {"value": payload})


def test_one_input(data: bytes) -> None:
    value = text(data)
    run(lambda: serialize.loads_record(value, "json"))
    run(lambda: serialize.loads_record(value, "toml"))
    run(lambda: _append(value))


if __name__ == "__main__":
    main(test_one_input)
