"""The stock file: GTIN -> catalog ingredient and form, and the checks of a scan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from compoundkit.devices import (
    ExpiredLotError,
    LabelError,
    StockError,
    WrongSubstanceError,
    load_stock,
    loads_stock,
    parse_label,
)
from compoundkit.errors import DocumentError

pytest.importorskip("biip")

KETOPROFEN = "09501101530003"  # check digit per GS1 General Specifications 7.9
CYCLO_HCL = "5901234123457"  # a GTIN-13, stored as GTIN-14

STOCK = f"""
[[items]]
gtin = "{KETOPROFEN}"
ingredient = "ketoprofen"
description = "Ketoprofen USP, 100 g"

[[items]]
gtin = "{CYCLO_HCL}"
ingredient = "Cyclobenzaprine"
form = "HCl"
"""

TODAY = dt.date(2026, 6, 1)


def test_load_stock(tmp_path: Path) -> None:
    path = tmp_path / "stock.toml"
    path.write_text(STOCK, encoding="utf-8")
    stock = load_stock(path)
    assert len(stock) == 2
    keto, cyclo = stock
    assert (keto.ingredient, keto.form, keto.description) == (
        "ketoprofen",
        "free-acid",
        "Ketoprofen USP, 100 g",
    )
    assert (cyclo.gtin, cyclo.ingredient, cyclo.form) == (
        "0" + CYCLO_HCL,
        "cyclobenzaprine",
        "hydrochloride",
    )
    assert stock.source == str(path)


def test_identify_and_confirm() -> None:
    stock = loads_stock(STOCK)
    label = parse_label(f"01{KETOPROFEN}1727010010K-1")
    assert stock.identify(label).ingredient == "ketoprofen"
    assert stock.confirm(label, "ketoprofen", "free acid", on=TODAY).gtin == KETOPROFEN


def test_unknown_gtin() -> None:
    stock = loads_stock(STOCK, source="stock.toml")
    label = parse_label("(01)04006381333931(17)270101(10)A")
    with pytest.raises(
        StockError, match=r"GTIN 04006381333931 is not in the stock file stock\.toml"
    ):
        stock.identify(label)


def test_wrong_substance_and_wrong_form() -> None:
    stock = loads_stock(STOCK)
    cyclo = parse_label(f"(01)0{CYCLO_HCL}(17)270101(10)C-9")
    with pytest.raises(
        WrongSubstanceError, match="is Cyclobenzaprine hydrochloride, not Ketoprofen"
    ):
        stock.confirm(cyclo, "ketoprofen", on=TODAY)
    with pytest.raises(WrongSubstanceError, match="not Cyclobenzaprine"):
        stock.confirm(cyclo, "cyclobenzaprine", "base", on=TODAY)


def test_expired_lot_and_lot_expiring_before_the_bud() -> None:
    stock = loads_stock(STOCK)
    label = parse_label(f"(01){KETOPROFEN}(17)260500(10)K-2")
    with pytest.raises(ExpiredLotError, match=r"lot K-2 of Ketoprofen .* expired on 2026-05-31"):
        stock.confirm(label, "ketoprofen", on=TODAY)
    fresh = parse_label(f"(01){KETOPROFEN}(17)260700(10)K-3")
    assert stock.confirm(fresh, "ketoprofen", on=TODAY).ingredient == "ketoprofen"
    with pytest.raises(
        ExpiredLotError, match="before the preparation's beyond-use date 2026-08-01"
    ):
        stock.confirm(fresh, "ketoprofen", on=TODAY, use_by=dt.date(2026, 8, 1))


def test_lot_and_expiry_are_required_to_confirm() -> None:
    stock = loads_stock(STOCK)
    with pytest.raises(LabelError, match="no lot"):
        stock.confirm(parse_label(f"01{KETOPROFEN}17270101"), "ketoprofen", on=TODAY)
    with pytest.raises(LabelError, match="no expiry"):
        stock.confirm(parse_label(f"01{KETOPROFEN}10L1"), "ketoprofen", on=TODAY)


def test_every_problem_is_reported_with_its_line() -> None:
    text = f"""[[items]]
gtin = "09501101530004"
ingredient = "ketoprofen"

[[items]]
gtin = "{KETOPROFEN}"
ingredient = "ketoprofin"

[[items]]
gtin = "{KETOPROFEN}"
ingredient = "ketoprofen"
form = "hydrochloride"

[[items]]
gtin = "{KETOPROFEN}"
ingredient = "ketoprofen"

