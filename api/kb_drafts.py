"""Knowledge capture: an agent proposes an answer they gave as a knowledge-base draft; an editor
exports the proposed drafts as Markdown files (`verified: false`), edits and verifies them, and
ingests them like any other document. Or dismisses them.

What can be proposed: an agent's message that answers a customer's question, that is a
correction of a bot reply (the usual case: the bot answered wrongly, the agent said what is
right) or any other reply an agent wrote. The question is the customer's line(s) the answer
answers: for a correction, the lines before the corrected bot reply; for a reply, the last
customer lines before it. One draft per message; nothing a customer or the bot said can be
proposed. Card numbers are masked in everything stored, as in the transcript.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from api import audit
from api.bot_turns import aware
from api.conversations import Agent
from api.db import conversations, kb_drafts, messages
from api.errors import MESSAGE_NOT_FOUND, Conflict, Forbidden, Invalid, NotFound
from api.kb_draft_files import write_draft
from api.masking import mask_card_numbers

Status = Literal["proposed", "exported", "dismissed"]
MAX_TITLE_CHARS = 200
MAX_BODY_CHARS = 20_000
MAX_TAGS = 10


@dataclass(frozen=True)
class KbDraft:
    id: int
    conversation_id: str
    message_id: int  # the agent's answer or correction
    corrects: int | None  # the bot reply it corrects, for a correction
    question: str
    title: str
    body: str
    tags: tuple[str, ...]
    proposed_by: str
    proposed_by_id: int
    created_at: datetime
    status: Status
    status_by: str | None = None
    status_at: datetime | None = None
    exported_path: str | None = None


@dataclass(frozen=True)
class Exported:
    draft: KbDraft
    path: Path
    written: bool  # False: the same file was there already (an export interrupted before it was marked)


async def propose(
    engine: AsyncEngine, conversation_id: str, message_id: int, agent: Agent, *, admin: bool = False,
    title: str | None = None, body: str | None = None, tags: list[str] | None = None,
) -> KbDraft:
    """A draft from the agent's answer `message_id`: the question as its title and the answer as
    its body, unless the agent edited them. 404: no such conversation or message in it; 403: the
    answer is another agent's (the draft goes out under the proposer's name, and what an agent
    wrote is theirs to offer); 409: the message is not an agent's answer to a customer question,
    or it was proposed already; 422: an empty or overlong title or body.

    An admin may propose any agent's answer: admins curate the knowledge base, and the answers of
    an agent who has left would otherwise never become articles."""
    async with engine.begin() as conn:
        if (await conn.execute(sa.select(conversations.c.id).where(conversations.c.id == conversation_id))).first() is None:
            raise NotFound()
        rows = (
            await conn.execute(
                sa.select(messages).where(messages.c.conversation_id == conversation_id, messages.c.id <= message_id)
                .order_by(messages.c.id)
            )
        ).all()
        answer = rows[-1] if rows and rows[-1].id == message_id else None
        if answer is None:
            raise NotFound(MESSAGE_NOT_FOUND)
        if answer.role != "agent":
            raise Conflict("only an agent's answer or correction can be proposed as an article")
        if not admin and not _wrote(agent, answer):
            raise Forbidden(f"this reply is {answer.author}'s: only they, or an admin, may propose it as an article")
        question = question_for(rows, anchor=answer.corrects if answer.corrects is not None else answer.id)
        if not question:
            raise Conflict("this reply answers no customer question")
        await _not_proposed_yet(conn, message_id)
        now = datetime.now(UTC)
        values = dict(
            conversation_id=conversation_id, message_id=message_id, corrects=answer.corrects,
            question=mask_card_numbers(question), title=clean_title(title if title is not None else question),
            body=clean_body(body if body is not None else answer.text), tags=clean_tags(tags or []),
            proposed_by=agent.id, proposed_by_name=agent.name, created_at=now, status="proposed",
        )
        try:
            result = await conn.execute(kb_drafts.insert().values(**values))
        except IntegrityError:  # proposed by a concurrent request
            raise Conflict("this answer was proposed as an article already") from None
        draft_id = int(result.inserted_primary_key[0])
        await audit.record(
            conn, "kb_draft.propose", audit.Actor(agent.name, agent.id), conversation_id=conversation_id,
            detail={"draft_id": draft_id, "message_id": message_id},
        )
    return await get(engine, draft_id)


def _wrote(agent: Agent, message: sa.Row) -> bool:
    """A message's author is the name of the agent who sent it, and names are one person whatever
    their case (api/agents.py)."""
    return message.author is not None and message.author.casefold() == agent.name.casefold()


def question_for(rows: list[sa.Row], anchor: int) -> str:
    """The customer's lines an answer (or the bot reply at `anchor`) answers: the last run of
    customer lines before it, past any bot or agent messages in between."""
    earlier = [r for r in rows if r.id < anchor]
    while earlier and earlier[-1].role != "customer":
        earlier.pop()
    lines: list[str] = []
    while earlier and earlier[-1].role == "customer":
        lines.insert(0, earlier.pop().text)
    return "\n".join(lines).strip()


def clean_title(title: str) -> str:
    """One line, masked, cut at a word to fit."""
    title = mask_card_numbers(" ".join(title.split()))
    if not title:
        raise Invalid("the title is empty")
    if len(title) > MAX_TITLE_CHARS:
        title = title[: MAX_TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return title


def clean_body(body: str) -> str:
    body = mask_card_numbers(body.strip())
    if not body:
        raise Invalid("the article's text is empty")
    if len(body) > MAX_BODY_CHARS:
        raise Invalid(f"the article's text is {len(body)} characters; the limit is {MAX_BODY_CHARS}")
    return body


def clean_tags(tags: list[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        tag = re.sub(r"[^a-z0-9-]+", "-", tag.strip().lower()).strip("-")
        if mask_card_numbers(tag) != tag:  # tags are written to the article's file as they are
            raise Invalid("a tag must not hold a card number")
        tag = tag[:40].strip("-")  # cut after the check: a cut card would be no card, and half of one
        if tag and tag not in out:
            out.append(tag)
    if len(out) > MAX_TAGS:
        raise Invalid(f"at most {MAX_TAGS} tags")
    return out


async def _not_proposed_yet(conn: AsyncConnection, message_id: int) -> None:
    earlier = (
        await conn.execute(sa.select(kb_drafts.c.id, kb_drafts.c.status).where(kb_drafts.c.message_id == message_id))
    ).first()
    if earlier is not None:
        raise Conflict(f"this answer was proposed as an article already (draft {earlier.id}, {earlier.status})")


async def get(engine: AsyncEngine, draft_id: int) -> KbDraft:
    found = await list_drafts(engine, draft_id=draft_id)
    if not found:
        raise NotFound(f"no knowledge-base draft {draft_id}")
    return found[0]


async def list_drafts(
    engine: AsyncEngine, *, status: Status | None = None, draft_id: int | None = None, limit: int = 1000
) -> list[KbDraft]:
    """Drafts, the oldest first; only those in `status` if given."""
    query = sa.select(kb_drafts).order_by(kb_drafts.c.id).limit(limit)
    if status is not None:
        query = query.where(kb_drafts.c.status == status)
    if draft_id is not None:
        query = query.where(kb_drafts.c.id == draft_id)
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [_draft(r) for r in rows]


async def drafted_messages(engine: AsyncEngine, conversation_id: str) -> dict[int, int]:
    """Which messages of a conversation were proposed as drafts: message id -> draft id."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(kb_drafts.c.message_id, kb_drafts.c.id).where(kb_drafts.c.conversation_id == conversation_id)
        )
        return {r.message_id: r.id for r in rows}


