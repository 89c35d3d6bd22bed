"""``compoundkit keys ...`` and signed checkpoints (``log checkpoint --sign-with``,
``log verify --against FILE --trust FILE``); keys and passphrases never appear in outputs."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from compoundkit.cli import main
from compoundkit.records.log import open_log

PASS = "s3cret-Passphrase-42"


def invoke(*args: str, env: dict[str, str] | None = None, given: str | None = None) -> Result:
    runner = CliRunner(env={"COMPOUNDKIT_PASSPHRASE": PASS} if env is None else env)
    return runner.invoke(main, list(args), input=given, catch_exceptions=False)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COMPOUNDKIT_PASSPHRASE", raising=False)
    done = invoke("keys", "new", "--name", "A. Chen", "-o", "chen.key")
    assert done.exit_code == 0, done.output
    with open_log(tmp_path / "records.db") as log:
        for rx in ("RX-1", "RX-2"):
            log.append("compounding-record", {"rx": rx, "made_g": 120}, lots=[f"L-{rx}"])
    return tmp_path


def private_body(path: Path) -> list[str]:
    """The lines of the encrypted private key's base64 body."""
    pem = json.loads(path.read_text(encoding="utf-8"))["private_key"]
    return [line for line in pem.splitlines() if line and not line.startswith("-----")]


def trust(here: Path, *keys: str) -> None:
    records = [json.loads(invoke("keys", "export-public", key).stdout) for key in keys]
    (here / "trusted.json").write_text(json.dumps(records), encoding="utf-8")


def test_keys_new_makes_a_0600_key_and_prints_its_id(here: Path) -> None:
    key = here / "chen.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    saved = json.loads(key.read_text(encoding="utf-8"))
    assert saved["name"] == "A. Chen"
    assert saved["private_key"].startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")


def test_keys_new_refuses_to_replace_a_key_without_force(here: Path) -> None:
    before = (here / "chen.key").read_bytes()
    done = invoke("keys", "new", "--name", "B. Diaz", "-o", "chen.key")
    assert done.exit_code == 2
    assert "exists; give --force" in done.stderr
    assert (here / "chen.key").read_bytes() == before
    done = invoke("keys", "new", "--name", "B. Diaz", "-o", "chen.key", "--force")
    assert done.exit_code == 0, done.output
    assert (here / "chen.key").read_bytes() != before


def test_the_prompt_asks_twice_for_a_new_key(here: Path) -> None:
    done = invoke("keys", "new", "--name", "B. Diaz", "-o", "d.key", env={}, given="pw\npw\n")
    assert done.exit_code == 0, done.output
    assert PASS not in done.output
    assert "pw\n" not in done.stdout
    signer = invoke(
        "log",
        "checkpoint",
        "--log",
        "records.db",
        "--sign-with",
        "d.key",
        "-o",
        "h.json",
        env={},
        given="pw\n",
    )
    assert signer.exit_code == 0, signer.output


def test_keys_list_shows_the_keys_in_a_folder(here: Path) -> None:
    done = invoke("keys", "list", "--folder", str(here))
    assert done.exit_code == 0
    key_id = json.loads((here / "chen.key").read_text(encoding="utf-8"))["key_id"]
    assert f"{key_id}  " in done.stdout
    assert "A. Chen" in done.stdout
    assert "1 key" in done.stderr


def test_keys_use_the_user_data_folder_by_default(here: Path) -> None:
    root = str(Path(__file__).resolve().parents[2])
    env = {
        **os.environ,
        "COMPOUNDKIT_PASSPHRASE": PASS,
        "XDG_DATA_HOME": str(here / "data"),
        "HOME": str(here),
        "PYTHONPATH": root,
    }

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "compoundkit", "keys", *args],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        return done.stdout

    key_id = run("new", "--name", "A. Chen").strip()
    assert (here / "data" / "compoundkit" / "keys" / f"{key_id}.key").is_file()
    assert key_id in run("list")
    assert json.loads(run("export-public"))["key_id"] == key_id


def test_export_public_writes_only_the_public_record(here: Path) -> None:
    done = invoke("keys", "export-public", "chen.key", "-o", "chen.pub.json")
    assert done.exit_code == 0, done.output
    record = json.loads((here / "chen.pub.json").read_text(encoding="utf-8"))
    assert sorted(record) == ["created", "key_id", "name", "public_key"]
    again = invoke("keys", "export-public", "chen.key", "-o", "chen.pub.json")
    assert again.exit_code == 2
    assert "exists; give --force" in again.stderr
    assert (
        invoke("keys", "export-public", "chen.key", "-o", "chen.pub.json", "--force").exit_code == 0
    )


def test_a_wrong_passphrase_is_a_clear_error_and_writes_nothing(here: Path) -> None:
    done = invoke(
        "log",
        "checkpoint",
        "--log",
        "records.db",
        "--sign-with",
        "chen.key",
        "-o",
        "head.json",
        env={"COMPOUNDKIT_PASSPHRASE": "wrong-one"},
    )
    assert done.exit_code == 2
    assert "wrong passphrase" in done.stderr
    assert "wrong-one" not in done.output
    assert not (here / "head.json").exists()


