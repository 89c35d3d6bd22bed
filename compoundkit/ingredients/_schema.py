"""The catalog format from the model classes: the converter's export hooks, the JSON Schema.

Exports keep the format's key order and write the fields marked ``always`` (:func:`configure`).
In the JSON Schema each class is an object with no other properties; each field a property
described by its ``doc`` metadata, required when it has no default, and constrained as
declared (:func:`~._fields.doc`). Text is never empty, so every string has ``minLength`` 1.
The shipped ``catalog.schema.json`` is this schema; after changing the model,
regenerate it with ``python -m compoundkit.ingredients._schema``.

>>> json_schema()["$defs"]["Use"]["properties"]["evidence"]["enum"]
['established', 'limited', 'theoretical', 'unsupported', 'against']
"""

from __future__ import annotations

import enum
import functools
import types
import typing
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import attrs

from compoundkit.ingredients._fields import Checked
from compoundkit.ingredients._model import CatalogFile

if TYPE_CHECKING:
    import cattrs

__all__ = ["configure", "json_schema", "model_classes", "render_schema"]


@functools.cache
def model_classes() -> tuple[type[Checked], ...]:
    """Every class of the format, from :class:`CatalogFile` down, with types resolved.

    ``Strength`` is imported here, when a document is read or the schema generated.
    """
    from compoundkit.units import Strength

    found: list[type[Checked]] = []

    def visit(cls: type[Checked]) -> None:
        found.append(cls)
        attrs.resolve_types(cls, localns={"Strength": Strength})
        for a in attrs.fields(cls):
            for part in (a.type, *getattr(a.type, "__args__", ())):
                if isinstance(part, type) and issubclass(part, Checked) and part not in found:
                    visit(part)

    visit(CatalogFile)
    return tuple(found)


def configure(made: cattrs.Converter) -> None:
    """Teach the converter the catalog classes (run by :func:`compoundkit.documents.extend`):
    types resolved; exports keep the format's key order and write fields marked
    ``always`` even at their default."""
    from cattrs.gen import make_dict_unstructure_fn, override

    from compoundkit.units.grammar import presented

    def export_hook(cls: type) -> Callable[[Any], dict[str, Any]]:
        fields = attrs.fields(cls)
        always: dict[str, Any] = {
            a.name: override(omit_if_default=False) for a in fields if "always" in a.metadata
        }
        hook: Callable[[Any], dict[str, Any]] = make_dict_unstructure_fn(
            cls, made, _cattrs_omit_if_default=made.omit_if_default, **always
        )
        keys = [a.alias for a in fields]
        # numbers as every export shows them: no binary noise (254.285, not 254.28499999999997)
        return lambda obj: presented(dict(_ordered(hook(obj), keys)))

    made.register_unstructure_hook_factory(model_classes().__contains__, export_hook)


def _ordered(found: dict[str, Any], keys: list[str]) -> Iterator[tuple[str, Any]]:
    return ((key, found[key]) for key in keys if key in found)


#: JSON Schema keywords of the constraints :func:`~._fields.doc` declares.
_KEYWORDS = {"pattern": "pattern", "minimum": "minimum", "above": "exclusiveMinimum"}


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the catalog format."""
    model_classes()  # types resolved
    defs: dict[str, Any] = {}
    root = _object(CatalogFile, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "compoundkit ingredient catalog",
        **root,
        "$defs": dict(sorted(defs.items())),
    }


def _object(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    fields = [a for a in attrs.fields(cls) if a.init]
    return {
        "description": " ".join((cls.__doc__ or "").split("\n\n")[0].split()).replace("``", ""),
        "type": "object",
        "properties": {a.alias: _property(a, defs) for a in fields},
        "required": [a.alias for a in fields if a.default is attrs.NOTHING],
        "additionalProperties": False,
    }


def _property(a: attrs.Attribute[Any], defs: dict[str, Any]) -> dict[str, Any]:
    meta = a.metadata
    schema = _type(a.type, defs)
    if "min_items" in meta:
        schema["minItems"] = meta["min_items"]
    schema |= {_KEYWORDS[key]: meta[key] for key in _KEYWORDS if key in meta}
    return {"description": meta["doc"], **schema}


def _type(kind: Any, defs: dict[str, Any]) -> dict[str, Any]:
    if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:
        (kind,) = (part for part in typing.get_args(kind) if part is not type(None))
    if typing.get_origin(kind) is tuple:
        return {"type": "array", "items": _type(typing.get_args(kind)[0], defs)}
    if isinstance(kind, type) and issubclass(kind, Checked):
        if kind.__name__ not in defs:
            defs[kind.__name__] = {}  # placeholder: stops recursion
            defs[kind.__name__] = _object(kind, defs)
        return {"$ref": f"#/$defs/{kind.__name__}"}
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return {"type": "string", "enum": [member.value for member in kind]}
    if kind is bool:
        return {"type": "boolean"}
    if kind is int:
        return {"type": "integer"}
    if kind is float:
        return {"type": "number"}
    if kind is str:
        return {"type": "string", "minLength": 1}
    from compoundkit.units import Strength

    if kind is Strength:  # text in the strength grammar
        return {"type": "string", "minLength": 1, "maxLength": 100}
    raise TypeError(f"no JSON Schema for {kind!r}")


def render_schema() -> str:
    """The JSON Schema as the text shipped in ``catalog.schema.json``."""
    import json

    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    from pathlib import Path

    target = Path(__file__).with_name("catalog.schema.json")
    target.write_text(render_schema(), encoding="utf-8")
    print(f"wrote {target}")
