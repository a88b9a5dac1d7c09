"""The content editor's commands: `ingest`, `search` and `kb list|show|remove|stale`.

Exit codes: 0 done; 1 something was refused (`kb stale`: something is past its review date);
3 the mass-delete guard stopped the run; 4 the knowledge base could not be written (a full disk,
a read-only data folder); 130 interrupted (Ctrl-C). Usage errors exit 2 (Click's own, a path that
does not exist, an empty query, and a data folder that does not exist for a command that reads it).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ingest.chunking import Chunker
from ingest.loaders import SIDECAR, SUPPORTED_LIST, iter_files, shown_text
from ingest.sources import ONLY_FILES, special_kind
from ingest.sync import MassDeleteRefused, SyncReport, sync
from ingest.write_failures import REMOVE_NOT_WRITTEN, reports_write_failures
from knowledge import KnowledgeBase, Settings

if TYPE_CHECKING:
    from knowledge.catalog import DocumentVersion, Removal

EXIT_REFUSED = 1
EXIT_USAGE = 2  # a usage error, or a setting that cannot work
EXIT_MASS_DELETE = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT: what a shell reports for a Ctrl-C, and what scripts test for
LISTED_IDS = 10  # added, updated or re-indexed ids named after a run; `kb list` has them all
LISTED_SKIPPED = 10

def _say_waiting() -> None:
    click.echo("another ingest of this knowledge base is running: waiting for it to finish", err=True)


def require_data_folder(settings: Settings, holding: str, made_by: str) -> None:
    """Stop, in one line and exit code 2, a command that only reads what the data folder holds (or
    removes from it) when that folder does not exist. Opening it had made the folder, with an empty
    knowledge base or database in it, and answered from that ("0 documents"): a mistyped
    SWITCHBOARD_DATA_DIR looked like an empty knowledge base, and left a stray folder behind."""
    folder = settings.data_dir.absolute()
    if not folder.exists():
        click.echo(
            f"error: SWITCHBOARD_DATA_DIR: no {holding} in {folder}: the folder does not exist "
            f"(check SWITCHBOARD_DATA_DIR, or {made_by})",
            err=True,
        )
        sys.exit(EXIT_USAGE)


def _existing_kb(settings: Settings) -> KnowledgeBase:
    """The knowledge base, for a command that reads it: one there is (`require_data_folder`)."""
    settings.resolved_database_url  # noqa: B018 (a database URL of another kind is the first thing to say)
    if not settings.database_url or not settings.chroma_url:  # the catalog, or the store, is in the folder
        require_data_folder(settings, "knowledge base", "run `switchboard ingest` to make one")
    return KnowledgeBase(settings)


# ----- ingest ---------------------------------------------------------------------------------------

INTERRUPTED = (
    "interrupted: the index is consistent. The documents this run had indexed stay indexed, the "
    "others are as they were, and running the same ingest again picks up the rest."
)
INTERRUPTED_DRY_RUN = "interrupted: nothing was written (a dry run writes nothing)."
NOT_WRITTEN_BY_INGEST = (
    "The index stays consistent: what was indexed keeps answering, and the same ingest run again "
    "once that is fixed finishes the sync."
)


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--include-unverified", is_flag=True, help="Also index documents not marked verified.")
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.option("--allow-mass-delete", is_flag=True, help="Allow a run to remove over 20% of the indexed documents.")
@click.option("--quiet", is_flag=True, help="Refusals and the summary only: no progress bars, no changed ids.")
@click.pass_obj
@reports_write_failures(after=NOT_WRITTEN_BY_INGEST)
def ingest_command(
    settings: Settings, paths: tuple[Path, ...], include_unverified: bool, dry_run: bool,
    allow_mass_delete: bool, quiet: bool,
) -> None:
    """Sync documents (folders or files: .md, .txt, .html, .pdf, .jsonl) into the knowledge base."""
    from tqdm import tqdm

    if quiet:
        _no_model_progress_bars()
    started = time.perf_counter()
    # a dry run writes nothing, not even a new data folder (a mistyped SWITCHBOARD_DATA_DIR): it
    # plans against an empty knowledge base in a scratch folder, and says so
    scratch = tempfile.TemporaryDirectory(prefix="switchboard-dry-run-") if dry_run and not settings.data_dir.exists() else None
    kb = KnowledgeBase(settings.model_copy(update={"data_dir": Path(scratch.name)}) if scratch else settings)
    empty = False
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
        empty = dry_run and kb.catalog.count() == 0
    except MassDeleteRefused as e:
        click.echo(f"stopped: {e}", err=True)
        sys.exit(EXIT_MASS_DELETE)
    except KeyboardInterrupt:
        # Click would say "Aborted!" and exit 1, the code of a refusal, and nothing of the index.
        # Every write is ordered so that a stop anywhere leaves it consistent (ingest.sync).
        bar.close()
        click.echo(INTERRUPTED_DRY_RUN if dry_run else INTERRUPTED, err=True)
        sys.exit(EXIT_INTERRUPTED)
    finally:
        bar.close()
        kb.close()
        if scratch:
            scratch.cleanup()
    for refusal in report.refused:
        click.echo(f"refused: {refusal.where}: {refusal.reason}", err=True)
    skipped = skipped_files(paths)
    if skipped.unsupported:
        click.echo(_skipped_line(skipped.unsupported), err=True)
    for name, kind in skipped.special:
        click.echo(f"skipped {name}: not a file but {kind} ({ONLY_FILES})", err=True)
    if dry_run:
        if empty:
            click.echo(_empty_kb_line(settings, new=scratch is not None))
        would = (("add", report.added), ("update", report.updated), ("re-index", report.reindexed))
        for label, ids in (*would, ("remove", report.removed)):
            for doc_id in ids:
                click.echo(f"would {label}: {doc_id}")
        click.echo(f"{report.summary()}; chunks: +{report.chunks_written} -{report.chunks_removed}")
        if report.stopped:  # exit as the run itself would
            click.echo(f"would stop: {report.stopped}", err=True)
            sys.exit(EXIT_MASS_DELETE)
    else:
        if not quiet:
            for line in changed_lines(report):
                click.echo(line)
        elapsed = time.perf_counter() - started
        click.echo(f"{report.summary()} ({report.chunks_written} chunks embedded in {elapsed:.1f}s)")
    if not report.ok:
        sys.exit(EXIT_REFUSED)


def _empty_kb_line(settings: Settings, new: bool) -> str:
    where = settings.data_dir.absolute()
    if new:
        return f"no knowledge base in {where} yet: a real run would make one (check SWITCHBOARD_DATA_DIR if you meant another)"
    return f"the knowledge base in {where} is empty: a real run would add every document"


def changed_lines(report: SyncReport) -> list[str]:
    """One line each for the ids a run added, updated, re-indexed (unchanged, cut anew) and removed
    (a count alone left editors to guess which six were removed). Removed ids are all named: `kb
    list` no longer shows them."""
    lines = [
        f"{label}: {_some(ids, LISTED_IDS, 'see `switchboard kb list`')}"
        for label, ids in (("added", report.added), ("updated", report.updated), ("re-indexed", report.reindexed))
        if ids
    ]
    if report.removed:
        lines.append(f"removed: {', '.join(report.removed)}")
    return lines


@dataclass(frozen=True)
class Skipped:
    """What ingest leaves out of the folders given, named from the folder given."""

    unsupported: list[str]  # files of types it does not read
    special: list[tuple[str, str]]  # no files at all, each with what it is ("a named pipe")


def skipped_files(paths: Iterable[Path]) -> Skipped:
    """What below the folders given ingest does not read. `iter_files` leaves it out without a
    word: an editor who saved an article as .docx never learnt it was not indexed, nor one whose
    export left a named pipe where an article was. A named pipe, a socket or a device is known by
    its mode, never opened (a pipe would wait for a writer for ever). Hidden files stay unmentioned
    (left out on purpose), and so does a PDF's sidecar (read with its PDF)."""
    unsupported: dict[Path, str] = {}
    special: dict[Path, tuple[str, str]] = {}
    for root in paths:
        root = root.resolve() if root.is_symlink() else root  # read where it points, as `read_sources` does
        if not root.is_dir():
            continue  # a file given by name is read, or refused with a reason
        read = set(iter_files(root))
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if any(part.startswith(".") for part in rel.parts) or path.is_symlink() or path.is_dir():
                continue
            if not path.is_file():
                try:
                    special.setdefault(path.resolve(), (rel.as_posix(), special_kind(path)))
                except FileNotFoundError:
                    continue  # gone since the folder was listed
            elif path not in read and not _is_pdf_sidecar(path):
                unsupported.setdefault(path.resolve(), rel.as_posix())
    return Skipped(list(unsupported.values()), list(special.values()))


