"""Shared route dependencies, declared once as type aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request, status

from api.agents import by_token
from api.conversations import Agent, Conversation
from api.services import Services


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def bearer_token(request: Request, token: Annotated[str | None, Query()] = None) -> str | None:
    """The token from `Authorization: Bearer …`, or from `?token=` (EventSource cannot set headers)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return token


TokenDep = Annotated[str | None, Depends(bearer_token)]


async def current_agent(services: ServicesDep, token: TokenDep) -> Agent:
    agent = await by_token(services.engine, token) if token else None
    if agent is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "agent token missing or invalid", headers={"WWW-Authenticate": "Bearer"}
        )
    return agent


CurrentAgent = Annotated[Agent, Depends(current_agent)]


async def customer_conversation(conversation_id: str, services: ServicesDep, token: TokenDep) -> Conversation:
    if not token:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "conversation token missing", headers={"WWW-Authenticate": "Bearer"}
        )
    return await services.conversations.authorize(conversation_id, token)


CustomerConversation = Annotated[Conversation, Depends(customer_conversation)]


def last_event_id(request: Request, last_event_id: Annotated[int | None, Query()] = None) -> int | None:
    header = request.headers.get("last-event-id")
    if header and header.strip().isdigit():
        return int(header.strip())
    return last_event_id


LastEventId = Annotated[int | None, Depends(last_event_id)]
