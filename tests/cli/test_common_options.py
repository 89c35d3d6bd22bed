"""Repeated NAME=VALUE options: split at the first '=', names compared as catalog lookup does."""

from __future__ import annotations

import pytest

from compoundkit.cli._common import InputError, key_values


def test_a_value_may_contain_an_equals_sign() -> None:
    assert key_values(("appearance=pH=5.5, smooth",), "--qc", "x=y") == {
        "appearance": "pH=5.5, smooth"
    }


@pytest.mark.parametrize(
    "twice", ["KETOPROFEN", "Keto-profen", " ketoprofen ", "ＫＥＴＯＰＲＯＦＥＮ"]
)
def test_the_same_name_in_another_spelling_is_given_twice(twice: str) -> None:
    with pytest.raises(InputError, match=r"--potency: .* is given twice \(as 'ketoprofen' too\)"):
        key_values(("ketoprofen=99%", f"{twice}=98%"), "--potency", "ketoprofen=98.5%")


@pytest.mark.parametrize("bad", ["ketoprofen", "=99%", "ketoprofen=", " = "])
def test_malformed_items_name_the_option(bad: str) -> None:
    with pytest.raises(InputError, match=r"--potency: .* should be NAME=VALUE"):
        key_values((bad,), "--potency", "ketoprofen=98.5%")
