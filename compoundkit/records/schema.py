"""The record document: how an MFR or a CR is written as a mapping, and read back.

A document starts with ``schema`` (:data:`MFR_SCHEMA` or :data:`CR_SCHEMA`) and
``schema_version`` (:data:`RECORD_SCHEMA_VERSION`); the rest is the record's fields,
structured by the one converter (:mod:`compoundkit.documents`) with these rules:

- a value that is None is left out (TOML has no null); every other value is written,
  defaults and empty lists included (the content hash covers them);
- masses are ``{value = <number>, unit = "gram"}`` (:class:`Grams`) under ``target``,
  ``weighed`` and ``made`` (the model's ``target_g``, ``weighed_g`` and ``made_g``);
- a CR's ``mfr`` table (:class:`MfrReference`) names the MFR version followed and holds
  a copy of it: the model's ``mfr`` and ``mfr_hash``;
- the formulation is the formula-file mapping; ``prepared_at`` is ISO 8601 text, with or
  without a time zone; dates are ``YYYY-MM-DD``.

Reading checks the head first (an older schema is migrated, a newer one refused with
:class:`~compoundkit.errors.SchemaVersionError`), then structures the record with every
problem listed (:class:`~compoundkit.errors.RecordError` and its ``problems``), and the
records' own checks run as they are built (an approval bound to its content hash, a CR
to its MFR).

>>> from compoundkit.formulas import load_formula
>>> mfr = MasterFormulationRecord.create(load_formula("examples/ketoprofen-gel.toml"))
>>> data = record_to_dict(mfr)
>>> list(data)[:4], data["steps"]
(['schema', 'schema_version', 'record_id', 'version'], [])
>>> record_from_dict(data) == mfr
True
>>> record_from_dict(data | {"version": "2", "colour": "red"}, source="mfr.json")
Traceback (most recent call last):
...
compoundkit.errors.RecordError: mfr.json: 2 problems:
  mfr.json: version: must be a whole number, not the text '2'
  mfr.json: colour: unknown key; allowed: formulation, record_id, version, ...
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import re
import types
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias

import attrs
from attrs import frozen

from compoundkit import documents
from compoundkit.errors import (
    CompoundkitError,
    DocumentError,
    RecordError,
    SchemaVersionError,
    StoredFigureError,
)
from compoundkit.formulas.bud import BudExtension
from compoundkit.records._canonical import canonical_json
from compoundkit.records.cr import (
    BatchSpec,
    ComponentRecord,
    CompoundingRecord,
    CrBud,
    LineDeviation,
    QcResult,
    Signoff,
)
from compoundkit.records.mfr import CompoundingStep, MasterFormulationRecord, MfrBud, QualityCheck
from compoundkit.records.signing import Signature

if TYPE_CHECKING:
    import cattrs

    from compoundkit.formulas import Formulation

__all__ = [
    "CR_SCHEMA",
    "MAX_DEPTH",
    "MFR_SCHEMA",
    "RECORD_SCHEMA_VERSION",
    "Grams",
    "MfrReference",
    "Record",
    "content_hash",
    "record_from_dict",
    "record_to_dict",
]

Record: TypeAlias = MasterFormulationRecord | CompoundingRecord

RECORD_SCHEMA_VERSION: Final = 1
"""The record schema this compoundkit writes and reads."""
MFR_SCHEMA: Final = "compoundkit.mfr"
CR_SCHEMA: Final = "compoundkit.cr"
MAX_DEPTH: Final = 32
"""Deepest nesting a record document may have (a record needs about 6 levels)."""

Migration: TypeAlias = Callable[[dict[str, Any]], dict[str, Any]]
# schema_version N -> a function turning an N document into an N + 1 document. Schema 1
# is the first; a later schema adds its migration here. A migration must keep the
# content of a record (its content hash), so approvals stay valid.
_MIGRATIONS: Final[Mapping[int, Migration]] = types.MappingProxyType({})

_APPROVAL: Final = ("approved_by", "approved_on", "approved_hash", "signatures")
# Not an MFR's content: the approval is bound to the content hash, and each signature signs it.
_MOMENT: Final = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?"
)


@frozen
class Grams:
    """A mass in a record document: ``{value = 12.6, unit = "gram"}``."""

    value: float
    unit: Literal["gram"]


@frozen
class MfrReference:
    """A CR's ``mfr`` table: the MFR version it follows, and a copy of that version."""

    record_id: str
    version: int
    content_hash: str
    record: MasterFormulationRecord

    def __attrs_post_init__(self) -> None:
        held = self.record
        if (self.record_id, self.version) != (held.record_id, held.version):
            raise RecordError(
                f"names MFR {self.record_id} v{self.version} but holds "
                f"{held.record_id} v{held.version}"
            )


# --------------------------------------------------------------------------- hooks


def _formulation_from(value: object, _: object) -> Formulation:
    """A table with the keys of a [formula file](formula-file.md)."""
    from compoundkit.formulas.io import formulation_from_dict

    if not isinstance(value, Mapping):
        raise TypeError(f"must be a formula table, not {documents.type_name(value)}")
    return formulation_from_dict(value)  # its DocumentError names the fields


