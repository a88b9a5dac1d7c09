"""Domain errors raised by the service layer; the app maps each to one HTTP status."""

# a message id that is not one of the conversation's (the conversation itself exists)
MESSAGE_NOT_FOUND = "message not found in this conversation"


class NotFound(Exception):
    """404: no such conversation (or not yours); with a text, no such other thing (a message)."""


class Forbidden(Exception):
    """403: the caller may not do this to this resource (another agent's reply, say)."""


class Conflict(Exception):
    """409: the conversation's state does not allow this (closed, or another agent owns it)."""


class Invalid(Exception):
    """422: the request is well-formed JSON but its content is not acceptable."""
