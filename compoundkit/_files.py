"""Safe files: atomic writes, checked output paths, and reading only regular files.

A file is written to a temporary file in the same folder, flushed to disk, then
renamed over the target: a reader sees the old file or the new one, never half. An
output path is checked before anything is computed (:func:`check_output_path`); a
command's own inputs and record logs are never written over, and an existing file is
replaced only when the caller says so (the command line's ``--force``). Files are read
with :func:`read_regular_file`, which refuses a FIFO, a device or a folder at once
instead of blocking on it; :func:`read_text` adds the size limit and the UTF-8 check every
document loader needs, and says what is wrong in one :class:`UnreadableFileError`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from compoundkit.errors import CompoundkitError, OutputPathError

__all__ = [
    "NotRegularFileError",
    "UnreadableFileError",
    "check_output_path",
    "is_record_log",
    "read_regular_file",
    "read_text",
    "write_atomic",
]

#: The first bytes of every SQLite database, so of every record log file.
_SQLITE_MAGIC: Final = b"SQLite format 3\x00"


class NotRegularFileError(OSError):
    """A path names a FIFO, a device or a socket where a file is read.

    ``strerror`` says what it is: ``is a named pipe (FIFO), not a regular file``.
    """


#: What a file that is neither regular nor a folder is, in words.
_KINDS: Final = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)


def _not_regular(name: str, mode: int) -> OSError:
    if stat.S_ISDIR(mode):
        return IsADirectoryError(errno.EISDIR, "is a folder, not a file", name)
    kind = next((words for test, words in _KINDS if test(mode)), "not a regular file")
    return NotRegularFileError(errno.EINVAL, f"is {kind}, not a regular file", name)


def read_regular_file(path: str | os.PathLike[str], limit: int) -> bytes:
    """The first ``limit + 1`` bytes of the regular file at ``path``.

    One byte more than ``limit`` is read, so a caller can tell a file is too large
    without reading all of it. A FIFO, a device, a socket or a folder raises
    :class:`NotRegularFileError` at once (opening a FIFO never waits for a writer), a
    folder :class:`IsADirectoryError`; a missing or unreadable file raises the usual
    :class:`OSError`.

    >>> read_regular_file("/dev/null", 10)
    Traceback (most recent call last):
    ...
    compoundkit._files.NotRegularFileError: [Errno 22] is a device, not a regular file: '/dev/null'
    """
    name = os.fspath(path)
    info = os.stat(name)
    if not stat.S_ISREG(info.st_mode):
        raise _not_regular(name, info.st_mode)
    # O_NONBLOCK: had the path become a FIFO since the stat, open would not wait for it.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    handle = os.open(name, flags)
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(name, info.st_mode)
        with contextlib.suppress(AttributeError):  # no os.set_blocking on some platforms
            os.set_blocking(handle, True)
        with os.fdopen(handle, "rb", closefd=False) as stream:
            return stream.read(limit + 1)
    finally:
        os.close(handle)


class UnreadableFileError(CompoundkitError, ValueError):
    """A file :func:`read_text` cannot give as text; ``reason`` says why, in the words of a
    ``file: reason`` message, and ``file`` names it."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


def read_text(path: str | os.PathLike[str], limit: int, *, what: str) -> str:
    """The UTF-8 text of the regular file at ``path`` (a leading BOM dropped), refused
    over ``limit`` bytes; ``what`` (``"formula file"``) names the file in the reasons.
    Every problem raises :class:`UnreadableFileError`, which a loader turns into its own.

    >>> read_text("/dev/null", 10, what="formula file")
    Traceback (most recent call last):
    ...
    compoundkit._files.UnreadableFileError: /dev/null: is a device, not a regular file; give a ...
    """
    name = os.fspath(path)
    try:
        raw = read_regular_file(name, limit)
    except IsADirectoryError:
        raise UnreadableFileError(name, f"is a folder, not a {what}") from None
    except NotRegularFileError as exc:
        raise UnreadableFileError(name, f"{exc.strerror}; give a {what}") from None
    except FileNotFoundError:
        raise UnreadableFileError(name, "no such file") from None
    except PermissionError:
        raise UnreadableFileError(name, "permission denied") from None
    except OSError as exc:
        raise UnreadableFileError(name, f"cannot be read: {exc.strerror or exc}") from None
    if len(raw) > limit:
        size = f"{limit / 1_000_000:g} MB" if limit >= 1_000_000 else f"{limit:,} bytes"
        raise UnreadableFileError(name, f"is larger than {size}, too large for a {what}")
    try:
        return raw.decode("utf-8-sig")  # a leading BOM (as Windows editors write) is dropped
    except UnicodeDecodeError as exc:
        reason = f"is not UTF-8 text (byte {exc.start} is 0x{raw[exc.start]:02x})"
        raise UnreadableFileError(name, reason) from None


