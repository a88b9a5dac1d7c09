"""The bot behind an OpenAI-compatible endpoint, `POST /v1/chat/completions`, for tools that
already speak that format (an email helpdesk, a Slack bot, an IDE).

Stateless: the request's messages are the conversation; the last user message is the question
and the earlier turns its history. The reply is the same one the chat gives, with the same
confidence, threshold and escalation rules; the `switchboard` field of the response carries the
confidence, the sources and whether a person should answer instead. With `stream: true` the
decided reply is sent as chunks, never a draft that might then be withheld.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace

from api.completion_schemas import ChatCompletionIn, SourceOut, SwitchboardExtension
from api.errors import Invalid
from api.masking import mask_card_numbers
from api.services import Services
from assistant import Reply

MODEL = "switchboard"
CHUNK_CHARS = 40


def question_and_history(body: ChatCompletionIn, max_chars: int) -> tuple[str, list[tuple[str, str]]]:
    turns = [(m.role, mask_card_numbers(m.text())) for m in body.messages if m.role in ("user", "assistant") and m.text()]
    if not turns or turns[-1][0] != "user":
        raise Invalid("the last message must be the user's question")
    question = turns[-1][1]
    if len(question) > max_chars:
        raise Invalid(f"the question is {len(question)} characters; the limit is {max_chars}")
    history = [("user" if role == "user" else "agent", text) for role, text in turns[:-1]]
    return question, history[-12:]


async def masked_answer(services: Services, body: ChatCompletionIn) -> Reply:
    """The bot's reply to the request, its card numbers masked as in the chat: it quotes the
    knowledge base or a model, and neither may pass a card number on."""
    question, history = question_and_history(body, services.settings.max_message_chars)
    reply = await services.answer(question, history, None)
    return replace(reply, text=mask_card_numbers(reply.text), draft=mask_card_numbers(reply.draft) if reply.draft else reply.draft)


def extension(reply: Reply) -> SwitchboardExtension:
    return SwitchboardExtension(
        confidence=round(reply.confidence, 4),
        sources=[SourceOut(title=s.title, url=s.url, doc_id=s.doc_id) for s in reply.sources],
        handoff=reply.handoff, handoff_reason=reply.handoff_reason, draft=reply.draft,
    )


async def complete(services: Services, body: ChatCompletionIn) -> dict:
    reply = await masked_answer(services, body)
    usage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}  # not counted: no tokens are billed
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.text}, "finish_reason": "stop"}],
        "usage": usage,
        "switchboard": extension(reply).model_dump(),
    }


async def complete_stream(services: Services, body: ChatCompletionIn) -> AsyncIterator[str]:
    """`data:` lines of chat.completion.chunk objects, then `data: [DONE]`."""
    reply = await masked_answer(services, body)
    base = {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion.chunk", "created": int(time.time()), "model": MODEL}

    def chunk(delta: dict, finish: str | None = None, **extra) -> str:
        return "data: " + json.dumps({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}) + "\n\n"

    yield chunk({"role": "assistant", "content": ""})
    for start in range(0, len(reply.text), CHUNK_CHARS):
        yield chunk({"content": reply.text[start : start + CHUNK_CHARS]})
    yield chunk({}, "stop", switchboard=extension(reply).model_dump())
    yield "data: [DONE]\n\n"
