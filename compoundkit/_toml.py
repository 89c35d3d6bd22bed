"""Reading TOML text, with every failure as one error type that callers translate.

tomllib is imported on first use (about 3 ms), not when compoundkit is imported.

>>> parse('name = "x"')
{'name': 'x'}
>>> parse("name = x")
Traceback (most recent call last):
...
compoundkit._toml.TomlTextError: not valid TOML: Invalid value (at line 1, column 8)
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["TomlTextError", "parse"]


class TomlTextError(ValueError):
    """TOML text that cannot be read; ``line`` is the 1-based line where known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def parse(text: str) -> dict[str, Any]:
    """``tomllib.loads(text)``; any failure becomes a :class:`TomlTextError`."""
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise TomlTextError(
            f"not valid TOML: {exc}", int(match.group(1)) if match else None
        ) from None
    except RecursionError:
        raise TomlTextError("not valid TOML: nested too deeply") from None
    except ValueError:  # an integer over Python's 4300-digit limit
        raise TomlTextError(
            "not valid TOML: a number is too long (more than 4300 digits)"
        ) from None