def _formulation_to(formulation: Formulation) -> dict[str, Any]:
    return formulation.to_dict()


def _grams_from(value: object, _: object) -> float:
    """A mass table in grams: ``{value = 12.6, unit = "gram"}``."""
    return documents.converter().structure(value, Grams).value


def _grams_to(grams: float) -> dict[str, Any]:
    return {"value": grams, "unit": "gram"}


def _reference_from(value: object, _: object) -> MasterFormulationRecord:
    """The [``[mfr]``](#mfrreference) table: the MFR version followed, with a copy of it."""
    return documents.converter().structure(value, MfrReference).record


def _reference_hash(value: object, _: object) -> Any:
    # The CR's mfr_hash: read from the same table as its mfr, which _reference_from
    # checks; when that fails the record is not built and this value is never used.
    return value.get("content_hash") if isinstance(value, Mapping) else None


def _reference_to(mfr: MasterFormulationRecord) -> Any:
    reference = MfrReference(mfr.record_id, mfr.version, mfr.content_hash, mfr)
    return documents.converter().unstructure(reference)


def _prepared_at(value: object, _: object) -> _dt.datetime:
    """ISO 8601 date and time text (a time zone is optional), or a TOML date-time."""
    if isinstance(value, _dt.datetime):
        return value
    if not isinstance(value, str) or not _MOMENT.fullmatch(value):
        raise TypeError(
            "must be an ISO date and time such as 2024-03-01T09:30:00, "
            f"not {documents.type_name(value)}"
        )
    try:
        return _dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a valid date and time") from None


_Shape: TypeAlias = tuple[dict[str, Any], dict[str, Any], tuple[str, ...]]


def _shapes(extension: Callable[[Any], Any]) -> dict[type[Any], _Shape]:
    """Per record class: field overrides for reading, for writing, and the keys written first.

    The keys written first keep the order of the files written before this layer.
    ``extension`` writes an MFR BUD's :class:`~compoundkit.formulas.bud.BudExtension`.
    """
    from cattrs.gen import override

    def grams(key: str) -> Any:
        return override(rename=key, struct_hook=_grams_from, unstruct_hook=_grams_to)

    plain: _Shape = ({}, {}, ())
    formulation = override(struct_hook=_formulation_from, unstruct_hook=_formulation_to)
    return {
        **dict.fromkeys((Grams, CompoundingStep, QualityCheck, Signature), plain),
        MfrBud: ({}, {"extension": override(unstruct_hook=extension)}, ()),
        MasterFormulationRecord: (
            {"formulation": formulation},
            {"_content_hash": override(omit=True)},
            ("record_id", "version"),
        ),
        **dict.fromkeys((MfrReference, BatchSpec, CrBud, QcResult, LineDeviation), plain),
        Signoff: ({"at": override(struct_hook=_prepared_at)}, {}, ()),
        ComponentRecord: (
            {"target_g": grams("target"), "weighed_g": grams("weighed")},
            {},
            ("name", "kind", "target", "vendor"),
        ),
        CompoundingRecord: (
            {
                # Both are read from the mfr table; only mfr writes it.
                "mfr": override(struct_hook=_reference_from, unstruct_hook=_reference_to),
                "mfr_hash": override(rename="mfr", struct_hook=_reference_hash),
                "made_g": grams("made"),
                "yield_g": grams("yield"),
                "prepared_at": override(struct_hook=_prepared_at),
            },
            {"mfr_hash": override(omit=True)},
            ("internal_id", "prepared_at", "compounded_by", "verified_by"),
        ),
    }


def _register(converter: cattrs.Converter) -> None:
    """Add the record classes' hooks to the one converter (:func:`documents.extend`)."""
    from compoundkit.formulas import Formulation

    attrs.resolve_types(MasterFormulationRecord, localns={"Formulation": Formulation})
    # BudExtension belongs to formulas.bud: written the records' way here, not registered.
    extension = _writer(converter, BudExtension, ({}, {}, ()))
    # Parts before the wholes: cattrs looks up the hooks of a class's fields when it
    # makes the class's hook.
    for cls, shape in _shapes(extension).items():
        converter.register_structure_hook(cls, documents.table_hook(converter, cls, **shape[0]))
        converter.register_unstructure_hook(cls, _writer(converter, cls, shape))


def _writer(converter: cattrs.Converter, cls: type[Any], shape: _Shape) -> Any:
    """How ``cls`` is written: None left out, any other value written (a default, an empty
    list), the keys in field order after those ``shape`` puts first."""
    from cattrs.gen import make_dict_unstructure_fn, override

    read, write, first = shape
    written: dict[str, Any] = {}
    keys = list(first)
    for a in attrs.fields(cls):
        given = write.get(a.name) or read.get(a.name) or override()
        written[a.name] = attrs.evolve(given, omit_if_default=a.default is None)
        if not given.omit:
            keys.append(given.rename or a.alias)
    return _ordered(make_dict_unstructure_fn(cls, converter, **written), tuple(dict.fromkeys(keys)))


