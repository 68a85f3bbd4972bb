"""The one family of exceptions services raise; the web layer and the CLI turn them into words."""

from typing import Any


class ServiceError(Exception):
    """A refusal the person can act on: `reason` names it, `details` fill in its message."""

    reason = "refused"

    def __init__(self, reason: str | None = None, **details: Any) -> None:
        self.reason = reason or type(self).reason
        self.details = details
        super().__init__(self.reason)


class NotFound(ServiceError):
    """The thing asked for does not exist, or the person may not know that it does."""

    reason = "not_found"


class NotAllowed(ServiceError):
    """The person may not do this."""

    reason = "not_allowed"


class Refused(ServiceError):
    """The input cannot be used; the reason says what is wrong with it."""
