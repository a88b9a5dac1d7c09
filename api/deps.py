"""Shared route dependencies, declared once as type aliases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Path, Query, Request, status

from api.agents import AgentAccount, by_token
from api.conversations import Agent, Conversation
from api.services import Services
from api.sessions import AgentSession, find_session
from api.web_session import CONVERSATION_COOKIE, SAFE_METHODS, SESSION_COOKIE, csrf_refusal, foreign_origin


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def bearer_token(request: Request) -> str | None:
    """The token from `Authorization: Bearer …`. Never from the URL, where access logs would keep it."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


TokenDep = Annotated[str | None, Depends(bearer_token)]

# The largest id a row can have on any database we run on (PostgreSQL's `integer`). A larger id in
# a path is a 422, not a query whose parameter overflows the driver (a 500).
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


@dataclass(frozen=True)
class SignedIn:
    """Who is calling the agent API, and how: a bearer token, or a console session cookie."""

    account: AgentAccount
    session: AgentSession | None
    credential: str  # the token or the cookie's secret, to re-check a long-lived stream

    async def still_valid(self, services: Services) -> bool:
        if self.session is None:
            account = await by_token(services.engine, self.credential)
            return account is not None and not account.token_expired(services.settings.agent_token_days)
        return await find_session(services.engine, self.credential, token_days=services.settings.agent_token_days) is not None


EXPIRED_TOKEN = "agent token expired; an admin issues a new one with `switchboard agent create NAME`"


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


async def signed_in(request: Request, services: ServicesDep, token: TokenDep) -> SignedIn:
    """A Bearer header (API integrations) or the session cookie (the console). With the cookie, a
    request that changes state must come from this site and carry the session's CSRF token."""
    if token:
        account = await by_token(services.engine, token)
        if account is None:
            raise _unauthorized("agent token missing or invalid")
        if account.token_expired(services.settings.agent_token_days):
            raise _unauthorized(EXPIRED_TOKEN)
        return SignedIn(account, None, token)
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        raise _unauthorized("agent token missing or invalid")
    session = await find_session(services.engine, secret, token_days=services.settings.agent_token_days)
    if session is None:
        raise _unauthorized("session ended or expired; sign in again")
    if refusal := csrf_refusal(request, session.csrf_token, services.settings.public_url):
        raise HTTPException(status.HTTP_403_FORBIDDEN, refusal)
    return SignedIn(session.agent, session, secret)


SignedInDep = Annotated[SignedIn, Depends(signed_in)]


async def current_account(who: SignedInDep) -> AgentAccount:
    return who.account


CurrentAccount = Annotated[AgentAccount, Depends(current_account)]


async def current_agent(who: SignedInDep, services: ServicesDep) -> Agent:
    await services.activity.note(services.engine, who.account.id)  # an agent at work is not gone
    return who.account.agent


CurrentAgent = Annotated[Agent, Depends(current_agent)]


async def current_admin(account: CurrentAccount) -> AgentAccount:
    if not account.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this needs an admin agent")
    return account


CurrentAdmin = Annotated[AgentAccount, Depends(current_admin)]


async def customer_conversation(
    conversation_id: str, request: Request, services: ServicesDep, token: TokenDep
) -> Conversation:
    """The conversation a Bearer token (API clients, the widget) or the chat page's conversation
    cookie opens. With the cookie, a change must come from this site."""
    if not token and (token := request.cookies.get(CONVERSATION_COOKIE)):
        if request.method.upper() not in SAFE_METHODS and (
            refusal := foreign_origin(request, services.settings.public_url)
        ):
            raise HTTPException(status.HTTP_403_FORBIDDEN, refusal)
    if not token:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "conversation token missing", headers={"WWW-Authenticate": "Bearer"}
        )
    return await services.conversations.authorize(conversation_id, token)


CustomerConversation = Annotated[Conversation, Depends(customer_conversation)]


def last_event_id(
    last_event_id: Annotated[int | None, Query(ge=0, le=MAX_ROW_ID)] = None,
    header: Annotated[str | None, Header(alias="Last-Event-ID", description="an EventSource reconnecting")] = None,
) -> int | None:
    """Where a stream resumes: the header, else the query. A header that is no event id we could
    have sent (not ASCII digits, or past the largest id) is ignored, as a missing one is."""
    value = (header or "").strip()
    if _could_be_an_event_id(value):
        return int(value)
    return last_event_id


def _could_be_an_event_id(value: str) -> bool:
    """ASCII digits, no more than the largest id has, and not past it. The length is checked before
    `int()`: past 4300 digits Python refuses to convert a string at all (a ValueError, a 500)."""
    return (
        value.isascii() and value.isdigit() and len(value) <= len(str(MAX_ROW_ID)) and int(value) <= MAX_ROW_ID
    )


LastEventId = Annotated[int | None, Depends(last_event_id)]


async def within_limit(limiter, key: str, what: str) -> None:
    """429 with Retry-After past the limit; else the hit is counted (one step: see `take`)."""
    if (wait := (await limiter.take(key)).wait) is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS, f"{what}; try again in {wait} s", headers={"Retry-After": str(wait)}
        )


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