def test_a_signed_checkpoint_verifies_against_trusted_signers(here: Path) -> None:
    trust(here, "chen.key")
    done = invoke(
        "log", "checkpoint", "--log", "records.db", "--sign-with", "chen.key", "-o", "head.json"
    )
    assert done.exit_code == 0, done.output
    saved = json.loads((here / "head.json").read_text(encoding="utf-8"))
    assert saved["signature"]["meaning"] == "checkpoint"
    checked = invoke(
        "log", "verify", "--log", "records.db", "--against", "head.json", "--trust", "trusted.json"
    )
    assert checked.exit_code == 0, checked.output
    assert "Signed by A. Chen on " in checked.stderr
    assert "(checkpoint), key " in checked.stderr


@pytest.mark.parametrize(
    "field", ["head_hash", "entries_only", "entries", "log", "time", "signature.meaning"]
)
def test_a_tampered_signed_checkpoint_is_refused(here: Path, field: str) -> None:
    trust(here, "chen.key")
    invoke("log", "checkpoint", "--log", "records.db", "--sign-with", "chen.key", "-o", "head.json")
    with open_log(here / "records.db") as log:
        log.append("compounding-record", {"rx": "RX-3", "made_g": 120})
        head = log.head()
    saved = json.loads((here / "head.json").read_text(encoding="utf-8"))
    if field in {"head_hash", "entries"}:  # moved forward to a head the signer never saw
        saved["entries"], saved["head_hash"] = head.entries, head.head_hash
    elif field == "entries_only":
        saved["entries"] = 1
    elif field == "time":
        saved["time"] = "2026-01-01T00:00:00+00:00"
    elif field == "log":
        saved["log"] = str(here / "other.db")
    else:
        saved["signature"]["meaning"] = "approved"
    (here / "head.json").write_text(json.dumps(saved), encoding="utf-8")
    done = invoke(
        "log", "verify", "--log", "records.db", "--against", "head.json", "--trust", "trusted.json"
    )
    assert done.exit_code == 1
    assert "signature of 'A. Chen'" in done.stderr


def test_an_untrusted_or_missing_signature_is_refused(here: Path) -> None:
    invoke("keys", "new", "--name", "B. Diaz", "-o", "diaz.key")
    trust(here, "diaz.key")
    invoke("log", "checkpoint", "--log", "records.db", "--sign-with", "chen.key", "-o", "head.json")
    done = invoke(
        "log", "verify", "--log", "records.db", "--against", "head.json", "--trust", "trusted.json"
    )
    assert done.exit_code == 1
    assert "is not a trusted signer" in done.stderr
    invoke("log", "checkpoint", "--log", "records.db", "-o", "plain.json")
    done = invoke(
        "log", "verify", "--log", "records.db", "--against", "plain.json", "--trust", "trusted.json"
    )
    assert done.exit_code == 1
    assert "not signed" in done.stderr
    unchecked = invoke("log", "verify", "--log", "records.db", "--against", "head.json")
    assert unchecked.exit_code == 0
    assert "signature not checked" in unchecked.stderr


def test_keys_and_passphrases_never_appear_in_outputs(here: Path) -> None:
    body = private_body(here / "chen.key")
    outputs = [
        invoke("keys", "list", "--folder", str(here)),
        invoke("keys", "export-public", "chen.key"),
        invoke("keys", "export-public", "chen.key", "-o", "pub.json"),
        invoke(
            "log", "checkpoint", "--log", "records.db", "--sign-with", "chen.key", "-o", "h.json"
        ),
        invoke(
            "log",
            "checkpoint",
            "--log",
            "records.db",
            "--sign-with",
            "chen.key",
            "-o",
            "x.json",
            env={"COMPOUNDKIT_PASSPHRASE": "bad-guess"},
        ),
        invoke("log", "verify", "--log", "records.db", "--against", "h.json"),
    ]
    trust(here, "chen.key")
    written = [here / "pub.json", here / "h.json", here / "trusted.json", here / "records.db"]
    texts = [done.output for done in outputs] + [
        path.read_bytes().decode("latin-1") for path in written
    ]
    for text in texts:
        assert PASS not in text
        assert "bad-guess" not in text
        assert "PRIVATE KEY" not in text
        assert not any(line in text for line in body)


def test_trust_needs_a_checkpoint_and_export_needs_one_key(here: Path) -> None:
    done = invoke("log", "verify", "--log", "records.db", "--trust", "trusted.json")
    assert done.exit_code == 2
    assert "--trust" in done.stderr
    assert "--against" in done.stderr
    empty = CliRunner(env={"XDG_DATA_HOME": str(here / "none"), "HOME": str(here)})
    done = empty.invoke(main, ["keys", "export-public"])
    assert done.exit_code == 2
    assert "holds 0 keys" in done.stderr
