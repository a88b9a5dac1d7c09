"""The `switchboard` command: the editor's commands plus serve, agent and demo."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import cast

import click

from api.cli_settings import SettingsCheckedGroup, load_settings
from api.db_cli import db_group
from api.kb_drafts_cli import drafts_group
from evals.cli import eval_group
from ingest.cli import ingest_command, kb_group, require_data_folder, search_command
from knowledge import Settings

SAMPLE_KB = Path(__file__).resolve().parent.parent / "sample_kb"


@click.group(cls=SettingsCheckedGroup)
@click.pass_context
def main(ctx: click.Context) -> None:
    """Switchboard: live chat with a knowledge-grounded assistant and human override."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    ctx.obj = load_settings()  # a setting that cannot work: one line each, exit code 2


main.add_command(ingest_command)
main.add_command(search_command)
main.add_command(kb_group)
main.add_command(eval_group)
main.add_command(db_group)
kb_group.add_command(drafts_group)


async def _announce_credentials_changed(settings: Settings) -> None:
    """With Redis (many workers), running servers end the revoked agent's streams at once, and send
    the events of its chats going back to the queue; without it, a server notices within its
    re-check interval."""
    from api.events import make_notifier

    if settings.redis_url:
        notifier = make_notifier(settings.redis_url)
        try:
            await notifier.credentials_changed()
            await notifier.publish()
        finally:
            await notifier.close()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.pass_obj
def serve(settings: Settings, host: str, port: int) -> None:
    """Serve the API, the chat page and the agent console."""
    import uvicorn

    from api.app import create_app
    from api.logs import log_our_packages
    from api.preflight import setup_problems

    if problems := setup_problems(settings):
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
        raise SystemExit(2)
    settings.data_dir.mkdir(parents=True, exist_ok=True)  # here, not in the app's start-up: a folder that cannot be made is one line
    log_our_packages()
    uvicorn.run(create_app(settings, freeze_heap=True), host=host, port=port, log_level="info")


@main.group()
def agent() -> None:
    """Manage agent accounts."""


@agent.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(["agent", "admin"]), default=None,
              help="the agent's role [default: agent; an existing agent keeps its role]")
@click.pass_obj
def agent_create(settings: Settings, name: str, role: str | None) -> None:
    """Create agent NAME (or give it a new token) and print the token on the last line.

    A new token ends the agent's console sessions and lifts a revocation."""
    token, created, name = asyncio.run(_create_agent(settings, name, role))
    click.echo(f"{'created agent' if created else 'new token for agent'} {name!r}; the token is shown once:")
    click.echo(token)


@agent.command("list")
@click.pass_obj
def agent_list(settings: Settings) -> None:
    """List agents: name, role, when created, when revoked, when the token expires."""
    from api.agents import list_accounts

    days = settings.agent_token_days
    accounts = asyncio.run(_with_engine(settings, list_accounts, make=False))

    def expires(a) -> str:
        if not days:
            return "never"
        at = (a.token_issued_at or a.created_at) + timedelta(days=days)
        return _when(at) + (" (expired)" if a.token_expired(days) else "")

    rows = [("NAME", "ROLE", "CREATED", "REVOKED", "TOKEN EXPIRES")] + [
        (a.name, a.role, _when(a.created_at), _when(a.revoked_at) if a.revoked_at else "-", expires(a)) for a in accounts
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


@agent.command("revoke")
@click.argument("name")
@click.pass_obj
def agent_revoke(settings: Settings, name: str) -> None:
    """Revoke agent NAME: its token stops working and its console sessions end now."""
    from api.agents import by_name, revoke
    from api.errors import NotFound

    async def run(engine):
        revoked = await revoke(engine, (await by_name(engine, name)).id)
        await _announce_credentials_changed(settings)
        return revoked

    try:
        account = asyncio.run(_with_engine(settings, run, make=False))
    except NotFound as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"revoked agent {account.name!r}; its token and sessions no longer work")


