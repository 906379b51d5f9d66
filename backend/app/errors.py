"""The application's exception tree.

Domain code raises these and never imports FastAPI; `app.main` maps each class
to an HTTP status in one table. A subclass's docstring is its default message.
"""

from __future__ import annotations


class AppError(Exception):
    """Something went wrong."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message or (self.__doc__ or "error").strip()
        super().__init__(self.message)


class ConfigError(AppError):
    """The settings are invalid."""


class NotFound(AppError):
    """Not found."""


class Conflict(AppError):
    """The request conflicts with the current state."""


class InvalidInput(AppError):
    """The input is invalid."""


class NonFiniteResult(InvalidInput):
    """A computed figure is not a finite number."""


class PayloadTooLarge(InvalidInput):
    """The upload is larger than MAX_UPLOAD_MB."""


class Forbidden(AppError):
    """Only administrators may do this."""


class Unauthorized(AppError):
    """Not authenticated."""


class RateLimited(AppError):
    """Too many requests."""

    def __init__(self, message: str | None = None, *, retry_after_s: int = 60) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class KmlError(InvalidInput):
    """The site file could not be read as KML/KMZ."""


class StorageError(AppError):
    """The storage backend failed."""


class StorageKeyNotFound(StorageError, NotFound):
    """No object is stored under that key."""


class QueueError(AppError):
    """The queue backend failed."""


class DemError(AppError):
    """Terrain data could not be obtained."""

    retryable = False


class DemUnavailable(DemError):
    """Failed to fetch DEM data: the elevation service is unavailable; try again later."""

    retryable = True


class DemNotCovered(DemError):
    """No configured DEM source covers this site."""


class EngineError(AppError):
    """The layout engine could not produce a layout."""


class JobCancelled(AppError):
    """The job was cancelled."""


class NoCapacity(InvalidInput):
    """No generating capacity fits on this site with these design limits."""


class NoGridConnection(EngineError, InvalidInput):
    """No position on the site fits the substation, so the plant would have no grid connection."""

    # A property of the site and its design limits: running the job again cannot help.
    retryable = False
