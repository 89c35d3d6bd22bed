"""Frozen, slotted record classes: the part of attrs compoundkit uses, without its import cost.

compoundkit's model classes are declared exactly as ``attrs`` classes
(``@frozen`` and ``field(...)``), and type checkers see them *as* attrs classes
(this module re-exports attrs' names under ``TYPE_CHECKING``, so mypy's attrs
support types every ``__init__``, converter and ``evolve``). At run time this
module builds the classes itself: attrs compiles generated source for each
class (about 0.6 ms a class, plus 12 ms to import attrs: about 45 ms of the
first unit-aware call); these generic methods cost nothing to create. Only a
class that has made :data:`COMPILE_AFTER` instances asks attrs for its
generated ``__init__`` (from the same declaration), so hot paths keep attrs' speed.

What a record gets, as with ``attrs.frozen``: ``__slots__`` (and a weakref
slot), an ``__init__`` taking the fields in order (defaults, factories,
converters, then validators, then ``__attrs_post_init__``), ``__repr__``,
``__eq__`` and ``__hash__`` over the fields with ``eq=True`` (unless the class
defines its own), ``__match_args__``, pickling and copying, and
``attrs.exceptions.FrozenInstanceError`` on assignment. ``attrs.evolve``,
``attrs.fields`` and ``attrs.asdict`` keep working on records: the attrs field
tuple is built on first request.

>>> @frozen
... class Point:
...     x: float = field(converter=float)
...     label: str = "origin"
>>> p = Point(1)
>>> p
Point(x=1.0, label='origin')
>>> p == Point(1.0), hash(p) == hash(Point(1.0))
(True, True)
>>> evolve(p, label="a")
Point(x=1.0, label='a')
>>> p.x = 2.0
Traceback (most recent call last):
attr.exceptions.FrozenInstanceError: can't set attribute
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Final

__all__ = ["Field", "evolve", "field", "fields", "frozen"]

_NOTHING: Any = type("_Nothing", (), {"__repr__": lambda self: "NOTHING"})()


class Field:
    """One field of a record (the subset of :class:`attrs.Attribute` records use)."""

    __slots__ = (
        "alias",
        "converter",
        "default",
        "eq",
        "factory",
        "hash",
        "init",
        "name",
        "repr",
        "type",
        "validator",
    )

    def __init__(
        self,
        *,
        default: Any = _NOTHING,
        factory: Callable[[], Any] | None = None,
        converter: Callable[[Any], Any] | None = None,
        validator: Callable[[Any, Any, Any], Any] | None = None,
        init: bool = True,
        eq: bool = True,
        hash: bool | None = None,
        repr: bool = True,
    ) -> None:
        if default is not _NOTHING and factory is not None:
            raise TypeError("give a field a default or a factory, not both")
        self.name = ""
        self.alias = ""
        self.default = default
        self.factory = factory
        self.converter = converter
        self.validator = validator
        self.init = init
        self.eq = eq
        self.hash = hash  # None: follows eq (as attrs)
        self.repr = repr
        self.type: Any = None

    def __repr__(self) -> str:
        return f"Field(name={self.name!r})"

    def _initial(self) -> Any:
        """The value of a field not given to ``__init__`` (converted, as attrs does)."""
        value = self.factory() if self.factory is not None else self.default
        return value if self.converter is None else self.converter(value)


class _Fields(tuple):  # type: ignore[type-arg]
    """The fields of a record class, also by name (``fields(Vehicle).density_g_per_ml``)."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Field:
        for item in self:
            if item.name == name:
                return item  # type: ignore[no-any-return]
        raise AttributeError(f"no field {name!r}")


class _PostInit:
    """Base of an attrs twin whose record has ``__attrs_post_init__`` (attrs then calls it)."""

    def __attrs_post_init__(self) -> None:
        """Only marks the twin: the generated ``__init__`` calls the record's own method."""