async def dismiss(engine: AsyncEngine, draft_id: int, by: audit.Actor) -> KbDraft:
    """An editor decides a proposed draft is not an article. Dismissing again changes nothing;
    an exported draft is a file now (409: delete the file instead)."""
    async with engine.begin() as conn:
        changed = await _set_status(conn, draft_id, "dismissed", by)
        if changed:
            await audit.record(conn, "kb_draft.dismiss", by, detail={"draft_id": draft_id})
    draft = await get(engine, draft_id)
    if draft.status == "exported":
        raise Conflict(f"draft {draft_id} was exported to {draft.exported_path}: delete that file instead")
    return draft


async def export(engine: AsyncEngine, directory: Path, by: audit.Actor = audit.Actor(audit.CLI)) -> list[Exported]:
    """Write every proposed draft into `directory` as a Markdown file with front matter
    (`verified: false`), and mark it exported. Never overwrites a file; exporting again writes
    nothing new."""
    done: list[Exported] = []
    for draft in await list_drafts(engine, status="proposed"):
        path, written = write_draft(directory, draft)
        async with engine.begin() as conn:
            marked = await _set_status(conn, draft.id, "exported", by, exported_path=str(path))
            if marked:
                await audit.record(
                    conn, "kb_draft.export", by, conversation_id=draft.conversation_id,
                    detail={"draft_id": draft.id, "path": str(path)},
                )
        if not marked:  # dismissed meanwhile: take back the file just written
            if written:
                path.unlink(missing_ok=True)
            continue
        done.append(Exported(replace(draft, status="exported", status_by=by.name, exported_path=str(path)), path, written))
    return done


async def _set_status(
    conn: AsyncConnection, draft_id: int, status: Status, by: audit.Actor, exported_path: str | None = None
) -> bool:
    """Move a proposed draft on; False if it is not (or no longer) proposed."""
    result = await conn.execute(
        kb_drafts.update()
        .where(kb_drafts.c.id == draft_id, kb_drafts.c.status == "proposed")
        .values(status=status, status_by=by.name, status_at=datetime.now(UTC), exported_path=exported_path)
        .returning(kb_drafts.c.id)
    )
    return result.first() is not None


def _draft(r: sa.Row) -> KbDraft:
    return KbDraft(
        id=r.id, conversation_id=r.conversation_id, message_id=r.message_id, corrects=r.corrects,
        question=r.question, title=r.title, body=r.body, tags=tuple(r.tags or ()), proposed_by=r.proposed_by_name,
        proposed_by_id=r.proposed_by, created_at=aware(r.created_at), status=r.status, status_by=r.status_by,
        status_at=aware(r.status_at) if r.status_at else None, exported_path=r.exported_path,
    )
