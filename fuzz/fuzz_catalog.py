"""atheris target: ingredient catalog TOML."""

from __future__ import annotations

import atheris

with atheris.instrument_imports():
    from compoundkit.ingredients import _io

from _common import main, run, text


def test_one_input(data: bytes) -> None:
    value = text(data)
    run(lambda: _io.from_toml(value, file="fuzz.toml"))


if __name__ == "__main__":
    main(test_one_input)
