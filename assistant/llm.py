"""Answers written by any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server).

The reply is streamed: each piece of text goes to `on_delta` as it arrives, and the finished
reply comes back as a `Draft` with its citations, the grounding of each sentence in the sources it
cites (`assistant.grounding`), and its mean and lowest token log-probability where the endpoint
returns them.

Why the `openai` SDK and not LangChain's `ChatOpenAI.stream`: this module needs, per chunk, the
raw token log-probabilities and the `finish_reason`, and, for the whole stream, to know whether it
ended properly. The SDK gives typed chunks with all three (`choices[0].delta.content`,
`choices[0].logprobs.content`, `choices[0].finish_reason`) and raises one typed exception per
failure (`APITimeoutError`, `APIConnectionError`, `RateLimitError`, `InternalServerError`, ...),
which map one-to-one onto the reasons an agent reads. `ChatOpenAI.stream` wraps the same SDK and
the same exceptions, puts log-probabilities in `response_metadata`, and adds its own message
conversion and retry layer on top: more to go wrong, nothing that we use.

Every failure becomes a `ProviderError` whose message says what happened (refused connection,
timeout, HTTP status, rate limit, malformed chunk, a stream that stopped before its end, an empty
or unreadable reply); the assistant turns it into a handoff. There is no retry: a retry doubles a
customer's wait past the timeout, and the handoff already has a person answer.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field, replace

import numpy as np
import openai

from assistant.evidence import Evidence
from assistant.grounding import SourceText, ground
from assistant.prompt import QUOTE, Prompt, build_prompt, is_dont_know
from assistant.providers import DeltaCallback, Draft, ProviderError
from knowledge import Embedder, Hit, Settings

MAX_SOURCES = 4
_TEMPLATE_TOKENS = ("<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|eot_id|>", "</s>")


@dataclass
class Stream:
    """What arrived from one streamed completion."""

    pieces: list[str] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    finish_reason: str | None = None
    seconds_to_first_piece: float | None = None

    @property
    def text(self) -> str:
        return "".join(self.pieces)


class OpenAIProvider:
    name = "openai"

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        *,
        max_tokens: int | None = None,
        logprobs: bool | None = None,
    ) -> None:
        self.embedder = embedder
        self.model = settings.openai_model
        self.timeout = settings.llm_timeout_seconds
        self.max_tokens = max_tokens or settings.llm_max_tokens
        # asked for unless turned off; dropped for good if the endpoint refuses them
        self.logprobs = settings.llm_logprobs if logprobs is None else logprobs
        self._client = openai.OpenAI(
            base_url=settings.openai_base_url,
            api_key=settings.openai_api_key or "not-needed",
            timeout=settings.llm_timeout_seconds,
            max_retries=0,
        )

    def answer(self, question: str, evidence: Evidence, on_delta: DeltaCallback | None = None) -> Draft:
        prompt = build_prompt(question, _with_continuation(evidence.hits[:MAX_SOURCES], evidence))
        stream = self.complete(prompt, on_delta)
        text = stream.text.strip()
        _check_readable(text, stream.finish_reason)
        mean, lowest = _logprob_stats(stream.logprobs)
        if is_dont_know(text) or not prompt.sources:
            return Draft(text=text, cited=[], support=0.0, grounded=0.0, logprob_mean=mean, logprob_min=lowest)
        grounding = ground(text, _source_texts(prompt.sources, evidence), self.embedder)
        cited = [prompt.sources[i] for i in grounding.cited]
        return Draft(
            text=text, cited=cited, support=grounding.share, sentences=grounding.sentences,
            grounded=grounding.share, logprob_mean=mean, logprob_min=lowest,
        )

    def complete(self, prompt: Prompt, on_delta: DeltaCallback | None = None) -> Stream:
        """Stream one chat completion, passing each text piece to `on_delta`; raise ProviderError
        for anything but a complete stream."""
        try:
            return self._stream(prompt, on_delta, logprobs=self.logprobs)
        except openai.BadRequestError as e:
            if not (self.logprobs and "logprob" in str(e).lower()):
                raise ProviderError(_reason(e, self.timeout)) from e
        self.logprobs = False  # this endpoint does not return them: ask without, from now on
        try:
            return self._stream(prompt, on_delta, logprobs=False)
        except openai.BadRequestError as e:
            raise ProviderError(_reason(e, self.timeout)) from e

    def _stream(self, prompt: Prompt, on_delta: DeltaCallback | None, *, logprobs: bool) -> Stream:
        start = time.monotonic()
        deadline = start + self.timeout
        out = Stream()
        try:
            chunks = self._client.chat.completions.create(
                # top_logprobs=1: llama-cpp-python's server returns no logprobs without it
                model=self.model, messages=prompt.messages, stream=True, temperature=0,  # type: ignore[arg-type]
                max_tokens=self.max_tokens, **({"logprobs": True, "top_logprobs": 1} if logprobs else {}),
            )
            with chunks:
                for chunk in chunks:
                    if time.monotonic() > deadline:
                        raise ProviderError(f"timeout: no complete reply within {self.timeout:g}s")
                    if not chunk.choices:
                        continue  # a usage-only chunk
                    choice = chunk.choices[0]
                    piece = choice.delta.content if choice.delta is not None else None
                    if piece:
                        if out.seconds_to_first_piece is None:
                            out.seconds_to_first_piece = time.monotonic() - start
                        out.pieces.append(piece)
                        if on_delta is not None:
                            on_delta(piece)
                    if choice.logprobs is not None and choice.logprobs.content:
                        out.logprobs.extend(t.logprob for t in choice.logprobs.content)
                    if choice.finish_reason:
                        out.finish_reason = choice.finish_reason
        except (ProviderError, openai.BadRequestError):
            raise
        except openai.APIConnectionError as e:
            if out.pieces and not isinstance(e, openai.APITimeoutError):
                cause = e.__cause__ or e
                raise ProviderError(
                    f"stream cut: the connection dropped after {len(out.pieces)} pieces ({type(cause).__name__})"
                ) from e
            raise ProviderError(_reason(e, self.timeout)) from e
        except Exception as e:  # HTTP status, malformed JSON, an error event, unexpected chunk shape
            raise ProviderError(_reason(e, self.timeout)) from e
        if out.finish_reason is None:
            raise ProviderError(
                f"stream cut: the endpoint stopped after {len(out.pieces)} pieces without finishing the reply"
            )
        return out


def _reason(e: Exception, timeout: float) -> str:
    """One line an agent can act on, for each way an endpoint fails."""
    if isinstance(e, openai.APITimeoutError):
        return f"timeout: no reply within {timeout:g}s"
    if isinstance(e, openai.APIConnectionError):
        cause = e.__cause__ or e.__context__
        what = "connection refused" if "refused" in str(cause).lower() else "connection failed"
        return f"{what}: {type(cause).__name__ if cause else 'APIConnectionError'}: {cause or e}"[:300]
    if isinstance(e, openai.RateLimitError):
        after = e.response.headers.get("retry-after")
        return "rate limited (HTTP 429)" + (f", retry after {after}s" if after else "")
    if isinstance(e, openai.APIStatusError):
        return f"HTTP {e.status_code} from the endpoint: {_error_message(e)}"[:300]
    if isinstance(e, openai.APIResponseValidationError | json.JSONDecodeError | ValueError):
        return f"malformed response: {type(e).__name__}: {e}"[:300]
    if isinstance(e, openai.APIError):  # an error event inside the stream
        return f"the endpoint reported an error mid-stream: {e.message}"[:300]
    return f"unexpected failure: {type(e).__name__}: {e}"[:300]


def _error_message(e: openai.APIStatusError) -> str:
    body = e.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return inner["message"]
    return e.message


def _check_readable(text: str, finish_reason: str | None) -> None:
    """Raise ProviderError for a reply no customer should see: empty, filtered, or garbage."""
    if finish_reason == "content_filter":
        raise ProviderError("the endpoint filtered the reply (content_filter)")
    if not text:
        raise ProviderError(f"empty reply (finish_reason={finish_reason})")
    if any(t in text for t in _TEMPLATE_TOKENS):
        raise ProviderError("garbage reply: chat-template tokens in the text")
    if QUOTE in text:
        raise ProviderError("garbage reply: it echoes the prompt's quoted data blocks")
    letters = sum(c.isalpha() for c in text)
    if letters < 2 or letters / len(text) < 0.5:
        raise ProviderError(f"garbage reply: {letters} letters in {len(text)} characters")
    words = text.split()
    if len(words) >= 12 and len(set(words)) / len(words) < 0.2:
        raise ProviderError("garbage reply: the same few words repeated")


def _logprob_stats(values: list[float]) -> tuple[float | None, float | None]:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return None, None
    return round(sum(finite) / len(finite), 4), round(min(finite), 4)


def _with_continuation(hits: list[Hit], evidence: Evidence) -> list[Hit]:
    """The best source with the section it leads into ("then follow the steps below"), and the
    chunk before it when it opens partway through a list, as one source."""
    following, lead = evidence.continuation, evidence.lead
    if (following is None and lead is None) or not hits:
        return hits
    parts = [hits[0].chunk.text]
    if following is not None:
        heading = following.hit.chunk.heading.split(" > ")[-1]
        parts.append(f"{heading}\n{following.hit.chunk.text}" if heading else following.hit.chunk.text)
    if lead is not None:
        parts.insert(0, lead.hit.chunk.text)
    return [replace(hits[0], chunk=replace(hits[0].chunk, text="\n\n".join(parts))), *hits[1:]]


def _source_texts(sources: list[Hit], evidence: Evidence) -> list[SourceText]:
    """The sources' sentences and vectors, as read at retrieval (no embedding needed)."""
    passages = {r.passage.hit.chunk.chunk_id: r.passage for r in evidence.readings}
    out = []
    for n, hit in enumerate(sources):
        p = passages[hit.chunk.chunk_id]
        units, vectors = p.units, p.vectors
        if n == 0:  # with what `_with_continuation` joined to its text: the list's start, the section it leads into
            lead, following = evidence.lead, evidence.continuation
            if lead is not None and lead.units:
                units, vectors = [*lead.units, *units], np.vstack([lead.vectors, vectors])
            if following is not None and following.units:
                units, vectors = [*units, *following.units], np.vstack([vectors, following.vectors])
        out.append(SourceText(text=hit.chunk.text, units=units, vectors=vectors))
    return out

