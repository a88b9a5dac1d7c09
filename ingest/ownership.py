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
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ingest.loaders import Refusal
from ingest.sources import NOT_VERIFIED, Source
from knowledge import Document, IndexedDocument


def claimed_elsewhere(indexed: IndexedDocument | None, doc: Document, read: set[str]) -> bool:
    """The doc id is indexed from another file that still exists, that this run did not read, and
    that is still where its source leads: this document would take that article over."""
    if indexed is None or indexed.path == doc.path or indexed.path in read:
        return False
    if not Path(indexed.path).is_file():
        return False  # gone: a move
    return not (indexed.source and indexed.source == doc.source and not _leads_to(indexed.source, indexed.path))


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
    """Read from below the path given, or through the same path given (wherever that led)."""
    return _leads_to(str(source.root.resolve()), doc.path) or doc.source == source.named
