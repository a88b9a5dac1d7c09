"""Domain errors raised by the service layer; the app maps each to one HTTP status."""


class NotFound(Exception):
    """404: no such conversation (or not yours)."""


class Forbidden(Exception):
    """403: the caller may not do this to this resource (another agent's reply, say)."""


class Conflict(Exception):
    """409: the conversation's state does not allow this (closed, or another agent owns it)."""


class Invalid(Exception):
    """422: the request is well-formed JSON but its content is not acceptable."""
