"""Named errors: everything the CLI turns into exit code 2 with one clear line."""

from __future__ import annotations


class AuditorError(Exception):
    """Base class of every error auditor raises on purpose."""

    kind = "error"


class InputError(AuditorError):
    """The target or an option cannot be used (bad path, malformed id)."""

    kind = "input"


class TargetNotFoundError(AuditorError):
    """The repository, revision or path does not exist."""

    kind = "not-found"


class HubUnavailableError(AuditorError):
    """The Hub could not be reached or kept failing after bounded retries."""

    kind = "hub-unavailable"


class OfflineMissingError(AuditorError):
    """Offline mode was asked for and nothing about the target is cached locally."""

    kind = "offline-missing"
