"""Reading what `ingest` was given: every document below its paths, and what it refused.

A folder given inside another one given adds no file twice; a path given that is a link is read
where it points (links below it are refused by name, `ingest.loaders.load_file`); a document not
marked verified is refused unless drafts are included; and two documents that claim one doc id
are both refused (`_refuse_shared_ids`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.loaders import Refusal, iter_files, load_file
from knowledge import Document


@dataclass
class Source:
    """One path given to `ingest`, with everything read from it."""

    root: Path
    documents: list[Document]
    refused: list[Refusal]
    complete: bool  # False when the path does not exist: then nothing below it is removed
    files: set[str] = field(default_factory=set)  # every file read, resolved



def read_sources(paths: Iterable[Path], *, max_doc_bytes: int, include_unverified: bool) -> list[Source]:
    """Every document below the paths. Two files (or two records) that claim one doc id are both
    refused: which one won depended only on the order of their paths, and the loser was an
    indexed article replaced without a word. The indexed version stays until the clash is mended."""
    sources: list[Source] = []
    read: set[str] = set()  # files read already: a folder given inside another one given adds none
    # outer folders first: a file is named after its path below the outermost folder given
    # a path named on the command line may be a link (a release's "kb/current"): read where it
    # points; links below it are refused by name (`load_file`)
    roots = [p.resolve() if p.is_symlink() else p for p in paths]
    for root in sorted(roots, key=lambda p: len(p.resolve().parts) if p.exists() else 0):
        if not root.exists():
            sources.append(Source(root, [], [Refusal(str(root), "no such file or folder")], False))
            continue
        docs: list[Document] = []
        refused: list[Refusal] = []
        files: set[str] = set()
        for path in iter_files(root):
            file = str(path.absolute() if path.is_symlink() else path.resolve())
            if file in read:
                continue
            read.add(file)
            files.add(file)
            loaded, bad = load_file(path, root, max_doc_bytes)
            refused.extend(bad)
            for doc in loaded:
                if not doc.verified and not include_unverified:
                    reason = (
                        "not verified: once reviewed, mark it verified (front matter 'verified: true', "
                        "HTML <meta name=\"verified\" content=\"true\">, a PDF's NAME.pdf.meta.yaml), "
                        "or pass --include-unverified"
                    )
                    refused.append(Refusal(doc.path, reason, doc.doc_id))
                else:
                    docs.append(doc)
        sources.append(Source(root, docs, refused, True, files))
    _refuse_shared_ids(sources)
    return sources


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
