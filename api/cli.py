"""The `switchboard` command: the editor's commands plus serve, agent and demo."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import click

from evals.cli import eval_group
from ingest.cli import ingest_command, kb_group, search_command
from knowledge import Settings

SAMPLE_KB = Path(__file__).resolve().parent.parent / "sample_kb"


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """Switchboard: live chat with a knowledge-grounded assistant and human override."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    ctx.obj = Settings()


main.add_command(ingest_command)
main.add_command(search_command)
main.add_command(kb_group)
main.add_command(eval_group)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.pass_obj
def serve(settings: Settings, host: str, port: int) -> None:
    """Serve the API, the chat page and the agent console."""
    import uvicorn

    from api.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@main.group()
def agent() -> None:
    """Manage agent accounts."""


@agent.command("create")
@click.argument("name")
@click.pass_obj
def agent_create(settings: Settings, name: str) -> None:
    """Create agent NAME (or give it a new token) and print the token on the last line."""
    token, created = asyncio.run(_create_agent(settings, name))
    click.echo(f"{'created agent' if created else 'new token for agent'} {name!r}; the token is shown once:")
    click.echo(token)


async def _create_agent(settings: Settings, name: str) -> tuple[str, bool]:
    from api.agents import create_or_rotate
    from api.db import open_database

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = await open_database(settings.resolved_database_url)
    try:
        _, token, created = await create_or_rotate(engine, name)
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    finally:
        await engine.dispose()
    return token, created


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.pass_context
def demo(ctx: click.Context, host: str, port: int) -> None:
    """Ingest the bundled sample knowledge base, create a demo agent, and serve."""
    settings: Settings = ctx.obj
    try:
        ctx.invoke(
            ingest_command, paths=(SAMPLE_KB,), include_unverified=False, dry_run=False,
            allow_mass_delete=False, quiet=False,
        )
    except SystemExit as e:
        if e.code:
            raise
    token, _ = asyncio.run(_create_agent(settings, "demo"))
    base = f"http://{host}:{port}"
    click.echo(
        f"\nSwitchboard is starting.\n"
        f"  customer chat:  {base}/\n"
        f"  agent console:  {base}/agent\n"
        f"  demo agent token (paste it into the console):\n  {token}\n",
    )
    sys.stdout.flush()
    ctx.invoke(serve, host=host, port=port)
