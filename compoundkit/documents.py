"""The one structuring layer: TOML/JSON documents to model objects and back (cattrs).

Every file compoundkit reads (the catalog, vehicles, formula files, saved records,
BUD tables) is turned into attrs model objects by the one :data:`converter`
configured here, and written back by it. A document with problems is refused as
a whole, with every problem listed as ``file:line: field.path: message``
(:class:`~compoundkit.errors.DocumentError`). Checks of meaning (a molecular
weight against its formula, source ids, cross-field rules) run after structuring,
in the model classes' validators or the loaders.

What the converter enforces, beyond the attrs classes' own validators:

- no unknown keys (each refusal lists the keys allowed); the keys are the attrs field
  aliases, or the renames given to :func:`table_hook`; a field whose metadata is
  :data:`NOT_A_KEY` is set by code, never read or written;
- strict scalars: text must be text, a number a finite number (not ``true``), a flag
  ``true``/``false``; enums and ``Literal`` types list their allowed values; a list must
  be a list and a table a table; an optional field is left out, never null; :data:`Text`
  is stripped and must not be empty;
- strengths are read by :meth:`Strength.parse <compoundkit.units.Strength.parse>`,
  dates as TOML dates or ISO text;
- a field may read and write itself (:func:`field_hooks`, :func:`as_text`), as an
  amount written ``'14 g'`` does.

(Over 500 lines on purpose: the converter's hooks and the paths and lines its problems
report are one layer, read together.)

>>> import attrs
>>> @attrs.frozen
... class Jar:
...     name: str
...     grams: float
>>> structure({"name": "cream", "grams": 30}, Jar, source="jar.toml")
Jar(name='cream', grams=30.0)
>>> structure({"name": 1, "grams": "x", "lid": True}, Jar, source="jar.toml")
Traceback (most recent call last):
...
compoundkit.errors.DocumentError: jar.toml: 3 problems:
  jar.toml: name: must be text, not the number 1
  jar.toml: grams: must be a number, not the text 'x'
  jar.toml: lid: unknown key; allowed: name, grams
"""

from __future__ import annotations

import datetime as _dt
import enum
import math
import re
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal, TypeVar

from compoundkit.errors import CompoundkitError, DocumentError, Problem, dotted

if TYPE_CHECKING:
    import cattrs

__all__ = [
    "NOT_A_KEY",
    "Path",
    "Text",
    "as_text",
    "calendar_date",
    "converter",
    "dotted",
    "extend",
    "field_hooks",
    "locate",
    "problems_of",
    "structure",
    "table_hook",
    "type_name",
    "unstructure",
]

T = TypeVar("T")

#: A location inside a document: keys and list indexes, outermost first.
Path = tuple[str | int, ...]

#: Text that says something: stripped of blanks around it; refused empty or over MAX_TEXT.
Text = Annotated[str, "non-empty text"]
#: The longest :data:`Text` accepted.
MAX_TEXT = 2000

_KEY: Final = "compoundkit.documents.key"
#: attrs field metadata of a field that is no document key (code sets it, e.g. from a parent).
NOT_A_KEY: Final = types.MappingProxyType({_KEY: False})
# attrs field metadata keys (see field_hooks).
_READ, _WRITE = "compoundkit.read", "compoundkit.write"

_converter: cattrs.Converter | None = None
_extensions: list[Callable[[cattrs.Converter], None]] = []


def converter() -> cattrs.Converter:
    """The package's one cattrs converter, configured on first use."""
    global _converter
    if _converter is None:
        made = _configure()
        for setup in _extensions:
            setup(made)
        _converter = made
    return _converter


def extend(setup: Callable[[cattrs.Converter], None]) -> None:
    """Have ``setup`` add a package's own hooks to the converter when it is made (now, if
    it exists): a package calls this at import, without importing cattrs."""
    _extensions.append(setup)
    if _converter is not None:
        setup(_converter)


def structure(data: object, cls: type[T], *, source: str | None = None, text: str = "") -> T:
    """``data`` (parsed TOML/JSON) as a ``cls``, or :class:`DocumentError` naming every problem.

    ``text`` (the document's source text) lets problems name their line.
    """
    import cattrs

    try:
        return converter().structure(data, cls)
    except (cattrs.BaseValidationError, CompoundkitError, ValueError, TypeError, KeyError) as exc:
        raise DocumentError(tuple(problems_of(exc, text=text)), file=source) from None
    except RecursionError:
        raise DocumentError((Problem((), "nested too deeply"),), file=source) from None


