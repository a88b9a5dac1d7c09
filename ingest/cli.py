"""The content editor's commands: `switchboard ingest` and `switchboard search`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from ingest.chunking import Chunker
from ingest.sync import sync
from knowledge import KnowledgeBase, Settings


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--include-unverified", is_flag=True, help="Also index documents not marked verified.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_obj
def ingest_command(settings: Settings, paths: tuple[Path, ...], include_unverified: bool, quiet: bool) -> None:
    """Sync documents (folders or files: .md, .txt, .jsonl) into the knowledge base."""
    from tqdm import tqdm

    started = time.perf_counter()
    kb = KnowledgeBase(settings)
    bar = tqdm(total=0, unit="chunk", desc="embedding", disable=quiet, file=sys.stderr)

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
            progress=bar.update,
            on_total=set_total,
        )
    finally:
        bar.close()
        kb.close()
    for refusal in report.refused:
        click.echo(f"refused: {refusal.where}: {refusal.reason}", err=True)
    click.echo(f"{report.summary()} ({report.chunks_written} chunks embedded in {time.perf_counter() - started:.1f}s)")
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
        snippet = " ".join(c.text.split())[:200]
        click.echo(f"{n}. {hit.score:.3f}  {c.title}  [{c.doc_id}]{'  > ' + c.heading if c.heading else ''}")
        click.echo(f"   {snippet}")