def _ordered(unstructure: Callable[[Any], dict[str, Any]], keys: tuple[str, ...]) -> Any:
    """``unstructure`` with the keys in the order given (cattrs puts omitted-if-None ones last)."""

    def ordered(value: Any) -> dict[str, Any]:
        data = unstructure(value)
        return {key: data[key] for key in keys if key in data}

    return ordered


documents.extend(_register)


# --------------------------------------------------------------------------- mappings


def _body(record: Record) -> dict[str, Any]:
    data: dict[str, Any] = documents.unstructure(record)
    return data


def content_hash(mfr: MasterFormulationRecord) -> str:
    """SHA-256 (hex) of the canonical JSON of an MFR's content, without its approval and
    its signatures."""
    body = {k: v for k, v in _body(mfr).items() if k not in _APPROVAL}
    return hashlib.sha256(canonical_json(body, what="MFR").encode("utf-8")).hexdigest()


def record_to_dict(record: Record) -> dict[str, Any]:
    """The document mapping of an MFR or a CR (``schema`` and ``schema_version`` first)."""
    if isinstance(record, MasterFormulationRecord):
        schema = MFR_SCHEMA
    elif isinstance(record, CompoundingRecord):
        schema = CR_SCHEMA
    else:
        raise RecordError(f"not a record: {type(record).__name__}")
    return {"schema": schema, "schema_version": RECORD_SCHEMA_VERSION, **_body(record)}


def record_from_dict(data: object, *, source: str = "<string>", text: str = "") -> Record:
    """An MFR or a CR from its document mapping (migrating an older schema).

    ``text``, the document's source text, lets problems name their line.
    """
    if not isinstance(data, Mapping):
        raise RecordError(f"{source}: a record must be a table (an object) at the top level")
    if _depth(data, MAX_DEPTH) > MAX_DEPTH:
        raise RecordError(f"{source}: nested deeper than {MAX_DEPTH} levels")
    schema = data.get("schema")
    if schema not in (MFR_SCHEMA, CR_SCHEMA):
        raise RecordError(
            f"{source}: schema must be {MFR_SCHEMA!r} or {CR_SCHEMA!r}, got {schema!r:.60}"
        )
    upgraded = _upgrade(dict(data), source)
    body = {k: v for k, v in upgraded.items() if k not in ("schema", "schema_version")}
    cls: type[Record] = MasterFormulationRecord if schema == MFR_SCHEMA else CompoundingRecord
    from compoundkit.records.recheck import recheck

    if cls is CompoundingRecord and "signoffs" in body:
        # The stored figures first: a figure edited in a released record is named as
        # such, not as the gap it opens (a target ten times low makes a line "out of
        # tolerance").
        unsigned = None
        with contextlib.suppress(CompoundkitError):
            unsigned = documents.structure(
                {k: v for k, v in body.items() if k != "signoffs"}, cls, source=source
            )
        if unsigned is not None:
            try:
                recheck(unsigned)
            except StoredFigureError as exc:
                raise StoredFigureError(f"{source}: {exc}", field=exc.field) from None
    try:
        record = documents.structure(body, cls, source=source, text=text)
    except DocumentError as exc:
        problems = tuple(dict.fromkeys(exc.problems))  # mfr and mfr_hash share a table
        message = str(DocumentError(problems, file=source))
        raise RecordError(message, problems=problems) from None
    except StoredFigureError as exc:  # raised as the record is built (an approval hash)
        raise StoredFigureError(f"{source}: {exc}", field=exc.field) from None
    try:
        recheck(record)
    except StoredFigureError as exc:
        raise StoredFigureError(f"{source}: {exc}", field=exc.field) from None
    return record


def _upgrade(
    data: dict[str, Any], source: str, migrations: Mapping[int, Migration] = _MIGRATIONS
) -> dict[str, Any]:
    version = data.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise RecordError(f"{source}: schema_version must be a whole number, got {version!r:.40}")
    if version > RECORD_SCHEMA_VERSION:
        raise SchemaVersionError(
            f"{source}: schema_version {version} is newer than this compoundkit reads "
            f"({RECORD_SCHEMA_VERSION}); upgrade compoundkit to read it"
        )
    while version < RECORD_SCHEMA_VERSION:
        step = migrations.get(version)
        if step is None:
            raise SchemaVersionError(
                f"{source}: schema_version {version} is older than this compoundkit reads "
                f"({RECORD_SCHEMA_VERSION}) and there is no migration from it"
            )
        data = step(dict(data))
        version += 1
        data["schema_version"] = version
    return data


def _depth(value: object, limit: int) -> int:
    stack: list[tuple[object, int]] = [(value, 1)]
    deepest = 0
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > limit:
            return depth
        if isinstance(item, Mapping):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list | tuple):
            stack.extend((v, depth + 1) for v in item)
    return deepest
