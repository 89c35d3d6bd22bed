"""Write the seed inputs of one atheris target into a folder (from tests/corpus and examples)."""

from __future__ import annotations

import hashlib
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"


def _seeds(target: str) -> list[bytes]:
    if target == "strength":
        found = [b"10 % w/w", b"20 mg/g", b"1:1000 w/v", b"120 g", b"sr=6mg,error=5%", b"98.5%"]
        for name in ("strengths.toml", "quantities.toml"):
            cases = tomllib.loads((CORPUS / name).read_text(encoding="utf-8"))["case"]
            found += [str(c["input"]).encode() for c in cases if len(str(c["input"])) < 200]
        return found
    if target == "formula":
        return [p.read_bytes() for p in (ROOT / "examples").glob("*.toml")] + [
            p.read_bytes() for p in (CORPUS / "formulas").iterdir() if p.stat().st_size < 4096
        ]
    if target == "catalog":
        data = ROOT / "compoundkit" / "ingredients" / "data"
        return [p.read_bytes() for p in data.glob("*.toml")] + [
            p.read_bytes() for p in (CORPUS / "catalogs").iterdir() if p.stat().st_size < 4096
        ]
    if target == "records":
        return [
            b'{"schema": "compoundkit.mfr", "schema_version": 1}',
            b'{"rx": "RX-1", "qty": 120}',
        ] + [p.read_bytes() for p in (CORPUS / "records").glob("*.json") if p.stat().st_size < 4096]
    raise SystemExit(f"unknown target {target!r}")


def main() -> None:
    target, folder = sys.argv[1], Path(sys.argv[2])
    for seed in _seeds(target):
        (folder / hashlib.sha1(seed).hexdigest()).write_bytes(seed)


if __name__ == "__main__":
    main()
