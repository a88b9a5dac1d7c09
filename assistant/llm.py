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
timeout, HTTP status, rate limit, malformed chunk, a stream that stopped before its end, a reply
cut by the token limit, an empty, unreadable or looping reply); the assistant turns it into a
handoff. There is no retry: a retry doubles a customer's wait past the timeout, and the handoff
already has a person answer. What a chunk carries is checked where it is read, so nothing
malformed gets past this module as anything but a ProviderError, and the message is redacted of
the API key (`providers.redact`): an endpoint that refuses a key tends to quote it.

The stream is read with the SDK's async client, on an event loop of the calling thread's own, so
that `SWITCHBOARD_LLM_TIMEOUT_SECONDS` bounds the whole reply: a blocking read waits out its own
read timeout, which an endpoint trickling a token just inside it renews with every token.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import openai
from openai.types.chat import ChatCompletionChunk

from assistant.evidence import Evidence
from assistant.grounding import SourceText, claims, ground, plain_claim, renumber_citations
from assistant.prompt import QUOTE, Prompt, build_prompt, is_dont_know
from assistant.providers import DeltaCallback, Draft, ProviderError, redact
from assistant.text import content_terms
from knowledge import Embedder, Hit, Settings

MAX_SOURCES = 4
_TEMPLATE_TOKENS = ("<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|eot_id|>", "</s>")
# What the readability check leaves out of a reply's characters: citation marks, a Markdown table's
# pipes and rule lines. What it counts as content besides letters and digits: a currency or percent
# sign beside a figure ("$12", "2.9%", "30¢"), never one on its own ("$$$").
_CITATION_MARKS = re.compile(r"\[\d{1,2}(?:\s*,\s*\d{1,2})*\]")
_TABLE_RULE = re.compile(r"^[\s|:-]+$", re.MULTILINE)
_CURRENCY = re.escape("".join(chr(c) for c in range(0x20, 0x3000) if unicodedata.category(chr(c)) == "Sc"))
_FIGURE_SIGN = re.compile(rf"[{_CURRENCY}](?=\s?\d)|(?<=\d)\s?[{_CURRENCY}%]")
LOOP_RUN = 3  # sentences in a row that, written again, make a loop
MAX_REASON = 300  # characters of a failure's reason


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
        # a client per reply (see `_read`), made from these
        self._client_options: dict[str, Any] = dict(
            base_url=settings.openai_base_url, api_key=settings.openai_api_key or "not-needed",
            timeout=settings.llm_timeout_seconds, max_retries=0,
        )
        self._secrets = (settings.openai_api_key,)

    def answer(self, question: str, evidence: Evidence, on_delta: DeltaCallback | None = None) -> Draft:
        with _redacting(self._secrets):
            prompt = build_prompt(question, _with_continuation(evidence.hits[:MAX_SOURCES], evidence))
            stream = self.complete(prompt, on_delta)
            text = stream.text.strip()
            _check_complete(stream.finish_reason, self.max_tokens)
            _check_readable(text, stream.finish_reason)
        mean, lowest = _logprob_stats(stream.logprobs)
        if is_dont_know(text) or not prompt.sources:
            return Draft(text=text, cited=[], support=0.0, grounded=0.0, logprob_mean=mean, logprob_min=lowest)
        grounding = ground(text, _source_texts(prompt.sources, evidence), self.embedder)
        cited = [prompt.sources[i] for i in grounding.cited]
        return Draft(
            # uncited: no marker names a source there is (a "[7]" of two), so none stays
            text=renumber_citations(text, () if grounding.uncited else grounding.cited), cited=cited, support=grounding.share, sentences=grounding.sentences,
            grounded=grounding.grounded, logprob_mean=mean, logprob_min=lowest,
        )

    def complete(self, prompt: Prompt, on_delta: DeltaCallback | None = None) -> Stream:
        """Stream one chat completion, passing each text piece to `on_delta`; raise ProviderError
        for anything but a complete stream. Blocking: call it from a worker thread."""
        with _redacting(self._secrets):
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
        return asyncio.run(self._read(prompt, on_delta, logprobs=logprobs))

    async def _read(self, prompt: Prompt, on_delta: DeltaCallback | None, *, logprobs: bool) -> Stream:
        """The stream, within the timeout as a whole: `asyncio.timeout` cancels a read that waits."""
        start = time.monotonic()
        out = Stream()
        try:
            # a client of its own: an async client's connections belong to the loop that opened them
            async with openai.AsyncOpenAI(**self._client_options) as client, asyncio.timeout(self.timeout):
                chunks = await client.chat.completions.create(
                    # top_logprobs=1: llama-cpp-python's server returns no logprobs without it
                    model=self.model, messages=prompt.messages, stream=True, temperature=0,  # type: ignore[arg-type]
                    max_tokens=self.max_tokens, **({"logprobs": True, "top_logprobs": 1} if logprobs else {}),
                )
                async with chunks:
                    async for chunk in chunks:
                        _take(chunk, out, on_delta, start)
        except (ProviderError, openai.BadRequestError):
            raise
        except TimeoutError as e:
            raise ProviderError(
                f"timeout: no complete reply within {self.timeout:g}s ({len(out.pieces)} pieces by then)"
            ) from e
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


