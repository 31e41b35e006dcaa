"""Every error the product raises on purpose, under one root that carries a hint for the user.

The front doors (``jobmatch`` and the dashboard) catch :class:`JobmatchError` only: anything else is a bug
and keeps its traceback. Each class also derives from the built-in it used to be, so ``except ValueError``
in callers and tests keeps working.
"""

from __future__ import annotations

from pathlib import Path


class JobmatchError(Exception):
    """Root of the project's errors; ``hint`` says what the user can do about it (may be empty)."""

    hint: str = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        message = str(self.args[0]) if self.args else ""
        if self.hint and self.hint not in message:
            return f"{message}: {self.hint}" if message else self.hint
        return message


# --- input the user gave us -------------------------------------------------------------------------------


class InputError(JobmatchError, ValueError):
    """A file, value or option the user gave is unusable; the message names where (file, row, column)."""


class ImportValidationError(InputError):
    """A file failed validation; nothing was written. ``str()`` names file, row and column."""

    def __init__(
        self,
        file: Path,
        problem: str,
        *,
        row: int | None = None,
        column: str | None = None,
        line: int | None = None,
    ) -> None:
        self.file, self.problem, self.row, self.column, self.line = file, problem, row, column, line
        where = [str(file)]
        if row is not None:
            where.append(f"row {row}" + (f" (line {line})" if line is not None else ""))
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {problem}")


class MissingFileError(InputError, FileNotFoundError):
    """A file the user or the configuration names does not exist."""


class TaxonomyError(InputError):
    """The taxonomy's tables do not fit together (duplicate ids, dangling links, missing labels)."""


class EscoImportError(InputError):
    """The ESCO download is incomplete or not what we expect (missing file or column, broken links)."""


class NotFoundError(JobmatchError, KeyError):
    """A seeker, vacancy or other id is not in the store (``str()`` is the plain message, not a repr)."""

    def __str__(self) -> str:
        return JobmatchError.__str__(self)


# --- state on disk --------------------------------------------------------------------------------------------


class StoreError(JobmatchError, RuntimeError):
    """The store is missing, from a newer version, or otherwise unusable."""


class ArtefactError(JobmatchError, RuntimeError):
    """A saved index or model is missing, stale, corrupt or from another format; the hint names the rebuild."""


# --- models -------------------------------------------------------------------------------------------------


class NotFittedError(JobmatchError, RuntimeError):
    """A model was used before ``fit()`` (or loading) gave it its fitted state."""


class CapacityError(JobmatchError, RuntimeError):
    """An assignment breaks a capacity (a bug: every allocation method checks its own result)."""


# --- the dashboard's application layer ------------------------------------------------------------------------


class AccessDenied(JobmatchError, PermissionError):
    """The user's role or scope does not allow this; the message never reveals whether the record exists."""


class RecommendationsOff(JobmatchError, RuntimeError):
    """An administrator has switched suggestions off; manual search still works."""


class ModelUnavailable(JobmatchError, RuntimeError):
    """The model or index is missing or stale; the message names the command that rebuilds it."""


class InvalidDecision(InputError):
    """A decision without a reason, with an unknown action, or pointing at nothing."""


class CaseloadError(InputError):
    """A caseload change names a citizen or consultant that does not exist, or pairs a citizen with a
    consultant of another job centre; the message names which citizen and which user."""
