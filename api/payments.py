"""Payment details through the secure card form, never through the transcript.

An agent who holds a conversation requests payment details; the customer's chat shows a card
form that posts to its own endpoint; the card is validated, sealed in the vault, and the
transcript gets only its summary (as the customer's line, which the bot never answers). A payment
integration reads the card back with the vault's reader credential, and every read is audited.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api.bot_turns import aware
from api import audit
from api.conversations import Agent, ConversationService
from api.db import conversations, payment_requests, vault_cards
from api.errors import Conflict, NotFound
from api.events import append_event
from api.masking import mask_card_numbers
from api.vault import Card, Vault, summary

READER = audit.Actor("payment-integration")


@dataclass(frozen=True)
class PaymentRequest:
    id: str
    conversation_id: str
    agent_id: int
    note: str | None
    status: str
    card_reference: str | None
    created_at: datetime


@dataclass(frozen=True)
class StoredCard:
    reference: str
    summary: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True)
class OpenedCard:
    reference: str
    conversation_id: str
    number: str
    exp_month: int
    exp_year: int


def _request(row: sa.Row) -> PaymentRequest:
    return PaymentRequest(
        row.id, row.conversation_id, row.agent_id, row.note, row.status, row.card_reference, aware(row.created_at)
    )


async def request_details(service: ConversationService, conversation_id: str, agent: Agent, note: str | None) -> PaymentRequest:
    """Ask the customer for a card. Only the conversation's owner may; an earlier open request of
    the conversation is replaced."""
    now = datetime.now(UTC)
    request_id = "pay_" + secrets.token_urlsafe(12)
    note = mask_card_numbers((note or "").strip()) or None  # the customer and the event stream see it
    async with service.engine.begin() as conn:
        await service.owned(conn, conversation_id, agent)
        await conn.execute(
            payment_requests.update()
            .where(payment_requests.c.conversation_id == conversation_id, payment_requests.c.status == "pending")
            .values(status="cancelled", completed_at=now)
        )
        await conn.execute(
            payment_requests.insert().values(
                id=request_id, conversation_id=conversation_id, agent_id=agent.id, note=note, status="pending",
                created_at=now,
            )
        )
        await append_event(
            conn, conversation_id, "payment.requested",
            {"request": {"id": request_id, "note": note, "agent": {"id": agent.id, "name": agent.name}}},
        )
        await audit.record(conn, "payment.request", audit.Actor(agent.name, agent.id), conversation_id=conversation_id)
    await service.notifier.publish()
    return PaymentRequest(request_id, conversation_id, agent.id, note, "pending", None, now)


async def open_request(engine: AsyncEngine, conversation_id: str) -> PaymentRequest | None:
    """The conversation's request still waiting for a card, if any."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(payment_requests).where(
                    payment_requests.c.conversation_id == conversation_id, payment_requests.c.status == "pending"
                )
            )
        ).first()
    return _request(row) if row else None


async def submit_card(
    service: ConversationService, vault: Vault, conversation_id: str, request_id: str, card: Card
) -> StoredCard:
    """Seal the card and answer the request; the transcript gets the summary. A request that is no
    longer open (answered, replaced, or the conversation closed) gets 409 and stores nothing."""
    reference = "card_" + secrets.token_urlsafe(12)
    text = summary(card.brand, card.last4, card.exp_month, card.exp_year, reference)
    now = datetime.now(UTC)
    async with service.engine.begin() as conn:
        state = (
            await conn.execute(sa.select(conversations.c.state).where(conversations.c.id == conversation_id))
        ).scalar_one_or_none()
        if state is None:
            raise NotFound()
        taken = await _answer_request(conn, conversation_id, request_id, status="received", card_reference=reference, completed_at=now)
        if state == "closed" or not taken:
            raise Conflict("this payment request is no longer open; nothing was stored")
        await conn.execute(
            vault_cards.insert().values(
                reference=reference, conversation_id=conversation_id, payment_request_id=request_id,
                brand=card.brand, last4=card.last4, exp_month=card.exp_month, exp_year=card.exp_year,
                sealed=vault.seal(card, reference), created_at=now,
            )
        )
        await service.add_settled_customer_line(conn, conversation_id, text)
        await append_event(conn, conversation_id, "payment.received", {"request_id": request_id, "summary": text})
    await service.notifier.publish()
    return StoredCard(reference, text, card.brand, card.last4, card.exp_month, card.exp_year)


async def _answer_request(conn, conversation_id: str, request_id: str, **values) -> bool:
    """Set `values` on the request if it is still open (one conditional UPDATE); False if not."""
    answered = await conn.execute(
        payment_requests.update()
        .where(
            payment_requests.c.id == request_id,
            payment_requests.c.conversation_id == conversation_id,
            payment_requests.c.status == "pending",
        )
        .values(**values)
        .returning(payment_requests.c.id)
    )
    return answered.first() is not None


DECLINED_TEXT = "Chose not to send card details (the secure form was closed with “Not now”)."


async def decline(service: ConversationService, conversation_id: str, request_id: str) -> None:
    """The customer closed the card form with "Not now": the request ends, and the transcript says
    so, so the agent who asked knows (the form does not come back on the customer's next visit).
    A request that is no longer open gets 409."""
    now = datetime.now(UTC)
    async with service.engine.begin() as conn:
        if not await _answer_request(conn, conversation_id, request_id, status="declined", completed_at=now):
            raise Conflict("this payment request is no longer open")
        await service.add_settled_customer_line(conn, conversation_id, DECLINED_TEXT)
        await append_event(conn, conversation_id, "payment.declined", {"request_id": request_id})
    await service.notifier.publish()


async def read_card(engine: AsyncEngine, vault: Vault, reference: str) -> OpenedCard:
    """The card behind a reference, for the payment integration; the read is audited."""
    async with engine.begin() as conn:
        row = (await conn.execute(sa.select(vault_cards).where(vault_cards.c.reference == reference))).first()
        if row is None:
            raise NotFound(f"no card {reference}")
        number, month, year = vault.open(row.sealed, reference)
        await audit.record(conn, "vault.read", READER, conversation_id=row.conversation_id, detail={"reference": reference})
    return OpenedCard(reference, row.conversation_id, number, month, year)
