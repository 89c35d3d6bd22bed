"""atheris target: formula files (TOML and JSON text, and raw bytes through load_formula)."""

from __future__ import annotations

import os
import tempfile

import atheris

with atheris.instrument_imports():
    from compoundkit.formulas import io

from _common import main, run, text

_FOLDER = tempfile.mkdtemp(prefix="ck-fuzz-formula-")
_PATH = os.path.join(_FOLDER, "formula")


def _load_and_use(load: object) -> None:
    formulation = load()  # type: ignore[operator]
    formulation.validate()
    run(lambda: formulation.batch("100 g"))


def test_one_input(data: bytes) -> None:
    value = text(data)
    run(lambda: _load_and_use(lambda: io.loads_toml(value)))
    run(lambda: _load_and_use(lambda: io.loads_json(value)))
    suffix = ".json" if data[:1] in (b"{", b"[") else ".toml"
    with open(_PATH + suffix, "wb") as handle:
        handle.write(data)
    run(lambda: _load_and_use(lambda: io.load_formula(_PATH + suffix)))


if __name__ == "__main__":
    main(test_one_input)