[[items]]
gtin = "{KETOPROFEN}"
ingredient = "ketoprofen"
"""
    with pytest.raises(DocumentError) as caught:
        loads_stock(text, source="stock.toml")
    message = str(caught.value)
    assert "stock.toml: 4 problems" in message
    assert "stock.toml:2: items[0].gtin: Invalid GTIN check digit" in message
    assert "stock.toml:7: items[1].ingredient: unknown ingredient 'ketoprofin'" in message
    assert "stock.toml:12: items[2].form: Ketoprofen has no form 'hydrochloride'" in message
    assert (
        "stock.toml:19: items[4].gtin: GTIN 09501101530003 is already listed as items[3]" in message
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("items = 3", "items"),
        ("[[items]]\ningredient = 'ketoprofen'", "items[0].gtin: required"),
        ("[[items]]\ngtin = 1\ningredient = 'ketoprofen'", "must be text"),
        ("[[items]]\ngtin = '1'\ningredient = 'x'\ncolour = 'red'", "unknown key; allowed: gtin"),
        ("[[items]\n", "not valid TOML"),
    ],
)
def test_malformed_stock_files(text: str, message: str) -> None:
    with pytest.raises(DocumentError, match=message.replace("[", r"\[").replace("]", r"\]")):
        loads_stock(text)


def test_unreadable_stock_files(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="no such file"):
        load_stock(tmp_path / "missing.toml")
    with pytest.raises(DocumentError, match="is a folder"):
        load_stock(tmp_path)
    (tmp_path / "latin1.toml").write_bytes(b"description = '\xe9'")
    with pytest.raises(DocumentError, match="not UTF-8"):
        load_stock(tmp_path / "latin1.toml")


def test_a_fifo_given_as_the_stock_file_is_refused_at_once(tmp_path: Path) -> None:
    import os
    import time

    from compoundkit.devices import load_stock
    from compoundkit.errors import DocumentError

    fifo = tmp_path / "stock.toml"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(DocumentError, match="FIFO"):
        load_stock(fifo)
    assert time.monotonic() - started < 1.0


BASES = """
[[items]]
gtin = "09501101530041"
vehicle = "Lipoderm ActiveMax"
vendor = "Example Bases"

[[items]]
gtin = "09501101530058"
excipient = "Zinc oxide"
"""


def test_vehicles_and_excipients_are_products_too() -> None:
    stock = loads_stock(STOCK + BASES)
    base, zinc = stock.items[2:]
    assert (base.kind, base.ingredient, base.name, base.vendor) == (
        "vehicle",
        "lipoderm-activemax",
        "Lipoderm ActiveMax",
        "Example Bases",
    )
    assert (zinc.kind, zinc.name, zinc.form, zinc.vendor) == ("excipient", "Zinc oxide", "", None)
    label = parse_label("(01)09501101530041(17)270101(10)L-21")
    assert stock.confirm(label, "lipoderm-activemax", on=TODAY, kind="vehicle") == base
    with pytest.raises(WrongSubstanceError, match="is Lipoderm ActiveMax, not PLO"):
        stock.confirm(label, "PLO (pluronic lecithin organogel)", on=TODAY, kind="vehicle")
    with pytest.raises(WrongSubstanceError, match="is Lipoderm ActiveMax, not Ketoprofen"):
        stock.confirm(label, "ketoprofen", on=TODAY)  # an active line: the base is refused
    zinc_label = parse_label("(01)09501101530058(17)270101(10)Z-3")
    assert stock.confirm(zinc_label, "zinc  OXIDE", on=TODAY, kind="excipient") == zinc
    assert stock.products("Lipoderm ActiveMax", kind="vehicle") == (base,)
    assert stock.products("ketoprofen", "free-acid") == (stock.items[0],)


def test_a_product_is_one_thing() -> None:
    text = """
[[items]]
gtin = "09501101530041"
vehicle = "lipoderm-activemax"
ingredient = "ketoprofen"

[[items]]
gtin = "09501101530058"
vehicle = "no such base"

[[items]]
gtin = "09501101530027"
vehicle = "plo"
form = "hydrochloride"

[[items]]
gtin = "09501101530034"
description = "what is it?"
"""
    with pytest.raises(DocumentError) as caught:
        loads_stock(text, source="stock.toml")
    message = str(caught.value)
    assert "stock.toml: 4 problems" in message
    assert "items[0].vehicle: give exactly one of ingredient, vehicle or excipient" in message
    assert "stock.toml:9: items[1].vehicle: " in message
    assert "items[2].form: a vehicle has no form" in message
    assert "items[3].ingredient: give exactly one of ingredient, vehicle or excipient" in message