def _take(chunk: ChatCompletionChunk, out: Stream, on_delta: DeltaCallback | None, start: float) -> None:
    """Add one chunk to `out`. Its fields are checked here, where they come in, since the SDK
    builds a streamed chunk without validating it (a `"content": 42` arrives as 42): text that
    is not text is a malformed reply, and a log-probability that is not a number is missing."""
    if not chunk.choices:
        return  # a usage-only chunk
    choice = chunk.choices[0]
    piece = _text_of(choice)
    if piece:
        if out.seconds_to_first_piece is None:
            out.seconds_to_first_piece = time.monotonic() - start
        out.pieces.append(piece)
        if on_delta is not None:
            on_delta(piece)
    out.logprobs.extend(_logprobs_of(choice))
    if choice.finish_reason:
        if not isinstance(choice.finish_reason, str):
            raise ProviderError(f"malformed response: finish_reason is {type(choice.finish_reason).__name__}")
        out.finish_reason = choice.finish_reason


def _text_of(choice: Any) -> str | None:
    content = getattr(choice.delta, "content", None)
    if content is None or isinstance(content, str):
        return content
    raise ProviderError(f"malformed response: the delta's content is {type(content).__name__}, not text")


def _logprobs_of(choice: Any) -> list[float]:
    """The chunk's token log-probabilities; a null, a string or a list that is not one is left out."""
    tokens = getattr(choice.logprobs, "content", None)
    if not isinstance(tokens, list):
        return []
    values = [getattr(t, "logprob", None) for t in tokens]
    return [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)]


@contextmanager
def _redacting(secrets: tuple[str | None, ...]) -> Iterator[None]:
    """ProviderErrors raised inside, without the configured API key in their message, then cut to
    MAX_REASON characters: cut first, a key could lose the end that makes it match."""
    try:
        yield
    except ProviderError as e:
        raise ProviderError(redact(str(e), secrets)[:MAX_REASON]) from e.__cause__


def _reason(e: Exception, timeout: float) -> str:
    """One line an agent can act on, for each way an endpoint fails (`_redacting` shortens it)."""
    if isinstance(e, openai.APITimeoutError):
        return f"timeout: no reply within {timeout:g}s"
    if isinstance(e, openai.APIConnectionError):
        cause = e.__cause__ or e.__context__
        refused = any(isinstance(x, ConnectionRefusedError) or "refused" in str(x).lower() for x in _causes(e))
        what = "connection refused" if refused else "connection failed"
        return f"{what}: {type(cause).__name__ if cause else 'APIConnectionError'}: {cause or e}"
    if isinstance(e, openai.RateLimitError):
        after = e.response.headers.get("retry-after")
        return "rate limited (HTTP 429)" + (f", retry after {after}s" if after else "")
    if isinstance(e, openai.APIStatusError):
        return f"HTTP {e.status_code} from the endpoint: {_error_message(e)}"
    if isinstance(e, openai.APIResponseValidationError | json.JSONDecodeError | ValueError):
        return f"malformed response: {type(e).__name__}: {e}"
    if isinstance(e, openai.APIError):  # an error event inside the stream
        return f"the endpoint reported an error mid-stream: {e.message}"
    return f"unexpected failure: {type(e).__name__}: {e}"


