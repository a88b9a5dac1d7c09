"""Agent endpoints: the console session, the queue, live conversations, claim / reply / correct /
note / release / close."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.responses import JSONResponse
from sse_starlette import EventSourceResponse

from api import audit, canned, flags, notes, payments, presence
from api.account_schemas import AgentMe, PresenceIn, PresenceOut, SessionIn, SessionPublic
from api.agents import by_token
from api.deps import EXPIRED_TOKEN, CurrentAccount, CurrentAgent, LastEventId, RowId, ServicesDep, SignedInDep
from api.error_schemas import error_responses
from api.events import last_event_id
from api.note_schemas import NoteIn, NotePublic
from api.payment_schemas import PaymentRequestIn
from api.schemas import (
    AgentConversation,
    AgentMessagePublic,
    AnswerFlagIn,
    AnswerFlagPublic,
    ConversationList,
    AgentMessageIn,
    MessageIn,
    PaymentRequestPublic,
)
from api.services import Services
from api.sessions import AgentSession, end_session, find_session, start_session
from api.streams import EVENT_STREAM, EventStream
from api.take_over import take_over as take_over_chat
from api.views import agent_conversation, agent_conversations
from api.web_session import SESSION_COOKIE, clear_session_cookie, csrf_refusal, foreign_origin, set_session_cookie
from api.workspace_schemas import CannedResponseList, CannedResponseView

router = APIRouter(
    prefix="/v1/agent", tags=["agent"], responses=error_responses(400, 401, 403, 404, 409, 422, 429, 503)
)


async def _session_public(session: AgentSession, services: Services) -> SessionPublic:
    return SessionPublic(
        agent=AgentMe.of(session.agent), csrf_token=session.csrf_token, expires_at=session.expires_at,
        max_chats=services.settings.agent_max_chats,
        presence=await presence.presence_of(services.engine, session.agent.id),
    )


@router.post("/session")
async def sign_in(body: SessionIn, request: Request, response: Response, services: ServicesDep) -> SessionPublic:
    """Exchange an agent token for a console session: an HttpOnly cookie and a CSRF token."""
    if refusal := foreign_origin(request, services.settings.public_url):
        raise HTTPException(status.HTTP_403_FORBIDDEN, refusal)
    client = request.client.host if request.client else "unknown"
    # Each attempt counts as a failure until its token proves right: attempts sent at the same
    # moment cannot all pass a check made before any of them failed.
    attempt = await services.sign_ins.take(client)
    if (wait := attempt.wait) is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS, f"too many failed sign-ins; try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    account = await by_token(services.engine, body.token)
    if account is not None:
        await services.sign_ins.give_back(client, attempt)
    if account is None:
        await audit.record_alone(services.engine, "session.sign_in_refused", audit.Actor("anonymous"), detail={"ip": client})
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "agent token invalid or revoked")
    if account.token_expired(services.settings.agent_token_days):
        await audit.record_alone(services.engine, "session.sign_in_refused", audit.Actor(account.name), detail={"ip": client, "why": "token expired"})
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, EXPIRED_TOKEN)
    hours = services.settings.session_hours
    secret, session = await start_session(services.engine, account, hours=hours)
    set_session_cookie(response, request, secret, max_age=max(1, round(hours * 3600)))
    await presence.set_presence(services.engine, services.notifier, account.agent, "online")  # signing in is coming online
    return await _session_public(session, services)


@router.get("/session")
async def session(request: Request, services: ServicesDep) -> SessionPublic:
    """The session behind the cookie, so a reloaded console recovers its CSRF token."""
    secret = request.cookies.get(SESSION_COOKIE)
    found = await find_session(services.engine, secret, token_days=services.settings.agent_token_days) if secret else None
    if found is None:
        response = JSONResponse({"detail": "no session; sign in"}, status.HTTP_401_UNAUTHORIZED)
        if secret:
            clear_session_cookie(response, request)
        return response  # type: ignore[return-value]
    return await _session_public(found, services)


@router.delete("/session", status_code=status.HTTP_204_NO_CONTENT)
async def sign_out(request: Request, services: ServicesDep) -> Response:
    """End the session server-side and clear its cookie. Without a live session there is nothing to end."""
    secret = request.cookies.get(SESSION_COOKIE)
    found = await find_session(services.engine, secret, token_days=services.settings.agent_token_days) if secret else None
    if found is not None:
        if refusal := csrf_refusal(request, found.csrf_token, services.settings.public_url):
            raise HTTPException(status.HTTP_403_FORBIDDEN, refusal)
        await end_session(services.engine, secret)  # type: ignore[arg-type]
        await services.notifier.credentials_changed()  # the session's open streams end now
        await presence.set_presence(services.engine, services.notifier, found.agent.agent, "away")
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookie(response, request)
    return response


@router.put("/presence")
async def set_presence(body: PresenceIn, agent: CurrentAgent, services: ServicesDep) -> PresenceOut:
    """Online (taking chats) or away; other consoles see it change live."""
    return PresenceOut(status=await presence.set_presence(services.engine, services.notifier, agent, body.status))


@router.get("/me")
async def me(account: CurrentAccount) -> AgentMe:
    return AgentMe.of(account)


@router.get("/queue")
async def queue(agent: CurrentAgent, services: ServicesDep) -> ConversationList:
    """Conversations waiting for a person, the longest-waiting first."""
    waiting = await services.conversations.queue()
    return ConversationList(conversations=await agent_conversations(services, waiting))


@router.get("/conversations")
async def live(agent: CurrentAgent, services: ServicesDep) -> ConversationList:
    """Every conversation that is not closed, the most recently active first."""
    open_ = await services.conversations.list(states=("bot", "queued", "agent"))
    return ConversationList(conversations=await agent_conversations(services, open_))


@router.get("/conversations/{conversation_id}")
async def conversation(conversation_id: str, agent: CurrentAgent, services: ServicesDep) -> AgentConversation:
    found = await services.conversations.get(conversation_id)
    return await agent_conversation(services, found, with_messages=True)


@router.get("/canned-responses")
async def canned_responses(
    agent: CurrentAgent, services: ServicesDep, q: Annotated[str, Query(max_length=200)] = ""
) -> CannedResponseList:
    """Canned responses for the composer's "/": shortcuts starting with `q` first, then those
    whose title or text has every word of it."""
    found = await canned.search(services.engine, q)
    return CannedResponseList(canned_responses=[CannedResponseView.of(r) for r in found])


@router.get("/events", response_class=EventSourceResponse, responses={200: EVENT_STREAM})
async def events(who: SignedInDep, services: ServicesDep, after: LastEventId):
    """Every queue and conversation event. Without Last-Event-ID: from now on. The stream ends when
    its credential dies (revoked, signed out, expired). While it is open its agent counts as seen,
    so an agent set online stays online for customers only while a console is open."""
    start = after if after is not None else await last_event_id(services.engine)
    agent_id = who.account.agent.id
    return EventStream(
        services, start, guard=(who.credential, lambda: who.still_valid(services)),
        alive=lambda: presence.mark_seen(services.engine, agent_id),  # an open console keeps its agent online
    )


@router.post("/conversations/{conversation_id}/typing", status_code=status.HTTP_204_NO_CONTENT)
async def typing(conversation_id: str, agent: CurrentAgent, services: ServicesDep) -> Response:
    """The agent is typing a reply: the customer sees "NAME is typing…" for a few seconds."""
    await presence.typing(services.engine, services.notifier, conversation_id, agent)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/conversations/{conversation_id}/claim")
async def claim(conversation_id: str, agent: CurrentAgent, services: ServicesDep) -> AgentConversation:
    claimed = await services.conversations.claim(conversation_id, agent)
    return await agent_conversation(services, claimed, with_messages=False)


@router.post("/conversations/{conversation_id}/take-over")
async def take_over(conversation_id: str, account: CurrentAccount, services: ServicesDep) -> AgentConversation:
    """Take a chat another agent holds: one who is not online now (away, signed out, console
    gone), or, for an admin, anyone. A chat nobody holds is claimed."""
    taken = await take_over_chat(services.conversations, conversation_id, account.agent, admin=account.is_admin)
    return await agent_conversation(services, taken, with_messages=False)


@router.post("/conversations/{conversation_id}/messages", status_code=status.HTTP_201_CREATED)
async def reply(conversation_id: str, body: AgentMessageIn, agent: CurrentAgent, services: ServicesDep) -> AgentMessagePublic:
    return await services.conversations.agent_message(conversation_id, agent, body.text, body.draft_of)


@router.post("/conversations/{conversation_id}/messages/{message_id}/correct", status_code=status.HTTP_201_CREATED)
async def correct(
    conversation_id: str, message_id: RowId, body: MessageIn, agent: CurrentAgent, services: ServicesDep
) -> AgentMessagePublic:
    return await services.conversations.correct(conversation_id, message_id, agent, body.text)


@router.post("/conversations/{conversation_id}/notes", status_code=status.HTTP_201_CREATED)
async def add_note(conversation_id: str, body: NoteIn, agent: CurrentAgent, services: ServicesDep) -> NotePublic:
    """An internal note for the other agents: the customer and the bot never see it. Any agent may
    add one to any conversation, one another agent holds or a closed one too."""
    note = await notes.add_note(services.conversations, conversation_id, agent, body.text)
    return note.public()


@router.post("/conversations/{conversation_id}/payment-requests", status_code=status.HTTP_201_CREATED)
async def request_payment(
    conversation_id: str, body: PaymentRequestIn, agent: CurrentAgent, services: ServicesDep
) -> PaymentRequestPublic:
    """Ask the customer for card details in the chat's secure form (only the owner may). The agent
    sees the card's summary in the transcript, never its number."""
    request = await payments.request_details(services.conversations, conversation_id, agent, body.note)
    return PaymentRequestPublic(id=request.id, note=request.note, created_at=request.created_at)


@router.post("/conversations/{conversation_id}/messages/{message_id}/flag", status_code=status.HTTP_201_CREATED)
async def flag(
    conversation_id: str, message_id: RowId, body: AnswerFlagIn, agent: CurrentAgent, services: ServicesDep
) -> AnswerFlagPublic:
    """Flag a bot reply as a bad answer, with a note for the editors (`switchboard kb gaps`)."""
    flagged = await flags.flag_answer(services.engine, conversation_id, message_id, agent, body.note)
    return AnswerFlagPublic(**flagged.__dict__)


@router.post("/conversations/{conversation_id}/release")
async def release(conversation_id: str, agent: CurrentAgent, services: ServicesDep) -> AgentConversation:
    released = await services.conversations.release(conversation_id, agent, services.answer)
    return await agent_conversation(services, released, with_messages=False)


@router.post("/conversations/{conversation_id}/close")
async def close(conversation_id: str, agent: CurrentAgent, services: ServicesDep) -> AgentConversation:
    closed = await services.conversations.close(conversation_id, agent)
    return await agent_conversation(services, closed, with_messages=False)
