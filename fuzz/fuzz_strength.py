"""atheris target: strength, amount, density, potency, excess and balance texts."""

from __future__ import annotations

import atheris

with atheris.instrument_imports():
    from compoundkit import units
    from compoundkit.calc import Balance
    from compoundkit.formulas import Amount, Excess, Potency
    from compoundkit.units import grammar

from _common import main, run, text


def test_one_input(data: bytes) -> None:
    value = text(data)
    run(lambda: units.Strength.parse(value))
    run(lambda: Amount.parse(value))
    run(lambda: units.parse_quantity(value))
    run(lambda: units.Strength.parse("10 % w/w").to("% w/v", density=value))
    run(lambda: Potency.parse(value))
    run(lambda: Excess.parse(value))
    run(lambda: Balance.parse(value))
    run(lambda: grammar.parse_amount(value))


if __name__ == "__main__":
    main(test_one_input)
