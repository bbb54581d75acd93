"""Errors whose message is safe to show the person who caused them.

Services raise a ``UserError`` (or a subclass) with a sentence written for a student or a
staff member: what was wrong and what to do instead. The one error handler in ``cogs/``
turns it into an ephemeral reply. Anything else is a bug: it is logged with an error id and
the person sees a short apology quoting that id.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem the person can fix; ``message`` is shown to them as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(UserError):
    """The person may not do this (for example a student running a staff command)."""


class NotFound(UserError):
    """Something the person named does not exist (or no longer does)."""


class InvalidInput(UserError):
    """The person's input could not be understood; the message says what works."""
