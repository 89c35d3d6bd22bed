"""Notebook helpers: an HTML view of a formulation and pandas DataFrames.

pandas is optional (``pip install compoundkit[pandas]``); it is imported only when a
DataFrame is asked for, and a missing pandas raises
:class:`~compoundkit.errors.MissingDependencyError` naming the extra to install.

Columns holding amounts end in their unit (``weigh_g`` is grams, ``mw_g_per_mol`` is
g/mol); the figures are the unrounded floats of the sheet, and ``rounded_g`` is what
the balance shows.

>>> from compoundkit.formulas.notebook import formulation_html
>>> from compoundkit.formulas.io import loads_toml
>>> f = loads_toml('''
... name = "Ketoprofen 10 % cream"
... dosage_form = "cream"
... vehicle = "lipoderm-activemax"
... [[ingredients]]
... name = "ketoprofen"
... strength = "10 % w/w"
... ''')
>>> formulation_html(f).startswith("<div class='compoundkit-formulation'>")
True
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from importlib import import_module
from typing import TYPE_CHECKING, Any

from compoundkit.errors import MissingDependencyError

if TYPE_CHECKING:
    from compoundkit.formulas.batch import BatchSheet
    from compoundkit.formulas.model import Formulation
    from compoundkit.ingredients import Ingredient

__all__ = [
    "CATALOG_COLUMNS",
    "SHEET_COLUMNS",
    "MissingDependencyError",
    "catalog_dataframe",
    "formulation_html",
    "sheet_dataframe",
]

#: The columns of :func:`sheet_dataframe`, in order.
SHEET_COLUMNS = (
    "name",
    "kind",
    "form",
    "expressed_as",
    "strength",
    "moiety_g",
    "factor",
    "potency",
    "weigh_g",
    "rounded_g",
    "below_minimum",
)

#: The columns of :func:`catalog_dataframe`, in order.
CATALOG_COLUMNS = (
    "id",
    "name",
    "drug_class",
    "weighed_form",
    "formula",
    "mw_g_per_mol",
    "typical_strength",
    "best_use",
    "best_evidence",
    "light_sensitive",
    "origin",
)


def _pandas() -> Any:
    """The pandas module, or a clear error naming the extra that installs it."""
    try:
        return import_module("pandas")
    except ImportError as exc:
        raise MissingDependencyError(
            "this needs pandas, which is not installed: pip install 'compoundkit[pandas]'",
            name="pandas",
        ) from exc


# --------------------------------------------------------------------------- HTML


def _row(label: str, value: object) -> str:
    return f"<tr><th style='text-align:left'>{escape(label)}</th><td>{escape(str(value))}</td></tr>"


def _cells(*values: object) -> str:
    return "<tr>" + "".join(f"<td>{escape(str(value))}</td>" for value in values) + "</tr>"


def formulation_html(formulation: Formulation) -> str:
    """An HTML card of ``formulation`` for notebooks (``Formulation._repr_html_``).

    Shows the dosage form, route, vehicle (and whether it holds water and is
    preserved, which decide the BUD class), each ingredient with the form weighed
    and what its strength is expressed as, the excipients, container and storage.
    Every text is HTML-escaped.
    """
    f = formulation
    vehicle = f.vehicle
    water = "aqueous" if vehicle.aqueous else "nonaqueous"
    preserved = {True: "preserved", False: "nonpreserved", None: "preservation unknown"}
    head = [
        _row("dosage form", f"{f.dosage_form} ({f.route})"),
        _row("vehicle", f"{vehicle.name}: {water}, {preserved[vehicle.preserved]}"),
    ]
    if f.makes is not None:
        head.append(_row("reference batch", f.makes))
    if f.density_g_per_ml is not None:
        head.append(_row("density", f"{f.density_g_per_ml:g} g/mL"))
    for label, value in (
        ("indication", f.indication),
        ("container", f.container),
        ("storage", f.storage),
    ):
        if value:
            head.append(_row(label, value))

    body = [
        _cells(c.name, c.weighed_form().id, c.strength or c.amount, c.expressed_form().id)
        for c in f.ingredients
    ]
    body += [_cells(e.name, "excipient", e.strength or e.amount, "") for e in f.excipients]
    body.append(_cells(vehicle.name, "vehicle", "q.s.", ""))
    columns = "<tr><th>ingredient</th><th>form weighed</th><th>strength</th><th>as</th></tr>"
    return (
        "<div class='compoundkit-formulation'>"
        f"<h4>{escape(f.name)}</h4>"
        f"<table>{''.join(head)}</table>"
        f"<table>{columns}{''.join(body)}</table>"
        "</div>"
    )


# --------------------------------------------------------------------------- DataFrames


def sheet_rows(sheet: BatchSheet) -> list[dict[str, Any]]:
    """One plain dict per line of ``sheet`` and one for the vehicle (the DataFrame rows)."""
    rows = [
        {
            **{column: getattr(line, column) for column in SHEET_COLUMNS},
            "strength": line.reference_amount if line.strength is None else str(line.strength),
        }
        for line in sheet.lines
    ]
    rows.append(
        {
            "name": sheet.vehicle.name,
            "kind": "vehicle",
            "form": None,
            "expressed_as": None,
            "strength": "q.s.",
            "moiety_g": sheet.vehicle.weigh_g,
            "factor": 1.0,
            "potency": 1.0,
            "weigh_g": sheet.vehicle.weigh_g,
            "rounded_g": sheet.vehicle.rounded_g,
            "below_minimum": False,
        }
    )
    return rows


def sheet_dataframe(sheet: BatchSheet) -> Any:
    """The batch sheet as a pandas DataFrame (``BatchSheet.to_dataframe()``).

    One row per weighed line, then the vehicle (``kind == "vehicle"``); columns are
    :data:`SHEET_COLUMNS`. ``weigh_g`` sums to the batch made (``sheet.total``).
    Needs the ``pandas`` extra.
    """
    pd = _pandas()
    return pd.DataFrame(sheet_rows(sheet), columns=list(SHEET_COLUMNS))


def catalog_rows(items: Iterable[Ingredient] | None = None) -> list[dict[str, Any]]:
    """One plain dict per ingredient (the rows of :func:`catalog_dataframe`)."""
    if items is None:
        from compoundkit import ingredients

        items = ingredients.all()
    rows: list[dict[str, Any]] = []
    for ing in items:
        weighed = ing.form()
        best = max(
            (use for use in ing.uses if not use.claim),
            key=lambda use: use.evidence.rank,
            default=None,
        )
        rows.append(
            {
                "id": ing.id,
                "name": ing.name,
                "drug_class": ing.drug_class,
                "weighed_form": weighed.id,
                "formula": weighed.formula,
                "mw_g_per_mol": weighed.computed_molecular_weight,
                "typical_strength": (
                    None if ing.typical_strength is None else str(ing.typical_strength)
                ),
                "best_use": None if best is None else best.condition,
                "best_evidence": None if best is None else best.evidence.value,
                "light_sensitive": ing.physicochemical.light_sensitive,
                "origin": ing.origin,
            }
        )
    return rows


def catalog_dataframe(items: Iterable[Ingredient] | None = None) -> Any:
    """The ingredient catalog (or ``items``) as a pandas DataFrame indexed by ``id``.

    Columns are :data:`CATALOG_COLUMNS` (``id`` becomes the index); ``best_use`` is
    the best-supported use that is not a mere claim. Needs the ``pandas`` extra.
    """
    pd = _pandas()
    frame = pd.DataFrame(catalog_rows(items), columns=list(CATALOG_COLUMNS))
    return frame.set_index("id")