def _is_pdf_sidecar(path: Path) -> bool:
    name = path.name
    return name.lower().endswith(SIDECAR) and path.with_name(name[: -len(SIDECAR)]).is_file()


def _skipped_line(names: list[str]) -> str:
    what = "1 file of an unsupported type" if len(names) == 1 else f"{len(names)} files of unsupported types"
    return f"skipped {what}: {_some(names, LISTED_SKIPPED)} (supported: {SUPPORTED_LIST})"


def _some(names: list[str], limit: int, where_all: str = "") -> str:
    """`names` comma-joined, the first `limit` of them when there are more."""
    if len(names) <= limit:
        return ", ".join(names)
    rest = f"and {len(names) - limit} more" + (f" ({where_all})" if where_all else "")
    return f"{', '.join(names[:limit])} {rest}"


def _no_model_progress_bars() -> None:
    """Under --quiet: loading the embedding model drew transformers' "Loading weights" bar.
    transformers reads huggingface_hub's switch when it is imported (at the first embed, in a
    fresh process); one imported already has its own."""
    from huggingface_hub.utils import disable_progress_bars

    disable_progress_bars()
    if (transformers_logging := sys.modules.get("transformers.utils.logging")) is not None:
        transformers_logging.disable_progress_bar()


@click.command("search")
@click.argument("query")
@click.option("-k", "--top", default=5, show_default=True, type=click.IntRange(min=1), help="How many chunks to show.")
@click.pass_obj
@reports_write_failures()
def search_command(settings: Settings, query: str, top: int) -> None:
    """Show the chunks the assistant would read for QUERY."""
    if not query.strip():
        raise click.BadParameter("is empty: give the words a customer would write", param_hint="QUERY")
    kb = _existing_kb(settings)
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
@reports_write_failures()
def kb_list(settings: Settings) -> None:
    """Every indexed document: id, version, chunks, owner, review-by date, title ("[unverified]"
    before the title of a draft indexed with --include-unverified)."""
    kb = _existing_kb(settings)
    try:
        docs = kb.catalog.all()
    finally:
        kb.close()
    for d in docs:
        click.echo(
            f"{d.doc_id}\tv{d.version}\t{len(d.chunk_ids)} chunks\t{d.owner or '-'}\t{d.review_by or '-'}\t"
            f"{'' if d.verified else '[unverified] '}{d.title}"
        )
    click.echo(f"{len(docs)} documents")


