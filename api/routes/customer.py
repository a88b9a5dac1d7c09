"""Customer endpoints: start a conversation, talk, ask for a person, follow events."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from sse_starlette import EventSourceResponse

from api import payments, ratings
from api.payment_schemas import CardIn, CardStored
from api.vault import parse_card
from api.deps import CustomerConversation, LastEventId, ServicesDep, client_address, within_limit
from api.error_schemas import error_responses
from api.schemas import ConversationCreated, ConversationPublic, CustomerMessageIn, PostMessageResult
from api.streams import EVENT_STREAM, EventStream
from api.views import conversation_public
from api.web_session import set_conversation_cookie
from api.workspace_schemas import RatingIn, RatingView

MAX_STREAMS_PER_CONVERSATION = 20  # on one worker: tabs of one conversation's page

router = APIRouter(
    prefix="/v1/conversations", tags=["customer"], responses=error_responses(400, 401, 403, 404, 409, 422, 429, 503)
)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_conversation(request: Request, response: Response, services: ServicesDep) -> ConversationCreated:
    """A new conversation. Its token is in the body (send it as a Bearer header) and, for the chat
    page, in an HttpOnly cookie that only this conversation's endpoints receive."""
    await within_limit(services.conversation_starts, client_address(request), "too many new conversations from this address")
    conversation_id, token = await services.conversations.create()
    set_conversation_cookie(response, request, conversation_id, token)
    return ConversationCreated(id=conversation_id, token=token)


@router.get("/{conversation_id}")
async def get_conversation(conversation: CustomerConversation, services: ServicesDep) -> ConversationPublic:
    return await conversation_public(services, conversation)


@router.post("/{conversation_id}/messages", status_code=status.HTTP_201_CREATED)
async def post_message(
    body: CustomerMessageIn, conversation: CustomerConversation, services: ServicesDep
) -> PostMessageResult:
    """A customer's line. With the same `client_id` again (a retry), nothing new is stored."""
    await within_limit(services.customer_lines, conversation.id, "too many messages in this conversation")
    posted = await services.conversations.post_customer_message(
        conversation.id, body.text, services.answer, client_id=body.client_id, wait=body.wait_for_reply
    )
    return PostMessageResult(message=posted.message, reply=posted.reply, duplicate=posted.duplicate)


@router.post("/{conversation_id}/handoff")
async def request_handoff(conversation: CustomerConversation, services: ServicesDep) -> ConversationPublic:
    updated = await services.conversations.request_handoff(conversation.id)
    return await conversation_public(services, updated)


@router.put("/{conversation_id}/rating")
async def rate_conversation(body: RatingIn, conversation: CustomerConversation, services: ServicesDep) -> RatingView:
    """The customer's 1-5 rating of this conversation, with an optional comment; rating again
    replaces it."""
    return RatingView.of(await ratings.rate(services.engine, conversation.id, body.score, body.comment))


@router.post("/{conversation_id}/payment-requests/{request_id}/card", status_code=status.HTTP_201_CREATED)
async def submit_card(
    request_id: str, body: CardIn, conversation: CustomerConversation, services: ServicesDep
) -> CardStored:
    """The secure card form. The card is validated (Luhn, expiry, CVC form) and sealed in the
    vault; the transcript and the agent get only its summary; the CVC is never stored."""
    card = parse_card(body.number, body.expiry, body.cvc)
    stored = await payments.submit_card(services.conversations, services.vault, conversation.id, request_id, card)
    return CardStored(**stored.__dict__)


@router.post("/{conversation_id}/payment-requests/{request_id}/decline", status_code=status.HTTP_204_NO_CONTENT)
async def decline_card_request(request_id: str, conversation: CustomerConversation, services: ServicesDep) -> None:
    """The customer will not send a card now ("Not now" on the form): the request ends and the
    transcript tells the agent. 409 once the request is no longer open."""
    await payments.decline(services.conversations, conversation.id, request_id)


@router.get("/{conversation_id}/events", response_class=EventSourceResponse, responses={200: EVENT_STREAM})
async def conversation_events(conversation: CustomerConversation, services: ServicesDep, after: LastEventId):
    """Everything that happens in this conversation. Without Last-Event-ID: from its beginning.
    A conversation's page open in many tabs is followed by as many streams, up to
    MAX_STREAMS_PER_CONVERSATION on a worker (then 429): anyone may start a conversation, and
    thousands of streams on one would run the worker out of file handles."""
    return EventStream(services, after or 0, conversation.id, most=MAX_STREAMS_PER_CONVERSATION)

