"""Issue 14 through the command line: a signed approval, signed CR steps, signatures
checked against the trusted signers on every record read, a forged approval refused,
and no key or passphrase in any output."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from compoundkit.cli import main
from compoundkit.formulas import load_formula
from compoundkit.records.log import open_log
from compoundkit.records.mfr import CompoundingStep, MasterFormulationRecord, QualityCheck
from compoundkit.records.schema import record_from_dict, record_to_dict
from compoundkit.records.serialize import load_record, save_record
from compoundkit.records.signing import load_key, new_key, public_json, read_public

REPO = Path(__file__).resolve().parents[2]
CREAM = str(REPO / "examples" / "muscle-spasm-cream.toml")
PASS = "a passphrase only the test knows"
LOTS = [
    "--lot", "ketoprofen=K123:2027-06-30", "--lot", "cyclobenzaprine=C9:2027-03-10",
    "--lot", "guaifenesin=G7:2027-01-31", "--lot", "magnesium chloride=M4:2027-05-01",
    "--lot", "lipoderm activemax=L1:2027-02-28",
]  # fmt: skip
WEIGHED = [
    "--weighed", "ketoprofen=12.01g", "--weighed", "cyclobenzaprine=2.4g",
    "--weighed", "guaifenesin=12g", "--weighed", "magnesium chloride=6.0g",
    "--weighed", "lipoderm activemax=87.7g",
]  # fmt: skip
PEOPLE = ["--by", "A. Chen", "--verified-by", "B. Osei"]


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """chen.key (the author and compounder), osei.key (approver and verifier), diaz.key,
    and trusted.json listing all three: made once (the key derivation takes a moment)."""
    folder = tmp_path_factory.mktemp("keys")
    publics = [
        new_key(name, PASS, folder / f"{file}.key")
        for name, file in (("A. Chen", "chen"), ("B. Osei", "osei"), ("C. Diaz", "diaz"))
    ]
    (folder / "trusted.json").write_text(public_json(*publics), encoding="utf-8")
    return folder


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keys: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COMPOUNDKIT_TRUST", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no user's own file
    for file in keys.iterdir():
        (tmp_path / file.name).write_bytes(file.read_bytes())
    save_record(
        MasterFormulationRecord.create(
            load_formula(CREAM),
            steps=[CompoundingStep("Levigate the actives; mix in the base.", ("unguator",))],
            description="Smooth off-white cream",
            quality_control=[QualityCheck("appearance", "Look at it.", "smooth, no grit")],
            author="A. Chen",
        ),
        "mfr.toml",
    )
    return tmp_path


OUTPUTS: list[str] = []


def invoke(*args: str, passphrase: str = PASS) -> Result:
    result = CliRunner(env={"COMPOUNDKIT_PASSPHRASE": passphrase}).invoke(
        main, list(args), catch_exceptions=False
    )
    OUTPUTS.append(result.output)
    return result


def approve(*extra: str) -> Result:
    return invoke("record", "approve", "mfr.toml", "--by", "B. Osei", "--date", "2026-11-20",
                  *extra)  # fmt: skip


def cr(source: str, *extra: str) -> list[str]:
    return ["record", "cr", source, "--size", "120g", "--id", "RX-1042", "--date", "2026-11-25",
            "--time", "10:30", *LOTS, *WEIGHED, *PEOPLE, *extra]  # fmt: skip


# --------------------------------------------------------------------------- approve


def test_record_approve_sign_with_signs_the_approval(here: Path) -> None:
    done = approve("--sign-with", "osei.key")
    assert done.exit_code == 0, done.output
    osei = read_public("osei.key")
    assert "Signed by B. Osei on " in done.output
    assert f"(approved), key {osei.key_id}" in done.output
    approved = load_record("mfr.approved.toml", trusted=[osei])
    assert approved.signatures is not None
    assert [(s.name, s.meaning, s.key_id) for s in approved.signatures] == [
        ("B. Osei", "approved", osei.key_id)
    ]
    sheet = invoke("record", "mfr", "mfr.approved.toml", "--trust", "trusted.json")
    assert sheet.exit_code == 0, sheet.output
    assert f"(approved), key {osei.key_id}" in sheet.output


def test_a_key_that_is_not_the_approvers_is_exit_2_naming_both(here: Path) -> None:
    done = approve("--sign-with", "diaz.key")
    assert done.exit_code == 2, done.output
    assert "'C. Diaz'" in done.output
    assert "'B. Osei'" in done.output
    assert not (here / "mfr.approved.toml").exists()


def test_an_approval_signed_with_the_authors_key_is_refused(here: Path) -> None:
    done = invoke("record", "approve", "mfr.toml", "--by", "A. Chen", "--sign-with", "chen.key")
    assert done.exit_code == 1, done.output
    assert "CK310" in done.output
    assert not (here / "mfr.approved.toml").exists()


def test_a_wrong_passphrase_is_exit_2_and_writes_nothing(here: Path) -> None:
    done = invoke("record", "approve", "mfr.toml", "--by", "B. Osei", "--sign-with", "osei.key",
                  passphrase="a guess")  # fmt: skip
    assert done.exit_code == 2, done.output
    assert "wrong passphrase" in done.output
    assert "a guess" not in done.output
    assert not (here / "mfr.approved.toml").exists()


# --------------------------------------------------------------------------- record cr


def test_record_cr_signs_each_step_logs_the_signatures_and_prints_the_log_head(
    here: Path,
) -> None:
    assert approve("--sign-with", "osei.key").exit_code == 0
    done = invoke(*cr("mfr.approved.toml", "--sign-with", "chen.key", "--sign-with", "osei.key",
                      "--trust", "trusted.json", "--log", "records.db", "-o", "rx.md"))  # fmt: skip
    assert done.exit_code == 0, done.output
    with open_log(here / "records.db") as log:
        (entry,) = log.entries()
        head = log.head()
    signed = entry.payload["signatures"]
    assert [(s["name"], s["meaning"]) for s in signed] == [
        ("A. Chen", "prepared"), ("B. Osei", "verified"), ("B. Osei", "released"),
    ]  # fmt: skip
    sheet = (here / "rx.md").read_text(encoding="utf-8")
    for item in signed:
        assert f"({item['meaning']}), key {item['key_id']}" in sheet
    assert f"Log head after this entry: 1 entry, hash {head.head_hash}" in sheet
    assert head.entries == 1
    assert entry.hash == head.head_hash
    saved = invoke(*cr("mfr.approved.toml", "--id", "RX-1043", "--sign-with", "osei.key",
                       "-o", "rx.json"))  # fmt: skip
    assert saved.exit_code == 0, saved.output
    trusted = json.loads((here / "trusted.json").read_text(encoding="utf-8"))
    record = load_record("rx.json", trusted=[read_public("osei.key"), read_public("chen.key")])
    assert [s.meaning for s in record.signatures or ()] == ["verified", "released"]
    assert len(trusted) == 3


def test_a_key_that_did_no_step_is_exit_2_and_nothing_is_logged(here: Path) -> None:
    assert approve("--sign-with", "osei.key").exit_code == 0
    done = invoke(*cr("mfr.approved.toml", "--sign-with", "diaz.key", "--log", "records.db",
                      "-o", "rx.md"))  # fmt: skip
    assert done.exit_code == 2, done.output
    assert "'C. Diaz', who did no step of RX-1042" in done.output
    assert "prepared by 'A. Chen'" in done.output
    assert not (here / "records.db").exists()
    assert not (here / "rx.md").exists()


def test_a_forged_approval_is_refused_when_signatures_are_required(here: Path) -> None:
    assert approve().exit_code == 0  # approved_hash, no signature
    refused = invoke(*cr("mfr.approved.toml", "--trust", "trusted.json", "--log", "records.db"))
    assert refused.exit_code == 1, refused.output
    assert (
        "compoundkit: mfr.approved.toml: MFR MFR-muscle-spasm-cream v1 is not approved: its "
        "approval (by B. Osei on 2026-11-20) has no valid 'approved' signature by a trusted "
        "signer" in refused.output
    )
    assert "nothing logged" in refused.output
    assert not (here / "records.db").exists()
    # without trusted signers, as before: the approval counts
    assert invoke(*cr("mfr.approved.toml", "--log", "records.db")).exit_code == 0


def test_a_forged_approval_is_refused_through_the_real_entry_point(here: Path) -> None:
    assert approve().exit_code == 0
    env = {**os.environ, "COMPOUNDKIT_TRUST": str(here / "trusted.json")}
    done = subprocess.run(
        [sys.executable, "-m", "compoundkit", *cr("mfr.approved.toml")],
        capture_output=True, text=True, cwd=here, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "has no valid 'approved' signature by a trusted signer" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_the_trusted_signers_file_in_the_config_folder_is_used(here: Path) -> None:
    assert approve().exit_code == 0
    config = here / "config" / "compoundkit"
    config.mkdir(parents=True)
    (config / "trusted-signers.json").write_bytes((here / "trusted.json").read_bytes())
    refused = invoke(*cr("mfr.approved.toml"))
    assert refused.exit_code == 1, refused.output
    assert "no valid 'approved' signature" in refused.output


def test_a_signed_mfr_edited_after_signing_is_refused_on_every_read(here: Path) -> None:
    assert approve("--sign-with", "osei.key").exit_code == 0
    # the forger edits the content and recomputes approved_hash: consistent on its own
    data = record_to_dict(load_record("mfr.approved.toml"))
    data["description"] = "Gritty yellow cream"
    unapproved = {k: v for k, v in data.items() if k not in ("approved_by", "approved_on",
                                                             "approved_hash")}  # fmt: skip
    content = record_from_dict(unapproved).content_hash  # type: ignore[union-attr]
    save_record(record_from_dict({**data, "approved_hash": content}), "forged.toml")
    for args in (
        ["record", "mfr", "forged.toml"],
        cr("forged.toml"),
        ["record", "approve", "forged.toml", "--by", "C. Diaz", "-o", "again.toml"],
    ):
        done = invoke(*args, "--trust", "trusted.json")
        assert done.exit_code == 2, (args, done.output)
        assert "forged.toml: signature of 'B. Osei' (approved, key " in done.output
        assert "changed after signing" in done.output
    assert invoke("record", "mfr", "forged.toml").exit_code == 0  # no trust: as today


def test_record_correct_signs_the_corrected_record(here: Path) -> None:
    assert approve("--sign-with", "osei.key").exit_code == 0
    first = invoke(*cr("mfr.approved.toml", "--sign-with", "chen.key", "--sign-with",
                       "osei.key", "--log", "records.db"))  # fmt: skip
    assert first.exit_code == 0, first.output
    fix = invoke("record", "correct", "R000001", "--reason", "lot mistyped", "--by", "B. Osei",
                 "--lot", "ketoprofen=K124:2027-06-30", "--log", "records.db",
                 "--sign-with", "osei.key", "--trust", "trusted.json")  # fmt: skip
    assert fix.exit_code == 0, fix.output
    with open_log(here / "records.db") as log:
        correction = log.entries()[-1]
    corrected = correction.payload["record"]
    assert [s["meaning"] for s in corrected["signatures"]] == ["verified", "released"]
    shown = invoke("log", "show", correction.id, "--log", "records.db")
    assert f"Log head after this entry: 2 entries, hash {correction.hash}" in shown.output


def test_no_key_or_passphrase_appears_in_any_output(here: Path) -> None:
    """Run last in this module: greps every output collected above, and every file."""
    assert approve("--sign-with", "osei.key").exit_code == 0
    both = ["--sign-with", "chen.key", "--sign-with", "osei.key"]
    logged = invoke(*cr("mfr.approved.toml", *both, "--log", "records.db", "-o", "rx.html"))
    assert logged.exit_code == 0
    one = ["--sign-with", "osei.key"]
    assert invoke(*cr("mfr.approved.toml", "--id", "RX-2", *one, "-o", "rx.json")).exit_code == 0
    assert (
        invoke("log", "show", "R000001", "--log", "records.db", "--format", "json").exit_code == 0
    )
    from cryptography.hazmat.primitives import serialization

    secrets = [PASS]
    for name in ("chen", "osei", "diaz"):
        kept = json.loads((here / f"{name}.key").read_text(encoding="utf-8"))
        secrets.append(kept["private_key"].splitlines()[1])  # a line of the encrypted PEM
        private = load_key(here / f"{name}.key", PASS).private
        raw = private.private_bytes(serialization.Encoding.Raw,
                                    serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())  # fmt: skip
        plain = private.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()).decode()  # fmt: skip
        secrets += [raw.hex(), base64.b64encode(raw).decode(), plain.splitlines()[1]]
    texts = list(OUTPUTS)
    for path in ("rx.html", "rx.json", "mfr.approved.toml"):
        texts.append((here / path).read_text(encoding="utf-8"))
    with open_log(here / "records.db") as log:
        texts += [entry.payload_json for entry in log.entries()]
    texts.append((here / "records.db").read_bytes().decode("latin-1"))
    assert len(texts) > 20
    for text in texts:
        for secret in secrets:
            assert secret not in text
        assert "PRIVATE KEY" not in text
