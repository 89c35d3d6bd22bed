"""Errors raised by compoundkit.

Every error is a :class:`CompoundkitError` and also the builtin a caller would
naturally catch (``ValueError`` for bad values, ``LookupError`` for unknown
names, ``OSError`` for storage problems), so ``except ValueError`` keeps working
for code that does not know compoundkit.

>>> issubclass(StrengthParseError, ValueError)
True
>>> str(StrengthParseError("10 %w/x", 5, "unknown basis 'w/x'; allowed: w/w, w/v, v/v"))
"unknown basis 'w/x'; allowed: w/w, w/v, v/v\\n  10 %w/x\\n       ^"
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

__all__ = [
    "BatchError",
    "BudError",
    "BudRulesError",
    "CalculationError",
    "CatalogError",
    "CompoundkitError",
    "CompoundkitWarning",
    "DensityRequiredError",
    "DimensionError",
    "DocumentError",
    "DosageFormError",
    "FormulaFileError",
    "FormulationError",
    "IncompleteRecordError",
    "LogIntegrityError",
    "LogStorageError",
    "MissingDependencyError",
    "OutOfToleranceError",
    "OutputPathError",
    "Problem",
    "RecordError",
    "RecordRefusedError",
    "RuleNotAppliedWarning",
    "SamePersonError",
    "SchemaVersionError",
    "SignatureError",
    "StoredFigureError",
    "StrengthParseError",
    "UnknownIngredientError",
    "UnknownVehicleError",
]


def _shown(name: str) -> str:
    """``name`` quoted for a message, shortened when very long."""
    return repr(name if len(name) <= 80 else name[:77] + "...")


def _did_you_mean(suggestions: Sequence[str]) -> str:
    if not suggestions:
        return ""
    return "; did you mean " + " or ".join(repr(s) for s in suggestions) + "?"


def dotted(path: Sequence[str | int]) -> str:
    """``('ingredients', 0, 'name')`` -> ``ingredients[0].name``.

    >>> dotted(("ingredients", 0, "name"))
    'ingredients[0].name'
    """
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


class CompoundkitError(Exception):
    """Base class of every error compoundkit raises on purpose."""


@attrs.frozen
class Problem:
    """One problem in a document: where (``path``, ``line``) and what is wrong.

    >>> Problem(("ingredients", 0, "strength"), "must be text", 7).render("cream.toml")
    'cream.toml:7: ingredients[0].strength: must be text'
    """

    path: tuple[str | int, ...]
    message: str
    line: int | None = None

    @property
    def field(self) -> str:
        """The dotted path: ``ingredients[0].strength``."""
        return dotted(self.path)

    def render(self, file: str | None = None) -> str:
        """``file:line: field.path: message`` (each part only where known)."""
        where = (file or "") + (f":{self.line}" if self.line and file else "")
        if self.line and not file:
            where = f"line {self.line}"
        parts = [part for part in (where, self.field, self.message) if part]
        return ": ".join(parts)


class DocumentError(CompoundkitError, ValueError):
    """A TOML/JSON document does not have the shape its format asks for.

    ``problems`` lists every problem found (a document is checked as a whole), each
    rendered as ``file:line: field.path: message``.
    """

    def __init__(self, problems: Sequence[Problem], *, file: str | None = None) -> None:
        self.problems = tuple(problems) or (Problem((), "invalid document"),)
        self.file = file
        lines = [problem.render(file) for problem in self.problems]
        if len(lines) == 1:
            super().__init__(lines[0])
        else:
            head = f"{file}: " if file else ""
            super().__init__(f"{head}{len(lines)} problems:\n  " + "\n  ".join(lines))


class StrengthParseError(CompoundkitError, ValueError):
    """A strength text does not follow compoundkit's strength grammar.

    ``text`` is the input (shortened when very long) and ``position`` the index
    of the offending character, shown with a caret under it.
    """

    def __init__(self, text: str, position: int | None, reason: str) -> None:
        self.text = text if len(text) <= 80 else text[:77] + "..."
        self.position = position
        self.reason = reason
        super().__init__(self._render())

    def _render(self) -> str:
        if self.position is None or self.position > len(self.text):
            if not self.text or self.text in self.reason:
                return self.reason
            return f"{self.reason}: {self.text!r}"
        return f"{self.reason}\n  {self.text}\n  {' ' * self.position}^"


class DimensionError(CompoundkitError, ValueError):
    """A quantity has the wrong physical dimension (a volume where a mass is needed...)."""


class DosageFormError(CompoundkitError, ValueError):
    """A dosage form (or physical state) is not one compoundkit knows."""


class DensityRequiredError(DimensionError):
    """A conversion between mass and volume was asked for without a density."""


class UnknownIngredientError(CompoundkitError, LookupError):
    """No ingredient in the catalog answers to ``name``; ``suggestions`` are close matches."""

    def __init__(self, name: str, suggestions: Sequence[str] = ()) -> None:
        self.name = name
        self.suggestions = tuple(suggestions)
        super().__init__(f"unknown ingredient {_shown(name)}{_did_you_mean(self.suggestions)}")


class UnknownVehicleError(CompoundkitError, LookupError):
    """No vehicle (base) in the catalog answers to ``name``."""

    def __init__(self, name: str, suggestions: Sequence[str] = ()) -> None:
        self.name = name
        self.suggestions = tuple(suggestions)
        super().__init__(
            f"unknown vehicle {_shown(name)}{_did_you_mean(self.suggestions)} "
            "(give a catalog id, name or alias, listed by `compoundkit vehicles`, or an "
            "inline table such as { name = '...', aqueous = true, preserved = true })"
        )


class CatalogError(DocumentError):
    """A catalog (ingredient or vehicle) file or entry is invalid, or asked for what it lacks.

    Built from ``problems`` (each rendered ``file:line: field.path: message``) or from one
    ``message``. ``entry`` names the entry (of the first problem) and ``field`` its path
    within the entry.
    """

    def __init__(
        self,
        message: str = "",
        *,
        file: str | None = None,
        entry: str | None = None,
        field: str | None = None,
        problems: Sequence[Problem] = (),
    ) -> None:
        super().__init__(problems or (Problem((), message),), file=file)
        self.entry = entry
        self.field = field


class FormulaFileError(DocumentError):
    """A formula file cannot be read or does not follow the formula file format.

    ``problems`` lists every problem found (a formula is checked as a whole); ``line``
    and ``field`` (``ingredients[0].strength``) are those of the problem when there is
    only one.

    >>> str(FormulaFileError("is required", file="f.toml", line=2, field="dosage_form"))
    'f.toml:2: dosage_form: is required'
    """

    def __init__(
        self,
        problems: str | Sequence[Problem],
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        if isinstance(problems, str):
            parts = (field or "").replace("[", ".").replace("]", "").split(".")
            path = tuple(int(p) if p.isdigit() else p for p in parts if p)
            problems = (Problem(path, problems, line),)
        super().__init__(problems, file=file)
        only = self.problems[0] if len(self.problems) == 1 else None
        self.line = only.line if only else None
        self.field = (only.field or None) if only else None


class FormulationError(CompoundkitError, ValueError):
    """A formulation has error-level findings; ``findings`` holds all of them."""

    def __init__(self, message: str, findings: Sequence[object] = ()) -> None:
        self.findings = tuple(findings)
        super().__init__(message)


class BatchError(CompoundkitError, ValueError):
    """A batch cannot be computed as asked (size, count, excess, potency or balance)."""


class CalculationError(CompoundkitError, ValueError):
    """A pharmacy calculation cannot be done with the values given.

    The message names the argument, its value and what is allowed.
    """


class BudError(CompoundkitError, ValueError):
    """A beyond-use date cannot be assigned as asked."""


class BudRulesError(BudError, DocumentError):
    """A BUD rules document (``bud_rules.toml`` or a rule book of your own) is invalid.

    A :class:`BudError` and a :class:`DocumentError`: ``problems`` lists every problem.
    """


class RecordError(CompoundkitError, ValueError):
    """A master formulation record or compounding record is invalid.

    ``problems`` lists every problem of a record document that does not have the record
    file's shape (as :class:`DocumentError` does); it is empty for other errors.
    """

    def __init__(self, message: str, *, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


class SchemaVersionError(RecordError):
    """A saved record uses a schema version this compoundkit cannot read."""


class StoredFigureError(RecordError):
    """A saved record states a figure that does not match what it is derived from.

    ``field`` names it (``components[0].target``, ``bud.date``, ``approved_hash``...).
    """

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class RecordRefusedError(RecordError):
    """A step of a record's life (approve, verify, release, log, correct) is refused.

    ``findings`` holds every reason (:class:`~compoundkit.formulas.findings.Finding`
    objects), so a script can show or act on each one.
    """

    def __init__(self, message: str, findings: Sequence[object] = ()) -> None:
        super().__init__(message)
        self.findings = tuple(findings)


class SamePersonError(RecordRefusedError):
    """The second person of a step is the first: an author approving their own MFR, a
    compounder verifying their own preparation (names compared by
    :func:`~compoundkit.names.name_key`)."""


class OutOfToleranceError(RecordRefusedError):
    """An actual quantity is outside its tolerance and no deviation is documented for it."""


class IncompleteRecordError(RecordRefusedError):
    """A record cannot be final: an unapproved MFR, a lot, an expiry, an actual quantity,
    the verifier or the BUD is missing (each one a finding)."""


class MissingDependencyError(CompoundkitError, ImportError):
    """An optional dependency (an extra such as ``pandas``) is not installed."""


class LogIntegrityError(CompoundkitError, ValueError):
    """The record log's hash chain is broken (an entry was edited, removed or reordered)."""


class OutputPathError(CompoundkitError, ValueError):
    """An output path is refused (outside the working folder, a folder, a device...)."""


class SignatureError(CompoundkitError, ValueError):
    """A signature or signing key is refused (wrong passphrase, untrusted key, a record
    changed after signing, a signature moved to another record or meaning)."""


class LogStorageError(CompoundkitError, OSError):
    """The record log cannot be opened or written (read-only file, full disk, not a log)."""


class CompoundkitWarning(UserWarning):
    """A figure that is right for what was given, but the user should know how it was got."""


class RuleNotAppliedWarning(CompoundkitWarning):
    """A rule could not be applied for lack of an input (e.g. USP <41>'s 0.41 d floor
    without the balance's readability d): the figure is what the rest of the rule gives."""


def __dir__() -> list[str]:
    """The public names only (no imported helpers or submodules)."""
    return sorted(__all__)
