"""The vault's reader endpoint, for a payment integration holding the vault's own credential."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, HTTPException, status

from api import payments
from api.deps import ServicesDep, TokenDep
from api.error_schemas import error_responses
from api.payment_schemas import VaultCard

router = APIRouter(prefix="/v1/vault", tags=["vault"], responses=error_responses(401, 404, 409, 422, 503))


@router.get("/cards/{reference}")
async def read_card(reference: str, token: TokenDep, services: ServicesDep) -> VaultCard:
    """The card behind a reference, with `Authorization: Bearer <SWITCHBOARD_VAULT_READER_TOKEN>`.
    No agent or admin token opens it. Every read is in the audit log. 409 when the card was sealed
    with another vault key (a worker without the shared `SWITCHBOARD_VAULT_KEY`)."""
    expected = services.settings.vault_reader_token
    if not expected:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "reading cards back is not enabled: set SWITCHBOARD_VAULT_READER_TOKEN")
    if not token or not hmac.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "the vault reader credential is missing or wrong", headers={"WWW-Authenticate": "Bearer"}
        )
    card = await payments.read_card(services.engine, services.vault, reference)
    return VaultCard(**card.__dict__)
