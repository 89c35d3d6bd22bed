"""``python -m compoundkit``: the command line."""

from compoundkit.cli import run

run()
