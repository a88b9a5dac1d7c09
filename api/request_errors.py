"""Requests the app cannot take, answered with a clear 422 that never echoes what was sent.

FastAPI's own validation reply repeats each refused value (`input`): a card number one digit
short, a password-like token, would come back in the response and, where the reply cannot be
encoded (a lone surrogate such as `"\\ud800"` in the JSON), end in a 500 whose traceback logs it.
Here a refused field is named (`loc`) and the rule it broke said (`msg`), nothing more; and text
that is not valid Unicode, wherever it reaches (a database, a hash), is refused before anything
is stored.
"""

from __future__ import annotations

from fastapi import Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

NOT_UNICODE = "the request holds text that is not valid Unicode (a lone surrogate such as \\ud800); nothing was stored"


async def validation_failed(_request: Request, exc: RequestValidationError) -> JSONResponse:
    detail = [{"type": e.get("type"), "loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in exc.errors()]
    return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def not_unicode(_request: Request, _exc: UnicodeError) -> JSONResponse:
    return JSONResponse({"detail": NOT_UNICODE}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