@kb_group.command("show")
@click.argument("doc_id")
@click.option("--versions", is_flag=True, help="List every version that was indexed.")
@click.option("--version", "version", type=int, help="Print the text of this version.")
@click.pass_obj
@reports_write_failures()
def kb_show(settings: Settings, doc_id: str, versions: bool, version: int | None) -> None:
    """One document: its metadata and chunks, or its versions."""
    kb = _existing_kb(settings)
    try:
        doc = kb.catalog.get(doc_id)
        history = kb.catalog.versions(doc_id)
        removal = kb.catalog.removal(doc_id) if doc is None else None
        chunks = kb.store.get(list(doc.chunk_ids)) if doc and not (versions or version) else []
    finally:
        kb.close()
    if doc is None and not history:
        raise click.ClickException(f"no document '{doc_id}' (see `switchboard kb list`)")
    if version is not None:
        match = next((v for v in history if v.version == version), None)
        if match is None:
            raise click.ClickException(f"'{doc_id}' has no version {version}")
        click.echo(shown_text(match.text))  # a PDF's pages apart
        return
    if versions:
        for v in history:
            current = "  (indexed)" if doc and v.version == doc.version else ""
            click.echo(f"v{v.version}\t{v.created_at:%Y-%m-%d %H:%M}\t{v.content_hash[:12]}\t{v.title}{current}")
        if doc is None:
            click.echo(f"removed\t{_when_and_why(removal, history[-1])}")
        return
    if doc is None:  # removed: its versions are kept, and say what the bot read
        raise click.ClickException(
            f"'{doc_id}' is no longer indexed: removed {_when_and_why(removal, history[-1])}. "
            f"Its versions are kept: `switchboard kb show {doc_id} --versions`"
        )
    for label, value in (
        ("doc id", doc.doc_id), ("title", doc.title), ("verified", "yes" if doc.verified else "no (a draft: the bot does not send answers from it)"),
        ("url", doc.url), ("owner", doc.owner),
        ("review by", doc.review_by), ("tags", doc.tags), ("version", doc.version), ("source", doc.path),
        ("updated", f"{doc.updated_at:%Y-%m-%d %H:%M}"), ("chunks", len(doc.chunk_ids)),
    ):
        click.echo(f"{label + ':':11}{value if value not in (None, '') else '-'}")
    for c in chunks:
        where = " > ".join(p for p in (c.heading, f"page {c.page}" if c.page else "") if p)
        click.echo(f"  [{c.ordinal}] {where + ': ' if where else ''}{' '.join(c.text.split())[:120]}")


def _when_and_why(removal: Removal | None, last: DocumentVersion) -> str:
    """When a document was removed, and why; for one removed before that was recorded, after when."""
    if removal is None:
        return f"after its last version (v{last.version}, {last.created_at:%Y-%m-%d %H:%M})"
    return f"on {removal.removed_at:%Y-%m-%d %H:%M} UTC: {removal.why or 'why was not recorded'}"


@kb_group.command("remove")
@click.argument("doc_id")
@click.pass_obj
@reports_write_failures(after=REMOVE_NOT_WRITTEN)
def kb_remove(settings: Settings, doc_id: str) -> None:
    """Remove one document from the index (its versions stay in the history)."""
    kb = _existing_kb(settings)
    try:
        with kb.catalog.exclusive(_say_waiting):
            doc = kb.catalog.get(doc_id)
            if doc is None:
                raise click.ClickException(f"no document '{doc_id}' (see `switchboard kb list`)")
            kb.catalog.remove(doc_id, "by `switchboard kb remove`")
            kb.store.delete(doc.chunk_ids)
    finally:
        kb.close()
    click.echo(f"removed {doc_id} ({len(doc.chunk_ids)} chunks)")


@kb_group.command("stale")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Default: today.")
@click.pass_obj
@reports_write_failures()
def kb_stale(settings: Settings, as_of) -> None:
    """Documents past their review_by date, the most overdue first. Exit code 1 if any."""
    today = as_of.date() if as_of else date.today()
    kb = _existing_kb(settings)
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
