"""Validation findings and the report that collects them.

>>> f = Finding("CK103", Severity.ERROR, "actives and excipients exceed 100 %", hint="lower them")
>>> Report((f,)).ok
False
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Iterator
from typing import Any

from attrs import field, frozen

from compoundkit.errors import FormulationError

__all__ = ["Finding", "Report", "Severity"]


class Severity(enum.Enum):
    """How much a finding matters: an error stops the batch; a warning needs a look."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for errors, 1 for warnings, 2 for info (sort order)."""
        return ("error", "warning", "info").index(self.value)


@frozen
class Finding:
    """One problem or note: a stable code, a severity, the component, a message, a hint.

    ``source`` cites where the rule comes from.
    """

    code: str
    severity: Severity
    message: str
    component: str | None = None
    hint: str = ""
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "component": self.component,
            "message": self.message,
            "hint": self.hint,
            "source": self.source,
        }

    def __str__(self) -> str:
        return f"{self.code} {self.severity.value:<8} {self.component or '-'}  {self.message}"


def _sorted(items: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(items, key=lambda f: (f.severity.rank, f.code)))


@frozen
class Report:
    """All findings of a validation run, errors first."""

    findings: tuple[Finding, ...] = field(converter=_sorted)

    def __repr__(self) -> str:
        codes = ", ".join(f"{f.code} {f.severity.value}" for f in self.findings)
        return f"<Report: {len(self.findings)} finding(s){': ' + codes if codes else ''}>"

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    @property
    def errors(self) -> tuple[Finding, ...]:
        """Error-level findings."""
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """Warning-level findings."""
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        """True when there is no error-level finding."""
        return not self.errors

    def codes(self) -> list[str]:
        """The codes found, in report order."""
        return [f.code for f in self.findings]

    def raise_for_errors(self) -> None:
        """Raise FormulationError carrying every finding if any is an error."""
        if self.errors:
            first = self.errors[0]
            more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
            raise FormulationError(f"{first.code}: {first.message}{more}", self.findings)

    def to_dict(self) -> list[dict[str, Any]]:
        """JSON-ready list of findings."""
        return [f.to_dict() for f in self.findings]

    def to_json(self) -> str:
        """The findings as JSON text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_text(self) -> str:
        """Linter-style lines: ``CK103 warning  cyclobenzaprine  message`` plus hints."""
        if not self.findings:
            return "no findings"
        lines = []
        for finding in self.findings:
            lines.append(str(finding))
            if finding.hint:
                lines.append(f"      hint: {finding.hint}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from html import escape

        rows = "".join(
            f"<tr><td>{escape(f.code)}</td><td>{escape(f.severity.value)}</td>"
            f"<td>{escape(f.component or '')}</td><td>{escape(f.message)}</td>"
            f"<td>{escape(f.hint)}</td></tr>"
            for f in self.findings
        )
        head = (
            "<tr><th>code</th><th>severity</th><th>component</th><th>message</th><th>hint</th></tr>"
        )
        return f"<table>{head}{rows}</table>" if rows else "<p>no findings</p>"
