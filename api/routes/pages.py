"""The two web pages: the customer chat and the agent console."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from api.schemas import Health

STATIC = Path(__file__).resolve().parent.parent / "static"
router = APIRouter(tags=["pages"])


@router.get("/healthz")
async def healthz() -> Health:
    return Health(status="ok")


@router.get("/", include_in_schema=False)
async def chat_page() -> FileResponse:
    return FileResponse(STATIC / "chat.html")


@router.get("/agent", include_in_schema=False)
async def agent_page() -> FileResponse:
    return FileResponse(STATIC / "agent.html")
