"""Shared by the atheris targets: run one input, let only CompoundkitError pass.

Any other exception escapes to atheris, which reports it as a crash and saves the input
(crash-*) in the working folder: add it to tests/corpus/ with the fix.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from typing import Any

import atheris


def run(action: Callable[[], Any]) -> None:
    """Call ``action``; a CompoundkitError is an accepted answer, anything else a crash."""
    from compoundkit.errors import CompoundkitError

    with contextlib.suppress(CompoundkitError):
        action()


def text(data: bytes) -> str:
    """The input as text (undecodable bytes become U+FFFD, as a reader would see them)."""
    return data.decode("utf-8", "replace")


def main(test_one_input: Callable[[bytes], None]) -> None:
    """Set up atheris with the arguments given on the command line (libFuzzer flags)."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