def is_record_log(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a SQLite database (every record log file is one).

    >>> is_record_log("README.md")
    False
    """
    try:
        with open(path, "rb") as stream:
            return stream.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC
    except OSError:
        return False


def _log_side_file(target: Path) -> Path | None:
    """The SQLite database whose ``-journal``, ``-wal`` or ``-shm`` file ``target`` is."""
    for suffix in ("-journal", "-wal", "-shm"):
        if target.name.endswith(suffix):
            database = target.with_name(target.name.removesuffix(suffix))
            if is_record_log(database):
                return database
    return None


def _same_file(first: Path, second: str) -> bool:
    """True when two paths name one file (the same path, a link, or a hard link)."""
    if os.path.realpath(first) == os.path.realpath(second):
        return True
    try:
        return os.path.samefile(first, second)
    except OSError:  # one of them does not exist yet: the paths decided
        return False


def check_output_path(
    path: str | os.PathLike[str],
    *,
    what: str = "output file",
    force: bool | None = None,
    inputs: Mapping[str, str] | None = None,
) -> Path:
    """Refuse output paths that climb out of the working folder, or are folders/devices.

    Absolute paths are the user's explicit choice and are allowed; a relative
    path may not use ``..`` to leave the current folder.

    With ``force`` given (a file is about to be written, not a record log opened),
    the path may also not be one of ``inputs`` (path -> what it is, such as
    ``{"cream.toml": "FORMULA"}``) nor a record log, even with ``force``; an existing
    file is replaced only when ``force`` is true.

    >>> check_output_path("../../etc/passwd")
    Traceback (most recent call last):
    ...
    compoundkit.errors.OutputPathError: output file '../../etc/passwd' leaves the current folder ...
    >>> check_output_path("README.md", force=False)
    Traceback (most recent call last):
    ...
    compoundkit.errors.OutputPathError: output file 'README.md' already exists; give --force ...
    >>> check_output_path("new.md", force=False, inputs={"new.md": "FORMULA"})
    Traceback (most recent call last):
    ...
    compoundkit.errors.OutputPathError: output file 'new.md' is the FORMULA this command reads; ...
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
    if force is None:
        return target
    for source, role in (inputs or {}).items():
        if _same_file(target, source):
            raise OutputPathError(
                f"{what} {raw!r} is the {role} this command reads; write to another file"
            )
    log_file = _log_side_file(target)
    if log_file is not None:
        raise OutputPathError(
            f"{what} {raw!r} belongs to the record log {str(log_file)!r} (SQLite keeps its "
            "journal there); write to another file"
        )
    if target.exists():
        if is_record_log(target):
            raise OutputPathError(
                f"{what} {raw!r} is a record log (a SQLite database); compoundkit never "
                "writes over one: write to another file"
            )
        if not force:
            raise OutputPathError(f"{what} {raw!r} already exists; give --force to replace it")
    return target


def _new_file_mode(target: Path) -> int:
    """The mode the written file should have: the old file's, or 0o666 less the umask."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mask = os.umask(0)  # reading the umask means setting it; put it straight back
        os.umask(mask)
        return 0o666 & ~mask


def _place_new(temp: str, target: Path) -> None:
    """Move ``temp`` to ``target`` only if no file is there (atomic; no race)."""
    try:
        os.link(temp, target)  # fails when target exists, whatever happened since the check
    except FileExistsError:
        raise OutputPathError(
            f"output file {str(target)!r} already exists; give --force to replace it"
        ) from None
    except OSError:  # a file system without hard links: reserve the name, then replace
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            raise OutputPathError(
                f"output file {str(target)!r} already exists; give --force to replace it"
            ) from None
        os.replace(temp, target)
        return
    os.unlink(temp)


def trial_write(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write ``data`` beside ``path`` and remove it again: a full disk or a folder that
    cannot be written fails here (:class:`OSError` naming ``path``), before a command does
    something it cannot undo (append to a record log) and then fails to write its file.
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    import tempfile

    try:
        with tempfile.NamedTemporaryFile(prefix=f".{target.name}.", dir=target.parent) as trial:
            trial.write(payload)
            trial.flush()
            os.fsync(trial.fileno())
    except OSError as exc:
        exc.filename = os.fspath(target)
        raise


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *, replace: bool = True) -> None:
    """Write ``data`` to ``path`` atomically (temporary file + rename).

    The file gets the permissions a plain write would give it (mkstemp's private
    0600 would hide printed worksheets from colleagues). With ``replace=False`` an
    existing file is never replaced, even one made after the path was checked
    (:class:`~compoundkit.errors.OutputPathError`). A failed write (a full disk)
    leaves nothing behind and raises :class:`OSError` naming ``path``.
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
        if replace:
            os.replace(temp, target)
        else:
            _place_new(temp, target)
    except OSError as exc:
        if exc.filename is None:
            exc.filename = os.fspath(target)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
