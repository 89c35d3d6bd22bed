"""Dependencies flow one way: a module never imports a higher layer (README, architecture).

Every import counts, function-level ones too; only ``if TYPE_CHECKING:`` imports (for
annotations) are left out. ``compoundkit/__init__.py`` is the façade above every layer.
``compoundkit.calc.scale_formula`` is the one name calc keeps for a higher layer, as a
lazy alias that is no import statement.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "compoundkit"

#: The layers, bottom first; each module belongs to the first prefix it starts with.
LAYERS = (
    ("errors", "names", "notices", "_version", "_toml", "_files", "_text"),
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
