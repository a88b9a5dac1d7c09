"""The OpenAI chat-completions wire format, as far as the bot's own endpoint speaks it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.plain_text import without_controls


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "user", "assistant", "developer", "tool"]
    content: str | list[dict] | None = None

    def text(self) -> str:
        """Its text, less control characters and lone surrogates (api/plain_text.py)."""
        if isinstance(self.content, list):  # content parts: keep the text ones
            return without_controls(" ".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")).strip()
        return without_controls(self.content or "").strip()


class ChatCompletionIn(BaseModel):
    """OpenAI clients send more (temperature, max_tokens ...): it is accepted and ignored, since the
    bot answers from the knowledge base the same way whatever the sampling."""

    model_config = ConfigDict(extra="ignore")
    model: str | None = None
    messages: list[ChatMessage] = Field(min_length=1, max_length=100)
    stream: bool = False


class SourceOut(BaseModel):
    title: str
    url: str | None
    doc_id: str


class SwitchboardExtension(BaseModel):
    """What OpenAI's format has no place for: the reply's calibrated confidence, its sources, and
    whether it should go to a person instead (then `content` is the handoff notice)."""

    confidence: float
    sources: list[SourceOut]
    handoff: bool
    handoff_reason: str | None
    draft: str | None = Field(default=None, description="on a handoff: what the bot would have said")
