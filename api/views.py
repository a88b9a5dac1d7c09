"""Turning service objects into response schemas."""

from __future__ import annotations

from api import flags, kb_drafts, notes, payments, presence
from api.conversations import Conversation
from api.events import last_event_id
from api.schemas import AgentConversation, AgentPublic, ConversationPublic, MessagePublic, PaymentRequestPublic
from api.services import Services


def _agent(conversation: Conversation) -> AgentPublic | None:
    a = conversation.agent
    return AgentPublic(id=a.id, name=a.name) if a else None


async def _payment_request(services: Services, conversation_id: str) -> PaymentRequestPublic | None:
    request = await payments.open_request(services.engine, conversation_id)
    return PaymentRequestPublic(id=request.id, note=request.note, created_at=request.created_at) if request else None


async def conversation_public(services: Services, conversation: Conversation) -> ConversationPublic:
    messages = await services.conversations.messages(conversation.id)
    return ConversationPublic(
        id=conversation.id,
        state=conversation.state,  # type: ignore[arg-type]
        agent=_agent(conversation),
        handoff_reason=conversation.handoff_reason,
        created_at=conversation.created_at,
        updated_at=conversation.updated_at,
        last_event_id=await last_event_id(services.engine, conversation.id),
        messages=[MessagePublic(**m.model_dump(include=set(MessagePublic.model_fields))) for m in messages],
        payment_request=await _payment_request(services, conversation.id),
        team_online=await presence.anyone_online(services.engine),
    )


async def agent_conversation(services: Services, conversation: Conversation, with_messages: bool) -> AgentConversation:
    view = AgentConversation(
        id=conversation.id,
        state=conversation.state,  # type: ignore[arg-type]
        agent=_agent(conversation),
        handoff_reason=conversation.handoff_reason,
        handoff_detail=conversation.handoff_detail,
        created_at=conversation.created_at,
        updated_at=conversation.updated_at,
        queued_at=conversation.queued_at,
    )
    if with_messages:
        view.messages = await services.conversations.messages(conversation.id)
        flagged = await flags.flagged_messages(services.engine, conversation.id)
        drafted = await kb_drafts.drafted_messages(services.engine, conversation.id)
        for message in view.messages:
            message.flagged = message.id in flagged
            message.kb_draft_id = drafted.get(message.id)
        view.payment_request = await _payment_request(services, conversation.id)
        view.notes = [note.public() for note in await notes.notes_of(services.engine, conversation.id)]
        view.last_message = view.messages[-1] if view.messages else None
    return view


async def agent_conversations(services: Services, conversations: list[Conversation]) -> list[AgentConversation]:
    last = await services.conversations.last_messages([c.id for c in conversations])
    views = [await agent_conversation(services, c, with_messages=False) for c in conversations]
    for view in views:
        view.last_message = last.get(view.id)
    return views
