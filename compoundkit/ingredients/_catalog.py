"""The catalog: shipped data, entry-point plugins and user registrations, with lookup.

Loading is lazy (on first use) and cached. Every change is computed on a copy of the
index and swapped in only when it fully succeeds, so a failing file or plugin never
leaves a half-registered catalog.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

from compoundkit.errors import CatalogError, CompoundkitError, UnknownIngredientError
from compoundkit.ingredients._facts import ROUTES, Evidence, Use
from compoundkit.ingredients._fields import refusal
from compoundkit.ingredients._model import Ingredient
from compoundkit.names import name_key

if TYPE_CHECKING:
    from importlib import metadata

__all__ = ["ENTRY_POINT_GROUP", "Catalog", "ConfusableNameError"]

#: The Python entry-point group third-party packages use to add ingredients.
ENTRY_POINT_GROUP: Final = "compoundkit.ingredients"


class ConfusableNameError(UnknownIngredientError):
    """The name is not in the catalog and is a different drug easily confused with one
    that is (``ketorolac`` vs ``ketoprofen``): no "did you mean" is offered."""

    def __init__(self, name: str, confused_with: Sequence[str]) -> None:
        super().__init__(name, ())
        self.confused_with = tuple(confused_with)
        others = " or ".join(repr(c) for c in self.confused_with)
        self.args = (
            f"unknown ingredient {name!r}: not in the catalog, and a different drug from "
            f"{others} (easily confused names; check the order)",
        )


class _Index:
    """Ingredients by id (in catalog order) and lookup keys -> id."""

    __slots__ = ("entries", "keys")

    def __init__(
        self, entries: dict[str, Ingredient] | None = None, keys: dict[str, str] | None = None
    ) -> None:
        self.entries = dict(entries or {})
        self.keys = dict(keys or {})

    def added(self, batch: Sequence[Ingredient], *, override: bool, file: str | None) -> _Index:
        """A copy with ``batch`` added; raises CatalogError on a collision."""
        new = _Index(self.entries, self.keys)
        batch_keys: dict[str, str] = {}
        for ing in batch:
            if not isinstance(ing, Ingredient):
                raise refusal(f"expected an Ingredient, got {type(ing).__name__}", file)
            keys = _keys_of(ing)
            for key, field in keys.items():
                other = batch_keys.get(key)
                if other is not None:
                    message = f"name {key!r} is used by two entries here ({other!r} and {ing.id!r})"
                    raise refusal(message, file, entry=ing.id, field=field)
            if not override:
                for key, field in keys.items():
                    owner = new.keys.get(key)
                    if owner is not None:
                        what = "id" if owner == ing.id else f"a name of {owner!r}"
                        message = (
                            f"{key!r} is already {what} in the catalog (from "
                            f"{new.entries[owner].origin}); pass override=True to "
                            "replace it deliberately"
                        )
                        raise refusal(message, file, entry=ing.id, field=field)
            if ing.id in new.entries:
                new.keys = {k: v for k, v in new.keys.items() if v != ing.id}
            new.entries[ing.id] = ing
            for key in keys:
                new.keys[key] = ing.id
                batch_keys[key] = ing.id
        return new


def _keys_of(ing: Ingredient) -> dict[str, str]:
    """Lookup key -> the field it comes from (first occurrence wins)."""
    keys: dict[str, str] = {}
    fields: list[tuple[str, str]] = [("id", ing.id), ("name", ing.name)]
    for field in ("synonyms", "trade_names", "misspellings"):
        fields.extend((f"{field}[{i}]", n) for i, n in enumerate(getattr(ing, field)))
    for field, name in fields:
        key = name_key(name)
        if key:
            keys.setdefault(key, field)
    return keys


def _may_have_entry_points(paths: Sequence[str]) -> bool:
    """False only when no installed distribution can declare our entry-point group.

    ``importlib.metadata.entry_points`` parses every distribution's metadata (about
    15 ms here); reading the ``entry_points.txt`` files directly and looking for the
    group name takes about 1 ms. Any ``sys.path`` entry that is not a plain folder
    (a zip, an egg) means "maybe": the official scan then runs.
    """
    marker = f"[{ENTRY_POINT_GROUP}]"
    for entry in paths:
        folder = entry or "."
        if not os.path.isdir(folder):
            if os.path.exists(folder):
                return True
            continue
        try:
            names = os.listdir(folder)
        except OSError:
            return True
        for name in names:
            if name.endswith((".egg", ".egg-link")):
                return True
            if not (name.endswith((".dist-info", ".egg-info"))):
                continue
            path = os.path.join(folder, name, "entry_points.txt")
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    if marker in handle.read():
                        return True
            except FileNotFoundError:
                continue
            except OSError:
                return True
    return False


def _entry_points() -> Sequence[metadata.EntryPoint]:
    import sys

    if not _may_have_entry_points(sys.path):
        return ()
    from importlib import metadata

    return tuple(metadata.entry_points(group=ENTRY_POINT_GROUP))


class Catalog:
    """A set of ingredients with lookup, search and registration.

    ``Catalog()`` holds the shipped data plus the ``compoundkit.ingredients`` entry
    points, loaded on first use; the module-level functions of
    :mod:`compoundkit.ingredients` use one default instance. Pass ``shipped=False``
    or ``entry_points=False`` for an isolated catalog (tests, apps).

    >>> c = Catalog(entry_points=False)
    >>> c.get("Guaifenesen").id
    'guaifenesin'
    """

    def __init__(self, *, shipped: bool = True, entry_points: bool = True) -> None:
        self._shipped = shipped
        self._use_entry_points = entry_points
        self._lock = threading.RLock()
        self._base: _Index | None = None
        self._index: _Index | None = None
        self._user: list[tuple[tuple[Ingredient, ...], bool, str | None]] = []

    # ----------------------------------------------------------------- loading

    def _ensure(self) -> _Index:
        index = self._index
        if index is not None:
            return index
        with self._lock:
            if self._index is None:
                if self._base is None:
                    self._base = self._build_base()
                index = self._base
                for batch, override, file in self._user:
                    index = index.added(batch, override=override, file=file)
                self._index = index
            return self._index

    def _build_base(self) -> _Index:
        from compoundkit.ingredients._io import load_shipped

        index = _Index()
        if self._shipped:
            index = index.added(load_shipped(), override=False, file="shipped data")
        if self._use_entry_points:
            for ep in _entry_points():
                label = f"entry point {ep.name!r} ({ep.value})"
                batch = _from_entry_point(ep, label)
                index = index.added(batch, override=False, file=label)
        return index

    # ----------------------------------------------------------------- lookup

    def get(self, name: str) -> Ingredient:
        """The ingredient answering to ``name``: an id, name, synonym, trade name or known
        misspelling, in any case, with any spaces, hyphens or underscores.

        >>> Catalog(entry_points=False).get("MAGNESIUM_chloride").name
        'Magnesium chloride'
        """
        if not isinstance(name, str):
            raise TypeError(f"ingredient name must be a string, not {type(name).__name__}")
        index = self._ensure()
        key = name_key(name)
        ident = index.keys.get(key)
        if ident is not None:
            return index.entries[ident]
        confused = [
            ing.id
            for ing in index.entries.values()
            if key and any(name_key(c) == key for c in ing.confusable_names)
        ]
        if confused:
            raise ConfusableNameError(name, confused)
        raise UnknownIngredientError(name, self._suggest(index, key))

    @staticmethod
    def _suggest(index: _Index, key: str) -> tuple[str, ...]:
        if not key:
            return ()
        import difflib

        close = difflib.get_close_matches(key, list(index.keys), n=6, cutoff=0.6)
        ids: list[str] = []
        for match in close:
            ident = index.keys[match]
            if ident not in ids:
                ids.append(ident)
        return tuple(ids[:3])

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name_key(name) in self._ensure().keys

    def all(self) -> tuple[Ingredient, ...]:
        """Every ingredient, shipped first, then plugins and registrations in order."""
        return tuple(self._ensure().entries.values())

    def ids(self) -> tuple[str, ...]:
        """Every ingredient id, in catalog order."""
        return tuple(self._ensure().entries)

    def search(
        self,
        text: str | None = None,
        *,
        condition: str | None = None,
        drug_class: str | None = None,
        min_evidence: Evidence | str | None = None,
        include_claims: bool = True,
        route: str | None = None,
    ) -> tuple[Ingredient, ...]:
        """Ingredients matching every criterion given.

        ``condition`` matches a use (condition, keywords or summary), optionally only
        uses with at least ``min_evidence``, by ``route`` (one of
        :data:`~compoundkit.ingredients.ROUTES`: oral evidence never answers a topical
        search) and, with ``include_claims=False``, no promotional claims;
        ``drug_class`` matches the class or its terms; ``text`` matches either. With
        ``route``, an ingredient also needs a use by that route meeting ``min_evidence``.

        >>> c = Catalog(entry_points=False)
        >>> [i.id for i in c.search(condition="muscle spasm", min_evidence="limited")]
        ['cyclobenzaprine']
        >>> [i.id for i in c.search(condition="spasm", min_evidence="limited", route="topical")]
        []
        >>> [i.id for i in c.search(drug_class="nsaid")]
        ['ketoprofen']
        """
        on_route = None if route is None else _route(route)

        def uses(ing: Ingredient, text: str) -> bool:
            return bool(self._uses(ing, text, min_evidence, include_claims, on_route))

        return tuple(
            ing
            for ing in self.all()
            if (condition is None or uses(ing, condition))
            and (drug_class is None or _class_matches(ing, drug_class))
            and (text is None or _class_matches(ing, text) or uses(ing, text))
            and (on_route is None or uses(ing, ""))
        )

    def search_uses(
        self,
        condition: str,
        *,
        min_evidence: Evidence | str | None = None,
        include_claims: bool = True,
        route: str | None = None,
    ) -> tuple[tuple[Ingredient, Use], ...]:
        """``(ingredient, use)`` pairs whose use matches ``condition`` (and ``route``, when
        given), strongest evidence first.

        >>> c = Catalog(entry_points=False)
        >>> [(i.id, u.evidence.value) for i, u in c.search_uses("spasm")][:1]
        [('cyclobenzaprine', 'established')]
        >>> [(i.id, u.evidence.value) for i, u in c.search_uses("spasm", route="topical")][:2]
        [('guaifenesin', 'unsupported'), ('cyclobenzaprine', 'against')]
        """
        on_route = None if route is None else _route(route)
        pairs = [
            (ing, use)
            for ing in self.all()
            for use in self._uses(ing, condition, min_evidence, include_claims, on_route)
        ]
        return tuple(sorted(pairs, key=lambda pair: -pair[1].evidence.rank))

    @staticmethod
    def _uses(
        ing: Ingredient,
        text: str,
        min_evidence: Evidence | str | None,
        include_claims: bool,
        route: str | None = None,
    ) -> list[Use]:
        floor = None if min_evidence is None else Evidence(min_evidence)
        return [
            u
            for u in ing.uses
            if u.matches(text)
            and (floor is None or u.evidence >= floor)
            and (include_claims or not u.claim)
            and (route is None or u.on_route(route))
        ]

    # ----------------------------------------------------------------- registration

    def register(self, ingredient: Ingredient, *, override: bool = False) -> Ingredient:
        """Add ``ingredient``; a clash with an existing id or name raises
        :class:`~compoundkit.errors.CatalogError` unless ``override=True``."""
        self.register_many((ingredient,), override=override)
        return ingredient

    def register_many(
        self, ingredients: Iterable[Ingredient], *, override: bool = False, file: str | None = None
    ) -> tuple[Ingredient, ...]:
        """Add several ingredients at once: all of them, or (on any error) none."""
        batch = tuple(ingredients)
        with self._lock:
            index = self._ensure().added(batch, override=override, file=file)
            self._user.append((batch, override, file))
            self._index = index
        return batch

    def load_file(
        self, path: str | os.PathLike[str], *, override: bool = False
    ) -> tuple[Ingredient, ...]:
        """Read a catalog TOML file (same format as the shipped data) and register its
        ingredients, all or none."""
        from compoundkit.ingredients._io import load_path

        batch = load_path(path)
        return self.register_many(batch, override=override, file=os.fspath(path))

    def reset(self) -> None:
        """Forget user registrations and re-read plugins on next use (shipped data stays cached
        unless plugins are enabled)."""
        with self._lock:
            self._user.clear()
            self._index = None
            if self._use_entry_points:
                self._base = None


def _class_matches(ing: Ingredient, text: str) -> bool:
    needle = name_key(text)
    return bool(needle) and any(
        needle in name_key(term) for term in (ing.drug_class, *ing.class_terms)
    )


def _from_entry_point(ep: metadata.EntryPoint, label: str) -> tuple[Ingredient, ...]:
    """Resolve a plugin: an Ingredient, a path, or an iterable of them, or a callable
    returning any of these."""
    try:
        obj: Any = ep.load()
    except Exception as exc:  # a broken plugin is reported, never silently skipped
        raise refusal(f"cannot load: {type(exc).__name__}: {exc}", label) from exc
    if callable(obj) and not isinstance(obj, Ingredient):
        try:
            obj = obj()
        except CompoundkitError:
            raise
        except Exception as exc:
            raise refusal(f"calling it failed: {type(exc).__name__}: {exc}", label) from exc
    return _resolve_plugin_value(obj, label)


def _resolve_plugin_value(obj: object, label: str) -> tuple[Ingredient, ...]:
    from compoundkit.ingredients._io import from_toml, load_path

    if isinstance(obj, Ingredient):
        return (obj,)
    if isinstance(obj, str | os.PathLike):
        return load_path(obj)
    read_text: Callable[..., str] | None = getattr(obj, "read_text", None)
    if read_text is not None:  # an importlib.resources Traversable
        return from_toml(read_text(encoding="utf-8"), file=f"{label}: {obj}", origin=label)
    if isinstance(obj, Iterable):
        found: list[Ingredient] = []
        for item in obj:
            if isinstance(item, Iterable) and not isinstance(item, str | os.PathLike):
                raise refusal("nested iterables are not accepted", label)
            found.extend(_resolve_plugin_value(item, label))
        return tuple(found)
    raise refusal(
        f"gave {type(obj).__name__}; expected an Ingredient, a TOML file path, or an "
        "iterable of them (or a callable returning one of these)",
        label,
    )


def _route(route: str) -> str:
    """``route`` checked against :data:`ROUTES` (any case)."""
    key = name_key(route)
    if key not in ROUTES:
        raise CatalogError(f"unknown route {route!r}; allowed: {', '.join(ROUTES)}", field="route")
    return key
