"""Admin endpoints: agent accounts, their roles and revocation. Admins only."""

from __future__ import annotations

from fastapi import APIRouter, status

from api import agents, audit
from api.account_schemas import AgentAdminView, AgentCreate, AgentCreated, AgentList, AgentUpdate
from api.deps import CurrentAdmin, ServicesDep

router = APIRouter(prefix="/v1/admin", tags=["admin"])


@router.get("/agents")
async def list_agents(admin: CurrentAdmin, services: ServicesDep) -> AgentList:
    return AgentList(agents=[AgentAdminView.of(a) for a in await agents.list_accounts(services.engine)])


@router.post("/agents", status_code=status.HTTP_201_CREATED)
async def create_agent(body: AgentCreate, admin: CurrentAdmin, services: ServicesDep) -> AgentCreated:
    """A new agent; its token is in this response only. An existing name gets 409."""
    account, token = await agents.create(services.engine, body.name, body.role, by=_actor(admin))
    return AgentCreated(agent=AgentAdminView.of(account), token=token)


@router.post("/agents/{agent_id}/revoke")
async def revoke_agent(agent_id: int, admin: CurrentAdmin, services: ServicesDep) -> AgentAdminView:
    """The agent's token stops working and its console sessions end, at once: so do its open
    event streams, on every worker."""
    revoked = await agents.revoke(services.engine, agent_id, by=_actor(admin))
    await services.notifier.credentials_changed()
    return AgentAdminView.of(revoked)


@router.patch("/agents/{agent_id}")
async def update_agent(agent_id: int, body: AgentUpdate, admin: CurrentAdmin, services: ServicesDep) -> AgentAdminView:
    return AgentAdminView.of(await agents.set_role(services.engine, agent_id, body.role, by=_actor(admin)))


def _actor(admin: agents.AgentAccount) -> audit.Actor:
    return audit.Actor(admin.name, admin.id)
