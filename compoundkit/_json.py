"""Reading JSON documents, strictly: every failure is one error type that callers translate.

Stricter than ``json.loads``: a key given twice in one object is refused (as TOML refuses
it; ``json`` would silently keep the last one), and so are ``NaN`` and ``Infinity``.

>>> parse('{"name": "x"}')
{'name': 'x'}
>>> parse('{"strength": "10 %", "strength": "1 %"}')
Traceback (most recent call last):
...
compoundkit._json.JsonTextError: not valid JSON: key 'strength' is given twice in one object
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["JsonTextError", "parse"]


class JsonTextError(ValueError):
    """JSON text that cannot be read; ``line`` is the 1-based line where known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise JsonTextError(f"not valid JSON: key {key!r} is given twice in one object")
        result[key] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise JsonTextError(f"not valid JSON: {name} is not a number compoundkit accepts")


def parse(text: str) -> Any:
    """``json.loads(text)`` without duplicate keys or non-finite constants."""
    try:
        return json.loads(text, object_pairs_hook=_unique, parse_constant=_refuse_constant)
    except JsonTextError:
        raise
    except json.JSONDecodeError as exc:
        raise JsonTextError(f"not valid JSON: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise JsonTextError("not valid JSON: nested too deeply") from None
    except ValueError:  # an integer over Python's 4300-digit limit
        raise JsonTextError(
            "not valid JSON: a number is too long (more than 4300 digits)"
        ) from None
