"""`POST /v1/chat/completions`: the bot for clients that speak OpenAI's format."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from api import completions
from api.completion_schemas import ChatCompletionIn
from api.deps import ServicesDep

router = APIRouter(prefix="/v1", tags=["openai-compatible"])


@router.post("/chat/completions")
async def chat_completions(body: ChatCompletionIn, services: ServicesDep):
    """The knowledge-grounded reply to the last user message, with `switchboard.confidence`,
    `sources` and `handoff`. `stream: true` sends Server-Sent Events chunks, then `[DONE]`."""
    if body.stream:
        completions.question_and_history(body, services.settings.max_message_chars)  # a bad request: 422, not a broken stream
        return StreamingResponse(
            completions.complete_stream(services, body), media_type="text/event-stream",
            headers={"Cache-Control": "no-store"},
        )
    return await completions.complete(services, body)
