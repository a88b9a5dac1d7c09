"""What comes in and goes out for payment requests, the secure card form and the vault."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.plain_text import limited_text


class PaymentRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: limited_text(max_length=500) | None = Field(
        default=None, description="shown to the customer above the form"
    )


class CardIn(BaseModel):
    """The secure form's fields. They go to the vault only: never to the transcript, an agent or a log."""

    model_config = ConfigDict(extra="forbid")
    number: str = Field(min_length=1, max_length=32)
    expiry: str = Field(min_length=1, max_length=7, description="MM/YY")
    cvc: str = Field(min_length=1, max_length=4, description="checked, never stored")


class CardStored(BaseModel):
    reference: str
    summary: str = Field(description="what the transcript and the agent see")
    brand: str
    last4: str
    exp_month: int
    exp_year: int


class VaultCard(BaseModel):
    """A card read back by the payment integration."""

    reference: str
    conversation_id: str
    number: str
    exp_month: int
    exp_year: int