def _attrs_twin(owner: type) -> type:
    """The attrs class a record is declared as, built once on request (imports attrs).

    It supplies ``__attrs_attrs__`` (so ``attrs.evolve``/``fields``/``asdict``/``validate``
    accept records) and, once a record class is hot, the ``__init__`` attrs generates.
    """
    twin = owner.__dict__.get("__attrs_twin__")
    if twin is not None:
        return twin  # type: ignore[no-any-return]
    import attrs

    spec: dict[str, Any] = {}
    for item in owner.__record_fields__:  # type: ignore[attr-defined]
        default = attrs.Factory(item.factory) if item.factory is not None else item.default
        spec[item.name] = attrs.field(
            default=attrs.NOTHING if default is _NOTHING else default,
            validator=item.validator,
            converter=item.converter,
            init=item.init,
            eq=item.eq,
            hash=item.hash,
            repr=item.repr,
            alias=item.alias,
            type=item.type,
        )
    bases = (_PostInit,) if hasattr(owner, "__attrs_post_init__") else (object,)
    twin = attrs.make_class(owner.__name__, spec, bases=bases, frozen=True, slots=True)
    type.__setattr__(owner, "__attrs_twin__", twin)
    return twin


class _AttrsFields:
    """``__attrs_attrs__`` built on first request, so attrs' own functions accept records."""

    def __get__(self, instance: object, owner: type) -> tuple[Any, ...]:
        import attrs

        built: tuple[Any, ...] = attrs.fields(_attrs_twin(owner))
        type.__setattr__(owner, "__attrs_attrs__", built)
        return built


class _Signature:
    """``__signature__`` of a record class, built on request (for help(), IDEs, notebooks)."""

    def __get__(self, instance: object, owner: type) -> Any:
        import inspect

        parameters = [
            inspect.Parameter(
                item.alias,
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                default=inspect.Parameter.empty
                if item.default is _NOTHING and item.factory is None
                else (_FACTORY if item.factory is not None else item.default),
                annotation=inspect.Parameter.empty if item.type is None else item.type,
            )
            for item in owner.__record_fields__  # type: ignore[attr-defined]
            if item.init
        ]
        return inspect.Signature(parameters, return_annotation=None)


_FACTORY: Any = type("_Factory", (), {"__repr__": lambda self: "<factory>"})()


def _frozen_setattr(self: object, name: str, value: object) -> None:
    from attrs.exceptions import FrozenInstanceError

    raise FrozenInstanceError


def _frozen_delattr(self: object, name: str) -> None:
    from attrs.exceptions import FrozenInstanceError

    raise FrozenInstanceError


def _collect(cls: type) -> list[Field]:
    own = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 -- own, unevaluated
    collected: list[Field] = []
    for base in reversed(cls.__mro__[1:]):
        collected.extend(getattr(base, "__record_fields__", ()))
    inherited = {item.name for item in collected}
    for name, annotation in own.items():
        if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
            continue
        if name in inherited:
            raise TypeError(f"{cls.__name__}: field {name!r} redefines an inherited field")
        value = cls.__dict__.get(name, _NOTHING)
        item = value if isinstance(value, Field) else Field(default=value)
        item.name = name
        item.alias = name.lstrip("_")
        item.type = annotation
        collected.append(item)
    for name, value in cls.__dict__.items():
        if isinstance(value, Field) and name not in own:
            raise TypeError(f"{cls.__name__}.{name} is a field() without a type annotation")
    seen_default = False
    for item in collected:
        if not item.init:
            continue
        if item.default is not _NOTHING or item.factory is not None:
            seen_default = True
        elif seen_default:
            raise ValueError(f"{cls.__name__}: no default for {item.name!r} after a default")
    return collected


#: Instances a record class makes with the generic ``__init__`` before it switches to
#: the one attrs generates (as attrs would at class creation): start-up pays nothing
#: and imports no attrs; hot classes (findings, sheet lines) get attrs' speed.
COMPILE_AFTER: Final = 100


