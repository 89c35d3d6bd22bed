"""Safe file output: atomic writes and checked output paths.

A file is written to a temporary file in the same folder, flushed to disk, then
renamed over the target: a reader sees the old file or the new one, never half.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from compoundkit.errors import OutputPathError

__all__ = ["check_output_path", "write_atomic"]


def check_output_path(path: str | os.PathLike[str], *, what: str = "output file") -> Path:
    """Refuse output paths that climb out of the working folder, or are folders/devices.

    Absolute paths are the user's explicit choice and are allowed; a relative
    path may not use ``..`` to leave the current folder.

    >>> check_output_path("../../etc/passwd")
    Traceback (most recent call last):
    ...
    compoundkit.errors.OutputPathError: output file '../../etc/passwd' leaves the current folder ...
    """
    raw = os.fspath(path)
    if not raw or "\x00" in raw:
        raise OutputPathError(f"{what} path {raw!r} is empty or contains a NUL byte")
    target = Path(raw)
    if not target.is_absolute():
        here = Path.cwd().resolve()
        resolved = (here / target).resolve()
        if ".." in target.parts and not resolved.is_relative_to(here):
            raise OutputPathError(
                f"{what} {raw!r} leaves the current folder (..); give a path inside it, "
                "or an absolute path"
            )
    if target.exists() and not target.is_file():
        raise OutputPathError(f"{what} {raw!r} exists and is not a regular file")
    if not target.parent.exists():
        raise OutputPathError(f"{what} {raw!r}: folder {str(target.parent)!r} does not exist")
    return target


def _new_file_mode(target: Path) -> int:
    """The mode the written file should have: the old file's, or 0o666 less the umask."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mask = os.umask(0)  # reading the umask means setting it; put it straight back
        os.umask(mask)
        return 0o666 & ~mask


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file + rename).

    The file gets the permissions a plain write would give it (mkstemp's private
    0600 would hide printed worksheets from colleagues).
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    import tempfile  # here, not at import: 4 ms that most calls never need

    mode = _new_file_mode(target)
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