def _causes(e: BaseException) -> Iterator[BaseException]:
    """`e` and what it was raised from, in order: the async transport wraps a refused connection
    in "All connection attempts failed"."""
    seen: set[int] = set()
    cause: BaseException | None = e
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        yield cause
        cause = cause.__cause__ or cause.__context__


def _error_message(e: openai.APIStatusError) -> str:
    body = e.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return inner["message"]
    return e.message


def _check_complete(finish_reason: str | None, max_tokens: int) -> None:
    """A reply the token limit cut is unfinished (a step half-written): never an answer."""
    if finish_reason == "length":
        raise ProviderError(f"incomplete reply: cut at the token limit ({max_tokens} tokens)")


def _check_readable(text: str, finish_reason: str | None) -> None:
    """Raise ProviderError for a reply no customer should see: empty, filtered, garbage, looping."""
    if finish_reason == "content_filter":
        raise ProviderError("the endpoint filtered the reply (content_filter)")
    if not text:
        raise ProviderError(f"empty reply (finish_reason={finish_reason})")
    if any(t in text for t in _TEMPLATE_TOKENS):
        raise ProviderError("garbage reply: chat-template tokens in the text")
    if QUOTE in text:
        raise ProviderError("garbage reply: it echoes the prompt's quoted data blocks")
    content, shown = _content_characters(text)
    if content < 2 or content / shown < 0.5:
        raise ProviderError(f"garbage reply: {content} letters or figures in {shown} characters")
    words = text.split()
    if len(words) >= 12 and len(set(words)) / len(words) < 0.2:
        raise ProviderError("garbage reply: the same few words repeated")
    if (again := _loop(text)) is not None:
        raise ProviderError(f"garbage reply: it repeats itself, a loop (\"{again[:80]}\" again)")


def _content_characters(text: str) -> tuple[int, int]:
    """Letters, digits and the signs of figures, and all the characters but white space, citation
    marks and table rules: "Starter: $12 / month or $120 / year [1]." is 25 of 29."""
    body = _TABLE_RULE.sub("", _CITATION_MARKS.sub("", text)).replace("|", "")
    shown = sum(not c.isspace() for c in body)
    return sum(c.isalnum() for c in body) + len(_FIGURE_SIGN.findall(body)), shown


def _loop(text: str) -> str | None:
    """The first sentence of a loop: a sentence written three times in a row, or a run of LOOP_RUN
    sentences written again, as a model that lost its place does. A sentence said again elsewhere
    ("Go to Settings → Security." opening two procedures), or twice in a row (an installer's two
    steps "Click Next."), is no loop."""
    written = [plain_claim(c) for c in claims(text)]
    written = [w for w in written if content_terms(w)]
    said = [" ".join(w.lower().split()).rstrip(".!?") for w in written]  # compared as said, shown as written
    runs: set[tuple[str, ...]] = set()
    for n, sentence in enumerate(said):
        run = tuple(said[n : n + LOOP_RUN])
        if (n > 1 and said[n - 2] == said[n - 1] == sentence) or (len(run) == LOOP_RUN and run in runs):
            return written[n]
        runs.add(run)
    return None


def _logprob_stats(values: list[float]) -> tuple[float | None, float | None]:
    """Mean and lowest; `_logprobs_of` has left out what is not a finite number."""
    if not values:
        return None, None
    return round(sum(values) / len(values), 4), round(min(values), 4)


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

