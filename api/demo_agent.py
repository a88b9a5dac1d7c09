"""The demo's admin agent keeps its token across restarts of `switchboard demo`.

A new token on every start ended the console session of whoever was trying the demo, each time
they restarted it. The token is kept in the data directory, readable by its owner alone (like an
SSH key), and used again while it still signs in as the demo admin: not revoked, not expired, not
rotated with `switchboard agent create demo`. Otherwise the demo agent gets a new one.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from api.agents import by_token, create_or_rotate
from knowledge import Settings

DEMO_AGENT = "demo"
TOKEN_FILE = "demo-agent-token"


def token_path(settings: Settings) -> Path:
    return settings.data_dir / TOKEN_FILE


async def demo_token(engine: AsyncEngine, settings: Settings) -> tuple[str, bool]:
    """The demo admin's token, and whether it is new (the one kept no longer signs in)."""
    path = token_path(settings)
    kept = _read(path)
    if kept:
        account = await by_token(engine, kept)
        if (
            account is not None
            and account.name == DEMO_AGENT
            and account.is_admin
            and not account.token_expired(settings.agent_token_days)
        ):
            return kept, False
    _, token, _ = await create_or_rotate(engine, DEMO_AGENT, "admin")
    _write_private(path, token)
    return token, True


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def _write_private(path: Path, text: str) -> None:
    """Written whole (a temporary file renamed over it), never readable by others."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(text + "\n")
    os.chmod(partial, 0o600)  # an older partial file may have had other permissions
    os.replace(partial, path)
