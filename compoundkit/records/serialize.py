"""Saving and loading records: JSON and TOML with a schema version, and the record log.

One mapping layout serves both formats (TOML has no null, so absent values are left
out in both). A document starts with ``schema`` (``"compoundkit.mfr"`` or
``"compoundkit.cr"``) and ``schema_version`` (:data:`SCHEMA_VERSION`). Dates are ISO
text (``YYYY-MM-DD``), times ISO 8601, quantities ``{"value": <number>, "unit": "gram"}``,
the formulation the formula-file mapping (DESIGN.md). Loading checks every field and
names the one that is wrong; an unknown field is an error, never silently dropped. A
document from an older schema is migrated when a migration exists, otherwise (and for a
newer schema) :class:`~compoundkit.errors.SchemaVersionError` names both versions.
Nothing is ever evaluated or unpickled.

>>> from compoundkit.formulas import load_formula
>>> from compoundkit.records.mfr import MasterFormulationRecord
>>> mfr = MasterFormulationRecord.create(load_formula("examples/ketoprofen-gel.toml"))
>>> loads_toml(dumps_toml(mfr)) == mfr == loads_json(dumps_json(mfr))
True
>>> loads_json('{"schema": "compoundkit.mfr", "schema_version": 7}')
Traceback (most recent call last):
...
compoundkit.errors.SchemaVersionError: <string>: schema_version 7 is newer ... reads (1)...
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import os
import re
import tomllib
import types
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from compoundkit.errors import CompoundkitError, RecordError, SchemaVersionError
from compoundkit.records._canonical import canonical_json

if TYPE_CHECKING:
    from compoundkit.records.cr import CompoundingRecord
    from compoundkit.records.log import LogEntry, RecordLog
    from compoundkit.records.mfr import MasterFormulationRecord

    Record: TypeAlias = MasterFormulationRecord | CompoundingRecord

__all__ = [
    "CR_KIND",
    "CR_SCHEMA",
    "MAX_RECORD_BYTES",
    "MFR_KIND",
    "MFR_SCHEMA",
    "SCHEMA_VERSION",
    "content_hash",
    "dumps_json",
    "dumps_toml",
    "load_record",
    "loads_json",
    "loads_toml",
    "log_record",
    "mfr_versions",
    "record_from_dict",
    "record_from_entry",
    "record_to_dict",
    "save_record",
]

SCHEMA_VERSION: Final = 1
"""The record schema this compoundkit writes and reads."""
MFR_SCHEMA: Final = "compoundkit.mfr"
CR_SCHEMA: Final = "compoundkit.cr"
MFR_KIND: Final = "mfr"
"""Record-log entry kind of a master formulation record."""
CR_KIND: Final = "compounding-record"
"""Record-log entry kind of a compounding record."""
MAX_RECORD_BYTES: Final = 4 * 1024 * 1024
"""Largest record document read (a record is a few kilobytes)."""
MAX_DEPTH: Final = 32
"""Deepest nesting a record document may have (a record needs about 6 levels)."""

Migration: TypeAlias = Callable[[dict[str, Any]], dict[str, Any]]
# schema_version N -> a function turning an N document into an N + 1 document. Schema 1
# is the first; a later schema adds its migration here. A migration must keep the
# content of a record (its content hash), so approvals stay valid.
_MIGRATIONS: Final[Mapping[int, Migration]] = types.MappingProxyType({})

_DATE_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME_RE: Final = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?"
)
_APPROVAL: Final = ("approved_by", "approved_on", "approved_hash")


# --------------------------------------------------------------------------- writing


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


def _quantity(grams: float) -> dict[str, Any]:
    return {"value": grams, "unit": "gram"}


def _mfr_body(mfr: MasterFormulationRecord) -> dict[str, Any]:
    out: dict[str, Any] = {"record_id": mfr.record_id, "version": mfr.version}
    out["formulation"] = mfr.formulation.to_dict()
    _put(out, "container", mfr.container)
    steps = []
    for step in mfr.steps:
        item: dict[str, Any] = {"instruction": step.instruction, "equipment": list(step.equipment)}
        _put(item, "precautions", step.precautions)
        steps.append(item)
    out["steps"] = steps
    _put(out, "description", mfr.description)
    if mfr.bud is not None:
        bud: dict[str, Any] = {
            "period": mfr.bud.period,
            "storage": mfr.bud.storage,
            "reference": mfr.bud.reference,
            "rule_set": mfr.bud.rule_set,
        }
        _put(bud, "rule", mfr.bud.rule)
        ext = mfr.bud.extension
        if ext is not None:
            extension: dict[str, Any] = {"days": ext.days, "reference": ext.reference,
                                         "kind": ext.kind}  # fmt: skip
            _put(extension, "storage", ext.storage)
            _put(extension, "antimicrobial_effectiveness", ext.antimicrobial_effectiveness)
            bud["extension"] = extension
        out["bud"] = bud
    _put(out, "reference_batch", mfr.reference_batch)
    out["calculations"] = list(mfr.calculations)
    out["labelling"] = list(mfr.labelling)
    out["auxiliary_labels"] = list(mfr.auxiliary_labels)
    out["quality_control"] = [
        {"test": q.test, "procedure": q.procedure, "expected": q.expected}
        for q in mfr.quality_control
    ]
    out["other"] = list(mfr.other)
    _put(out, "author", mfr.author)
    _put(out, "approved_by", mfr.approved_by)
    if mfr.approved_on is not None:
        out["approved_on"] = mfr.approved_on.isoformat()
    _put(out, "approved_hash", mfr.approved_hash)
    _put(out, "previous_hash", mfr.previous_hash)
    return out


def content_hash(mfr: MasterFormulationRecord) -> str:
    """SHA-256 (hex) of the canonical JSON of an MFR's content, without its approval."""
    body = {k: v for k, v in _mfr_body(mfr).items() if k not in _APPROVAL}
    return hashlib.sha256(canonical_json(body, what="MFR").encode("utf-8")).hexdigest()