def _make_init(
    cls: type, all_fields: list[Field], has_post_init: bool, owner: list[type]
) -> Callable[..., None]:
    """The generic ``__init__``; after :data:`COMPILE_AFTER` calls it installs attrs' one.

    As Python does for a real signature, a bad call (too many arguments, a missing
    one, an unknown or repeated keyword) is a TypeError before any converter runs.
    """
    cls_name = cls.__name__
    # (name, keyword, default, factory, converter) per argument
    specs = tuple(
        (item.name, item.alias, item.default, item.factory, item.converter)
        for item in all_fields
        if item.init
    )
    later = [
        item
        for item in all_fields
        if not item.init and (item.default is not _NOTHING or item.factory is not None)
    ]
    checked = [item for item in all_fields if item.validator is not None]
    count = len(specs)
    rest = [specs[given:] for given in range(count + 1)]  # tails after n positionals
    setter = object.__setattr__
    calls = 0

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == COMPILE_AFTER and owner:
            hot = _hot_init(owner[0])
            if hot is not None:
                type.__setattr__(owner[0], "__init__", hot)
        given = len(args)
        if given > count:
            raise TypeError(
                f"{cls_name}.__init__() takes {count} positional arguments but {given} were given"
            )
        values = list(args)
        missing = []
        for _, alias, default, factory, _ in rest[given]:
            value = kwargs.pop(alias, _NOTHING) if kwargs else _NOTHING
            if value is _NOTHING and default is _NOTHING and factory is None:
                missing.append(alias)
            values.append(value)
        if kwargs:
            key = next(iter(kwargs))
            given_twice = any(alias == key for _, alias, _, _, _ in specs[:given])
            problem = (
                "got multiple values for argument"
                if given_twice
                else "got an unexpected keyword argument"
            )
            raise TypeError(f"{cls_name}.__init__() {problem} {key!r}")
        if missing:
            raise TypeError(f"{cls_name}.__init__() {_missing_message(missing)}")
        for (name, _, default, factory, converter), value in zip(specs, values, strict=True):
            if value is _NOTHING:
                value = factory() if factory is not None else default
            setter(self, name, value if converter is None else converter(value))
        for item in later:
            setter(self, item.name, item._initial())
        for item in checked:
            item.validator(self, item, getattr(self, item.name))  # type: ignore[misc]
        if has_post_init:
            self.__attrs_post_init__()

    return __init__


def _missing_message(missing: list[str]) -> str:
    """Python's own wording: ``missing 2 required positional arguments: 'a' and 'b'``."""
    quoted = [repr(name) for name in missing]
    if len(quoted) == 1:
        listed = quoted[0]
    elif len(quoted) == 2:
        listed = f"{quoted[0]} and {quoted[1]}"
    else:
        listed = ", ".join(quoted[:-1]) + ", and " + quoted[-1]
    plural = "argument" if len(quoted) == 1 else "arguments"
    return f"missing {len(quoted)} required positional {plural}: {listed}"


def _hot_init(owner: type) -> Callable[..., None] | None:
    """The ``__init__`` attrs generates for the record's twin, or None if attrs cannot build it.

    attrs generates source from the field names (identifiers: ``__slots__`` requires
    them) and passes defaults, converters and validators as objects; its ``__init__``
    sets the slots with ``object.__setattr__``, so it runs on the record unchanged.
    """
    try:
        init: Callable[..., None] = _attrs_twin(owner).__init__  # type: ignore[misc]
    except SyntaxError:  # a field name only type() could make: keep the generic __init__
        return None
    init.__qualname__ = f"{owner.__qualname__}.__init__"
    # bad calls name the class, as the generic __init__'s errors do
    init.__code__ = init.__code__.replace(co_qualname=init.__qualname__)
    return init


