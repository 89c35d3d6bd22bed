"""Canonical JSON and entry hashes for the record log.

One value has exactly one canonical text: keys sorted, no spaces, UTF-8 characters kept
as they are, no NaN or infinity. The record log hashes this text, so any change to a
stored value (or to its spelling) changes or breaks the hash.

>>> canonical_json({"b": [1, 2.5], "a": "µg"})
'{"a":"µg","b":[1,2.5]}'
>>> entry_hash("0" * 64, {"a": 1})[:12]
'fc6cee09194d'
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Final

from compoundkit.errors import RecordError

__all__ = ["GENESIS_HASH", "MAX_DEPTH", "canonical_json", "entry_hash", "is_canonical"]

GENESIS_HASH: Final = "0" * 64
"""The previous-hash of the first entry of every log."""
MAX_DEPTH: Final = 64
"""Deepest nesting of lists and objects a logged value may have."""


def _check(value: object, path: str, depth: int) -> None:
    """Refuse anything that has no single, lossless JSON text."""
    if depth > MAX_DEPTH:
        raise RecordError(f"{path}: nested deeper than {MAX_DEPTH} levels")
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise RecordError(f"{path}: {value!r} has no JSON form; use a finite number")
        return
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise RecordError(f"{path}: text contains an unpaired surrogate {value!r}") from None
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise RecordError(f"{path}: object keys must be text, got {key!r}")
            _check(key, f"{path} key", depth + 1)
            _check(item, f"{path}.{key}", depth + 1)
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]", depth + 1)
        return
    raise RecordError(
        f"{path}: a {type(value).__name__} cannot be logged as JSON; convert it first "
        "(dates and times to ISO text, quantities to {'value': ..., 'unit': ...})"
    )


def canonical_json(value: object, *, what: str = "payload") -> str:
    """The canonical JSON text of ``value``; :class:`RecordError` names what is not JSON.

    >>> canonical_json({"when": float("nan")})
    Traceback (most recent call last):
    ...
    compoundkit.errors.RecordError: payload.when: nan has no JSON form; use a finite number
    """
    _check(value, what, 0)
    try:
        return json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (ValueError, TypeError, RecursionError) as exc:  # e.g. an int too long to print
        raise RecordError(f"{what}: cannot be written as JSON: {exc}") from None


def is_canonical(text: str) -> bool:
    """Whether ``text`` is exactly the canonical JSON of the value it spells."""
    try:
        return canonical_json(json.loads(text)) == text
    except (ValueError, RecordError, RecursionError):
        return False


def entry_hash(prev_hash: str, content: Mapping[str, object]) -> str:
    """SHA-256 (hex) of the previous hash followed by the canonical JSON of ``content``."""
    text = prev_hash + canonical_json(content, what="entry")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
