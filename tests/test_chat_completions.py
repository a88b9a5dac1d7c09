"""The bot behind an OpenAI-compatible endpoint: the official `openai` client talks to it as to
any model, and gets the grounded reply with its confidence, sources and handoff."""

from __future__ import annotations

import httpx
import openai
import pytest

from .api_helpers import ANSWERABLE, OFF_TOPIC


@pytest.fixture
def client(base_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{base_url}/v1", api_key="not-needed", max_retries=0)


def test_the_openai_client_gets_a_grounded_cited_reply_with_its_confidence(client):
    completion = client.chat.completions.create(model="switchboard", messages=[{"role": "user", "content": ANSWERABLE}])
    reply = completion.choices[0].message
    assert reply.role == "assistant" and "[1]" in reply.content
    extra = completion.model_extra["switchboard"]
    assert extra["handoff"] is False and 0.5 < extra["confidence"] <= 1
    assert extra["sources"] and extra["sources"][0]["title"]


def test_a_question_the_knowledge_base_cannot_answer_says_a_person_should(client):
    completion = client.chat.completions.create(
        model="switchboard",
        messages=[{"role": "system", "content": "You are helpful."}, {"role": "user", "content": OFF_TOPIC}],
    )
    extra = completion.model_extra["switchboard"]
    assert extra["handoff"] is True and extra["handoff_reason"] == "low_confidence" and extra["confidence"] < 0.5


def test_streaming_sends_the_decided_reply_in_chunks_then_done(client):
    stream = client.chat.completions.create(
        model="switchboard", messages=[{"role": "user", "content": ANSWERABLE}], stream=True
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert len(chunks) >= 3 and "[1]" in text
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["switchboard"]["confidence"] > 0.5
    plain = client.chat.completions.create(model="switchboard", messages=[{"role": "user", "content": ANSWERABLE}])
    assert text == plain.choices[0].message.content


def test_earlier_turns_are_the_history_of_a_follow_up(client):
    completion = client.chat.completions.create(model="switchboard", messages=[
        {"role": "user", "content": "How do I turn on two-factor authentication?"},
        {"role": "assistant", "content": "Go to Settings → Security [1]."},
        {"role": "user", "content": "Which methods can I use for it?"},
    ])
    assert "authenticator" in completion.choices[0].message.content.lower()


@pytest.mark.parametrize(
    "body",
    [
        {"messages": []},
        {"messages": [{"role": "assistant", "content": "Hello"}]},
        {"messages": [{"role": "user", "content": "x" * 5000}]},
        {"messages": [{"role": "wizard", "content": "hi"}]},
        {"messages": "hello"},
    ],
)
def test_a_bad_request_gets_422_with_the_reason(base_url, body):
    for stream in (False, True):
        response = httpx.post(f"{base_url}/v1/chat/completions", json={**body, "stream": stream}, timeout=30)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["detail"]


def test_a_card_number_the_bot_quotes_is_masked_in_the_completion_as_in_the_chat():
    """The knowledge base or a model may quote one; the endpoint needs no credential."""
    import asyncio
    from types import SimpleNamespace

    from api.completion_schemas import ChatCompletionIn
    from api.completions import masked_answer
    from assistant import Reply

    async def leaky(question, history, previous):
        return Reply(text="Use the test card 4111 1111 1111 1111. [1]", confidence=0.9,
                     draft="or 5555-5555-5555-4444", handoff=True, handoff_reason="low_confidence")

    services = SimpleNamespace(answer=leaky, settings=SimpleNamespace(max_message_chars=4000))
    body = ChatCompletionIn(model="switchboard", messages=[{"role": "user", "content": "which test card?"}])
    reply = asyncio.run(masked_answer(services, body))
    assert reply.text == "Use the test card •••• •••• •••• 1111. [1]"
    assert reply.draft == "or •••• •••• •••• 4444"
