"""Shared pytest set-up: hypothesis profiles.

The default profile is fast (CI and development); set COMPOUNDKIT_THOROUGH=1 for
the thorough one (many more examples, no deadline).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "fast",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile("thorough" if os.environ.get("COMPOUNDKIT_THOROUGH") == "1" else "fast")

# The throwaway PostgreSQL server of the record-log tests (tests/postgres.py).
from postgres import pg_url, postgres_server  # noqa: E402, F401
