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
    ingredient: str
    form: str | None = None
    description: str | None = None


@attrs.frozen
class _Document:
    items: tuple[_Entry, ...] = ()


@attrs.frozen
class StockItem:
    """One product: its 14-digit ``gtin``, catalog ``ingredient`` id and ``form`` id."""

    gtin: str
    ingredient: str
    form: str
    name: str
    description: str | None = None

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

    def confirm(
        self,
        label: Label,
        ingredient: str,
        form: str | None = None,
        *,
        on: datetime.date,
        use_by: datetime.date | None = None,
    ) -> StockItem:
        """The product of ``label`` once it is confirmed for a line of a batch sheet.

        The scan must name ``ingredient`` (and ``form``, when given) through the stock
        file, carry a lot and an expiry date, be unexpired ``on`` that day, and, when a
        beyond-use date ``use_by`` is given, not expire before it. Otherwise
        :class:`StockError`, :class:`WrongSubstanceError`, :class:`LabelError` or
        :class:`ExpiredLotError` says why.
        """
        from compoundkit import ingredients

        item = self.identify(label)
        wanted = ingredients.get(ingredient)
        wanted_form = wanted.form(form) if form is not None else None
        if item.ingredient != wanted.id or (
            wanted_form is not None and item.form != wanted_form.id
        ):
            expected = wanted_form.name if wanted_form is not None else wanted.name
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


def load_stock(path: str | os.PathLike[str]) -> StockFile:
    """Read a stock file (TOML); :class:`~compoundkit.errors.DocumentError` lists every problem."""
    name = os.fspath(path)
    from compoundkit._files import read_regular_file

    try:
        raw = read_regular_file(name, MAX_FILE_BYTES)  # a FIFO or device is refused at once
    except FileNotFoundError:
        raise DocumentError((Problem((), "no such file"),), file=name) from None
    except IsADirectoryError:
        raise DocumentError((Problem((), "is a folder, not a stock file"),), file=name) from None
    except OSError as exc:
        raise DocumentError((Problem((), f"cannot be read: {exc.strerror}"),), file=name) from None
    if len(raw) > MAX_FILE_BYTES:
        raise DocumentError((Problem((), "is too large for a stock file"),), file=name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            (Problem((), f"is not UTF-8 text (byte {exc.start} is 0x{raw[exc.start]:02x})"),),
            file=name,
        ) from None
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
    )
