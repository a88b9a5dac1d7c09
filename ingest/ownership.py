"""Which indexed documents a run speaks for: the ones it may take over, and the ones it removes.

What a run's sources hold is the truth for the documents they own. A run owns an indexed document
that was read from below a path it was given (as before), or through the same path given (a link,
`kb/current`, owns what the run through it indexed, wherever it pointed then); and every run owns
a document whose file no longer exists. Each of those not in the run any more is removed (the
mass-delete guard counts them all).

One id, one live file: a document may take over an indexed id when the indexed file is gone, when
this run read it (and it claims the id no more), or when it was read through the same path given
and that path no longer leads to it (the link points to another release now). A file that still
exists elsewhere, where its own folder still holds it, keeps the id: the newcomer is refused.

A document indexed before sources were recorded has a provisional source: inferred from its path
when the catalog was upgraded (the release folder, `rel/r1`, not the link given, `rel/current`),
or unknown. A link switched to another release before this release's first run through it would
have had every document refused. So a link given also owns the release it led to before, when the
catalog cannot say otherwise (`adopt_earlier_releases`): a run through it owns, and may take over,
the provisional documents of that release as it does its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ingest.loaders import Refusal
from ingest.sources import NOT_VERIFIED, Source
from knowledge import Document, IndexedDocument


def claimed_elsewhere(
    indexed: IndexedDocument | None, doc: Document, read: set[str], earlier: Iterable[str] = ()
) -> bool:
    """The doc id is indexed from another file that still exists, that this run did not read, and
    that is still where its source leads: this document would take that article over. (`earlier`:
    the release the link given led to before sources were recorded; its documents are the link's.)"""
    if indexed is None or indexed.path == doc.path or indexed.path in read:
        return False
    if not Path(indexed.path).is_file():
        return False  # gone: a move
    if not indexed.source_recorded and any(_leads_to(release, indexed.path) for release in earlier):
        return False
    return not (indexed.source and indexed.source == doc.source and not _leads_to(indexed.source, indexed.path))


def adopt_earlier_releases(indexed: list[IndexedDocument], sources: list[Source]) -> None:
    """For each link given, the release it led to before sources were recorded, if the catalog
    cannot say otherwise (`Source.earlier`). Before then a link's switch was refused while its old
    release existed, so it had served one release at a time; it is found as:

    - a folder (or file) beside the one the link leads to now (rel/r1 beside rel/r2), holding
      documents of provisional source, none of them read by this run;
    - and no run of this release has gone through the link while it led elsewhere (what it served
      then is on record: a release it never owned is not the link's);
    - of those, the one sharing the most doc ids with what the link leads to now, and more than
      half of its own: a new release keeps most of the old one's articles. A folder merely
      sharing an id with it is not taken over: that is two live files claiming one id, refused.
    """
    for source in sources:
        if release := _earlier_release(indexed, source, sources):
            source.earlier.add(release)


def _earlier_release(indexed: list[IndexedDocument], source: Source, sources: list[Source]) -> str | None:
    if not source.complete or not Path(source.named).is_symlink():
        return None
    now = source.root.resolve()
    through = (d for d in indexed if d.source_recorded and d.source == source.named)
    if any(not _leads_to(str(now), d.path) for d in through):
        return None
    given = [s.root.resolve() for s in sources]
    held: dict[Path, set[str]] = {}  # each folder (or file) beside `now` -> the provisional ids below it
    for doc in indexed:
        path = Path(doc.path)
        if doc.source_recorded or path.is_relative_to(now) or not path.is_relative_to(now.parent):
            continue
        beside = now.parent / path.relative_to(now.parent).parts[0]
        if not any(g.is_relative_to(beside) or beside.is_relative_to(g) for g in given):
            held.setdefault(beside, set()).add(doc.doc_id)
    ids = {d.doc_id for d in source.documents} | {r.doc_id for r in source.refused if r.doc_id}
    shared = {release: len(doc_ids & ids) for release, doc_ids in held.items()}
    most = max(shared.values(), default=0)
    best = [release for release, n in shared.items() if n == most]
    if len(best) != 1 or 2 * most <= len(held[best[0]]):
        return None
    return str(best[0])


def _leads_to(named: str, path: str) -> bool:
    """The path given (a folder or file, maybe a link) still leads to this file."""
    where, file = Path(named).resolve(), Path(path)
    return file == where or file.is_relative_to(where)


def removals(
    indexed: Iterable[IndexedDocument], sources: list[Source], refused: list[Refusal]
) -> list[tuple[IndexedDocument, str]]:
    """The indexed documents this run owns and no longer finds, each with why it goes.

    A document still in a source stays. So does one whose file could not be read this time (its
    last good version keeps answering); an unverified one goes.
    """
    present = {d.doc_id for s in sources for d in s.documents} | {r.doc_id for r in refused if r.kept}
    unreadable = {r.path for r in refused if r.doc_id is None}
    unverified = {r.doc_id for r in refused if r.reason.startswith(NOT_VERIFIED)}
    named_now: dict[str, set[str]] = {}  # file -> the ids it has in this run
    for doc in (d for s in sources for d in s.documents if d.line is None):  # a JSONL file holds many
        named_now.setdefault(doc.path, set()).add(doc.doc_id)
    gone = []
    for doc in indexed:
        if doc.doc_id in present or doc.path in unreadable:
            continue
        if why := _why_gone(doc, sources, named_now.get(doc.path, set()), unverified):
            gone.append((doc, why))
    return gone


def _why_gone(doc: IndexedDocument, sources: list[Source], ids_now: set[str], unverified: set[str]) -> str | None:
    if not Path(doc.path).exists():
        return f"its file is gone ({doc.path})"
    owner = next((s for s in sources if s.complete and _owns(s, doc)), None)
    if owner is None:
        return None
    if len(ids_now) == 1:
        return f"its file is indexed as '{next(iter(ids_now))}' now"
    if doc.doc_id in unverified:
        return "no longer verified"
    where = owner.named if str(owner.root.resolve()) == owner.named else f"{owner.named} (now {owner.root.resolve()})"
    return f"no longer in {where}"


def _owns(source: Source, doc: IndexedDocument) -> bool:
    """Read from below the path given, or through the same path given (wherever that led), or of
    provisional source in the release a link given led to before sources were recorded."""
    if _leads_to(str(source.root.resolve()), doc.path) or doc.source == source.named:
        return True
    return not doc.source_recorded and any(_leads_to(release, doc.path) for release in source.earlier)
