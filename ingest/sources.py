"""Reading what `ingest` was given: every document below its paths, and what it refused.

A folder given inside another one given adds no file twice; a path given that is a link is read
where it points (links below it are refused by name, `ingest.loaders.load_file`); a document not
marked verified is refused unless drafts are included; and two documents that claim one doc id
are both refused (`_refuse_shared_ids`).

A document without an `id` of its own is named after its path below the outermost folder that
holds it, of those given and those the knowledge base was ingested from before (`known`): so
`ingest hc/billing/faq.md` after `ingest hc/` updates `billing/faq`, and the id never depends on
how the file was reached. A file given alone in no such folder has no such name (`Source.loose`):
the planner keeps the id it is indexed under, or refuses it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ingest.loaders import Refusal, iter_files, load_file, not_verified
from knowledge import Document

NOT_VERIFIED = "not verified"  # how an unverified document's refusal starts
ONLY_FILES = "ingest reads documents saved as files"  # said of a named pipe, a socket, a device


@dataclass
class Source:
    """One path given to `ingest`, with everything read from it."""

    root: Path  # where it is read: the path given, or where a link given points
    documents: list[Document]
    refused: list[Refusal]
    complete: bool  # False when the path does not exist: then nothing below it is removed
    files: set[str] = field(default_factory=set)  # every file read, resolved
    named: str = ""  # the path given as named (`named_path`): a link stays the link
    loose: set[str] = field(default_factory=set)  # files given alone, in no folder to name them by
    # a link given: the release it led to before sources were recorded, which it owns too
    # (`ingest.ownership.adopt_earlier_releases`)
    earlier: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Folder:
    """A folder that names the files below it: given to this run, or ingested from before."""

    named: str  # as given (`named_path`), or as the catalog recorded it
    real: Path  # where it is now

    def holds(self, file: Path) -> bool:
        return file.is_relative_to(self.real)


def named_path(path: Path) -> str:
    """A path given, absolute, its folders resolved but not itself: `kb/current` stays the link,
    whichever release it points to, so the next run through it owns what this one indexed."""
    absolute = Path(os.path.abspath(path))
    return str(absolute.parent.resolve() / absolute.name)


def read_sources(
    paths: Iterable[Path], *, max_doc_bytes: int, include_unverified: bool, known: Iterable[str] = ()
) -> list[Source]:
    """Every document below the paths, each named after its path below the outermost folder that
    holds it, of those given and those `known` (the folders indexed documents were read from).
    Two files (or two records) that claim one doc id are both refused: which one won depended only
    on the order of their paths, and the loser was an indexed article replaced without a word. The
    indexed version stays until the clash is mended."""
    paths = list(paths)
    sources: list[Source] = []
    read: set[str] = set()  # files read already: a folder given inside another one given adds none
    # given first: of a folder given and one known that are the same, the one given names it
    folders = [Folder(named_path(p), p.resolve()) for p in paths if p.is_dir()]
    folders += [Folder(k, Path(k).resolve()) for k in sorted(known) if Path(k).is_dir()]
    # outer folders first: a file is read as part of the outermost folder given that holds it
    # a path named on the command line may be a link (a release's "kb/current"): read where it
    # points; links below it are refused by name (`load_file`)
    given = [(p.resolve() if p.is_symlink() else p, named_path(p)) for p in paths]
    for root, named in sorted(given, key=lambda g: len(g[0].resolve().parts) if g[0].exists() else 0):
        if not root.exists():
            sources.append(Source(root, [], [Refusal(str(root), "no such file or folder")], False, named=named))
            continue
        if not (root.is_dir() or root.is_file()):  # reading a named pipe would wait for ever
            reason = f"not a file or folder but {special_kind(root)}: {ONLY_FILES}"
            sources.append(Source(root, [], [Refusal(str(root), reason)], False, named=named))
            continue
        source = Source(root, [], [], True, named=named)
        docs, refused, files = source.documents, source.refused, source.files
        for path in iter_files(root):
            file = str(path.absolute() if path.is_symlink() else path.resolve())
            if file in read:
                continue
            read.add(file)
            files.add(file)
            folder = _outermost(folders, Path(file))
            loaded, bad = load_file(path, folder.real if folder else path, max_doc_bytes)
            refused.extend(bad)
            for doc in loaded:
                doc = replace(doc, source=folder.named if folder else named)
                if folder is None and doc.id_from_path:
                    source.loose.add(doc.path)
                if not doc.verified and not include_unverified:
                    refused.append(not_verified(doc))  # at its line, with how its own format is marked
                else:
                    docs.append(doc)
        sources.append(source)
    _refuse_shared_ids(sources)
    return sources


def _outermost(folders: list[Folder], file: Path) -> Folder | None:
    """The outermost of the folders that holds the file (the first listed, of two the same)."""
    holding = [f for f in folders if f.holds(file)]
    return min(holding, key=lambda f: len(f.real.parts)) if holding else None


def special_kind(path: Path) -> str:
    """What a path that is no file or folder is ("a named pipe"), from its mode: it is never opened."""
    mode = path.stat().st_mode
    for test, kind in (
        (stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "a special file"


def _refuse_shared_ids(sources: list[Source]) -> None:
    """Each document whose doc id another one in this run claims too is refused, with where."""
    claims: dict[str, list[str]] = {}
    for source in sources:
        for doc in source.documents:
            claims.setdefault(doc.doc_id, []).append(doc.where)
    for source in sources:
        kept = []
        for doc in source.documents:
            places = claims[doc.doc_id]
            if len(places) == 1:
                kept.append(doc)
                continue
            others = ", ".join(p for p in dict.fromkeys(places) if p != doc.where) or "this same file"  # "kb.jsonl:7"
            reason = (
                f"duplicate doc id '{doc.doc_id}' (also in {others}): give each its own 'id'; "
                "the indexed version, if any, is kept"
            )
            source.refused.append(Refusal(doc.path, reason, doc.doc_id, line=doc.line, kept=True))
        source.documents = kept
