"""Agent endpoints: the queue, live conversations, claim / reply / correct / release / close."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import CurrentAgent, LastEventId, ServicesDep
from api.events import last_event_id
from api.schemas import AgentConversation, AgentMessagePublic, AgentPublic, ConversationList, MessageIn
from api.streams import event_response
from api.views import agent_conversation, agent_conversations

router = APIRouter(prefix="/v1/agent", tags=["agent"])


@router.get("/me")
async def me(agent: CurrentAgent) -> AgentPublic:
    return AgentPublic(id=agent.id, name=agent.name)


@router.get("/queue")
async def queue(agent: CurrentAgent, services: ServicesDep) -> ConversationList:
    """Conversations waiting for a person, the longest-waiting first."""
    waiting = await services.conversations.list(states=("queued",), oldest_first=True)
    return ConversationList(conversations=await agent_conversations(services, waiting))


@router.get("/conversations")
async def live(agent: CurrentAgent, services: ServicesDep) -> ConversationList:
    """Every conversation that is not closed, the most recently active first."""
    open_ = await services.conversations.list(states=("bot", "queued", "agent"), oldest_first=False)
    return ConversationList(conversations=await agent_conversations(services, open_))


@router.get("/conversations/{conversation_id}")
async def conversation(conversation_id: str, agent: CurrentAgent, services: ServicesDep) -> AgentConversation:
    found = await services.conversations.get(conversation_id)
    return await agent_conversation(services, found, with_messages=True)


@router.get("/events")
async def events(agent: CurrentAgent, services: ServicesDep, after: LastEventId):
    """Every queue and conversation event. Without Last-Event-ID: from now on."""
    start = after if after is not None else await last_event_id(services.engine)
    return event_response(services, start)


@router.post("/conversations/{conversation_id}/claim")
async def claim(conversation_id: str, agent: CurrentAgent, services: ServicesDep) -> AgentConversation:
    claimed = await services.conversations.claim(conversation_id, agent)
    return await agent_conversation(services, claimed, with_messages=False)


@router.post("/conversations/{conversation_id}/messages", status_code=status.HTTP_201_CREATED)
async def reply(conversation_id: str, body: MessageIn, agent: CurrentAgent, services: ServicesDep) -> AgentMessagePublic:
    return await services.conversations.agent_message(conversation_id, agent, body.text)


@router.post("/conversations/{conversation_id}/messages/{message_id}/correct", status_code=status.HTTP_201_CREATED)
async def correct(
    conversation_id: str, message_id: int, body: MessageIn, agent: CurrentAgent, services: ServicesDep
) -> AgentMessagePublic:
    return await services.conversations.correct(conversation_id, message_id, agent, body.text)


@router.post("/conversations/{conversation_id}/release")
async def release(conversation_id: str, agent: CurrentAgent, services: ServicesDep) -> AgentConversation:
    released = await services.conversations.release(conversation_id, agent)
    return await agent_conversation(services, released, with_messages=False)


@router.post("/conversations/{conversation_id}/close")
async def close(conversation_id: str, agent: CurrentAgent, services: ServicesDep) -> AgentConversation:
    closed = await services.conversations.close(conversation_id, agent)
    return await agent_conversation(services, closed, with_messages=False)