def unstructure(obj: object) -> Any:
    """``obj`` as plain data (dicts, lists, text, numbers, dates), defaults left out."""
    return converter().unstructure(obj)


def problems_of(exc: BaseException, *, path: Path = (), text: str = "") -> Iterator[Problem]:
    """Every problem inside a (nested) cattrs validation error, with its path and line."""
    import cattrs

    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        allowed = _allowed_keys(exc.cl)
        for key in sorted(exc.extra_fields):
            yield _problem((*path, key), f"unknown key; allowed: {allowed}", text)
        return
    if isinstance(exc, cattrs.ClassValidationError):
        keys = _document_keys(exc.cl)
        with_notes, others = exc.group_exceptions()
        for inner, note in with_notes:
            yield from problems_of(inner, path=(*path, keys.get(note.name, note.name)), text=text)
        for other in others:
            yield from problems_of(other, path=path, text=text)
        return
    if isinstance(exc, cattrs.IterableValidationError):
        with_index, others = exc.group_exceptions()
        for inner, index_note in with_index:
            yield from problems_of(inner, path=(*path, index_note.index), text=text)
        for inner in others:
            yield from problems_of(inner, path=path, text=text)
        return
    if isinstance(exc, BaseExceptionGroup):
        for member in exc.exceptions:
            yield from problems_of(member, path=path, text=text)
        return
    if isinstance(exc, KeyError):
        # where it is missing: the line of the table that lacks it
        yield Problem(path, "required, but missing", locate(text, path[:-1]))
        return
    if isinstance(exc, DocumentError):
        for problem in exc.problems:
            yield _problem(path + problem.path, problem.message, text)
        return
    field = getattr(exc, "field", None)
    message = str(exc.args[0]) if exc.args else type(exc).__name__
    if isinstance(exc, CompoundkitError) and hasattr(exc, "reason"):
        message = str(exc.reason)
        refused = getattr(exc, "text", None)  # the text a parser refused
        if isinstance(refused, str) and refused.strip() and refused not in message:
            message += f" (in {refused!r})"
    if isinstance(field, str) and field and (not path or path[-1] != field):
        sub = tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\[\]]+", field) if p)
        yield _problem(path + sub, message, text)
        return
    yield _problem(path, message, text)


def field_hooks(
    read: Callable[[Any], Any] | None = None, write: Callable[[Any], Any] | None = None
) -> dict[str, Any]:
    """attrs field metadata: the field is read from its document value by ``read`` and
    written back by ``write`` (either may be left to the converter).

    >>> import attrs
    >>> @attrs.frozen
    ... class Jar:
    ...     grams: float = attrs.field(metadata=field_hooks(read=float, write=str))
    >>> structure({"grams": "12.5"}, Jar), unstructure(Jar(3.0))
    (Jar(grams=12.5), {'grams': '3.0'})
    """
    hooks = {_READ: read, _WRITE: write}
    return {key: hook for key, hook in hooks.items() if hook is not None}


def as_text(
    read: Callable[[str], Any], what: str, write: Callable[[Any], Any] = str
) -> dict[str, Any]:
    """attrs field metadata: a value written as text (``what`` names it in messages),
    read by ``read`` and written by ``write``.

    >>> import attrs
    >>> @attrs.frozen
    ... class Wave:
    ...     z: complex = attrs.field(metadata=as_text(complex, "a complex number such as '1+2j'"))
    >>> structure({"z": "1+2j"}, Wave), unstructure(Wave(3j))
    (Wave(z=(1+2j)), {'z': '3j'})
    >>> structure({"z": 1}, Wave)
    Traceback (most recent call last):
    ...
    compoundkit.errors.DocumentError: z: must be a complex number such as '1+2j', not the number 1
    """

    def read_text(value: object) -> Any:
        if not isinstance(value, str) or not value.strip():
            raise TypeError(f"must be {what}, not {type_name(value)}")
        return read(value)

    read_text.__doc__ = f"{what[0].upper()}{what[1:]}."  # what the reference docs say
    return field_hooks(read_text, write)


def _problem(path: Path, message: str, text: str) -> Problem:
    return Problem(path, message, locate(text, path))


def _allowed_keys(cls: type) -> str:
    return ", ".join(_document_keys(cls).values()) or "(none)"


def _document_keys(cls: type) -> dict[str, str]:
    """Attribute name -> document key (the alias, or an override's rename) of each field a
    document may give."""
    import attrs

    if not attrs.has(cls):
        return {}
    overrides = getattr(converter().get_structure_hook(cls), "overrides", {})
    keys: dict[str, str] = {}
    for a in attrs.fields(cls):
        given = overrides.get(a.name)
        if _is_key(a) and not (given is not None and given.omit):
            keys[a.name] = given.rename if given is not None and given.rename else a.alias
    return keys


