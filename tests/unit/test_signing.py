"""Signing keys and signatures (21 CFR 11.50/11.70: name, date and time, meaning, and a
signature linked to its record; Ed25519, RFC 8032)."""

from __future__ import annotations

import datetime as dt
import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from compoundkit.errors import MissingDependencyError, SignatureError
from compoundkit.records.signing import (
    PublicKey,
    SigningKey,
    load_key,
    load_trusted,
    manifestation,
    new_key,
    public_json,
    read_public,
    sign,
    verify_signature,
)

PASS = "correct horse battery"
HASH = "ab" * 32
WHEN = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def chen(tmp_path: Path) -> tuple[SigningKey, PublicKey, Path]:
    path = tmp_path / "chen.key"
    public = new_key("A. Chen", PASS, path)
    return load_key(path, PASS), public, path


def signed(key: SigningKey, **changes: str) -> dict[str, str]:
    fields: dict[str, str] = {"record_kind": "mfr", "record_id": "MFR-1", "content_hash": HASH}
    fields.update(changes)
    return fields


def test_a_key_round_trips_and_its_public_record_matches(chen: tuple) -> None:
    key, public, path = chen
    assert key.public == public == read_public(path)
    assert (public.name, len(public.key_id)) == ("A. Chen", 16)
    assert public.created.tzinfo is not None
    assert public.public_key.startswith("-----BEGIN PUBLIC KEY-----")
    text = path.read_text(encoding="utf-8")
    assert "BEGIN ENCRYPTED PRIVATE KEY" in text
    assert PASS not in text


def test_the_private_key_file_is_0600_and_never_written_over(chen: tuple) -> None:
    _, _, path = chen
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_bytes()
    with pytest.raises(SignatureError, match="exists"):
        new_key("B. Diaz", PASS, path)
    assert path.read_bytes() == before


def test_replace_makes_a_new_private_file_still_0600(chen: tuple) -> None:
    _, old, path = chen
    public = new_key("A. Chen", PASS, path, replace=True)
    assert public.key_id != old.key_id
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["chen.key"]


def test_a_wrong_passphrase_is_a_clear_error(chen: tuple) -> None:
    _, _, path = chen
    with pytest.raises(SignatureError, match="wrong passphrase") as info:
        load_key(path, "not it")
    assert "not it" not in str(info.value)
    with pytest.raises(SignatureError, match="passphrase is empty"):
        load_key(path, "")


def test_a_signature_verifies_on_its_record(chen: tuple) -> None:
    key, public, _ = chen
    signature = sign(key, **signed(key), meaning="approved", time=WHEN)
    verify_signature(signature, **signed(key), trusted=[public])
    assert manifestation(signature) == (
        f"Signed by A. Chen on 2026-12-01 09:30 +00:00 (approved), key {public.key_id}"
    )


@pytest.mark.parametrize(
    ("change", "value"),
    [
        ("content_hash", "cd" * 32),  # the record changed after signing
        ("record_id", "MFR-2"),  # moved to another record
        ("record_kind", "cr"),  # moved to another kind of record
    ],
)
def test_a_signature_is_refused_on_another_record(chen: tuple, change: str, value: str) -> None:
    key, public, _ = chen
    signature = sign(key, **signed(key), meaning="approved", time=WHEN)
    with pytest.raises(SignatureError, match=r"'A. Chen' \(approved, key [0-9a-f]{16}\)"):
        verify_signature(signature, **signed(key, **{change: value}), trusted=[public])


def test_changing_meaning_or_time_or_name_is_refused(chen: tuple) -> None:
    import attrs

    key, public, _ = chen
    signature = sign(key, **signed(key), meaning="prepared", time=WHEN)
    for forged in (
        attrs.evolve(signature, meaning="verified"),
        attrs.evolve(signature, time=WHEN + dt.timedelta(minutes=1)),
    ):
        with pytest.raises(SignatureError, match="does not sign mfr 'MFR-1'"):
            verify_signature(forged, **signed(key), trusted=[public])
    with pytest.raises(SignatureError, match=r"belongs to 'A\. Chen', not 'B\. Diaz'"):
        verify_signature(attrs.evolve(signature, name="B. Diaz"), **signed(key), trusted=[public])


def test_an_untrusted_key_is_refused(chen: tuple, tmp_path: Path) -> None:
    key, _, _ = chen
    other = new_key("A. Chen", PASS, tmp_path / "impostor.key")
    signature = sign(key, **signed(key), meaning="approved")
    with pytest.raises(SignatureError, match="is not a trusted signer"):
        verify_signature(signature, **signed(key), trusted=[other])


def test_a_trusted_file_whose_key_id_lies_is_refused(chen: tuple, tmp_path: Path) -> None:
    _, public, _ = chen
    data = json.loads(public_json(public))
    data["key_id"] = "0" * 16
    (tmp_path / "trusted.json").write_text(json.dumps([data]), encoding="utf-8")
    with pytest.raises(SignatureError, match="is not the id of its public key"):
        load_trusted(tmp_path / "trusted.json")


def test_trusted_signers_file_is_a_list_of_public_records(chen: tuple, tmp_path: Path) -> None:
    _, public, _ = chen
    other = new_key("B. Diaz", PASS, tmp_path / "diaz.key")
    (tmp_path / "trusted.json").write_text(public_json(public, other), encoding="utf-8")
    assert load_trusted(tmp_path / "trusted.json") == (public, other)
    (tmp_path / "one.json").write_text(public_json(other), encoding="utf-8")
    assert load_trusted(tmp_path / "one.json") == (other,)
    (tmp_path / "bad.json").write_text('[{"name": "X"}]', encoding="utf-8")
    with pytest.raises(SignatureError, match="key_id"):
        load_trusted(tmp_path / "bad.json")


def test_times_and_meanings_are_checked(chen: tuple) -> None:
    key, _, _ = chen
    with pytest.raises(SignatureError, match="no time zone"):
        sign(key, **signed(key), meaning="approved", time=dt.datetime(2026, 12, 1))
    with pytest.raises(SignatureError, match="meaning 'liked' is not one of approved"):
        sign(key, **signed(key), meaning="liked")


def test_the_private_key_is_never_in_a_repr(chen: tuple) -> None:
    key, _, _ = chen
    assert "private" not in repr(key)


def test_without_cryptography_the_error_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "cryptography", None)
    for name in [m for m in sys.modules if m.startswith("cryptography.")]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'compoundkit\[sign\]'"):
        new_key("A. Chen", PASS, tmp_path / "k.key")


def test_importing_compoundkit_does_not_import_cryptography() -> None:
    code = (
        "import sys, compoundkit, compoundkit.records.log, compoundkit.records.signing; "
        "print('cryptography' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
