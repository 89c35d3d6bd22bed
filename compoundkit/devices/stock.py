"""The pharmacy's stock file: which catalog ingredient and form each GTIN is.

A container's GS1 code names a product (its GTIN), not a substance. The stock file,
kept by the pharmacy, says what each product is, so a scan confirms that the right
substance is on the bench:

.. code-block:: toml

    [[items]]
    gtin = "09501101530003"          # GTIN-8, -12, -13 or -14 (check digit verified)
    ingredient = "ketoprofen"        # a catalog ingredient (id or name)
    form = "free-acid"               # one of its forms (default: its default form)
    description = "Ketoprofen USP powder, 100 g"   # optional
    vendor = "Acme Fine Chemicals"   # optional: the lot's vendor, for the record

    [[items]]
    gtin = "09501101530058"
    vehicle = "lipoderm-activemax"   # a catalog vehicle (id or name), for the q.s. line

    [[items]]
    gtin = "09501101530065"
    excipient = "Zinc oxide"         # an excipient, by the name formulas give it

The file is read by the package's one structuring layer (every problem reported at
once as ``file:line: field.path: message``); GTINs are checked with biip, so this
needs the ``station`` extra.

>>> stock = loads_stock('''
... [[items]]
... gtin = "09501101530003"
... ingredient = "ketoprofen"
... ''')
>>> from compoundkit.devices import parse_label
>>> label = parse_label("(01)09501101530003(17)271231(10)K-7")
>>> item = stock.confirm(label, "ketoprofen", on=datetime.date(2027, 1, 5))
>>> str(item)
'Ketoprofen (free acid) (GTIN 09501101530003)'
>>> stock.confirm(label, "guaifenesin", on=datetime.date(2027, 1, 5))
Traceback (most recent call last):
...
compoundkit.devices.errors.WrongSubstanceError: wrong container: GTIN 09501101530003 is
Ketoprofen (free acid), not Guaifenesin
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator

import attrs

from compoundkit.devices._extras import require
from compoundkit.devices.errors import ExpiredLotError, LabelError, StockError, WrongSubstanceError
from compoundkit.devices.labels import Label
from compoundkit.errors import CompoundkitError, DocumentError, Problem

__all__ = ["StockFile", "StockItem", "load_stock", "loads_stock"]

#: A stock file larger than this is refused (it lists products, a few KB).
MAX_FILE_BYTES = 5_000_000


@attrs.frozen
class _Entry:
    gtin: str
    ingredient: str | None = None
    form: str | None = None
    vehicle: str | None = None
    excipient: str | None = None
    description: str | None = None
    vendor: str | None = None


@attrs.frozen
class _Document:
    items: tuple[_Entry, ...] = ()


#: What a stock item can be: a catalog ingredient, a catalog vehicle or an excipient.
KINDS = ("ingredient", "vehicle", "excipient")


@attrs.frozen
class StockItem:
    """One product: its 14-digit ``gtin``, catalog ``ingredient`` id and ``form`` id.

    For a vehicle (``kind == "vehicle"``) ``ingredient`` is the catalog vehicle's id, for
    an excipient its name; ``form`` is then empty.
    """

    gtin: str
    ingredient: str
    form: str
    name: str
    description: str | None = None
    kind: str = "ingredient"
    vendor: str | None = None

    def __str__(self) -> str:
        return f"{self.name} (GTIN {self.gtin})"


@attrs.frozen
class StockFile:
    """The products of a stock file, by GTIN; ``source`` is the file it came from."""

    items: tuple[StockItem, ...]
    source: str | None = None

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[StockItem]:
        return iter(self.items)

    def identify(self, label: Label) -> StockItem:
        """The product a scanned label names, or :class:`StockError` for an unknown GTIN."""
        for item in self.items:
            if item.gtin == label.gtin:
                return item
        where = f" {self.source}" if self.source else ""
        raise StockError(
            f"GTIN {label.gtin} is not in the stock file{where}: add it, with its catalog "
            "ingredient and form, before using this container"
        )

    def products(
        self, name: str, form: str | None = None, kind: str = "ingredient"
    ) -> tuple[StockItem, ...]:
        """The products that are what a line of ``kind`` named ``name`` (and ``form``) asks for."""
        return tuple(item for item in self.items if _matches(item, name, form, kind))

    def confirm(
        self,
        label: Label,
        ingredient: str,
        form: str | None = None,
        *,
        on: datetime.date,
        use_by: datetime.date | None = None,
        kind: str = "ingredient",
    ) -> StockItem:
        """The product of ``label`` once it is confirmed for a line of a batch sheet.

        The scan must name ``ingredient`` (and ``form``, when given) through the stock
        file, carry a lot and an expiry date, be unexpired ``on`` that day, and, when a
        beyond-use date ``use_by`` is given, not expire before it. Otherwise
        :class:`StockError`, :class:`WrongSubstanceError`, :class:`LabelError` or
        :class:`ExpiredLotError` says why. ``kind`` is the line's: ``"ingredient"`` (an
        active), ``"vehicle"`` (``ingredient`` is then the vehicle's name or id) or
        ``"excipient"`` (its name).
        """
        item = self.identify(label)
        expected = _expected(ingredient, form, kind)
        if not _matches(item, ingredient, form, kind):
            raise WrongSubstanceError(
                f"wrong container: GTIN {item.gtin} is {item.name}, not {expected}"
            )
        if label.lot is None:
            raise LabelError(f"the scan of {item} has no lot (AI 10); the record needs it")
        if label.expiry is None:
            raise LabelError(f"the scan of {item} has no expiry date (AI 17); the record needs it")
        if label.expired(on):
            raise ExpiredLotError(
                f"lot {label.lot} of {item.name} expired on {label.expiry.isoformat()}"
            )
        if use_by is not None and label.expiry < use_by:
            raise ExpiredLotError(
                f"lot {label.lot} of {item.name} expires on {label.expiry.isoformat()}, "
                f"before the preparation's beyond-use date {use_by.isoformat()}"
            )
        return item


def _expected(name: str, form: str | None, kind: str) -> str:
    """What a line asks for, as a person reads it."""
    if kind == "ingredient":
        from compoundkit import ingredients

        wanted = ingredients.get(name)
        return wanted.form(form).name if form is not None else wanted.name
    return name


def _matches(item: StockItem, name: str, form: str | None, kind: str) -> bool:
    """True when ``item`` is what a line of ``kind`` named ``name`` (and ``form``) asks for."""
    from compoundkit.names import name_key

    if kind not in KINDS:
        raise StockError(f"a line's kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if item.kind != kind:
        return False
    if kind == "ingredient":
        from compoundkit import ingredients

        wanted = ingredients.get(name)
        return item.ingredient == wanted.id and (form is None or item.form == wanted.form(form).id)
    if kind == "vehicle":
        from compoundkit.formulas import get_vehicle

        try:
            vehicle_id = get_vehicle(name).id
        except CompoundkitError:  # an inline vehicle: compared by name
            vehicle_id = None
        if vehicle_id is not None:
            return item.ingredient == vehicle_id
    return name_key(item.name) == name_key(name)


def load_stock(path: str | os.PathLike[str]) -> StockFile:
    """Read a stock file (TOML); :class:`~compoundkit.errors.DocumentError` lists every problem."""
    name = os.fspath(path)
    from compoundkit._files import UnreadableFileError, read_text

    try:
        text = read_text(name, MAX_FILE_BYTES, what="stock file")
    except UnreadableFileError as exc:
        raise DocumentError((Problem((), exc.reason),), file=name) from None
    return loads_stock(text, source=name)


def loads_stock(text: str, *, source: str | None = None) -> StockFile:
    """A :class:`StockFile` from stock-file TOML text."""
    from compoundkit._toml import TomlTextError
    from compoundkit._toml import parse as parse_toml
    from compoundkit.documents import locate, structure

    try:
        data = parse_toml(text)
    except TomlTextError as exc:
        raise DocumentError((Problem((), str(exc), exc.line),), file=source) from None
    document = structure(data, _Document, source=source, text=text)
    items: list[StockItem] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(document.items):
        try:
            item = _item(entry)
        except _EntryProblem as exc:
            path = ("items", index, exc.field)
            problems.append(Problem(path, exc.message, locate(text, path)))
            continue
        if item.gtin in seen:
            path = ("items", index, "gtin")
            message = f"GTIN {item.gtin} is already listed as items[{seen[item.gtin]}]"
            problems.append(Problem(path, message, locate(text, path)))
            continue
        seen[item.gtin] = index
        items.append(item)
    if problems:
        raise DocumentError(problems, file=source)
    return StockFile(tuple(items), source)


class _EntryProblem(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _item(entry: _Entry) -> StockItem:
    from compoundkit import ingredients

    biip = require("biip", "reading a stock file (GTIN check digits)")
    from biip.gtin import Gtin

    try:
        gtin = Gtin.parse(entry.gtin.strip()).as_gtin_14()
    except biip.ParseError as exc:
        raise _EntryProblem("gtin", str(exc)) from None
    given = [k for k in KINDS if getattr(entry, k) is not None]
    if len(given) != 1:
        field = given[1] if given else "ingredient"
        raise _EntryProblem(
            field, "give exactly one of ingredient, vehicle or excipient: what the product is"
        )
    if entry.form is not None and given[0] != "ingredient":
        raise _EntryProblem("form", f"a {given[0]} has no form; give form with an ingredient")
    vendor = entry.vendor.strip() if entry.vendor and entry.vendor.strip() else None
    if given[0] == "vehicle":
        from compoundkit.formulas import get_vehicle

        assert entry.vehicle is not None
        try:
            vehicle = get_vehicle(entry.vehicle)
        except CompoundkitError as exc:
            raise _EntryProblem("vehicle", str(exc)) from None
        key = vehicle.id or vehicle.name
        return StockItem(gtin, key, "", vehicle.name, entry.description, "vehicle", vendor)
    if given[0] == "excipient":
        assert entry.excipient is not None
        name = entry.excipient.strip()
        if not name or not name.isprintable():
            raise _EntryProblem("excipient", "must be the excipient's name, as the formula has it")
        return StockItem(gtin, name, "", name, entry.description, "excipient", vendor)
    assert entry.ingredient is not None
    try:
        ingredient = ingredients.get(entry.ingredient)
    except CompoundkitError as exc:
        raise _EntryProblem("ingredient", str(exc)) from None
    try:
        form = ingredient.form(entry.form)
    except CompoundkitError:
        allowed = ", ".join(f.id for f in ingredient.forms)
        raise _EntryProblem(
            "form", f"{ingredient.name} has no form {entry.form!r}; allowed: {allowed}"
        ) from None
    return StockItem(
        gtin=gtin,
        ingredient=ingredient.id,
        form=form.id,
        name=form.name,
        description=entry.description,
        vendor=vendor,
    )
