"""The content editor's commands: `ingest`, `search` and `kb list|show|remove|stale`."""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

import click

from ingest.chunking import Chunker
from ingest.sync import MassDeleteRefused, sync
from knowledge import KnowledgeBase, Settings


def _say_waiting() -> None:
    click.echo("another ingest of this knowledge base is running: waiting for it to finish", err=True)


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--include-unverified", is_flag=True, help="Also index documents not marked verified.")
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.option("--allow-mass-delete", is_flag=True, help="Allow a run to remove over 20% of the indexed documents.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_obj
def ingest_command(
    settings: Settings, paths: tuple[Path, ...], include_unverified: bool, dry_run: bool,
    allow_mass_delete: bool, quiet: bool,
) -> None:
    """Sync documents (folders or files: .md, .txt, .html, .pdf, .jsonl) into the knowledge base."""
    from tqdm import tqdm

    started = time.perf_counter()
    kb = KnowledgeBase(settings)
    bar = tqdm(total=0, unit="chunk", desc="embedding", disable=quiet or dry_run, file=sys.stderr)

    def set_total(n: int) -> None:
        bar.total = n
        bar.refresh()

    try:
        report = sync(
            kb,
            paths,
            chunker=Chunker(settings.chunk_size, settings.chunk_overlap),
            max_doc_bytes=settings.max_doc_bytes,
            include_unverified=include_unverified,
            dry_run=dry_run,
            allow_mass_delete=allow_mass_delete,
            progress=bar.update,
            on_total=set_total,
            on_wait=_say_waiting,
        )
    except MassDeleteRefused as e:
        click.echo(f"stopped: {e}", err=True)
        sys.exit(3)
    finally:
        bar.close()
        kb.close()
    for refusal in report.refused:
        click.echo(f"refused: {refusal.where}: {refusal.reason}", err=True)
    if dry_run:
        for label, ids in (("add", report.added), ("update", report.updated), ("remove", report.removed)):
            for doc_id in ids:
                click.echo(f"would {label}: {doc_id}")
        click.echo(f"{report.summary()}; chunks: +{report.chunks_written} -{report.chunks_removed}")
        if report.stopped:  # exit as the run itself would: 3
            click.echo(f"would stop: {report.stopped}", err=True)
            sys.exit(3)
    else:
        elapsed = time.perf_counter() - started
        click.echo(f"{report.summary()} ({report.chunks_written} chunks embedded in {elapsed:.1f}s)")
    if not report.ok:
        sys.exit(1)


@click.command("search")
@click.argument("query")
@click.option("-k", "--top", default=5, show_default=True, help="How many chunks to show.")
@click.pass_obj
def search_command(settings: Settings, query: str, top: int) -> None:
    """Show the chunks the assistant would read for QUERY."""
    kb = KnowledgeBase(settings)
    try:
        hits = kb.retriever.search(query, top)
    finally:
        kb.close()
    if not hits:
        click.echo("no results (is the knowledge base empty? run `switchboard ingest`)")
        return
    for n, hit in enumerate(hits, start=1):
        c = hit.chunk
        where = "".join(
            [f"  > {c.heading}" if c.heading else "", f"  (page {c.page})" if c.page else ""]
        )
        click.echo(f"{n}. {hit.score:.3f}  {c.title}  [{c.doc_id}]{where}")
        click.echo(f"   {' '.join(c.text.split())[:200]}")


@click.group("kb")
def kb_group() -> None:
    """List, inspect and remove indexed documents."""


@kb_group.command("list")
@click.pass_obj
def kb_list(settings: Settings) -> None:
    """Every indexed document: id, version, chunks, owner, review-by date, title."""
    kb = KnowledgeBase(settings)
    try:
        docs = kb.catalog.all()
    finally:
        kb.close()
    for d in docs:
        click.echo(
            f"{d.doc_id}\tv{d.version}\t{len(d.chunk_ids)} chunks\t{d.owner or '-'}\t{d.review_by or '-'}\t{d.title}"
        )
    click.echo(f"{len(docs)} documents")


@kb_group.command("show")
@click.argument("doc_id")
@click.option("--versions", is_flag=True, help="List every version that was indexed.")
@click.option("--version", "version", type=int, help="Print the text of this version.")
@click.pass_obj
def kb_show(settings: Settings, doc_id: str, versions: bool, version: int | None) -> None:
    """One document: its metadata and chunks, or its versions."""
    kb = KnowledgeBase(settings)
    try:
        doc = kb.catalog.get(doc_id)
        history = kb.catalog.versions(doc_id)
        chunks = kb.store.get(list(doc.chunk_ids)) if doc and not (versions or version) else []
    finally:
        kb.close()
    if doc is None and not history:
        raise click.ClickException(f"no document '{doc_id}' (see `switchboard kb list`)")
    if version is not None:
        match = next((v for v in history if v.version == version), None)
        if match is None:
            raise click.ClickException(f"'{doc_id}' has no version {version}")
        click.echo(match.text)
        return
    if versions:
        for v in history:
            current = "  (indexed)" if doc and v.version == doc.version else ""
            click.echo(f"v{v.version}\t{v.created_at:%Y-%m-%d %H:%M}\t{v.content_hash[:12]}\t{v.title}{current}")
        return
    assert doc is not None
    for label, value in (
        ("doc id", doc.doc_id), ("title", doc.title), ("url", doc.url), ("owner", doc.owner),
        ("review by", doc.review_by), ("tags", doc.tags), ("version", doc.version), ("source", doc.path),
        ("updated", f"{doc.updated_at:%Y-%m-%d %H:%M}"), ("chunks", len(doc.chunk_ids)),
    ):
        click.echo(f"{label + ':':11}{value if value not in (None, '') else '-'}")
    for c in chunks:
        where = " > ".join(p for p in (c.heading, f"page {c.page}" if c.page else "") if p)
        click.echo(f"  [{c.ordinal}] {where + ': ' if where else ''}{' '.join(c.text.split())[:120]}")


@kb_group.command("remove")
@click.argument("doc_id")
@click.pass_obj
def kb_remove(settings: Settings, doc_id: str) -> None:
    """Remove one document from the index (its versions stay in the history)."""
    kb = KnowledgeBase(settings)
    try:
        with kb.catalog.exclusive(_say_waiting):
            doc = kb.catalog.get(doc_id)
            if doc is None:
                raise click.ClickException(f"no document '{doc_id}' (see `switchboard kb list`)")
            kb.catalog.remove(doc_id)
            kb.store.delete(doc.chunk_ids)
    finally:
        kb.close()
    click.echo(f"removed {doc_id} ({len(doc.chunk_ids)} chunks)")


@kb_group.command("stale")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Default: today.")
@click.pass_obj
def kb_stale(settings: Settings, as_of) -> None:
    """Documents past their review_by date, the most overdue first. Exit code 1 if any."""
    today = as_of.date() if as_of else date.today()
    kb = KnowledgeBase(settings)
    try:
        docs = kb.catalog.all()
    finally:
        kb.close()
    stale = sorted((d for d in docs if d.review_by and d.review_by < today.isoformat()), key=lambda d: d.review_by)
    for d in stale:
        overdue = (today - date.fromisoformat(d.review_by)).days
        click.echo(f"{d.doc_id}\treview by {d.review_by} ({overdue} days overdue)\t{d.owner or '-'}\t{d.title}")
    click.echo(f"{len(stale)} of {len(docs)} documents are past their review date")
    if stale:
        sys.exit(1)