@main.command()
@click.option("--agent", "actor", help="only what this agent (or `cli`, or `anonymous`) did")
@click.option("--conversation", "conversation_id", help="only what happened in this conversation")
@click.option("--action", help="only this action, e.g. conversation.claim or session.sign_in_refused")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100_000))
@click.pass_obj
def audit(settings: Settings, actor: str | None, conversation_id: str | None, action: str | None, limit: int) -> None:
    """The audit log, newest first: who claimed, replied, corrected, released or closed which
    conversation, who signed in or out, and every change to agent accounts."""
    from api.audit import entries

    found = asyncio.run(_with_engine(settings, lambda engine: entries(
        engine, actor=actor, conversation_id=conversation_id, action=action, limit=limit,
    ), make=False))
    for e in found:
        detail = " ".join(f"{k}={v}" for k, v in (e.detail or {}).items() if v is not None)
        where = f" conversation={e.conversation_id}" if e.conversation_id else ""
        click.echo(f"{e.at.strftime('%Y-%m-%d %H:%M:%S UTC')}  {e.actor}  {e.action}{where}{' ' + detail if detail else ''}")


@kb_group.command("gaps")
@click.option("--days", type=click.IntRange(min=1), default=30, show_default=True, help="look back this many days")
@click.option("--threshold", type=click.FloatRange(0, 1), default=0.6, show_default=True, help="cosine that groups two questions")
@click.option("--groups", "limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.pass_obj
def kb_gaps(settings: Settings, days: int, threshold: float, limit: int, as_json: bool) -> None:
    """What the knowledge base is missing: questions the bot handed off for low confidence, or
    answered in replies agents flagged or corrected, grouped by meaning, largest group first, with
    the agents' own answers."""
    import json
    from datetime import UTC, datetime, timedelta

    from api.gaps import collect, group
    from knowledge import Embedder

    since = datetime.now(UTC) - timedelta(days=days)
    examples = asyncio.run(_with_engine(settings, lambda engine: collect(engine, since), make=False))
    gaps = group(examples, Embedder(settings.embedding_model), threshold)[:limit] if examples else []
    if as_json:
        out = [
            {"size": len(g.examples), "kinds": g.kinds, "examples": [
                {"conversation_id": e.conversation_id, "question": e.question, "kind": e.kind, "detail": e.detail,
                 "answer": e.answer, "at": e.at.isoformat()} for e in g.examples]}
            for g in gaps
        ]
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    if not gaps:
        click.echo(f"no handed-off, flagged or corrected answers in the last {days} days")
        return
    for n, gap in enumerate(gaps, start=1):
        kinds = ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in gap.kinds.items())
        click.echo(f"{n}. {len(gap.examples)} question(s): {kinds}")
        for e in gap.examples[:5]:
            why = f" [{e.kind.replace('_', ' ')}{': ' + e.detail if e.detail else ''}]"
            click.echo(f"   - {e.question}{why}")
            if e.answer:
                click.echo(f"     agent: {e.answer}")


@main.group()
def vault() -> None:
    """The card vault of the secure card form."""


@vault.command("new-key")
def vault_new_key() -> None:
    """Print a new vault key for SWITCHBOARD_VAULT_KEY (cards sealed with another key stay sealed)."""
    from api.vault import new_key

    click.echo(new_key())


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


async def _with_engine(settings: Settings, action, *, make: bool = True):
    """Run `action` on the database. `make=False`: a command that only reads it, or changes what is
    there, makes no data folder: without one it says there is no database there (`require_data_folder`)."""
    from api.db import open_database

    if not make and not settings.database_url:
        require_data_folder(settings, "Switchboard database", "start `switchboard serve` there first")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = await open_database(settings.resolved_database_url)
    try:
        return await action(engine)
    finally:
        await engine.dispose()


async def _create_agent(settings: Settings, name: str, role: str | None = None) -> tuple[str, bool, str]:
    """The token, whether the agent is new, and its name as stored (an existing "Bob" for "bob ")."""
    from api.agents import AgentRole, create_or_rotate
    from api.errors import Invalid

    try:
        account, token, created = await _with_engine(
            settings, lambda engine: create_or_rotate(engine, name, cast("AgentRole | None", role))
        )
    except Invalid as e:
        raise click.UsageError(str(e)) from None
    return token, created, account.name


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
    from api.demo_agent import demo_token, token_path

    token, new = asyncio.run(_with_engine(settings, lambda engine: demo_token(engine, settings)))
    base = f"http://{host}:{port}"
    click.echo(
        f"\nSwitchboard is starting.\n"
        f"  customer chat:  {base}/\n"
        f"  agent console:  {base}/agent\n"
        f"  demo agent token (paste it into the console; {'new' if new else 'the same as last time'}, kept in {token_path(settings)}):\n"
        f"  {token}\n",
    )
    sys.stdout.flush()
    ctx.invoke(serve, host=host, port=port)
