"""What comes in and goes out for agent accounts, console sessions and their administration."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.agents import AgentAccount, AgentRole


class AgentMe(BaseModel):
    id: int
    name: str
    role: AgentRole

    @classmethod
    def of(cls, account: AgentAccount) -> AgentMe:
        return cls(id=account.id, name=account.name, role=account.role)


class PresenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["online", "away"]


class PresenceOut(BaseModel):
    status: Literal["online", "away"]


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=200)


class SessionPublic(BaseModel):
    agent: AgentMe
    csrf_token: str
    expires_at: datetime
    max_chats: int = Field(description="how many conversations this agent may hold at once")
    presence: Literal["online", "away"] = "online"


class AgentAdminView(BaseModel):
    id: int
    name: str
    role: AgentRole
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, account: AgentAccount) -> AgentAdminView:
        return cls(
            id=account.id, name=account.name, role=account.role,
            created_at=account.created_at, revoked_at=account.revoked_at,
        )


class AgentList(BaseModel):
    agents: list[AgentAdminView]


class AgentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    role: AgentRole = "agent"


class AgentCreated(BaseModel):
    agent: AgentAdminView
    token: str = Field(description="the new agent's token; shown this once, stored only as a hash")


class AgentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: AgentRole
