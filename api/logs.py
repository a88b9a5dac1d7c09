"""Credentials never reach a log: the access log's request lines lose any credential-looking
query value, whatever a client put in a URL."""

from __future__ import annotations

import logging
import re

SECRET_PARAMS = re.compile(
    r"(?i)([?&](?:token|access_token|api_key|apikey|key|secret|password|passwd|session|ticket|auth|code)=)[^&#\s\"]*"
)


def redact(text: str) -> str:
    return SECRET_PARAMS.sub(r"\1[redacted]", text)


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
