"""Dependencies flow one way (units -> ingredients -> calc -> formulas -> records -> ...).

Every import counts, function-level ones too; only ``if TYPE_CHECKING:`` imports (for
annotations) are left out. ``compoundkit.calc.scale_formula`` is the one name calc
keeps for a higher layer, as a lazy alias that is no import statement.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "compoundkit"


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


def _imports_of(folder: str) -> dict[str, list[str]]:
    return {
        str(path.relative_to(PACKAGE)): _runtime_imports(ast.parse(path.read_text("utf-8")))
        for path in sorted((PACKAGE / folder).rglob("*.py"))
    }


@pytest.mark.parametrize(
    ("lower", "higher"),
    [("formulas", "compoundkit.records"), ("calc", "compoundkit.formulas")],
)
def test_a_layer_never_imports_a_higher_one(lower: str, higher: str) -> None:
    offending = {
        module: name
        for module, names in _imports_of(lower).items()
        for name in names
        if name == higher or name.startswith(f"{higher}.")
    }
    assert offending == {}


def test_the_probe_sees_function_level_imports_and_skips_type_checking_ones() -> None:
    assert "compoundkit.formulas.bud" in _imports_of("formulas")["formulas/model.py"]
    source = (
        "import os\nif TYPE_CHECKING:\n    import pint\nelse:\n    import json\n"
        "def f():\n    from x import y\n"
    )
    assert _runtime_imports(ast.parse(source)) == ["os", "json", "x", "x.y"]
