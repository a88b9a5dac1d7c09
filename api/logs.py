"""Credentials never reach a log: the access log's request lines lose any credential-looking
query value, and any card number, whatever a client put in a URL (in a path, a query, encoded)."""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus

from api.masking import mask_card_numbers

SECRET_PARAMS = re.compile(
    r"(?i)([?&](?:token|access_token|api_key|apikey|key|secret|password|passwd|session|ticket|auth|code)=)[^&#\s\"]*"
)


# An encoded line break or other control character (C0, DEL, C1, U+2028/9) stays encoded when a
# line is decoded: "%0AINFO: ... 201 Created" in a URL must not write a line of its own.
_ENCODED_CONTROL = re.compile(r"%(?:[01][0-9A-Fa-f]|7[Ff]|[Cc]2%[89][0-9A-Fa-f]|[Ee]2%80%[Aa][89])")


def redact(text: str) -> str:
    """The text with credential-looking query values redacted and card numbers masked. A line
    holding a card number is logged decoded ("%20" as a space), so the number is found and masked;
    control characters stay encoded."""
    text = SECRET_PARAMS.sub(r"\1[redacted]", text)
    if "%" not in text and "+" not in text:
        return mask_card_numbers(text)
    decoded = unquote_plus(_ENCODED_CONTROL.sub(lambda m: m.group().replace("%", "%25"), text))
    cleaned = mask_card_numbers(SECRET_PARAMS.sub(r"\1[redacted]", decoded))  # "?to%6Ben=" is "?token="
    return cleaned if cleaned != decoded else text


class RedactCredentials(logging.Filter):
    """Rewrites a record's arguments (uvicorn's access log passes the path as one) and message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


ACCESS_LOGGERS = ("uvicorn.access", "uvicorn.error")


def install(loggers: tuple[str, ...] = ACCESS_LOGGERS) -> RedactCredentials:
    f = RedactCredentials()
    for name in loggers:
        logging.getLogger(name).addFilter(f)
    return f


def uninstall(f: RedactCredentials, loggers: tuple[str, ...] = ACCESS_LOGGERS) -> None:
    for name in loggers:
        logging.getLogger(name).removeFilter(f)


class RedactingFormatter(logging.Formatter):
    """The whole line redacted, traceback included: an exception's message may quote a value."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


OUR_PACKAGES = ("api", "assistant", "knowledge", "ingest", "evals")


def log_our_packages(level: int = logging.INFO) -> logging.Handler:
    """What the service says of itself (the handoff threshold it runs with, a database gone away,
    a knowledge base reopened) goes to stderr beside uvicorn's lines, at INFO; other libraries
    keep their own levels. Credentials and card numbers are redacted here too."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(levelname)s:     %(name)s: %(message)s"))
    handler.addFilter(RedactCredentials())
    for name in OUR_PACKAGES:
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.addHandler(handler)
        logger.propagate = False
    return handler
