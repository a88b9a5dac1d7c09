"""How a console session travels over HTTP: the cookie that carries it, and what a request
authenticated by that cookie must also show (same origin, the session's CSRF token) to change state.

Bearer tokens need none of this: a browser never adds an Authorization header on its own.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from fastapi import Request, Response

SESSION_COOKIE = "sb_session"
# The chat page's conversation token: HttpOnly, and sent only to that conversation's endpoints.
CONVERSATION_COOKIE = "sb_conversation"
CONVERSATION_COOKIE_DAYS = 30
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Plain HTTP is tolerated only here (a developer's machine; `testserver` is Starlette's test host).
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "testserver"})


def cookie_is_secure(request: Request) -> bool:
    """Secure (sent over HTTPS only), except for plain HTTP to this machine."""
    return not (request.url.scheme == "http" and request.url.hostname in LOCAL_HOSTS)


def set_session_cookie(response: Response, request: Request, secret: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE, secret, max_age=max_age, path="/",
        secure=cookie_is_secure(request), httponly=True, samesite="strict",
    )


def set_conversation_cookie(response: Response, request: Request, conversation_id: str, token: str) -> None:
    response.set_cookie(
        CONVERSATION_COOKIE, token, max_age=CONVERSATION_COOKIE_DAYS * 86400,
        path=f"/v1/conversations/{conversation_id}", secure=cookie_is_secure(request), httponly=True,
        samesite="strict",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=cookie_is_secure(request), httponly=True, samesite="strict"
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def own_origins(request: Request, public_url: str) -> set[str]:
    """This app's origin: as the request reached it, and as configured (behind a proxy)."""
    return {_origin(str(request.base_url)), _origin(public_url)}


def foreign_origin(request: Request, public_url: str) -> str | None:
    """Why the request must be refused if its Origin is another site's, else None."""
    origin = request.headers.get("origin")
    if origin is None or origin.lower() in own_origins(request, public_url):
        return None
    return f"cross-site request refused: origin {origin!r} is not this site"


def csrf_refusal(request: Request, csrf_token: str, public_url: str) -> str | None:
    """Why a cookie-authenticated request may not change state, or None if it may."""
    if request.method.upper() in SAFE_METHODS:
        return None
    if reason := foreign_origin(request, public_url):
        return reason
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        return f"the {CSRF_HEADER} header is required with a session cookie"
    if not hmac.compare_digest(sent.encode(), csrf_token.encode()):
        return f"the {CSRF_HEADER} header does not match this session"
    return None
