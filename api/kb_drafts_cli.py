"""`switchboard kb drafts [export DIR]`: the drafts agents proposed, and writing them out as
Markdown files for the editors to review, verify and ingest."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click

from knowledge import Settings

STATUSES = ("proposed", "exported", "dismissed", "all")


@click.group("drafts", invoke_without_command=True)
@click.option("--status", type=click.Choice(STATUSES), default="proposed", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.pass_context
def drafts_group(ctx: click.Context, status: str, as_json: bool) -> None:
    """Answers agents proposed as knowledge-base articles (unverified drafts), oldest first.

    `switchboard kb drafts export DIR` writes the proposed ones as Markdown files."""
    if ctx.invoked_subcommand is not None:
        return
    from api.cli import _with_engine
    from api.kb_draft_schemas import KbDraftView
    from api.kb_drafts import list_drafts

    settings: Settings = ctx.obj
    found = asyncio.run(_with_engine(settings, lambda engine: list_drafts(
        engine, status=None if status == "all" else status,  # type: ignore[arg-type]
    ), make=False))
    if as_json:
        click.echo(json.dumps([KbDraftView.of(d).model_dump(mode="json") for d in found], indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo(f"no {'' if status == 'all' else status + ' '}drafts")
        return
    for d in found:
        corrects = f", correcting message {d.corrects}" if d.corrects is not None else ""
        state = "" if status == "proposed" else f"  [{d.status}{': ' + d.exported_path if d.exported_path else ''}]"
        click.echo(f"#{d.id}  {d.created_at:%Y-%m-%d}  {d.proposed_by}  {d.title}{state}")
        click.echo(f"    conversation {d.conversation_id}, message {d.message_id}{corrects}")
    if status == "proposed":
        click.echo(f"{len(found)} proposed draft(s); write them out with `switchboard kb drafts export DIR`")


@drafts_group.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def drafts_export(settings: Settings, directory: Path) -> None:
    """Write each proposed draft into DIRECTORY as a Markdown file (`verified: false`) and mark it
    exported. Never overwrites a file; running it again writes nothing new."""
    from api.cli import _with_engine
    from api.kb_drafts import export

    done = asyncio.run(_with_engine(settings, lambda engine: export(engine, directory), make=False))
    for item in done:
        click.echo(f"{'wrote' if item.written else 'already there'}: {item.path}  (draft #{item.draft.id})")
    if not done:
        click.echo("no proposed drafts to export")
        return
    click.echo(
        f"exported {len(done)} draft(s) to {directory}; they are unverified: review each, set "
        "'verified: true' in its front matter, then ingest it"
    )

