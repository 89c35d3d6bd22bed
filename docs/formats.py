"""The file-format reference tables, generated from the declarations the loaders use.

The formula file, the saved MFR and the saved compounding record are attrs classes
structured by the one converter (``compoundkit.documents``); this script reads those
classes (their fields, types, defaults, field hooks, the record overrides and each
field's docstring) and writes the key tables of ``docs/content/reference/*-file.md``
between the ``<!-- generated: NAME -->`` and ``<!-- end generated -->`` lines. A test
(``tests/unit/test_formats_reference.py``) fails when a page no longer matches, so a
field added to a class is a field the reference lists.

    python docs/formats.py          # rewrite the tables
    python docs/formats.py --check  # exit 1 when a page is out of date
"""

from __future__ import annotations

import ast
import datetime as dt
import enum
import inspect
import re
import sys
import textwrap
import types
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "docs" / "content" / "reference"

_READ = "compoundkit.read"
_KEY = "compoundkit.documents.key"


def _attribute_docs(cls: type) -> dict[str, str]:
    """The docstrings written under the fields of ``cls`` (``name: str`` + ``\"\"\"...\"\"\"``)."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    body = ast.parse(source).body[0]
    assert isinstance(body, ast.ClassDef)
    found: dict[str, str] = {}
    for first, second in zip(body.body, body.body[1:], strict=False):
        if (
            isinstance(first, ast.AnnAssign)
            and isinstance(first.target, ast.Name)
            and isinstance(second, ast.Expr)
            and isinstance(second.value, ast.Constant)
            and isinstance(second.value.value, str)
        ):
            found[first.target.id] = inspect.cleandoc(second.value.value)
    return found


def _prose(text: str) -> str:
    """Docstring text as one line of Markdown (reST roles and double backticks made plain)."""
    text = re.sub(r":\w+:`~?([^`]+)`", lambda m: f"`{m.group(1).rsplit('.', 1)[-1]}`", text)
    text = text.replace("``", "`")
    return " ".join(text.split()).replace("|", "\\|")


def _first_sentence(func: Callable[..., Any]) -> str:
    doc = inspect.getdoc(func) or ""
    return _prose(doc.split("\n\n")[0])


def _anchor(cls: type) -> str:
    return cls.__name__.lower()


#: Tables described on another page.
_ELSEWHERE = {"MasterFormulationRecord": "a table with the keys of an [MFR file](mfr-file.md)"}


def _type_text(kind: Any, tables: dict[type, str]) -> str:
    """How a document writes a value of type ``kind``."""
    from compoundkit.units import Strength

    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if origin is typing.Annotated:
        return _type_text(args[0], tables)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_text(a, tables) for a in args if a is not type(None))
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    if origin is tuple:
        item = _type_text(args[0], tables).removeprefix("a ")
        return "a list of " + (item + "s" if item.endswith(" table") else item)
    if isinstance(kind, type):
        if kind is Strength:
            return "a strength as text, such as `'10 % w/w'`"
        if attrs.has(kind) and kind not in tables and kind.__name__ in _ELSEWHERE:
            return _ELSEWHERE[kind.__name__]
        if attrs.has(kind):
            return f"a [`{tables.get(kind, kind.__name__)}`](#{_anchor(kind)}) table"
        if issubclass(kind, enum.Enum):
            return "one of " + ", ".join(f"`{m.value}`" for m in kind)
        words = {
            bool: "`true` or `false`",
            int: "a whole number",
            float: "a number",
            str: "text",
            dt.datetime: "a date and time (`2024-03-01T09:30:00`)",
            dt.date: "a date (`2024-03-01`)",
        }
        for base, text in words.items():
            if issubclass(kind, base):
                return text
        return kind.__name__
    return str(kind)


def _default(field: attrs.Attribute[Any]) -> str:
    """``required``, or ``optional`` with the default a missing key takes."""
    default = field.default
    if default is attrs.NOTHING:
        return "required"
    if isinstance(default, attrs.Factory) or default is None or default in ((), ""):  # type: ignore[arg-type]
        return "optional"
    if isinstance(default, bool):
        return f"optional (`{str(default).lower()}`)"
    if isinstance(default, str):
        return f'optional (`"{default}"`)'
    return f"optional (`{default}`)"


def _hints(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls, include_extras=True)
    except (NameError, TypeError):
        return {f.name: f.type for f in attrs.fields(cls)}


def table_rows(
    cls: type,
    tables: dict[type, str],
    overrides: dict[str, Any] | None = None,
    omitted: frozenset[str] = frozenset(),
) -> Iterator[tuple[str, str, str, str]]:
    """(key, value, required, meaning) of every key of ``cls``'s table, in field order.

    ``overrides`` are the record classes' cattrs overrides (a ``rename``, a
    ``struct_hook``); ``omitted`` fields are not written.
    """
    docs = _attribute_docs(cls)
    hints = _hints(cls)
    for field in attrs.fields(cls):
        if not field.init or field.name in omitted or field.metadata.get(_KEY) is False:
            continue
        override = (overrides or {}).get(field.name)
        key = getattr(override, "rename", None) or field.alias
        hook = getattr(override, "struct_hook", None) or field.metadata.get(_READ)
        kind = hints.get(field.name, field.type)
        if hook is not None and not (
            typing.get_origin(kind) is tuple and attrs.has(typing.get_args(kind)[0])
        ):
            value = _first_sentence(hook) or _type_text(kind, tables)
        else:
            value = _type_text(kind, tables)
        yield key, value, _default(field), _prose(docs.get(field.name, ""))


def render_table(
    cls: type,
    title: str,
    tables: dict[type, str],
    *,
    overrides: dict[str, Any] | None = None,
    omitted: frozenset[str] = frozenset(),
    head: tuple[tuple[str, str, str, str], ...] = (),
    keys: tuple[str, ...] | None = None,
) -> list[str]:
    """A ``### title`` section with the key table of ``cls``."""
    doc = _prose((inspect.getdoc(cls) or "").split("\n\n")[0])
    lines = [f"### {title} {{#{_anchor(cls)}}}", "", doc, "", "| key | value | | meaning |"]
    lines.append("|---|---|---|---|")
    rows = [*head, *table_rows(cls, tables, overrides, omitted)]
    for key, value, required, meaning in rows:
        if keys is not None and key not in keys:
            continue
        lines.append(f"| `{key}` | {value} | {required} | {meaning} |")
    return [*lines, ""]


