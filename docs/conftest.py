"""Every code block in the docs is tested, so none can rot.

pytest collects each page under ``content/`` twice:

- as a doctest file (``--doctest-glob=*.md`` in pyproject.toml): every ``>>>`` line runs;
- by this plugin, one test per fenced block:
  - ``console``: each ``$ compoundkit ...`` line is run (as ``python -m compoundkit``)
    and its output (stdout then stderr) compared with the lines below it, as doctest
    compares output (``...`` matches anything, whitespace is normalised);
  - ``toml``: the text must parse; with ``title="path"`` it must also appear verbatim in
    that file of the repository (so a shown example file cannot drift from the real one);
  - ``python``: must be written as ``>>>`` examples (the doctest run checks them);
  - ``text``: output or formulas shown as such, not run.
  Any other language fails, so a new kind of example cannot slip in untested.

Every test runs in a fresh temporary folder holding a copy of ``examples/`` and of the
TOML files beside the pages, so pages can use ``examples/...`` paths and write files
(record logs) without touching the tree.
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
collect_ignore = ["_build", "griffe_doctests.py"]

_FENCE = re.compile(r"^```(?P<lang>[\w-]*)(?P<info>[^\n]*)$")
_TITLE = re.compile(r'title="(?P<title>[^"]+)"')
_CHECKER = doctest.OutputChecker()
_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
_LANGUAGES = ("console", "toml", "python", "text")


def _in_example_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    for extra in (ROOT / "docs" / "content").rglob("*.toml"):  # files a page shows
        shutil.copy(extra, tmp_path / extra.name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(autouse=True)
def _docs_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Doctests and block tests start in a temporary folder with ``examples/``."""
    from compoundkit import ingredients

    _in_example_folder(tmp_path, monkeypatch)
    yield
    ingredients.reset()  # a page that registers an ingredient leaves no trace


def _blocks(text: str) -> Iterator[tuple[int, str, str, str]]:
    """(line number, language, info string, body) of every fenced block."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        start = i
        i += 1
        body = []
        while i < len(lines) and lines[i] != "```":
            body.append(lines[i])
            i += 1
        yield start + 1, match["lang"], match["info"], "\n".join(body) + "\n"
        i += 1


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".md" and "_build" not in file_path.parts:
        return MarkdownBlocks.from_parent(parent, path=file_path, name=f"{file_path.name}[blocks]")
    return None


class MarkdownBlocks(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        text = self.path.read_text(encoding="utf-8")
        for line, lang, info, body in _blocks(text):
            yield BlockItem.from_parent(
                self, name=f"{lang or 'plain'}-L{line}", lang=lang, info=info, body=body
            )


class BlockFailure(Exception):
    """A docs block did not do what the page says."""


class BlockItem(pytest.Item):
    def __init__(self, *, lang: str, info: str, body: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lang, self.info, self.body = lang, info, body

    def runtest(self) -> None:
        tmp = Path(self.config._tmp_path_factory.mktemp("docs"))  # type: ignore[attr-defined]
        with pytest.MonkeyPatch.context() as monkeypatch:
            _in_example_folder(tmp, monkeypatch)
            if self.lang not in _LANGUAGES:
                raise BlockFailure(
                    f"a ```{self.lang or ''} block: use one of {', '.join(_LANGUAGES)} "
                    "so the docs tests know how to check it"
                )
            getattr(self, f"_check_{self.lang}")(tmp)

    def _check_text(self, tmp: Path) -> None:
        pass

    def _check_python(self, tmp: Path) -> None:
        if ">>>" not in self.body:
            raise BlockFailure("a python block must be written as >>> examples (doctest)")

    def _check_toml(self, tmp: Path) -> None:
        try:
            tomllib.loads(self.body)
        except tomllib.TOMLDecodeError as exc:
            raise BlockFailure(f"the TOML does not parse: {exc}") from None
        title = _TITLE.search(self.info)
        if title is not None:
            source = ROOT / title["title"]
            if self.body not in source.read_text(encoding="utf-8"):
                raise BlockFailure(f"the block is not a verbatim part of {title['title']}")

    def _check_console(self, tmp: Path) -> None:
        commands: list[tuple[str, list[str]]] = []
        for line in self.body.splitlines():
            if line.startswith("$ "):
                commands.append((line[2:], []))
            elif not commands:
                raise BlockFailure(f"console output before any '$ ' command: {line!r}")
            else:
                commands[-1][1].append(line)
        env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
        env.pop("FORCE_COLOR", None)
        for command, expected_lines in commands:
            argv = shlex.split(command)
            if argv[0] != "compoundkit":
                raise BlockFailure(f"only compoundkit commands are run, not {argv[0]!r}")
            done = subprocess.run(
                [sys.executable, "-m", "compoundkit", *argv[1:]],
                capture_output=True,
                text=True,
                env=env,
                cwd=tmp,
                timeout=120,
                check=False,
            )
            got = done.stdout + done.stderr
            want = "\n".join(expected_lines).strip("\n") + "\n"
            if "Traceback" in got or not _CHECKER.check_output(want, got, _FLAGS):
                raise BlockFailure(
                    f"$ {command}\n(exit {done.returncode})\n--- expected ---\n{want}"
                    f"--- got ---\n{got}"
                )

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, BlockFailure):
            return f"{self.path.name} line {self.name.rsplit('L', 1)[-1]}: {excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, int(self.name.rsplit("L", 1)[-1]) - 1, f"[{self.lang}] {self.name}"
