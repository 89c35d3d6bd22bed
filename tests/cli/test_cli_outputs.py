"""Issue 18 as a new user and an attacker tried it: safe output files, a terminal that
fits, quiet pipes, messages in the form typed, and ``compoundkit vehicles``.

Each test starts from what was tried (the issue's list) and asserts what a user relies on:
the file left byte for byte unchanged, the error naming the option, every id and figure
whole at 80 columns.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from compoundkit import ingredients
from compoundkit.cli import main
from compoundkit.formulas import load_formula
from compoundkit.records import RecordLog

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
CR = [
    "--size", "120g", "--by", "A. Chen", "--verified-by", "B. Diaz", "--date", "2026-03-02",
    "--draft",
]  # fmt: skip


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert "Traceback" not in result.output
    return result


def real(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m compoundkit`` (the real entry point: pipes, the terminal width)."""
    return subprocess.run(
        [sys.executable, "-m", "compoundkit", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        timeout=60,
        check=False,
    )


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working folder, holding a copy of the cream formula as ``cream.toml``."""
    shutil.copy(EXAMPLES / "muscle-spasm-cream.toml", tmp_path / "cream.toml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def two_entry_log(work: Path) -> Path:
    """``records.db``: a record log with two compounding records."""
    for rx in ("RX-1", "RX-2"):
        done = invoke("record", "cr", "cream.toml", *CR, "--id", rx, "--log", "records.db")
        assert done.exit_code == 0, done.stderr
    with RecordLog(work / "records.db", readonly=True) as log:
        assert len(log.find()) == 2
    return work / "records.db"


def _refused(result: Result, fragment: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("compoundkit: error: "), result.stderr
    assert fragment in result.stderr


# --------------------------------------------------------------------------- -o


@pytest.mark.parametrize("force", [[], ["--force"]], ids=["plain", "force"])
def test_mfr_output_never_replaces_a_record_log(two_entry_log: Path, force: list[str]) -> None:
    """Tried: ``record mfr ... -o records.db`` replaced a two-entry log with HTML (exit 0)."""
    before = two_entry_log.read_bytes()
    result = invoke("record", "mfr", "cream.toml", "-o", "records.db", "--format", "html", *force)
    _refused(result, "output file 'records.db' is a record log (a SQLite database)")
    assert two_entry_log.read_bytes() == before


def test_cr_output_is_never_its_own_log(work: Path) -> None:
    """Tried: ``record cr --log x.db -o x.db`` logged the record, then destroyed the log."""
    result = invoke("record", "cr", "cream.toml", *CR, "--log", "x.db", "-o", "x.db",
                    "--format", "html")  # fmt: skip
    _refused(result, "output file 'x.db' is the record log (--log) this command reads")
    assert not (work / "x.db").exists(), "refused before anything was logged"


def test_cr_output_is_never_an_existing_log_it_appends_to(two_entry_log: Path) -> None:
    before = two_entry_log.read_bytes()
    result = invoke("record", "cr", "cream.toml", *CR, "--id", "RX-3", "--log", "records.db",
                    "-o", "./records.db", "--format", "md", "--force")  # fmt: skip
    _refused(result, "is the record log (--log) this command reads")
    assert two_entry_log.read_bytes() == before


@pytest.mark.parametrize("force", [[], ["--force"]], ids=["plain", "force"])
def test_output_never_replaces_the_formula_it_reads(work: Path, force: list[str]) -> None:
    """Tried: ``-o cream.toml`` overwrote the input formula."""
    before = (work / "cream.toml").read_bytes()
    result = invoke("record", "mfr", "cream.toml", "-o", "cream.toml", *force)
    _refused(result, "output file 'cream.toml' is the FORMULA this command reads")
    assert (work / "cream.toml").read_bytes() == before


def test_a_link_to_the_formula_is_the_formula(work: Path) -> None:
    os.symlink(work / "cream.toml", work / "alias.toml")
    os.link(work / "cream.toml", work / "hard.toml")
    before = (work / "cream.toml").read_bytes()
    for target in ("alias.toml", "hard.toml"):
        result = invoke("record", "mfr", "cream.toml", "-o", target, "--force")
        _refused(result, "is the FORMULA this command reads")
    assert (work / "cream.toml").read_bytes() == before


def test_output_never_replaces_a_catalog_given_with_catalog(work: Path) -> None:
    catalog = work / "house.toml"
    shutil.copy(REPO / "docs" / "content" / "how-to" / "house-catalog.toml", catalog)
    before = catalog.read_bytes()
    try:
        result = invoke("--catalog", "house.toml", "record", "mfr", "cream.toml", "-o",
                        "house.toml", "--force")  # fmt: skip
    finally:
        ingredients.reset()
    _refused(result, "is the catalog (--catalog) this command reads")
    assert catalog.read_bytes() == before


def test_an_existing_file_is_replaced_only_with_force(work: Path) -> None:
    (work / "mfr.md").write_text("keep me\n", encoding="utf-8")
    _refused(invoke("record", "mfr", "cream.toml", "-o", "mfr.md"),
             "output file 'mfr.md' already exists; give --force to replace it")  # fmt: skip
    assert (work / "mfr.md").read_text(encoding="utf-8") == "keep me\n"
    result = invoke("record", "mfr", "cream.toml", "-o", "mfr.md", "--force")
    assert result.exit_code == 0, result.stderr
    assert (work / "mfr.md").read_text(encoding="utf-8").startswith("# Master formulation")
    assert sorted(p.name for p in work.iterdir()) == ["cream.toml", "mfr.md"], "no temp file"


def test_cr_output_refused_before_the_record_is_logged(two_entry_log: Path) -> None:
    (two_entry_log.parent / "rx3.md").write_text("an earlier worksheet\n", encoding="utf-8")
    result = invoke("record", "cr", "cream.toml", *CR, "--id", "RX-3", "--log", "records.db",
                    "-o", "rx3.md")  # fmt: skip
    _refused(result, "already exists")
    with RecordLog(two_entry_log, readonly=True) as log:
        assert len(log.find()) == 2, "nothing logged when the output is refused"


def test_a_full_disk_says_so_and_leaves_nothing(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compoundkit import _files

    def full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_files.os, "fsync", full)
    result = invoke("record", "mfr", "cream.toml", "-o", "mfr.html")
    _refused(result, "mfr.html: the disk is full (no space left on device); nothing was written")
    assert sorted(p.name for p in work.iterdir()) == ["cream.toml"]


# --------------------------------------------------------------------------- FIFOs


@pytest.fixture
def fifo(work: Path) -> Iterator[Path]:
    """A named pipe nobody writes to: reading it would wait forever."""
    path = work / "pipe.toml"
    os.mkfifo(path)

    def hung(*args: object) -> None:
        raise AssertionError("blocked on the FIFO")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(10)  # a hang fails the test instead of the whole run
    try:
        yield path
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize(
    "args",
    [
        ["check", "{fifo}"],
        ["batch", "{fifo}", "--size", "120g"],
        ["bud", "{fifo}"],
        ["--catalog", "{fifo}", "ingredients"],
        ["record", "mfr", "{fifo}"],
    ],
    ids=["check", "batch", "bud", "catalog", "record-mfr"],
)
def test_a_fifo_is_refused_at_once(fifo: Path, args: list[str]) -> None:
    """Tried: a FIFO given as a formula or catalog blocked forever."""
    start = time.perf_counter()
    try:
        result = invoke(*(arg.replace("{fifo}", str(fifo)) for arg in args))
    finally:
        ingredients.reset()
    assert time.perf_counter() - start < 1.0
    _refused(result, "is a named pipe (FIFO), not a regular file")


def test_a_saved_record_that_is_a_fifo_is_refused_at_once(fifo: Path) -> None:
    from compoundkit.errors import RecordError
    from compoundkit.records.serialize import load_record

    json_fifo = fifo.with_suffix(".json")
    fifo.rename(json_fifo)
    start = time.perf_counter()
    with pytest.raises(RecordError, match="is a named pipe"):
        load_record(json_fifo)
    assert time.perf_counter() - start < 1.0


# --------------------------------------------------------------------------- 80 columns


def _narrow(*args: str, cwd: Path) -> list[str]:
    done = real(*args, cwd=cwd, env={"COLUMNS": "80"})
    assert "Traceback" not in done.stderr
    lines = done.stdout.splitlines()
    assert lines, done.stderr
    return lines


def _whole(piece: str, lines: list[str]) -> bool:
    return any(piece in line for line in lines)


def test_at_80_columns_every_id_and_figure_is_whole(tmp_path: Path) -> None:
    """Tried: at 80 columns ids were cut (``cyclobenz...``), cells broke mid-word."""
    listing = _narrow("ingredients", cwd=tmp_path)
    assert max(len(line) for line in listing) <= 80
    for ing in ingredients.all():
        assert _whole(ing.id, listing), ing.id
        assert _whole(ing.default_form, listing), ing.default_form
        if ing.typical_strength is not None:
            for figure in re.findall(r"\d[\d.]* % w/w", str(ing.typical_strength)):
                assert _whole(figure, listing), figure

    cream = str(EXAMPLES / "muscle-spasm-cream.toml")
    sheet = load_formula(cream).batch("120 g")
    table = _narrow("batch", cream, "--size", "120g", cwd=tmp_path)
    assert max(len(line) for line in table) <= 80
    for line in sheet.lines:
        assert _whole(f"{line.rounded_g:.3f} g", table), line.name
        assert _whole(str(line.strength), table)
        assert _whole(line.form or "", table)
        assert _whole(line.name, table) or all(_whole(w, table) for w in line.name.split())
    assert _whole(f"{sheet.vehicle.rounded_g:.3f} g", table)

    report = _narrow("check", cream, cwd=tmp_path)
    assert max(len(line) for line in report) <= 80
    findings = load_formula(cream).validate().findings
    for finding in findings:
        assert _whole(f"{finding.code} {finding.severity.value}", report)
        for figure in re.findall(r"\d[\d.]* ?(?:% w/w|%|mg|g)\b", finding.message):
            assert _whole(figure, report), figure
        for word in finding.message.split():
            assert _whole(word, report), f"{word!r} broken"
    codes = [line for line in report if re.match(r"CK\d{3} ", line)]
    assert len(codes) == len(findings), "each finding starts a line with its code"
    rest = [line for line in report if line and not re.match(r"CK\d{3} ", line)]
    assert all(line.startswith("      ") for line in rest), "wrapped lines indent under the code"


def test_piped_output_keeps_one_row_per_line(tmp_path: Path) -> None:
    """Without COLUMNS and not on a terminal, tables are not wrapped (grep keeps working)."""
    env = {key: value for key, value in os.environ.items() if key != "COLUMNS"}
    done = subprocess.run(
        [sys.executable, "-m", "compoundkit", "ingredients"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60, check=False,
        env={**env, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    rows = [line for line in done.stdout.splitlines() if line.startswith("cyclobenzaprine")]
    assert len(rows) == 1
    assert "acute musculoskeletal spasm (short-term adjunct) (established)" in rows[0]


# --------------------------------------------------------------------------- pipes


@pytest.mark.parametrize(
    "args",
    [
        ["ingredients"],
        ["ingredients", "--format", "json"],
        ["vehicles"],
        ["check", str(EXAMPLES / "muscle-spasm-cream.toml")],
        ["batch", str(EXAMPLES / "muscle-spasm-cream.toml"), "--size", "120g"],
        ["record", "mfr", str(EXAMPLES / "muscle-spasm-cream.toml")],
    ],
    ids=["ingredients", "ingredients-json", "vehicles", "check", "batch", "record-mfr"],
)
def test_a_closed_pipe_ends_quietly(tmp_path: Path, args: list[str]) -> None:
    """Tried: ``compoundkit ... | head`` said "compoundkit: error: Broken pipe" (exit 2)."""
    read, write = os.pipe()
    os.close(read)  # the reader (head) is gone before anything is written
    try:
        done = subprocess.run(
            [sys.executable, "-m", "compoundkit", *args],
            stdout=write, stderr=subprocess.PIPE, text=True, cwd=tmp_path, timeout=60,
            env={**os.environ, "PYTHONPATH": str(REPO)}, check=False,
        )  # fmt: skip
    finally:
        os.close(write)
    assert done.returncode == 0
    assert "Broken pipe" not in done.stderr
    assert "Traceback" not in done.stderr
    assert "BrokenPipeError" not in done.stderr


# --------------------------------------------------------------------------- messages


def test_size_without_a_unit_names_size() -> None:
    result = invoke("batch", str(EXAMPLES / "muscle-spasm-cream.toml"), "--size", "120")
    _refused(result, "--size: 120 has no unit")
    assert "hint: a size is a mass (120g" in result.stderr


def test_excess_without_a_unit_lists_percent() -> None:
    result = invoke("batch", str(EXAMPLES / "muscle-spasm-cream.toml"), "--size", "120g",
                    "--excess", "5")  # fmt: skip
    _refused(result, "--excess: 5 has no unit")
    assert "a percent (5%)" in result.stderr


def test_a_volume_size_asks_for_density_as_an_option() -> None:
    result = invoke("batch", str(EXAMPLES / "muscle-spasm-cream.toml"), "--size", "120mL")
    _refused(result, "--size: 120mL is a volume")
    assert "--density 1.05g/mL" in result.stderr
    assert "density='" not in result.stderr


@pytest.mark.parametrize(
    ("day", "why"),
    [
        ("2026-11-31", "2026-11-31 is not a day (November 2026 has 30 days)"),
        ("2026-02-29", "2026-02-29 is not a day (February 2026 has 28 days)"),
        ("2026-13-01", "2026-13-01 is not a day (there is no month 13)"),
    ],
)
def test_dates_are_checked_as_days(day: str, why: str) -> None:
    _refused(invoke("bud", str(EXAMPLES / "muscle-spasm-cream.toml"), "--date", day),
             f"--date: {why}")  # fmt: skip


def test_container_not_stated_is_said_plainly(work: Path) -> None:
    text = (work / "cream.toml").read_text(encoding="utf-8")
    (work / "bare.toml").write_text(
        text.replace('container = "light-resistant airless pump"\n', ""), encoding="utf-8"
    )
    out = invoke("check", "bare.toml").stdout
    assert "Ketoprofen is light-sensitive but the formula does not state its container" in out
    assert "(not stated) is not stated" not in out


def test_temperatures_print_as_degrees_celsius() -> None:
    card = invoke("ingredients", "show", "guaifenesin").stdout
    assert "melting point: 78-82 °C" in card
    assert "degC" not in card


@pytest.mark.parametrize(
    ("option", "value", "character"),
    [
        ("--by", "A. Chen\x1b]0;owned\x07", "U+001B (ESCAPE)"),
        ("--verified-by", "B.\u202eDiaz", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("--id", "RX-1\x9b2J", "U+009B (CONTROL SEQUENCE INTRODUCER)"),
    ],
)
def test_people_and_ids_refuse_control_and_bidi(
    work: Path, option: str, value: str, character: str
) -> None:
    args = ["record", "cr", "cream.toml", "--size", "120g", "--by", "A", "--verified-by", "B"]
    args += [option, value]
    _refused(invoke(*args), f"{option}: contains {character}")


def test_lots_refuse_bidi_overrides(work: Path) -> None:
    result = invoke("record", "cr", "cream.toml", *CR, "--lot", "ketoprofen=K\u202e21:2027-01-01")
    _refused(result, "--lot ketoprofen: contains U+202E (RIGHT-TO-LEFT OVERRIDE) at character 2")


# --------------------------------------------------------------------------- vehicles


def test_vehicles_lists_every_vehicle_with_its_id() -> None:
    from compoundkit.formulas.vehicles import all_vehicles

    out = invoke("vehicles", env={"COLUMNS": "80"}).stdout
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    for vehicle in all_vehicles():
        assert any(line.startswith(f"{vehicle.id} ") for line in lines), vehicle.id


def test_vehicles_show_and_json() -> None:
    card = invoke("vehicles", "show", "petrolatum").stdout
    assert card.startswith("White petrolatum (white-petrolatum)\n")
    assert 'In a formula file: vehicle = "white-petrolatum"' in card
    data = json.loads(invoke("vehicles", "show", "ActiveMax", "--format", "json").stdout)
    assert data["id"] == "lipoderm-activemax"
    assert data["salt_tolerance"] == "tolerant"
    listing = json.loads(invoke("vehicles", "--format", "json").stdout)
    assert [v["id"] for v in listing][:2] == ["plo", "lipoderm"]


def test_an_unknown_vehicle_suggests_and_points_to_the_list(work: Path) -> None:
    result = invoke("vehicles", "show", "lipoderm activmax")
    _refused(result, "did you mean 'Lipoderm' or 'Lipoderm ActiveMax'?")
    formula = work / "water.toml"
    formula.write_text(
        'name = "x"\ndosage_form = "cream"\nvehicle = "purified water"\n\n'
        '[[excipients]]\nname = "menthol"\namount = "1 g"\n',
        encoding="utf-8",
    )
    result = invoke("check", "water.toml")
    _refused(result, "water.toml:3: vehicle: unknown vehicle 'purified water'")
    assert "listed by `compoundkit vehicles`" in result.stderr


# --------------------------------------------------------------------------- other -o


@pytest.mark.parametrize("force", [[], ["--force"]], ids=["plain", "force"])
def test_a_checkpoint_never_replaces_the_log_it_checks(
    two_entry_log: Path, force: list[str]
) -> None:
    """``log checkpoint --log records.db -o records.db --force`` replaced the log with JSON."""
    before = two_entry_log.read_bytes()
    result = invoke("log", "checkpoint", "--log", "records.db", "-o", "records.db", *force)
    _refused(result, "output file 'records.db' is the record log (--log) this command reads")
    assert two_entry_log.read_bytes() == before
    result = invoke("log", "checkpoint", "--log", "records.db", "-o", "cream.toml", "--force")
    assert result.exit_code == 0, "another file is replaced with --force"


def test_exporting_a_public_key_never_replaces_the_private_key(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPOUNDKIT_PASSPHRASE", "s3cret-Passphrase-42")
    assert invoke("keys", "new", "--name", "A. Chen", "-o", "chen.key").exit_code == 0
    before = (work / "chen.key").read_bytes()
    result = invoke("keys", "export-public", "chen.key", "-o", "chen.key", "--force")
    _refused(result, "output file 'chen.key' is the KEYFILE this command reads")
    assert (work / "chen.key").read_bytes() == before
