"""The error responses the API declares in its OpenAPI schema. Every error body is
`{"detail": ...}`: a sentence, or for a request that fails validation, FastAPI's list of issues."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class ErrorOut(BaseModel):
    detail: str


class ValidationIssue(BaseModel):
    """One problem with a request, as FastAPI reports it (`input` and `ctx` may come too)."""

    model_config = ConfigDict(extra="allow")
    loc: list[str | int]
    msg: str
    type: str


class UnprocessableOut(BaseModel):
    """422: the request did not validate (a list of issues), or its content is not acceptable (a
    sentence saying why: an empty message, malformed escalation rules, ...)."""

    detail: str | list[ValidationIssue]


DESCRIPTIONS = {
    400: "the request body could not be read (not UTF-8 text)",
    401: "credentials missing, invalid or revoked",
    403: "not allowed: an admin-only action, another agent's resource, or a cookie request from another site or without its CSRF token",
    404: "no such resource, or not yours",
    409: "the resource's state does not allow this",
    413: "request body too large",
    422: "the request is not acceptable",
    429: "too many requests; see Retry-After",
    503: "briefly unavailable (the database); retry after Retry-After",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a router or route that can answer with these error statuses."""
    return {
        code: {"model": UnprocessableOut if code == 422 else ErrorOut, "description": DESCRIPTIONS[code]}
        for code in codes
    }
