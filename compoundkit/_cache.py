"""A small on-disk cache for start-up work (parsed TOML, pint's definitions).

Entries are named by the SHA-256 of their source, hold plain JSON (never pickle),
are written atomically, and are only ever an optimisation: any problem reading
or writing them falls back to doing the work. ``COMPOUNDKIT_CACHE=0`` turns the
cache off.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

__all__ = ["cache_folder", "load_json", "load_toml", "save_json"]


def cache_folder() -> Path | None:
    """compoundkit's user cache folder, or None when caching is turned off."""
    if os.environ.get("COMPOUNDKIT_CACHE", "1") == "0":
        return None
    import platformdirs

    return platformdirs.user_cache_path("compoundkit")


def load_toml(text: str) -> dict[str, Any]:
    """Parsed TOML, served from the cache when the same text was parsed before.

    For the package's own data files: tomllib is pure Python (about 5 ms for a
    catalog file) and JSON loads ~50x faster. Errors are
    :class:`~compoundkit._toml.TomlTextError`, as without the cache.
    """
    from compoundkit._toml import parse

    folder = cache_folder()
    if folder is None:
        return parse(text)
    path = folder / "toml" / (hashlib.sha256(text.encode("utf-8")).hexdigest() + ".json")
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cached = None
    if isinstance(cached, dict):
        return cached
    data = parse(text)
    try:
        encoded = json.dumps(data, ensure_ascii=False)
    except (TypeError, ValueError):  # dates and times have no JSON form: not cached
        return data
    try:
        from compoundkit._files import write_atomic

        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, encoded)
    except OSError:
        pass
    return data


def load_json(name: str) -> Any:
    """The cached JSON document ``name``, or None (missing, unreadable, or caching off)."""
    folder = cache_folder()
    if folder is None:
        return None
    try:
        return json.loads((folder / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def save_json(name: str, data: Any) -> None:
    """Store ``data`` as the cached JSON document ``name`` (silently skipped on any error)."""
    folder = cache_folder()
    if folder is None:
        return
    try:
        from compoundkit._files import write_atomic

        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / name, json.dumps(data, sort_keys=True))
    except (OSError, TypeError, ValueError):
        pass
