"""Admin endpoints: agent accounts, their roles and revocation; canned responses; escalation
rules; the service's metrics. Admins only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status

from api import agents, audit, canned, rules_store
from api.conversation_figures import ConversationMetrics, conversation_metrics
from api.metrics_series import MAX_DAYS, DailyMetrics, daily_metrics
from api.service_metrics import ServiceMetrics, service_metrics
from api.workspace_schemas import (
    CannedResponseIn,
    CannedResponseList,
    CannedResponseUpdate,
    CannedResponseView,
    EscalationRulesIn,
    EscalationRulesView,
)
from api.account_schemas import AgentAdminView, AgentCreate, AgentCreated, AgentList, AgentUpdate
from api.deps import CurrentAdmin, RowId, ServicesDep
from api.error_schemas import error_responses

router = APIRouter(
    prefix="/v1/admin", tags=["admin"], responses=error_responses(400, 401, 403, 404, 409, 422, 503)
)


@router.get("/agents")
async def list_agents(admin: CurrentAdmin, services: ServicesDep) -> AgentList:
    return AgentList(agents=[AgentAdminView.of(a) for a in await agents.list_accounts(services.engine)])


@router.post("/agents", status_code=status.HTTP_201_CREATED)
async def create_agent(body: AgentCreate, admin: CurrentAdmin, services: ServicesDep) -> AgentCreated:
    """A new agent; its token is in this response only. An existing name gets 409."""
    account, token = await agents.create(services.engine, body.name, body.role, by=_actor(admin))
    return AgentCreated(agent=AgentAdminView.of(account), token=token)


@router.post("/agents/{agent_id}/revoke")
async def revoke_agent(agent_id: RowId, admin: CurrentAdmin, services: ServicesDep) -> AgentAdminView:
    """The agent's token stops working and its console sessions end, at once: so do its open
    event streams, on every worker."""
    revoked = await agents.revoke(services.engine, agent_id, by=_actor(admin))
    await services.notifier.credentials_changed()
    await services.notifier.publish()  # the chats it held are back in the queue
    return AgentAdminView.of(revoked)


@router.patch("/agents/{agent_id}")
async def update_agent(agent_id: RowId, body: AgentUpdate, admin: CurrentAdmin, services: ServicesDep) -> AgentAdminView:
    return AgentAdminView.of(await agents.set_role(services.engine, agent_id, body.role, by=_actor(admin)))


# ----- canned responses ---------------------------------------------------------------------


@router.get("/canned-responses")
async def list_canned(admin: CurrentAdmin, services: ServicesDep) -> CannedResponseList:
    found = await canned.search(services.engine, limit=10_000)
    return CannedResponseList(canned_responses=[CannedResponseView.of(r) for r in found])


@router.post("/canned-responses", status_code=status.HTTP_201_CREATED)
async def create_canned(body: CannedResponseIn, admin: CurrentAdmin, services: ServicesDep) -> CannedResponseView:
    """A reply agents insert with "/shortcut". A shortcut in use gets 409."""
    created = await canned.create(services.engine, body.shortcut, body.title, body.text, by=_actor(admin))
    return CannedResponseView.of(created)


@router.patch("/canned-responses/{response_id}")
async def update_canned(
    response_id: RowId, body: CannedResponseUpdate, admin: CurrentAdmin, services: ServicesDep
) -> CannedResponseView:
    updated = await canned.update(
        services.engine, response_id, _actor(admin), shortcut=body.shortcut, title=body.title, text=body.text
    )
    return CannedResponseView.of(updated)


@router.delete("/canned-responses/{response_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_canned(response_id: RowId, admin: CurrentAdmin, services: ServicesDep) -> Response:
    await canned.delete(services.engine, response_id, by=_actor(admin))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ----- escalation rules ---------------------------------------------------------------------


@router.get("/escalation-rules")
async def escalation_rules(admin: CurrentAdmin, services: ServicesDep) -> EscalationRulesView:
    """The rules in force: the last ones an admin saved, else the rules file."""
    return EscalationRulesView.of(await rules_store.in_force(services.engine, services.settings.escalation_rules))


@router.put("/escalation-rules")
async def save_escalation_rules(body: EscalationRulesIn, admin: CurrentAdmin, services: ServicesDep) -> EscalationRulesView:
    """Replace the rules, in the rules file's YAML. Malformed rules get 422 saying where, and change
    nothing; saved rules apply on every worker from the next bot turn."""
    await rules_store.save(services.engine, body.yaml, by=_actor(admin))
    await services.refresh_rules()
    return await escalation_rules(admin, services)


@router.delete("/escalation-rules")
async def reset_escalation_rules(admin: CurrentAdmin, services: ServicesDep) -> EscalationRulesView:
    """Back to the rules file (or the shipped default); the saved revisions stay in the history."""
    await rules_store.save(services.engine, None, by=_actor(admin))
    await services.refresh_rules()
    return await escalation_rules(admin, services)


# ----- metrics ------------------------------------------------------------------------------


@router.get("/metrics")
async def metrics(
    admin: CurrentAdmin,
    services: ServicesDep,
    since: Annotated[datetime | None, Query(description="ISO 8601; default: 7 days before `until`")] = None,
    until: Annotated[datetime | None, Query(description="ISO 8601; default: now")] = None,
) -> ServiceMetrics:
    """Conversations started in the window: volume, first response times, handoff rate and
    reasons, CSAT; and now: the queue and each agent's load."""
    until = _utc(until) if until else datetime.now(UTC)
    since = _utc(since) if since else until - timedelta(days=7)
    if since >= until:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "`since` must be before `until`")
    return await service_metrics(services.engine, since, until)


@router.get("/metrics/daily")
async def metrics_daily(
    admin: CurrentAdmin,
    services: ServicesDep,
    days: Annotated[int, Query(description=f"how many UTC days, today included: 1 to {MAX_DAYS}")] = 14,
) -> DailyMetrics:
    """Day by day: conversations started, handoff and bot resolution rates, median response and
    queue times, CSAT, reopen rate; and each agent's chats, handle time, CSAT and peak concurrent
    chats. A `days` outside 1..90 gets 422."""
    return await daily_metrics(services.engine, days)


@router.get("/conversations/{conversation_id}/metrics")
async def metrics_of_conversation(conversation_id: str, admin: CurrentAdmin, services: ServicesDep) -> ConversationMetrics:
    """One conversation's figures: bot and human first response, time in queue, handle time,
    handoffs, resolved by the bot, reopened, rating. Unknown id: 404."""
    return await conversation_metrics(services.engine, conversation_id)


def _utc(moment: datetime) -> datetime:
    """A request's time in UTC (a naive one is taken as UTC): SQLite compares stored times as text,
    so 07:52:30+01:00 would be read as 07:52:30 UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _actor(admin: agents.AgentAccount) -> audit.Actor:
    return audit.Actor(admin.name, admin.id)
