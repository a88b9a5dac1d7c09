"""Helpers for driving the API as a customer and as an agent."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from api.agents import create_or_rotate
from api.conversations import ConversationService
from api.db import open_database
from api.events import LocalNotifier
from knowledge import Settings

ANSWERABLE = "How do I reset my password?"
OFF_TOPIC = "What is the capital of France?"


@dataclass
class Customer:
    client: TestClient
    id: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def say(self, text: str):
        return self.client.post(f"/v1/conversations/{self.id}/messages", json={"text": text}, headers=self.auth)

    def conversation(self) -> dict:
        response = self.client.get(f"/v1/conversations/{self.id}", headers=self.auth)
        assert response.status_code == 200, response.text
        return response.json()


def start_conversation(client: TestClient) -> Customer:
    response = client.post("/v1/conversations")
    assert response.status_code == 201, response.text
    body = response.json()
    return Customer(client, body["id"], body["token"])


def create_agent(settings: Settings, name: str, role: str | None = None) -> dict[str, str]:
    """An agent account, as `switchboard agent create [--role admin]` makes it; returns its auth header."""
    return create_agents(settings, [name], role)[0]


def create_agents(settings: Settings, names: list[str], role: str | None = None) -> list[dict[str, str]]:
    """Several agent accounts, made over one database connection; their auth headers, in order."""

    async def create() -> list[str]:
        engine: AsyncEngine = await open_database(settings.resolved_database_url)
        try:
            return [(await create_or_rotate(engine, name, role))[1] for name in names]
        finally:
            await engine.dispose()

    return [{"Authorization": f"Bearer {token}"} for token in asyncio.run(create())]


def run_service(url: str, scenario: Callable[[ConversationService], Awaitable[None]], max_agent_chats: int = 4) -> None:
    """Run `scenario` against a conversation service over the database at `url`, then shut both down."""

    async def main() -> None:
        engine = await open_database(url)
        service = ConversationService(
            engine=engine, notifier=LocalNotifier(), max_message_chars=4000, max_agent_chats=max_agent_chats
        )
        try:
            await scenario(service)
        finally:
            await service.shutdown()
            await engine.dispose()

    asyncio.run(main())
