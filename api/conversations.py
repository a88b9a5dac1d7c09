"""The conversation service: the ownership state machine and everything said in a conversation.

States: ``bot`` (the assistant answers) -> ``queued`` (waiting for a person) -> ``agent`` (one
agent owns it) -> back to ``bot`` on release; any state -> ``closed``. Only the owner speaks: every
write that depends on the state is a conditional UPDATE, so two agents never own one conversation
and the bot never answers once a person has it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from api import audit
from api import bot_turns as turns
from api.auth import hash_token, new_token
from api.background import Background
from api.conversation_reads import Agent, Conversation
from api.conversation_writes import ConversationWrites
from api.db import conversations, forget_overwritten, messages
from api.errors import MESSAGE_NOT_FOUND, Conflict, Invalid, NotFound
from api.draft_citations import draft_sources
from api.events import LocalNotifier, append_event
from api.held_chats import end_payment_requests
from api.split_cards import mask_across_lines, same_line, store_masked_earlier
from api.masking import mask_card_numbers
from api.presence import anyone_online_in
from api.reply_stream import DraftEvents
from api.schemas import AgentMessagePublic, AgentPublic, MessagePublic
from assistant import HANDOFF_TEXT, REPLY_SOON, Reply

# (customer text, earlier turns as (speaker, text), confidence of the bot's previous answer) -> reply;
# a streaming service's answer also takes `on_piece`, an async callback for each piece of the draft
AnswerFn = Callable[..., Awaitable[Reply]]
log = logging.getLogger(__name__)
REPLY_LATER = "Nobody from the team is online right now: they'll reply here as soon as they're back."


@dataclass(frozen=True)
class PostedLine:
    message: MessagePublic
    reply: MessagePublic | None
    duplicate: bool = False


def _now() -> datetime:
    return datetime.now(UTC)


class ConversationService(ConversationWrites):
    """The reads (api.conversation_reads) and every move, made of the writes in
    api.conversation_writes: the customer's lines, the bot's replies and the agents' moves."""

    def __init__(
        self, *, engine: AsyncEngine, notifier: LocalNotifier, max_message_chars: int, max_agent_chats: int = 4,
        stream_drafts: bool = False,
    ) -> None:
        super().__init__(engine, max_message_chars=max_message_chars, max_agent_chats=max_agent_chats)
        self.notifier = notifier
        self.stream_drafts = stream_drafts  # an LLM writes the reply: show it growing (api.reply_stream)
        self.background = Background()

    # ----- opening -------------------------------------------------------------------------

    async def create(self) -> tuple[str, str]:
        conversation_id, token = str(uuid.uuid4()), new_token()
        now = _now()
        async with self.engine.begin() as conn:
            await conn.execute(
                conversations.insert().values(
                    id=conversation_id, token_hash=hash_token(token), state="bot", created_at=now, updated_at=now
                )
            )
        return conversation_id, token

    # ----- the customer --------------------------------------------------------------------

    async def post_customer_message(
        self, conversation_id: str, text: str, answer: AnswerFn, *, client_id: str | None = None, wait: bool = True
    ) -> PostedLine:
        """Store a customer's line (once per `client_id`), then have the bot answer what is pending.

        `wait`: answer before returning; otherwise the bot answers in the background and the reply
        arrives on the conversation's event stream.
        """
        text = self.clean_text(text)
        message = split = None
        try:
            async with self.engine.begin() as conn:
                state = await self._touch(conn, conversation_id, allowed=("bot", "queued", "agent"))
                if await turns.line_by_client_id(conn, conversation_id, client_id) is None:
                    split = await mask_across_lines(conn, conversation_id, text, _now())  # a card typed in parts
                    message = await self._add_message(
                        conn, conversation_id, role="customer", text=split.text, client_id=client_id
                    )
                    await store_masked_earlier(conn, conversation_id, split.earlier)
        except IntegrityError:  # the same client_id, stored by a concurrent request
            pass
        if split is not None and split.earlier:  # the earlier lines' digits, in no old page either
            await forget_overwritten(self.engine)
        if message is None:  # a retry: the line is stored already
            posted = await self._stored_line(conversation_id, client_id, text)
            if wait and posted.reply is None and state == "bot":  # its worker may have died: answer it here
                return replace(posted, reply=await self.answer_pending(conversation_id, answer, line=posted.message))
            return posted
        await self.notifier.publish()
        if state != "bot":
            return PostedLine(message, None)
        if not wait:
            self.background.run(self.answer_pending(conversation_id, answer), "answering")
            return PostedLine(message, None)
        return PostedLine(message, await self.answer_pending(conversation_id, answer, line=message))

    async def _stored_line(self, conversation_id: str, client_id: str | None, text: str) -> PostedLine:
        """The line stored under this client_id; a different text under it is another line, refused
        (it was dropped without a word, the response saying "duplicate")."""
        async with self.engine.connect() as conn:
            stored = await turns.line_by_client_id(conn, conversation_id, client_id)
            if stored is None:
                raise RuntimeError("a line's client_id clashed, yet no line holds it")
            if not same_line(stored.text, text):
                raise Invalid("client_id names another line already; send a new line with a new client_id")
            return PostedLine(stored, await turns.reply_to(conn, stored), duplicate=True)

    async def answer_pending(
        self, conversation_id: str, answer: AnswerFn, line: MessagePublic | None = None
    ) -> MessagePublic | None:
        """The bot answers every customer line since its last word, in one reply.

        Lines typed while the bot is answering are answered together in the next reply. Returns the
        reply that answers `line` (None if the conversation is not with the bot). Across workers a
        compare-and-set on `answered_through` keeps two replies from answering the same lines.
        """
        async with self.background.lock(conversation_id):
            for _ in range(3):
                async with self.engine.connect() as conn:
                    pending = await turns.pending_lines(conn, conversation_id)
                    if pending is None:
                        return None
                    if line is not None and line.id not in pending.line_ids:
                        return await turns.reply_to(conn, line)  # already answered
                if not pending.line_ids:
                    return None
                if self.stream_drafts:
                    draft = DraftEvents(self.engine, self.notifier, conversation_id, pending.line_ids[-1])
                    await draft.started()
                    reply = await answer(
                        pending.question, pending.history, pending.previous_confidence, on_piece=draft.piece
                    )
                    await draft.flush()
                else:
                    reply = await answer(pending.question, pending.history, pending.previous_confidence)
                async with self.engine.begin() as conn:
                    taken = await conn.execute(
                        conversations.update()
                        .where(
                            conversations.c.id == conversation_id,
                            conversations.c.state == "bot",
                            sa.func.coalesce(conversations.c.answered_through, 0) == pending.answered_through,
                        )
                        .values(answered_through=pending.line_ids[-1], updated_at=_now())
                        .returning(conversations.c.id)
                    )
                    if taken.first() is None:
                        continue  # an agent took over, or another worker answered: look again
                    bot = await self._add_reply(conn, conversation_id, reply, answers_through=pending.line_ids[-1])
                await self.notifier.publish()
                return bot
        return None

    async def shutdown(self, timeout: float = 10.0) -> None:
        """Let replies being written finish (up to `timeout` seconds), then stop."""
        await self.background.drain(timeout)

    async def _add_reply(
        self, conn: AsyncConnection, conversation_id: str, reply: Reply, answers_through: int
    ) -> MessagePublic:
        text = mask_card_numbers(reply.text)  # the bot quotes the knowledge base or a model: neither may pass a card number on
        if reply.handoff:
            text = await _when_they_reply(conn, text)
        bot = await self._add_message(
            conn,
            conversation_id,
            role="bot",
            answers_through=answers_through,
            text=text,
            confidence=reply.confidence,
            sources=[s.__dict__ for s in reply.sources],
            handoff=reply.handoff,
            handoff_reason=reply.handoff_reason,
            draft=mask_card_numbers(reply.draft) if reply.draft else reply.draft,
            draft_sources=[s.__dict__ for s in reply.draft_sources] if reply.draft else None,
            handoff_detail=reply.handoff_detail,
            signals=reply.signals,
            low_signals=reply.low_signals or None,
        )
        if reply.handoff:
            await self._enqueue(conn, conversation_id, reply.handoff_reason or "low_confidence", detail=reply.handoff_detail)
        return bot

    async def request_handoff(self, conversation_id: str) -> Conversation:
        """The customer pressed 'talk to a person'. Idempotent once a person is involved."""
        async with self.engine.begin() as conn:
            state = await self._touch(conn, conversation_id, allowed=("bot", "queued", "agent"))
            if state == "bot":
                await self._add_message(
                    conn, conversation_id, role="bot", text=await _when_they_reply(conn, HANDOFF_TEXT["customer_request"]),
                    confidence=1.0,
                    handoff=True, handoff_reason="customer_request",
                )
                await self._enqueue(conn, conversation_id, "customer_request")
        await self.notifier.publish()
        return await self.get(conversation_id)

    # ----- agents --------------------------------------------------------------------------

    async def claim(self, conversation_id: str, agent: Agent) -> Conversation:
        """The agent takes the conversation: 409 if another agent has it, it is closed, or the agent
        already holds as many chats as one person can work at once."""
        if (await self.get(conversation_id)).state == "closed":  # said first: no chat limit makes it claimable
            raise Conflict("conversation is closed")
        async with self.engine.begin() as conn:
            await self.within_chat_limit(conn, conversation_id, agent)
            result = await conn.execute(
                conversations.update()
                .where(
                    conversations.c.id == conversation_id,
                    sa.or_(
                        conversations.c.state.in_(("bot", "queued")),
                        sa.and_(conversations.c.state == "agent", conversations.c.agent_id == agent.id),
                    ),
                )
                .values(state="agent", agent_id=agent.id, updated_at=_now())
                .returning(conversations.c.id)
            )
            claimed = result.first() is not None
            if claimed:
                await append_event(conn, conversation_id, "conversation.claimed", {"agent": AgentPublic(id=agent.id, name=agent.name).model_dump()})
                await audit.record(conn, "conversation.claim", _actor(agent), conversation_id=conversation_id)
        # Why a claim failed is read after its transaction ends: a second connection taken while
        # the first is held would let a burst of claims exhaust the pool and wait on itself.
        current = await self.get(conversation_id)  # NotFound if it does not exist
        if not claimed:
            if current.state == "closed":
                raise Conflict("conversation is closed")
            raise Conflict(f"conversation is owned by {current.agent.name if current.agent else 'another agent'}")
        await self.notifier.publish()
        return current

    async def agent_message(
        self, conversation_id: str, agent: Agent, text: str, draft_of: int | None = None
    ) -> AgentMessagePublic:
        """An agent replies; replying to a conversation nobody owns takes it over. A reply that sends
        the bot's draft (`draft_of`, its message) cites the draft's sources (api/draft_citations.py)."""
        text = self.clean_text(text)
        current = await self.get(conversation_id)
        if draft_of is not None:
            async with self.engine.connect() as conn:
                await draft_sources(conn, conversation_id, draft_of, text)  # refused before anything changes
        if not (current.state == "agent" and current.agent and current.agent.id == agent.id):
            await self.claim(conversation_id, agent)
        async with self.engine.begin() as conn:
            await self._owned(conn, conversation_id, agent)
            sources = await draft_sources(conn, conversation_id, draft_of, text) if draft_of is not None else []
            message = await self._add_message(
                conn, conversation_id, role="agent", text=text, author=agent.name, sources=sources
            )
            await audit.record(
                conn, "conversation.reply", _actor(agent), conversation_id=conversation_id, detail={"message_id": message.id}
            )
        await self.notifier.publish()
        return AgentMessagePublic(**message.model_dump(), draft=None)

    async def correct(self, conversation_id: str, message_id: int, agent: Agent, text: str) -> AgentMessagePublic:
        """An agent corrects a bot answer; the customer sees the correction beside the original. While
        the bot or the queue has the conversation any agent may; once an agent holds it, only they.
        A handoff notice answers nothing, so there is nothing to correct (its held-back draft is sent
        or edited as a reply instead)."""
        text = self.clean_text(text)
        await self.get(conversation_id)
        async with self.engine.begin() as conn:
            where = (messages.c.id == message_id, messages.c.conversation_id == conversation_id)
            target = (await conn.execute(sa.select(messages.c.role, messages.c.handoff).where(*where))).first()
            if target is None:
                raise NotFound(MESSAGE_NOT_FOUND)
            if target.role != "bot":
                raise Conflict("only a bot reply can be corrected")
            if target.handoff:
                raise Conflict("a handoff notice is not an answer: only the bot's answers can be corrected")
            if await self._touch(conn, conversation_id, allowed=("bot", "queued", "agent")) == "agent":
                await self._owned(conn, conversation_id, agent)  # a chat another agent holds is theirs to correct
            message = await self._add_message(
                conn, conversation_id, role="agent", text=text, author=agent.name, corrects=message_id,
                event="message.corrected",
            )
            await audit.record(
                conn, "conversation.correct", _actor(agent), conversation_id=conversation_id,
                detail={"message_id": message.id, "corrects": message_id},
            )
        await self.notifier.publish()
        return AgentMessagePublic(**message.model_dump(), draft=None)

    async def release(self, conversation_id: str, agent: Agent, answer: AnswerFn | None = None) -> Conversation:
        """Back to the bot. What the person answered stays answered; the customer's lines after the
        person's last word, which nobody answered, the bot answers now (with `answer`), not never."""
        async with self.engine.begin() as conn:
            await self._owned(conn, conversation_id, agent)
            await conn.execute(
                conversations.update()
                .where(conversations.c.id == conversation_id)
                .values(state="bot", agent_id=None, handoff_reason=None, handoff_detail=None, updated_at=_now())
            )
            await end_payment_requests(conn, conversation_id)
            await append_event(conn, conversation_id, "conversation.released", {"agent": {"id": agent.id, "name": agent.name}})
            await audit.record(conn, "conversation.release", _actor(agent), conversation_id=conversation_id)
        await self.notifier.publish()
        if answer is not None:
            self.background.run(self.answer_pending(conversation_id, answer), "answering")
        return await self.get(conversation_id)

    async def close(self, conversation_id: str, agent: Agent) -> Conversation:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                conversations.update()
                .where(
                    conversations.c.id == conversation_id,
                    conversations.c.state != "closed",
                    sa.or_(conversations.c.state != "agent", conversations.c.agent_id == agent.id),
                )
                .values(state="closed", updated_at=_now())
                .returning(conversations.c.id)
            )
            closed = result.first() is not None
            if closed:
                await end_payment_requests(conn, conversation_id)
                await append_event(conn, conversation_id, "conversation.closed", {"agent": {"id": agent.id, "name": agent.name}})
                await audit.record(conn, "conversation.close", _actor(agent), conversation_id=conversation_id)
        current = await self.get(conversation_id)  # after the transaction: one connection at a time
        if not closed and current.state != "closed":
            raise Conflict(f"conversation is owned by {current.agent.name if current.agent else 'another agent'}")
        if closed:
            await self.notifier.publish()
        return current


async def _when_they_reply(conn: AsyncConnection, handoff_text: str) -> str:
    """A handoff's promise of a quick reply, unless nobody is online: then that the team is away
    and will answer here when back, as the page's status says."""
    if await anyone_online_in(conn):
        return handoff_text
    return handoff_text.replace(REPLY_SOON, REPLY_LATER)


def _actor(agent: Agent) -> audit.Actor:
    return audit.Actor(agent.name, agent.id)
