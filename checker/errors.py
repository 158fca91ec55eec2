"""The exceptions that cross module boundaries, and the exit codes they map to."""
from __future__ import annotations


class PreflightError(Exception):
    """Base class: anything the CLI turns into a clean one-line message."""

    exit_code = 2


class UsageError(PreflightError):
    """Bad command-line arguments or configuration file."""


class NothingToScan(PreflightError):
    """The paths hold no file preflight reads: a CI job pointed at the wrong folder must fail loudly."""


class RuleFileError(PreflightError):
    """A checklist file is invalid: names the file, the rule and the field."""


class InputError(Exception):
    """A scanned file cannot be read or parsed; becomes an `error` result."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None, reason: str = "unparsable") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.reason = reason  # one of models.ErrorReason


class ProbeError(Exception):
    """A probe could not run. `reason` is one of the reasons in models.ErrorReason."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
