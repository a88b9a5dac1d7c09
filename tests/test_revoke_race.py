"""Revoking an agent while the customers of the chats they hold are typing (PostgreSQL, two workers).

Revoking requeued the agent's chats one after another in its transaction: it locked the first
chat's row and took the event lock (`append_event`), then waited for the next chat's row, held by
a customer's line waiting for the event lock. PostgreSQL broke the deadlock by failing one side:
the revocation (503, or a traceback from `switchboard agent revoke`; the chats stayed with the
agent and its token still worked) or the customer's line. QA saw it in 5 rounds of 6.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

from api.agents import create_or_rotate, revoke
from api.conversations import Agent, ConversationService
from api.db import open_database
from api.events import LocalNotifier

CHATS = 4  # the chats the agent holds, each with a customer typing
ROUNDS = 6


@dataclass
class Typing:
    """A customer writing line after line into their chat, through both workers in turn."""

    conversation_id: str
    workers: list[ConversationService]
    sent: list[str] = field(default_factory=list)  # the lines whose POST succeeded
    started: asyncio.Event = field(default_factory=asyncio.Event)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        for n in itertools.count():
            if self.stop.is_set():
                return
            text = f"line {n} in {self.conversation_id}"
            await self.workers[n % 2].post_customer_message(self.conversation_id, text, _never_asked)
            self.sent.append(text)
            self.started.set()


async def _never_asked(*_: object, **__: object) -> None:
    raise AssertionError("the bot answered a chat held by an agent, or waiting in the queue")


def test_revoking_an_agent_while_their_customers_type_puts_every_chat_back_in_the_queue(pg_url: str) -> None:
    async def main() -> None:
        engines = [await open_database(pg_url) for _ in range(2)]
        workers = [
            ConversationService(engine=e, notifier=LocalNotifier(), max_message_chars=4000, max_agent_chats=CHATS)
            for e in engines
        ]
        try:
            chats = [(await workers[0].create())[0] for _ in range(CHATS)]
            for _ in range(ROUNDS):
                await revoke_while_typing(workers, chats)
        finally:
            for worker, engine in zip(workers, engines, strict=True):
                await worker.shutdown()
                await engine.dispose()

    asyncio.run(main())


async def revoke_while_typing(workers: list[ConversationService], chats: list[str]) -> None:
    """One round: the agent (given access again) holds every chat; its customers type; revoke."""
    engine = workers[0].engine
    account, _, _ = await create_or_rotate(engine, "bob")  # a rotated token lifts the revocation
    for conversation_id in chats:
        await workers[0].claim(conversation_id, Agent(account.id, account.name))
    customers = [Typing(c, workers) for c in chats]
    typing = [asyncio.create_task(c.run()) for c in customers]
    try:
        await asyncio.wait_for(asyncio.gather(*(c.started.wait() for c in customers)), 30)
        revoked = await revoke(engine, account.id)
    finally:
        for customer in customers:
            customer.stop.set()
        await asyncio.gather(*typing)  # a line that failed fails the test here
    assert revoked.revoked_at is not None
    for customer in customers:
        chat = await workers[0].get(customer.conversation_id)
        assert (chat.state, chat.agent) == ("queued", None)
        stored = [m.text for m in await workers[0].messages(customer.conversation_id) if m.role == "customer"]
        assert stored[-len(customer.sent):] == customer.sent  # every line kept, in order
