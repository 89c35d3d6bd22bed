"""Numbers in batch exports: no binary noise (12.6, not 12.600000000000001), potency as a
percent in every format, the sheet's own floats untouched."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from compoundkit import load_formula
from compoundkit.formulas.sheet_export import SIGNIFICANT_DIGITS, presented

CREAM = Path(__file__).parents[2] / "examples" / "muscle-spasm-cream.toml"
NOISE = ("00000000", "99999999")


def _no_noise(text: str) -> None:
    for fragment in NOISE:
        assert fragment not in text


def test_json_and_csv_of_a_126_g_batch_have_no_binary_noise() -> None:
    # 126 g x 10 % is 12.600000000000001 in floats; 126 g x 5 % is 6.300000000000001
    sheet = load_formula(CREAM).batch("126 g", potency={"ketoprofen": "98.7%"})
    guaifenesin = next(line for line in sheet.lines if line.name == "Guaifenesin")
    assert guaifenesin.weigh_g == 0.1 * 126 != 12.6  # the sheet keeps the full float
    text = sheet.to_json()
    _no_noise(text)
    data = json.loads(text)
    by_name = {line["name"]: line for line in data["lines"]}
    assert by_name["Guaifenesin"]["weigh"] == {"value": 12.6, "unit": "gram"}
    assert by_name["Magnesium chloride"]["moiety"]["value"] == 6.3
    assert by_name["Ketoprofen"]["potency"] == {"value": 98.7, "unit": "percent"}
    assert set(data) >= {"formula", "batch", "lines", "vehicle", "findings"}  # the contract
    table = sheet.to_csv()
    _no_noise(table)
    rows = list(csv.DictReader(io.StringIO(table)))
    guai = next(row for row in rows if row["name"] == "Guaifenesin")
    assert (guai["weigh_g"], guai["potency_percent"]) == ("12.6", "100.0")
    ket = next(row for row in rows if row["name"] == "Ketoprofen")
    assert ket["potency_percent"] == "98.7"  # a percent, as in JSON and the table
    assert float(ket["weigh_g"]) == presented(12.6 / 0.987)


def test_presented_keeps_grams_to_a_tenth_of_a_milligram() -> None:
    assert presented(999_999.0001) == 999_999.0001  # 999 kg to 0.1 mg
    assert presented(0.0001) == 0.0001
    assert presented(0.30000000000000004) == 0.3
    assert presented(math.inf) == math.inf
    assert presented(-0.0) == 0.0
    assert presented(3) == 3


@given(st.floats(min_value=1e-9, max_value=1e9, allow_nan=False))
def test_presented_is_close_idempotent_and_short(value: float) -> None:
    shown = presented(value)
    assert math.isclose(shown, value, rel_tol=10 ** (1 - SIGNIFICANT_DIGITS))
    assert presented(shown) == shown
    digits = repr(shown).split("e")[0].replace(".", "").replace("-", "").strip("0")
    assert len(digits) <= SIGNIFICANT_DIGITS


@given(st.integers(min_value=1, max_value=2000), st.integers(min_value=1, max_value=999))
def test_tenths_of_grams_print_as_written(grams: int, tenths: int) -> None:
    """Any amount written with up to 4 decimals prints as written, whatever the arithmetic."""
    value = grams * (tenths / 10) / 10  # e.g. 126 * 1.0 / 10 -> noise-prone products
    assert presented(value) == float(f"{value:.6f}")
    assert json.dumps(presented(value)) == repr(float(f"{value:.6f}"))