def _is_key(attribute: Any) -> bool:
    return bool(attribute.init and attribute.metadata.get(_KEY, True))


def _field_overrides(cls: Any, *, read: bool = False) -> dict[str, Any]:
    """cattrs overrides leaving out the fields of ``cls`` marked :data:`NOT_A_KEY` and, with
    ``read``, structuring those with a read hook (:func:`field_hooks`) by it."""
    import attrs
    from cattrs.gen import override

    found: dict[str, Any] = {}
    for a in attrs.fields(cls):
        if a.init and not _is_key(a):
            found[a.name] = override(omit=True)
        elif read and _READ in a.metadata:
            found[a.name] = override(struct_hook=_ignoring_type(a.metadata[_READ]))
    return found


def locate(text: str, path: Path) -> int | None:
    """The 1-based line of ``path`` in TOML or JSON ``text`` (best effort), or None.

    >>> locate('name = "x"\\n[[ingredients]]\\nname = "k"\\nstrength = "1 %"\\n',
    ...        ("ingredients", 0, "strength"))
    4
    >>> locate('[[a]]\\n[a.b]\\n[[a.c]]\\nx = 1\\n[[a]]\\n[[a.c]]\\nx = 2\\n',
    ...        ("a", 1, "c", 0, "x"))
    7
    >>> locate('[[set]]\\nid = 1\\n[[set.rule]]\\nid = 2\\n[[set.rule]]\\nid = 3\\n',
    ...        ("set", 0, "rule", 1, "id"))
    6
    """
    if not text or not path:
        return None
    lines = text.splitlines()
    start, end = 0, len(lines)
    tables = [i for i, line in enumerate(lines) if line.lstrip().startswith("[")]
    prefix: list[str] = []
    rest = list(path)
    # Follow [table] and [[array]] headers (an array's element by its index) as far as
    # the path names them.
    while rest and isinstance(key := rest[0], str):
        array = len(rest) >= 2 and isinstance(rest[1], int)
        dotted_key = re.escape(".".join([*prefix, key]))
        header = re.compile(
            rf"^\s*\[\[\s*{dotted_key}\s*\]\]" if array else rf"^\s*\[\s*{dotted_key}\s*\]"
        )
        scope = _scope_end(lines, tables, start, prefix)
        found = [i for i in range(start, scope) if header.match(lines[i])]
        position = int(rest[1]) if array else 0
        if position >= len(found):
            break
        start = found[position]
        end = next((i for i in tables if i > start), len(lines))
        prefix.append(key)
        rest = rest[2 if array else 1 :]
        if not rest:
            return start + 1
    if not prefix:
        end = tables[0] if tables else len(lines)
    name = next((part for part in rest if isinstance(part, str)), None)
    if name is None:
        return start + 1 if prefix else None
    pattern = re.compile(rf'^\s*"?{re.escape(name)}"?\s*[=:]')
    for i in range(start, end):
        if pattern.match(lines[i]):
            return i + 1
    if not prefix:  # JSON, or a key under an inline table: the first mention
        quoted = re.compile(rf'"{re.escape(name)}"\s*:|\b{re.escape(name)}\s*=')
        for i, line in enumerate(lines):
            if quoted.search(line):
                return i + 1
    return start + 1 if prefix else None


def _scope_end(lines: list[str], tables: list[int], start: int, prefix: list[str]) -> int:
    """Where the table (or array element) ``prefix`` starting at ``start`` ends, sub-tables
    included: the next header outside it."""
    if not prefix:
        return len(lines)
    inside = re.compile(rf"^\s*\[\[?\s*{re.escape('.'.join(prefix))}\.")
    return next((i for i in tables if i > start and not inside.match(lines[i])), len(lines))


def calendar_date(
    value: object, field: str, error: Callable[[str], Exception] = ValueError
) -> _dt.date:
    """``value`` when it is a ``datetime.date``, else ``error`` naming ``field``; a datetime
    is refused, as the calendar day it falls on depends on a time zone.

    >>> calendar_date(_dt.datetime(2024, 3, 1, 9, 30), "compounded_on")
    Traceback (most recent call last):
    ...
    ValueError: compounded_on must be a datetime.date, not a datetime (...); pass value.date() ...
    """
    if isinstance(value, _dt.datetime):
        raise error(
            f"{field} must be a datetime.date, not a datetime ({value!r}); pass value.date() "
            "for the local calendar day"
        )
    if not isinstance(value, _dt.date):
        raise error(f"{field} must be a datetime.date, got {value!r:.60}")
    return value


