"""What comes in and goes out for canned responses, escalation rules, ratings and metrics."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.canned import CannedResponse
from api.plain_text import PlainText, limited_text
from api.ratings import Rating
from api.rules_store import RulesInForce

MAX_RULES_CHARS = 200_000


class CannedResponseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shortcut: PlainText = Field(min_length=1, max_length=41, description="typed after '/' in the composer, e.g. refund-policy")
    title: PlainText = Field(min_length=1, max_length=200)
    text: PlainText = Field(min_length=1, max_length=4000)


class CannedResponseUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shortcut: limited_text(min_length=1, max_length=41) | None = Field(default=None)
    title: limited_text(min_length=1, max_length=200) | None = Field(default=None)
    text: limited_text(min_length=1, max_length=4000) | None = Field(default=None)


class CannedResponseView(BaseModel):
    id: int
    shortcut: str
    title: str
    text: str
    updated_by: str
    updated_at: datetime

    @classmethod
    def of(cls, response: CannedResponse) -> CannedResponseView:
        return cls(**response.__dict__)


class CannedResponseList(BaseModel):
    canned_responses: list[CannedResponseView]


class EscalationRulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    yaml: PlainText = Field(min_length=1, max_length=MAX_RULES_CHARS, description="the whole rules document, as in the rules file")


class EscalationRuleSummary(BaseModel):
    name: str
    reason: str
    priority: int
    reply_with_article: bool


class EscalationRulesView(BaseModel):
    source: str = Field(description="'admin' (saved through the API) or the path of the rules file")
    revision: int
    saved_by: str | None
    saved_at: datetime | None
    rules: list[EscalationRuleSummary] = Field(description="highest priority first")
    yaml: str

    @classmethod
    def of(cls, current: RulesInForce) -> EscalationRulesView:
        return cls(
            source=current.source, revision=current.revision, saved_by=current.saved_by, saved_at=current.saved_at,
            rules=[
                EscalationRuleSummary(name=r.name, reason=r.reason, priority=r.priority, reply_with_article=r.reply_with_article)
                for r in current.rules.rules
            ],
            yaml=current.yaml,
        )


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    score: int = Field(ge=1, le=5, strict=True, description="1 (very bad) to 5 (very good)")  # not `true`
    comment: limited_text(max_length=2000) | None = Field(default=None)


class RatingView(BaseModel):
    score: int
    comment: str | None
    rated_at: datetime

    @classmethod
    def of(cls, rating: Rating) -> RatingView:
        return cls(score=rating.score, comment=rating.comment, rated_at=rating.rated_at)
