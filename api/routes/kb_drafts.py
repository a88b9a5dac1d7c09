"""Knowledge capture: an agent proposes an answer as a knowledge-base draft; admins list and
dismiss drafts. Exporting them to files is `switchboard kb drafts export DIR`, on the server."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from api import audit, kb_drafts
from api.deps import CurrentAccount, CurrentAdmin, CurrentAgent, RowId, ServicesDep
from api.error_schemas import error_responses
from api.kb_draft_schemas import KbDraftIn, KbDraftList, KbDraftView

router = APIRouter(tags=["kb-drafts"], responses=error_responses(400, 401, 403, 404, 409, 422, 503))


@router.post(
    "/v1/agent/conversations/{conversation_id}/messages/{message_id}/kb-draft", status_code=status.HTTP_201_CREATED
)
async def propose(
    conversation_id: str, message_id: RowId, agent: CurrentAgent, account: CurrentAccount, services: ServicesDep,
    body: KbDraftIn | None = None,
) -> KbDraftView:
    """Propose an agent's answer or correction as a knowledge-base draft (unverified until an
    editor verifies it). Title and body default to the customer's question and the answer.
    403: another agent's answer (an admin may propose anyone's); 409: not an agent's answer to a
    customer question, or proposed already."""
    body = body or KbDraftIn()
    draft = await kb_drafts.propose(
        services.engine, conversation_id, message_id, agent, admin=account.is_admin,
        title=body.title, body=body.body, tags=body.tags,
    )
    return KbDraftView.of(draft)


@router.get("/v1/admin/kb-drafts")
async def list_drafts(
    admin: CurrentAdmin, services: ServicesDep,
    in_status: Annotated[Literal["proposed", "exported", "dismissed"] | None, Query(alias="status")] = None,
) -> KbDraftList:
    """Drafts agents proposed, the oldest first; only those in `status` if given."""
    found = await kb_drafts.list_drafts(services.engine, status=in_status)
    return KbDraftList(kb_drafts=[KbDraftView.of(d) for d in found])


@router.post("/v1/admin/kb-drafts/{draft_id}/dismiss")
async def dismiss(draft_id: RowId, admin: CurrentAdmin, services: ServicesDep) -> KbDraftView:
    """Not an article: the draft is not exported. 409 once it was exported."""
    return KbDraftView.of(await kb_drafts.dismiss(services.engine, draft_id, audit.Actor(admin.name, admin.id)))