def type_name(value: object) -> str:
    """How a document value is named in messages: ``the number 1``, ``the text 'x'``.

    >>> type_name(True), type_name([1]), type_name("x")
    ('true', 'a list', "the text 'x'")
    """
    if value is True or value is False:
        return str(value).lower()
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {shown!r}"
    if isinstance(value, int | float):
        number = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        return f"the number {number}"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if value is None:
        return "null"
    if isinstance(value, _dt.datetime | _dt.date | _dt.time):
        return f"the date/time {value.isoformat()}"
    return f"a {type(value).__name__}"


# --------------------------------------------------------------------------- hooks


def _text(value: object, cls: type) -> Any:
    if issubclass(cls, enum.Enum):  # a StrEnum is a str: its values are the allowed ones
        return _enum(value, cls)
    if not isinstance(value, str):
        raise TypeError(f"must be text, not {type_name(value)}")
    return value


def _flag(value: object, _: type) -> bool:
    if value is not True and value is not False:
        raise TypeError(f"must be true or false, not {type_name(value)}")
    return value


def _integer(value: object, cls: type) -> Any:
    if issubclass(cls, enum.Enum):  # an IntEnum is an int: its values are the allowed ones
        return _enum(value, cls)
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"must be a whole number, not {type_name(value)}")
    return value


def _number(value: object, _: type) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError(f"must be a number, not {type_name(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError("must be a finite number, not an integer too large for a float") from None
    if not math.isfinite(number):
        raise ValueError(f"must be a finite number, not {value!r}")
    return number


def _date(value: object, _: type) -> _dt.date:
    if isinstance(value, _dt.datetime):
        raise TypeError(f"must be a date (YYYY-MM-DD), not {type_name(value)}")
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a calendar date") from None
    raise TypeError(f"must be a date (YYYY-MM-DD), not {type_name(value)}")


_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ][0-9:.]+([+-][0-9:]+|Z)?")


def _moment(value: object, _: type) -> _dt.datetime:
    if isinstance(value, _dt.datetime):
        moment = value
    elif isinstance(value, str) and _MOMENT.fullmatch(value):
        try:
            moment = _dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date and time") from None
    else:
        raise TypeError(f"must be a date and time (ISO 8601), not {type_name(value)}")
    if moment.tzinfo is None:
        raise ValueError(f"{value!s} has no time zone; write it with an offset such as +00:00")
    return moment


def _enum(value: object, cls: type[enum.Enum]) -> Any:
    return _one_of(value, {member.value: member for member in cls})


def _one_of(value: object, choices: dict[Any, Any]) -> Any:
    """``choices[value]`` for a value of the same type as the key, or an error listing them."""
    for option, result in choices.items():
        if value == option and type(value) is type(option):
            return result
    raise ValueError(f"{type_name(value)} is not allowed; allowed: {', '.join(map(str, choices))}")


def _strength(value: object, _: type) -> Any:
    from compoundkit.units import Strength

    if isinstance(value, Strength):
        return value
    if not isinstance(value, str) or not value.strip():
        raise TypeError(
            f"must be a strength as text, such as '10 % w/w' or '20 mg/g', not {type_name(value)}"
        )
    try:
        return Strength.parse(value)
    except ValueError as exc:  # StrengthParseError, DimensionError...: name the text
        reason = getattr(exc, "reason", None) or str(exc).splitlines()[0]
        raise ValueError(f"invalid strength {value!r}: {reason}") from None


def _list_factory(cls: Any, made: cattrs.Converter) -> Callable[[Any, Any], Any]:
    """Lists and homogeneous tuples: the value must be a list (text is not a list of letters)."""
    from cattrs.cols import (
        homogenous_tuple_structure_factory,
        is_mutable_sequence,
        list_structure_factory,
    )

    factory = (
        list_structure_factory if is_mutable_sequence(cls) else homogenous_tuple_structure_factory
    )
    items = factory(cls, made)

    def structure_list(value: object, _: type) -> Any:
        if not isinstance(value, list | tuple):
            raise TypeError(f"must be a list, not {type_name(value)}")
        return items(value, cls)

    return structure_list