def _tuple_getter(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    if len(names) == 1:
        get_one = attrgetter(names[0])
        return lambda instance: (get_one(instance),)
    if not names:
        return lambda instance: ()
    return attrgetter(*names)


def _make_methods(
    cls: type, all_fields: list[Field], owner: list[type], *, eq: bool, repr_: bool
) -> dict[str, Any]:
    own = cls.__dict__
    methods: dict[str, Any] = {}
    if "__init__" not in own:
        has_post_init = hasattr(cls, "__attrs_post_init__")
        methods["__init__"] = _make_init(cls, all_fields, has_post_init, owner)
        methods["__signature__"] = _Signature()
    shown = [item.name for item in all_fields if item.repr]
    if repr_ and "__repr__" not in own:

        def __repr__(self: Any) -> str:
            body = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
            return f"{self.__class__.__qualname__.rsplit('>.', 1)[-1]}({body})"

        methods["__repr__"] = __repr__
    if eq and "__eq__" not in own:
        compared = [item.name for item in all_fields if item.eq]
        hashed = _tuple_getter(
            [item.name for item in all_fields if (item.eq if item.hash is None else item.hash)]
        )
        salt = hash(cls.__qualname__)

        def __eq__(self: Any, other: object) -> bool:
            # field by field with ==, as attrs does (so a NaN field is never equal)
            if other.__class__ is not self.__class__:
                return NotImplemented
            for name in compared:  # noqa: SIM110 -- faster than all() over a generator
                if not getattr(self, name) == getattr(other, name):
                    return False
            return True

        def __ne__(self: Any, other: object) -> bool:
            result = __eq__(self, other)
            return NotImplemented if result is NotImplemented else not result

        methods["__eq__"] = __eq__
        methods["__ne__"] = __ne__
        if "__hash__" not in own:
            methods["__hash__"] = lambda self: hash((salt, hashed(self)))
    slots = [item.name for item in all_fields]

    def __getstate__(self: Any) -> dict[str, Any]:
        return {name: getattr(self, name) for name in slots if hasattr(self, name)}

    def __setstate__(self: Any, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

    methods["__getstate__"] = __getstate__
    methods["__setstate__"] = __setstate__
    methods["__replace__"] = _evolve  # copy.replace() on Python 3.13+, as attrs provides
    return methods


def _build(cls: type, *, eq: bool, repr_: bool) -> type:
    all_fields = _collect(cls)
    inherited = {name for base in cls.__mro__[1:] for name in getattr(base, "__slots__", ())}
    body = {
        key: value
        for key, value in cls.__dict__.items()
        if key not in ("__dict__", "__weakref__") and not isinstance(value, Field)
    }
    for item in all_fields:
        body.pop(item.name, None)
    body["__slots__"] = tuple(
        name
        for name in [*(item.name for item in all_fields), "__weakref__"]
        if name not in inherited
    )
    body["__qualname__"] = cls.__qualname__
    body["__record_fields__"] = _Fields(all_fields)
    body["__match_args__"] = tuple(item.name for item in all_fields if item.init)
    body["__attrs_attrs__"] = _AttrsFields()
    body["__setattr__"] = _frozen_setattr
    body["__delattr__"] = _frozen_delattr
    owner: list[type] = []
    body.update(_make_methods(cls, all_fields, owner, eq=eq, repr_=repr_))
    built = type(cls)(cls.__name__, cls.__bases__, body)
    owner.append(built)
    _repoint_class_cells(cls, built)
    return built


def _repoint_class_cells(old: type, new: type) -> None:
    """Make zero-argument ``super()`` and ``__class__`` in methods see the rebuilt class."""
    for value in new.__dict__.values():
        if isinstance(value, (classmethod, staticmethod)):
            value = value.__func__
        elif isinstance(value, property):
            value = value.fget
        for cell in getattr(value, "__closure__", None) or ():
            try:
                if cell.cell_contents is old:
                    cell.cell_contents = new
            except ValueError:  # an empty cell
                continue


def _frozen(
    maybe_cls: type | None = None, *, eq: bool = True, order: bool = False, repr: bool = True
) -> Any:
    if order:
        raise TypeError("records do not generate ordering; define __lt__ and friends")

    def wrap(cls: type) -> type:
        return _build(cls, eq=eq, repr_=repr)

    return wrap if maybe_cls is None else wrap(maybe_cls)


#: ``field(...)`` at run time: the declaration object itself.
_field = Field


def _fields(cls: type) -> _Fields:
    try:
        return cls.__record_fields__  # type: ignore[attr-defined,no-any-return]
    except AttributeError:
        raise TypeError(f"{cls!r} is not a compoundkit record class") from None


def _evolve(instance: Any, **changes: Any) -> Any:
    cls = instance.__class__
    for item in _fields(cls):
        if item.init and item.alias not in changes:
            changes[item.alias] = getattr(instance, item.name)
    return cls(**changes)


if TYPE_CHECKING:
    from attrs import evolve as evolve
    from attrs import field as field
    from attrs import fields as fields
    from attrs import frozen as frozen
else:
    evolve = _evolve
    field = _field
    fields = _fields
    frozen = _frozen