# --------------------------------------------------------------------------- the formats


def formula_file() -> list[str]:
    from compoundkit.formulas.io import ExcipientEntry, FormulaFile, IngredientEntry
    from compoundkit.formulas.vehicles import INLINE_FIELDS, Vehicle

    tables = {
        FormulaFile: "the file",
        IngredientEntry: "[[ingredients]]",
        ExcipientEntry: "[[excipients]]",
        Vehicle: "vehicle = { ... }",
    }
    out: list[str] = []
    for cls, title in tables.items():
        keys = INLINE_FIELDS if cls is Vehicle else None
        out += render_table(cls, _heading(title), tables, keys=keys)
    return out


def _heading(title: str) -> str:
    return "The file" if title == "the file" else f"`{title}`"


def _record_shapes() -> dict[type, Any]:
    from compoundkit import documents
    from compoundkit.records import schema

    documents.converter()  # the record hooks resolve the classes' types
    return schema._shapes(lambda value: value)


def _head(schema_name: str) -> tuple[tuple[str, str, str, str], ...]:
    from compoundkit.records.schema import RECORD_SCHEMA_VERSION

    return (
        ("schema", f'`"{schema_name}"`', "required", "What the file holds."),
        (
            "schema_version",
            f"`{RECORD_SCHEMA_VERSION}`",
            "required",
            "The version of this format (an older file is migrated; a newer one refused).",
        ),
    )


def _record(classes: dict[type, str], top: type, schema_name: str) -> list[str]:
    shapes = _record_shapes()
    out: list[str] = []
    for cls, title in classes.items():
        read, write, _first = shapes.get(cls, ({}, {}, ()))
        omitted = frozenset(name for name, o in write.items() if getattr(o, "omit", False))
        out += render_table(
            cls,
            _heading(title),
            classes,
            overrides=read,
            omitted=omitted,
            head=_head(schema_name) if cls is top else (),
        )
    return out


def mfr_file() -> list[str]:
    from compoundkit.formulas.bud import BudExtension
    from compoundkit.records.mfr import (
        CompoundingStep,
        MasterFormulationRecord,
        MfrBud,
        QualityCheck,
    )
    from compoundkit.records.schema import MFR_SCHEMA
    from compoundkit.records.signing import Signature

    classes = {
        MasterFormulationRecord: "the file",
        CompoundingStep: "[[steps]]",
        QualityCheck: "[[quality_control]]",
        MfrBud: "[bud]",
        BudExtension: "[bud.extension]",
        Signature: "[[signatures]]",
    }
    return _record(classes, MasterFormulationRecord, MFR_SCHEMA)


def cr_file() -> list[str]:
    from compoundkit.records.cr import (
        BatchSpec,
        ComponentRecord,
        CompoundingRecord,
        CrBud,
        LineDeviation,
        QcResult,
        Signoff,
    )
    from compoundkit.records.schema import CR_SCHEMA, MfrReference
    from compoundkit.records.signing import Signature

    classes = {
        CompoundingRecord: "the file",
        MfrReference: "[mfr]",
        BatchSpec: "[batch]",
        ComponentRecord: "[[components]]",
        CrBud: "[bud]",
        QcResult: "[[qc_results]]",
        LineDeviation: "[[line_deviations]]",
        Signoff: "[[signoffs]]",
        Signature: "[[signatures]]",
    }
    return _record(classes, CompoundingRecord, CR_SCHEMA)


GENERATED: dict[str, tuple[str, Callable[[], list[str]]]] = {
    "formula-file": ("formula-file.md", formula_file),
    "mfr-file": ("mfr-file.md", mfr_file),
    "cr-file": ("cr-file.md", cr_file),
}

_REGION = re.compile(
    r"(<!-- generated: (?P<name>[\w-]+) -->\n)(?:.*?\n)?(<!-- end generated -->)", re.DOTALL
)


def updated(text: str) -> str:
    """``text`` with every generated region filled in anew."""

    def fill(found: re.Match[str]) -> str:
        lines = GENERATED[found.group("name")][1]()
        return found.group(1) + "\n".join(lines).rstrip("\n") + "\n" + found.group(3)

    return _REGION.sub(fill, text)


def stale_pages() -> list[Path]:
    """The reference pages whose generated tables differ from the declarations."""
    pages = [PAGES / page for page, _ in GENERATED.values()]
    return [page for page in pages if updated(page.read_text("utf-8")) != page.read_text("utf-8")]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        stale = stale_pages()
        for page in stale:
            print(f"{page.relative_to(ROOT)} is out of date: run python docs/formats.py")
        return 1 if stale else 0
    for page, _ in GENERATED.values():
        path = PAGES / page
        path.write_text(updated(path.read_text("utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
