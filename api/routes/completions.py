"""`POST /v1/chat/completions`: the bot for clients that speak OpenAI's format."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from api import completions
from api.completion_schemas import ChatCompletionIn
from api.deps import ServicesDep, client_address, within_limit
from api.error_schemas import error_responses
from api.streams import EVENT_STREAM

router = APIRouter(prefix="/v1", tags=["openai-compatible"], responses=error_responses(400, 422, 429, 503))


@router.post(
    "/chat/completions",
    responses={200: {**EVENT_STREAM, "description": "the completion; with `stream: true`, its chunks as Server-Sent Events"}},
)
async def chat_completions(body: ChatCompletionIn, request: Request, services: ServicesDep):
    """The knowledge-grounded reply to the last user message, with `switchboard.confidence`,
    `sources` and `handoff`. `stream: true` sends Server-Sent Events chunks, then `[DONE]`.
    Open like the chat itself, so limited like it: SWITCHBOARD_LINES_PER_MINUTE per client address."""
    await within_limit(services.completions, client_address(request), "too many completions from this address")
    if body.stream:
        completions.question_and_history(body, services.settings.max_message_chars)  # a bad request: 422, not a broken stream
        return StreamingResponse(
            completions.complete_stream(services, body), media_type="text/event-stream",
            headers={"Cache-Control": "no-store"},
        )
    return await completions.complete(services, body)