def _cr_body(cr: CompoundingRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "internal_id": cr.internal_id,
        "prepared_at": cr.prepared_at.isoformat(),
        "compounded_by": cr.compounded_by,
        "verified_by": cr.verified_by,
        "mfr": {
            "record_id": cr.mfr.record_id,
            "version": cr.mfr.version,
            "content_hash": cr.mfr_hash,
            "record": _mfr_body(cr.mfr),
        },
    }
    batch: dict[str, Any] = {"size": cr.batch.size, "count": cr.batch.count}
    _put(batch, "excess", cr.batch.excess)
    _put(batch, "balance", cr.batch.balance)
    out["batch"] = batch
    components = []
    for c in cr.components:
        item: dict[str, Any] = {"name": c.name, "kind": c.kind, "target": _quantity(c.target_g)}
        _put(item, "vendor", c.vendor)
        _put(item, "lot", c.lot)
        if c.expiry is not None:
            item["expiry"] = c.expiry.isoformat()
        if c.weighed_g is not None:
            item["weighed"] = _quantity(c.weighed_g)
        components.append(item)
    out["components"] = components
    out["made"] = _quantity(cr.made_g)
    bud: dict[str, Any] = {
        "date": cr.bud.date.isoformat(),
        "storage": cr.bud.storage,
        "explanation": cr.bud.explanation,
        "rule_set": cr.bud.rule_set,
    }
    _put(bud, "limited_by", cr.bud.limited_by)
    out["bud"] = bud
    out["calculations"] = list(cr.calculations)
    _put(out, "description", cr.description)
    qc = []
    for result in cr.qc_results:
        entry: dict[str, Any] = {"test": result.test, "result": result.result}
        _put(entry, "passed", result.passed)
        qc.append(entry)
    out["qc_results"] = qc
    out["deviations"] = list(cr.deviations)
    out["notes"] = list(cr.notes)
    return out


def record_to_dict(record: Record) -> dict[str, Any]:
    """The document mapping of an MFR or a CR (``schema`` and ``schema_version`` first)."""
    from compoundkit.records.cr import CompoundingRecord
    from compoundkit.records.mfr import MasterFormulationRecord

    if isinstance(record, MasterFormulationRecord):
        return {"schema": MFR_SCHEMA, "schema_version": SCHEMA_VERSION, **_mfr_body(record)}
    if isinstance(record, CompoundingRecord):
        return {"schema": CR_SCHEMA, "schema_version": SCHEMA_VERSION, **_cr_body(record)}
    raise RecordError(f"not a record: {type(record).__name__}")


