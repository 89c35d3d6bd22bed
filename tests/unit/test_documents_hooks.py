"""documents: tables and lists checked, problems named by document keys, Literal values listed."""

from __future__ import annotations

from typing import Literal

import attrs
import cattrs
import pytest
from cattrs.gen import override

from compoundkit import documents
from compoundkit.errors import DocumentError


@attrs.frozen
class Jar:
    _size: int
    kind: Literal["cream", "gel"] = "cream"
    grams: float = 0.0


@attrs.frozen
class Shelf:
    jars: tuple[Jar, ...] = ()
    tags: list[str] = attrs.Factory(list)
    top: Jar | None = None


@attrs.frozen
class Label:
    text_: str


def _problems(data: object, cls: type) -> list[str]:
    with pytest.raises(DocumentError) as caught:
        documents.structure(data, cls, source="jar.toml")
    return [p.render() for p in caught.value.problems]


def test_problems_name_the_alias_not_the_attribute() -> None:
    assert _problems({"size": "x"}, Jar) == ["size: must be a whole number, not the text 'x'"]
    assert _problems({}, Jar) == ["size: required, but missing"]
    assert _problems({"size": 1, "lid": 1}, Jar) == ["lid: unknown key; allowed: size, kind, grams"]


def test_problems_name_the_rename_of_an_override() -> None:
    converter: cattrs.Converter = documents.converter()
    converter.register_structure_hook(
        Label, documents.table_hook(converter, Label, text_=override(rename="wording"))
    )
    assert _problems({"wording": 1}, Label) == ["wording: must be text, not the number 1"]
    assert _problems({"text": "x"}, Label) == [
        "wording: required, but missing",
        "text: unknown key; allowed: wording",
    ]


def test_literal_values_and_huge_numbers_are_explained() -> None:
    assert _problems({"size": 1, "kind": "paste"}, Jar) == [
        "kind: the text 'paste' is not allowed; allowed: cream, gel"
    ]
    assert _problems({"size": 1, "grams": 10**400}, Jar) == [
        "grams: must be a finite number, not an integer too large for a float"
    ]


def test_a_table_and_a_list_are_what_is_expected() -> None:
    assert _problems("jar", Jar) == ["must be a table, not the text 'jar'"]
    assert _problems({"tags": "a, b", "top": 3, "jars": [1]}, Shelf) == [
        "jars[0]: must be a table, not the number 1",
        "tags: must be a list, not the text 'a, b'",
        "top: must be a table, not the number 3",
    ]
    assert _problems({"jars": {"size": 1}}, Shelf) == ["jars: must be a list, not a table"]
    shelf = documents.structure({"jars": [{"size": 1}], "tags": ["a"]}, Shelf)
    assert shelf == Shelf((Jar(1),), ["a"])