def table_hook(made: cattrs.Converter, cls: type[T], **overrides: Any) -> Callable[[Any, Any], T]:
    """The structure hook of the attrs class ``cls``: the value must be a table (a dict),
    then cattrs' own structuring with the fields' own hooks (:func:`field_hooks`).

    ``overrides`` are ``cattrs.gen.override`` values by field name (a ``rename``, a
    ``struct_hook``...), for a package that registers its own (from :func:`extend`):
    ``made.register_structure_hook(cls, table_hook(made, cls, ...))``.
    """
    return _Table(cls, made, {**_field_overrides(cls, read=True), **overrides})


class _Table:
    """A :func:`table_hook`; its ``overrides`` tell problems the document keys of renamed fields."""

    def __init__(self, cls: Any, made: cattrs.Converter, overrides: dict[str, Any]) -> None:
        from cattrs.gen import make_dict_structure_fn

        self.cls = cls
        self.fields = make_dict_structure_fn(cls, made, **overrides)
        self.overrides = overrides

    def __call__(self, value: object, _: object) -> Any:
        if not isinstance(value, Mapping):
            raise TypeError(f"must be a table, not {type_name(value)}")
        return self.fields(value, self.cls)


def _table_out(cls: Any, made: cattrs.Converter) -> Callable[[Any], Any]:
    """attrs classes as dicts: document keys only, defaults left out, the fields' own hooks."""
    import attrs
    from cattrs.gen import make_dict_unstructure_fn, override

    hooks: dict[str, Any] = {
        a.name: override(unstruct_hook=a.metadata[_WRITE])
        for a in attrs.fields(cls)
        if _WRITE in a.metadata
    }
    return make_dict_unstructure_fn(
        cls, made, made.omit_if_default, **_field_overrides(cls), **hooks
    )


def _ignoring_type(read: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    return lambda value, _: read(value)


def _filled(value: object, _: type) -> str:
    from compoundkit.names import check_printable

    if not isinstance(value, str) or not value.strip():
        raise TypeError(f"must be non-empty text, not {type_name(value)}")
    text = value.strip()
    if len(text) > MAX_TEXT:
        raise ValueError(f"is {len(text)} characters long; at most {MAX_TEXT} allowed")
    return check_printable(text, lines=True)


def _is_literal(cls: Any) -> bool:
    origin: object = typing.get_origin(cls)
    return origin is Literal


def _literal(value: object, cls: Any) -> Any:
    return _one_of(value, {option: option for option in typing.get_args(cls)})


def _is_optional(cls: Any) -> bool:
    args = typing.get_args(cls)
    is_union = typing.get_origin(cls) in (typing.Union, types.UnionType)
    return is_union and len(args) == 2 and type(None) in args


def _optional(cls: Any, made: cattrs.Converter) -> Callable[[Any, Any], Any]:
    """An optional field is left out when it has no value: null is refused like any wrong type."""
    inner = next(arg for arg in typing.get_args(cls) if arg is not type(None))
    hook = made.get_structure_hook(inner)
    return lambda value, _: hook(value, inner)


def _configure() -> cattrs.Converter:
    import attrs
    import cattrs
    from cattrs.cols import is_sequence

    from compoundkit.units import Strength

    made = cattrs.Converter(forbid_extra_keys=True, omit_if_default=True, use_alias=True)
    hooks: list[tuple[type, Callable[[Any, Any], Any]]] = [
        (str, _text),
        (bool, _flag),
        (int, _integer),
        (float, _number),
        (_dt.datetime, _moment),
        (_dt.date, _date),
        (Strength, _strength),
    ]
    for cls, hook in hooks:
        made.register_structure_hook(cls, hook)
    made.register_structure_hook_func(
        lambda cls: isinstance(cls, type) and issubclass(cls, enum.Enum), _enum
    )
    made.register_structure_hook_func(lambda cls: cls == Text, _filled)
    made.register_structure_hook_func(_is_literal, _literal)
    made.register_structure_hook_factory(_is_optional, _optional)
    made.register_structure_hook_factory(is_sequence, _list_factory)
    made.register_structure_hook_factory(attrs.has, lambda cls, made: table_hook(made, cls))
    made.register_unstructure_hook_factory(attrs.has, _table_out)
    made.register_unstructure_hook(Strength, str)
    made.register_unstructure_hook(_dt.date, _dt.date.isoformat)
    made.register_unstructure_hook(_dt.datetime, _dt.datetime.isoformat)
    made.register_unstructure_hook_func(
        lambda cls: isinstance(cls, type) and issubclass(cls, enum.Enum), lambda e: e.value
    )
    return made


def __dir__() -> list[str]:
    """The public names only (no imported helpers or submodules)."""
    return sorted(__all__)
