"""Dependencies flow one way: a module never imports a higher layer (README, architecture).

Every import counts, function-level ones too; only ``if TYPE_CHECKING:`` imports (for
annotations) are left out. ``compoundkit/__init__.py`` is the façade above every layer.
``compoundkit.calc.scale_formula`` is the one name calc keeps for a higher layer, as a
lazy alias that is no import statement.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "compoundkit"

#: The layers, bottom first; each module belongs to the first prefix it starts with.
LAYERS = (
    ("errors", "names", "notices", "_version", "_toml", "_json", "_files", "_text"),
    ("units", "documents"),
    ("ingredients",),
    ("calc",),
    ("formulas",),
    ("records",),
    ("devices",),
    ("cli", "demo", "__main__"),
)


def _runtime_imports(tree: ast.AST) -> list[str]:
    """Modules imported anywhere in ``tree`` (functions too), except under TYPE_CHECKING."""
    found: list[str] = []
    if isinstance(tree, ast.If) and "TYPE_CHECKING" in ast.unparse(tree.test):
        children: list[ast.AST] = list(tree.orelse)
    else:
        children = list(ast.iter_child_nodes(tree))
    if isinstance(tree, ast.Import):
        found += [alias.name for alias in tree.names]
    elif isinstance(tree, ast.ImportFrom) and tree.module:
        found += [tree.module] + [f"{tree.module}.{alias.name}" for alias in tree.names]
    for child in children:
        found += _runtime_imports(child)
    return found


def _layer(module: str) -> int | None:
    """The layer of ``compoundkit.x.y``; None for other modules and for the façade and its
    own names (``from compoundkit import __version__``)."""
    parts = module.split(".")
    if parts[0] != "compoundkit" or len(parts) < 2:
        return None
    return next((i for i, names in enumerate(LAYERS) if parts[1] in names), None)


def _modules() -> dict[str, list[str]]:
    """Every compoundkit module (dotted name) and what it imports at run time."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = _runtime_imports(ast.parse(path.read_text("utf-8")))
    return found


def test_no_module_imports_a_higher_layer() -> None:
    upward = {
        (module, name)
        for module, names in _modules().items()
        for name in names
        if (own := _layer(module)) is not None and (other := _layer(name)) is not None
        if other > own
    }
    assert upward == set()


def test_every_module_has_a_layer() -> None:
    assert [m for m in _modules() if _layer(m) is None] == ["compoundkit"]


def test_the_probe_sees_function_level_imports_and_skips_type_checking_ones() -> None:
    assert "compoundkit.formulas.bud" in _modules()["compoundkit.formulas.model"]
    source = (
        "import os\nif TYPE_CHECKING:\n    import pint\nelse:\n    import json\n"
        "def f():\n    from x import y\n"
    )
    assert _runtime_imports(ast.parse(source)) == ["os", "json", "x", "x.y"]


def test_subpackages_are_attributes_of_the_package_after_a_plain_import() -> None:
    import subprocess
    import sys

    code = (
        "import compoundkit\n"
        "print(compoundkit.ingredients.get('ketoprofen').id)\n"
        "print(callable(compoundkit.calc.alligation), callable(compoundkit.records.assign_bud))\n"
        "print(compoundkit.formulas.load_formula is compoundkit.load_formula)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["ketoprofen", "True", "True", "True"]


def test_calc_scale_formula_is_a_lazy_alias_of_the_formulas_function() -> None:
    import importlib

    calc = importlib.import_module("compoundkit.calc")
    formulas = importlib.import_module("compoundkit.formulas")
    assert calc.scale_formula is formulas.scale_formula


#: Classes that are not data-carrying model classes, and why; every other class that is not
#: an error, an enum or a protocol must be an attrs class (issue 17: attrs as it is meant).
NOT_MODELS = {
    "compoundkit.cli._LazyGroup": "a click command group",
    "compoundkit.cli.records._RecordGroup": "a click command group",
    "compoundkit.cli._common.WholeNumber": "a click parameter type",
    "compoundkit.devices.balance.Balance": "an open connection to a device",
    "compoundkit.devices.mtsics.MtSicsDriver": "a protocol driver over a transport",
    "compoundkit.devices.simulator.Session": "a simulator's client session",
    "compoundkit.devices.simulator.SimTransport": "an in-process transport",
    "compoundkit.devices.simulator.SimulatorServer": "a TCP server",
    "compoundkit.devices.simulator.PtySimulator": "a pseudo-terminal server",
    "compoundkit.devices.transport.SerialTransport": "a serial port",
    "compoundkit.devices.station.WeighSession": "a running bench session (state machine)",
    "compoundkit.documents._Table": "a cattrs structure hook",
    "compoundkit.formulas.batch._Weighed": "a mixin of properties",
    "compoundkit.formulas.batch.BatchOptions": "a TypedDict of keyword arguments",
    "compoundkit.formulas.model._Cache": "a per-object memo",
    "compoundkit.ingredients._catalog._Index": "a lookup index",
    "compoundkit.ingredients._catalog.Catalog": "a registry of ingredients",
    "compoundkit.ingredients._facts._FlagValue": "a descriptor",
    "compoundkit.ingredients._fields.Checked": "a base class of attrs classes",
    "compoundkit.records.log._chain.RecordLog": "an open log (a database connection)",
    "compoundkit.records.log._postgres.PostgresRecordLog": "an open log (a database connection)",
    "compoundkit.records.log._sqlite.SqliteRecordLog": "an open log (a database connection)",
    "compoundkit.records.log._postgres._PgTx": "a database transaction",
    "compoundkit.records.log._sqlite._SqliteTx": "a database transaction",
    "compoundkit.records.log._verify.Tx": "a database transaction",
    "compoundkit.records.log._verify.ChainCheck": "a streaming verifier's state",
    "compoundkit.records.log._model.BadText": "bytes that are not UTF-8",
    "compoundkit.records.log._model.StoredPayload": "a read-only mapping parsed on first use",
    "compoundkit.records.log._model.Row": "a database row (a NamedTuple, for speed)",
    "compoundkit.records.log._model.Draft": "a row before it is written (a NamedTuple)",
    "compoundkit.records.log._model.BadEntry": "a NamedTuple result, compared with tuples",
    "compoundkit.records.log._model.Checkpoint": "a NamedTuple result, compared with tuples",
    "compoundkit.records.mfr.MissingElement": "a NamedTuple result",
    "compoundkit.records.outline.Block": "a rendering outline node (a NamedTuple)",
    "compoundkit.records.outline.Section": "a rendering outline node (a NamedTuple)",
    "compoundkit.records.outline.Outline": "a rendering outline (a NamedTuple)",
    "compoundkit.units.grammar.Scanner": "a parser's cursor",
}


def test_every_model_class_is_an_attrs_class() -> None:
    import enum
    import inspect
    import pkgutil
    from typing import Protocol

    import attrs

    import compoundkit

    plain = []
    for info in pkgutil.walk_packages(compoundkit.__path__, "compoundkit."):
        if info.name.endswith(("__main__", ".station_app")):
            continue  # runs the CLI; textual widgets (not data)
        module = importlib.import_module(info.name)
        for name, cls in vars(module).items():
            if not inspect.isclass(cls) or cls.__module__ != module.__name__:
                continue
            if attrs.has(cls) or issubclass(cls, BaseException | enum.Enum):
                continue
            if Protocol in cls.__mro__:
                continue
            plain.append(f"{info.name}.{name}")
    assert sorted(set(plain) - set(NOT_MODELS)) == []
