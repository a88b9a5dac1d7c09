"""Taking over a chat another agent holds.

A claim never takes a chat from another agent: two agents clicking at once must not pass it back
and forth. But a chat whose agent is gone must not wait for them either, so an agent may *take
over* a chat held by someone not at work now (their console closed or offline, no call to the
agent API within a minute; one merely set away, finishing their chats, is at work), and an admin
may take over any chat (a supervisor moving work). The chat is then the new agent's, within
their chat limit; the customer sees them join; the card the last agent asked for is no longer
wanted; the last agent's console sees the chat leave them; the audit log says who took it from whom.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from api import audit
from api.conversation_reads import Agent, Conversation
from api.conversations import ConversationService
from api.db import agents, conversations
from api.errors import Conflict
from api.events import append_event
from api.held_chats import end_payment_requests
from api.presence import SEEN_WITHIN
from api.schemas import AgentPublic


def _holder_present() -> sa.Exists:
    """The holding agent is at work: their console open, or a call to the agent API, within
    `SEEN_WITHIN`, and not revoked. One set away but still finishing their chats is present."""
    seen = agents.c.last_seen_at >= datetime.now(UTC) - SEEN_WITHIN
    return (
        sa.select(agents.c.id)
        .where(agents.c.id == conversations.c.agent_id, seen, agents.c.revoked_at.is_(None))
        .correlate(conversations)
        .exists()
    )


async def take_over(service: ConversationService, conversation_id: str, agent: Agent, *, admin: bool) -> Conversation:
    """The chat becomes `agent`'s; 409 if it is closed, its holder is online and `agent` no admin,
    or `agent` holds as many chats as one may. A chat nobody holds is simply claimed."""
    current = await service.get(conversation_id)
    if current.state != "agent" or current.agent is None or current.agent.id == agent.id:
        return await service.claim(conversation_id, agent)
    holder = current.agent
    async with service.engine.begin() as conn:
        await service.within_chat_limit(conn, conversation_id, agent)
        allowed = sa.true() if admin else ~_holder_present()
        moved = await conn.execute(
            conversations.update()
            .where(
                conversations.c.id == conversation_id, conversations.c.state == "agent",
                conversations.c.agent_id == holder.id, allowed,
            )
            .values(agent_id=agent.id, updated_at=datetime.now(UTC))
            .returning(conversations.c.id)
        )
        taken = moved.first() is not None
        if taken:
            await end_payment_requests(conn, conversation_id)
            await append_event(
                conn, conversation_id, "conversation.claimed",
                {"agent": AgentPublic(id=agent.id, name=agent.name).model_dump(),
                 "from": AgentPublic(id=holder.id, name=holder.name).model_dump()},
            )
            await audit.record(
                conn, "conversation.take_over", audit.Actor(agent.name, agent.id),
                conversation_id=conversation_id, detail={"from": holder.name},
            )
    if not taken:
        now = await service.get(conversation_id)
        if now.state == "closed":
            raise Conflict("conversation is closed")
        if now.agent is not None and now.agent.id != holder.id:
            raise Conflict(f"conversation is owned by {now.agent.name}")
        raise Conflict(f"{holder.name} holds this chat and is at work (seen in the last minute): only an admin can take it over")
    await service.notifier.publish()
    return await service.get(conversation_id)