def dumps_json(record: Record) -> str:
    """The record as indented JSON text."""
    data = record_to_dict(record)
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def dumps_toml(record: Record) -> str:
    """The record as TOML text."""
    import tomli_w

    text: str = tomli_w.dumps(record_to_dict(record))
    return text


# --------------------------------------------------------------------------- reading


def _type_name(value: object) -> str:
    return {dict: "a table", list: "a list", str: "text", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


class _Doc:
    """A mapping read field by field; every error names the path of the field."""

    def __init__(self, data: object, where: str, allowed: tuple[str, ...]) -> None:
        if not isinstance(data, Mapping):
            raise RecordError(f"{where}: expected a table, got {_type_name(data)}")
        unknown = sorted(str(k) for k in data if k not in allowed)
        if unknown:
            raise RecordError(
                f"{where}: unknown field(s) {', '.join(map(repr, unknown))}; "
                f"allowed: {', '.join(allowed)}"
            )
        self.data, self.where = data, where

    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def get(self, key: str, kinds: type | tuple[type, ...], what: str, required: bool) -> Any:
        value = self.data.get(key)
        if value is None:
            if required:
                raise RecordError(f"{self.path(key)}: is required ({what})")
            return None
        if isinstance(value, bool) and bool not in (
            kinds if isinstance(kinds, tuple) else (kinds,)
        ):
            raise RecordError(f"{self.path(key)}: expected {what}, got a boolean")
        if not isinstance(value, kinds):
            raise RecordError(f"{self.path(key)}: expected {what}, got {_type_name(value)}")
        return value

    def text(self, key: str, *, required: bool = True) -> Any:
        return self.get(key, str, "text", required)

    def integer(self, key: str) -> Any:
        return self.get(key, int, "a whole number", True)

    def flag(self, key: str) -> Any:
        return self.get(key, bool, "true or false", False)

    def texts(self, key: str) -> list[str]:
        values = self.get(key, list, "a list of texts", False) or []
        for index, value in enumerate(values):
            if not isinstance(value, str):
                raise RecordError(
                    f"{self.path(key)}[{index}]: expected text, got {_type_name(value)}"
                )
        return list(values)

    def date(self, key: str, *, required: bool = False) -> _dt.date | None:
        value = self.text(key, required=required)
        if value is None:
            return None
        if not _DATE_RE.fullmatch(value):
            raise RecordError(f"{self.path(key)}: expected a date YYYY-MM-DD, got {value!r:.60}")
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            raise RecordError(f"{self.path(key)}: {value!r} is not a calendar date") from None

    def moment(self, key: str) -> _dt.datetime:
        value = self.text(key)
        if not _DATETIME_RE.fullmatch(value):
            raise RecordError(
                f"{self.path(key)}: expected an ISO date and time such as "
                f"2024-03-01T09:30:00, got {value!r:.60}"
            )
        try:
            return _dt.datetime.fromisoformat(value)
        except ValueError:
            raise RecordError(f"{self.path(key)}: {value!r} is not a valid date and time") from None

    def grams(self, key: str, *, required: bool = True) -> float | None:
        value = self.get(key, Mapping, "a quantity {value, unit}", required)
        if value is None:
            return None
        doc = _Doc(value, self.path(key), ("value", "unit"))
        number = doc.get("value", (int, float), "a number", True)
        unit = doc.text("unit")
        if unit != "gram":
            raise RecordError(f"{doc.path('unit')}: expected 'gram', got {unit!r:.60}")
        try:
            grams = float(number)
        except OverflowError:  # an integer too large for a float
            grams = math.inf
        if not math.isfinite(grams):
            raise RecordError(f"{doc.path('value')}: expected a finite number of grams")
        return grams

    def table(self, key: str, allowed: tuple[str, ...], *, required: bool = False) -> _Doc | None:
        value = self.get(key, Mapping, "a table", required)
        return None if value is None else _Doc(value, self.path(key), allowed)

    def tables(self, key: str, allowed: tuple[str, ...]) -> list[_Doc]:
        values = self.get(key, list, "a list of tables", False) or []
        return [_Doc(v, f"{self.path(key)}[{i}]", allowed) for i, v in enumerate(values)]


_MFR_FIELDS: Final = (
    "record_id", "version", "formulation", "container", "steps", "description", "bud",
    "reference_batch", "calculations", "labelling", "auxiliary_labels", "quality_control",
    "other", "author", "approved_by", "approved_on", "approved_hash", "previous_hash",
)  # fmt: skip
_CR_FIELDS: Final = (
    "internal_id", "prepared_at", "compounded_by", "verified_by", "mfr", "batch",
    "components", "made", "bud", "calculations", "description", "qc_results", "deviations",
    "notes",
)  # fmt: skip
_HEAD: Final = ("schema", "schema_version")


def _mfr_from(doc: _Doc) -> MasterFormulationRecord:
    from compoundkit.formulas.bud import BudExtension
    from compoundkit.formulas.io import formulation_from_dict
    from compoundkit.records.mfr import (
        CompoundingStep,
        MasterFormulationRecord,
        MfrBud,
        QualityCheck,
    )

    formula = doc.get("formulation", Mapping, "a formula table", True)
    try:
        formulation = formulation_from_dict(formula)
    except CompoundkitError as exc:
        raise RecordError(f"{doc.path('formulation')}: {exc}") from None
    steps = [
        _build(
            d,
            CompoundingStep,
            instruction=d.text("instruction"),
            equipment=d.texts("equipment"),
            precautions=d.text("precautions", required=False),
        )
        for d in doc.tables("steps", ("instruction", "equipment", "precautions"))
    ]
    bud = None
    bud_doc = doc.table("bud", ("period", "storage", "reference", "rule_set", "rule", "extension"))
    if bud_doc is not None:
        extension = None
        ext_doc = bud_doc.table(
            "extension", ("days", "reference", "kind", "storage", "antimicrobial_effectiveness")
        )
        if ext_doc is not None:
            extension = _build(
                ext_doc,
                BudExtension,
                days=ext_doc.integer("days"),
                reference=ext_doc.text("reference"),
                kind=ext_doc.text("kind"),
                storage=ext_doc.text("storage", required=False),
                antimicrobial_effectiveness=ext_doc.text(
                    "antimicrobial_effectiveness", required=False
                ),
            )
        bud = _build(
            bud_doc,
            MfrBud,
            period=bud_doc.text("period"),
            storage=bud_doc.text("storage"),
            reference=bud_doc.text("reference"),
            rule_set=bud_doc.text("rule_set"),
            rule=bud_doc.text("rule", required=False),
            extension=extension,
        )
    checks = [
        _build(
            d,
            QualityCheck,
            test=d.text("test"),
            procedure=d.text("procedure"),
            expected=d.text("expected"),
        )
        for d in doc.tables("quality_control", ("test", "procedure", "expected"))
    ]
    record: MasterFormulationRecord = _build(
        doc,
        MasterFormulationRecord,
        formulation=formulation,
        record_id=doc.text("record_id"),
        version=doc.integer("version"),
        container=doc.text("container", required=False),
        steps=steps,
        description=doc.text("description", required=False),
        bud=bud,
        reference_batch=doc.text("reference_batch", required=False),
        calculations=doc.texts("calculations"),
        labelling=doc.texts("labelling"),
        auxiliary_labels=doc.texts("auxiliary_labels"),
        quality_control=checks,
        other=doc.texts("other"),
        author=doc.text("author", required=False),
        approved_by=doc.text("approved_by", required=False),
        approved_on=doc.date("approved_on"),
        approved_hash=doc.text("approved_hash", required=False),
        previous_hash=doc.text("previous_hash", required=False),
    )
    return record


def _cr_from(doc: _Doc) -> CompoundingRecord:
    from compoundkit.records.cr import (
        BatchSpec,
        ComponentRecord,
        CompoundingRecord,
        CrBud,
        QcResult,
    )

    ref = doc.table("mfr", ("record_id", "version", "content_hash", "record"), required=True)
    assert ref is not None
    mfr = _mfr_from(_Doc(ref.get("record", Mapping, "an MFR table", True), ref.path("record"),
                         _MFR_FIELDS))  # fmt: skip
    record_id, version = ref.text("record_id"), ref.integer("version")
    if (record_id, version) != (mfr.record_id, mfr.version):
        raise RecordError(
            f"{ref.where}: names MFR {record_id} v{version} but holds "
            f"{mfr.record_id} v{mfr.version}"
        )
    batch_doc = doc.table("batch", ("size", "count", "excess", "balance"), required=True)
    assert batch_doc is not None
    batch = _build(
        batch_doc,
        BatchSpec,
        size=batch_doc.text("size"),
        count=batch_doc.integer("count"),
        excess=batch_doc.text("excess", required=False),
        balance=batch_doc.text("balance", required=False),
    )
    components = [
        _build(
            d,
            ComponentRecord,
            name=d.text("name"),
            kind=d.text("kind"),
            target_g=d.grams("target"),
            vendor=d.text("vendor", required=False),
            lot=d.text("lot", required=False),
            expiry=d.date("expiry"),
            weighed_g=d.grams("weighed", required=False),
        )
        for d in doc.tables(
            "components", ("name", "kind", "target", "vendor", "lot", "expiry", "weighed")
        )
    ]
    bud_doc = doc.table(
        "bud", ("date", "storage", "explanation", "rule_set", "limited_by"), required=True
    )
    assert bud_doc is not None
    bud = _build(
        bud_doc,
        CrBud,
        date=bud_doc.date("date", required=True),
        storage=bud_doc.text("storage"),
        explanation=bud_doc.text("explanation"),
        rule_set=bud_doc.text("rule_set"),
        limited_by=bud_doc.text("limited_by", required=False),
    )
    qc = [
        _build(d, QcResult, test=d.text("test"), result=d.text("result"), passed=d.flag("passed"))
        for d in doc.tables("qc_results", ("test", "result", "passed"))
    ]
    made: CompoundingRecord = _build(
        doc,
        CompoundingRecord,
        mfr=mfr,
        mfr_hash=ref.text("content_hash"),
        internal_id=doc.text("internal_id"),
        prepared_at=doc.moment("prepared_at"),
        compounded_by=doc.text("compounded_by"),
        verified_by=doc.text("verified_by"),
        batch=batch,
        components=components,
        made_g=doc.grams("made"),
        bud=bud,
        calculations=doc.texts("calculations"),
        description=doc.text("description", required=False),
        qc_results=qc,
        deviations=doc.texts("deviations"),
        notes=doc.texts("notes"),
    )
    return made


def _build(doc: _Doc, cls: Callable[..., Any], **values: Any) -> Any:
    """Construct ``cls``; a validation error is re-raised naming the document path."""
    try:
        return cls(**{k: v for k, v in values.items() if v is not None})
    except CompoundkitError as exc:
        if not doc.where:
            if isinstance(exc, RecordError):
                raise
            raise RecordError(str(exc)) from None
        raise RecordError(f"{doc.where}: {exc}") from None


def _upgrade(
    data: dict[str, Any], source: str, migrations: Mapping[int, Migration] = _MIGRATIONS
) -> dict[str, Any]:
    version = data.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise RecordError(f"{source}: schema_version must be a whole number, got {version!r:.40}")
    if version > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"{source}: schema_version {version} is newer than this compoundkit reads "
            f"({SCHEMA_VERSION}); upgrade compoundkit to read it"
        )
    while version < SCHEMA_VERSION:
        step = migrations.get(version)
        if step is None:
            raise SchemaVersionError(
                f"{source}: schema_version {version} is older than this compoundkit reads "
                f"({SCHEMA_VERSION}) and there is no migration from it"
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
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def record_from_dict(data: object, *, source: str = "<string>") -> Record:
    """Build an MFR or a CR from its document mapping (migrating an older schema)."""
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
    try:
        if schema == MFR_SCHEMA:
            return _mfr_from(_Doc(upgraded, "", (*_HEAD, *_MFR_FIELDS)))
        return _cr_from(_Doc(upgraded, "", (*_HEAD, *_CR_FIELDS)))
    except RecordError as exc:
        raise RecordError(f"{source}: {exc}") from None


def _refuse_constant(name: str) -> Any:
    raise RecordError(f"{name} is not a number JSON allows")


def loads_json(text: str, *, source: str = "<string>") -> Record:
    """An MFR or CR from JSON text."""
    if not isinstance(text, str):
        raise RecordError(f"{source}: expected text, got {type(text).__name__}")
    if len(text) > MAX_RECORD_BYTES:
        raise RecordError(f"{source}: larger than {MAX_RECORD_BYTES} bytes")
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecordError as exc:
        raise RecordError(f"{source}: {exc}") from None
    except RecursionError:
        raise RecordError(f"{source}: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, or an integer too long to read
        raise RecordError(f"{source}: not valid JSON: {exc}") from None
    return record_from_dict(data, source=source)


def loads_toml(text: str, *, source: str = "<string>") -> Record:
    """An MFR or CR from TOML text."""
    if not isinstance(text, str):
        raise RecordError(f"{source}: expected text, got {type(text).__name__}")
    if len(text) > MAX_RECORD_BYTES:
        raise RecordError(f"{source}: larger than {MAX_RECORD_BYTES} bytes")
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise RecordError(f"{source}: nested too deeply") from None
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise RecordError(f"{source}: not valid TOML: {exc}") from None
    return record_from_dict(_plain(data), source=source)


def _plain(value: Any) -> Any:
    """TOML dates and times back to ISO text (records keep them as text in both formats)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, _dt.date | _dt.time):
        return value.isoformat()
    return value


_FORMATS: Final = {".json": "json", ".toml": "toml"}


def _format_of(path: Path) -> str:
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise RecordError(f"{path}: a record file ends in .json or .toml")
    return fmt


def load_record(path: str | os.PathLike[str]) -> Record:
    """An MFR or CR from a ``.json`` or ``.toml`` file."""
    target = Path(path)
    fmt = _format_of(target)
    try:
        with open(target, "rb") as stream:
            raw = stream.read(MAX_RECORD_BYTES + 1)
    except IsADirectoryError:
        raise RecordError(f"{target}: is a folder, not a record file") from None
    if len(raw) > MAX_RECORD_BYTES:
        raise RecordError(f"{target}: larger than {MAX_RECORD_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordError(f"{target}: not UTF-8 text (byte {exc.start})") from None
    loads = loads_json if fmt == "json" else loads_toml
    return loads(text, source=str(target))


def save_record(record: Record, path: str | os.PathLike[str]) -> Path:
    """Write ``record`` to a ``.json`` or ``.toml`` file, atomically (never half-written)."""
    from compoundkit._files import check_output_path, write_atomic

    target = check_output_path(path, what="record file")
    text = dumps_json(record) if _format_of(target) == "json" else dumps_toml(record)
    write_atomic(target, text)
    return target


# --------------------------------------------------------------------------- the log


def log_record(log: RecordLog, record: Record) -> LogEntry:
    """Append a record to a record log (an MFR as ``mfr``, a CR as ``compounding-record``).

    A CR is indexed by its formula, its preparation day and every lot it used, so
    ``log.find(lot=...)`` answers recalls.
    """
    from compoundkit.records.cr import CompoundingRecord

    payload = record_to_dict(record)
    if isinstance(record, CompoundingRecord):
        return log.append(
            CR_KIND,
            payload,
            formula=record.name,
            lots=record.lots,
            on=record.prepared_at.date(),
        )
    return log.append(MFR_KIND, payload, formula=record.name, on=record.approved_on)


def record_from_entry(entry: LogEntry) -> Record:
    """The MFR or CR a record-log entry holds."""
    if entry.kind not in (MFR_KIND, CR_KIND):
        raise RecordError(f"log entry {entry.id} is a {entry.kind!r} entry, not a record")
    return record_from_dict(_thaw(entry.payload), source=f"log entry {entry.id}")


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_thaw(v) for v in value]
    return value


def mfr_versions(log: RecordLog, record_id: str) -> tuple[MasterFormulationRecord, ...]:
    """Every logged version of the MFR ``record_id``, oldest version first."""
    from compoundkit.records.mfr import MasterFormulationRecord

    found: dict[str, MasterFormulationRecord] = {}
    for entry in log.find(kind=MFR_KIND):
        if entry.payload.get("record_id") != record_id:
            continue
        record = record_from_entry(entry)
        assert isinstance(record, MasterFormulationRecord)
        found[canonical_json(record_to_dict(record))] = record
    return tuple(sorted(found.values(), key=lambda r: (r.version, r.is_approved)))
