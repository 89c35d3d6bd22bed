"""The built wheel ships and loads the catalog data and the JSON Schema.

The wheel is built from a copy of the source tree (so the shared work tree is not
touched), installed with ``--no-deps`` into a fresh venv whose dependencies come from
the current environment through a ``.pth`` line (nothing is downloaded), and then
imported from a directory outside the source tree.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import json, sys
import compoundkit, compoundkit.ingredients as ing
from importlib import resources
items = ing.all()
schema = resources.files("compoundkit.ingredients").joinpath("catalog.schema.json")
print(json.dumps({
    "file": compoundkit.__file__,
    "ids": [i.id for i in items],
    "schema": schema.is_file() and ing.schema()["title"],
    "factor": round(ing.get("cyclobenzaprine").factor("HCl", "base"), 4),
}))
"""


def test_wheel_ships_catalog_data(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, src / name)
    shutil.copytree(
        ROOT / "compoundkit",
        src / "compoundkit",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(dist),
            str(src),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("compoundkit-*.whl")

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # dependencies (attrs, pint, molmass...) from the running environment; a plain path
    # line does not run that directory's .pth files, so no editable install leaks in
    (Path(site) / "zz_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    run = subprocess.run(
        [str(python), "-c", CHECK], check=True, capture_output=True, text=True, cwd=tmp_path
    )
    result = json.loads(run.stdout)
    assert Path(result["file"]).is_relative_to(env_dir), result["file"]
    assert result["ids"] == ["ketoprofen", "cyclobenzaprine", "guaifenesin", "magnesium-chloride"]
    assert result["schema"] == "compoundkit ingredient catalog"
    assert result["factor"] == 0.8831


def test_no_shipped_file_points_outside_the_repository() -> None:
    """Citations and comments in shipped data name public sources or the project's docs."""
    from pathlib import Path

    import compoundkit

    root = Path(compoundkit.__file__).parent
    for path in [*root.rglob("*.toml"), *root.rglob("*.md"), *root.rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert "shared/domain" not in text, path
        assert "domain notes" not in text, path
