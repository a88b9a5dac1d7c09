"""A knowledge-base draft as a Markdown file the ingest pipeline reads: YAML front matter
(`verified: false` until an editor verifies it) and the body, under a safe file name that never
replaces an existing file."""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from api.kb_drafts import KbDraft

TAG = "kb-draft"  # every exported draft carries it, so editors find drafts among the documents
MAX_SLUG_CHARS = 60


def markdown(draft: KbDraft) -> str:
    """The file's text. Front matter is dumped by YAML, so no title or question can break out of it."""
    front = {
        "title": draft.title,
        "verified": False,
        "owner": draft.proposed_by,
        "source": f"conversation {draft.conversation_id}, message {draft.message_id}",
        "kb_draft": draft.id,
        "proposed": draft.created_at.date().isoformat(),
        "question": draft.question,
        "tags": [TAG, *(t for t in draft.tags if t != TAG)],
    }
    dumped = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, default_flow_style=None, width=10_000)
    return f"---\n{dumped}---\n\n{draft.body.strip()}\n"


def slug(title: str) -> str:
    """Lowercase ASCII words joined by '-', cut at a word: 'How do I …?' -> 'how-do-i'."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    out = ""
    for word in re.findall(r"[a-z0-9]+", ascii_title.lower()):
        if len(out) + len(word) + 1 > MAX_SLUG_CHARS:
            break
        out = f"{out}-{word}" if out else word
    return out


def write_draft(directory: Path, draft: KbDraft) -> tuple[Path, bool]:
    """Write the draft as `SLUG.md` in `directory` (made if missing), or `SLUG-2.md`, … when that
    name is taken. A file with exactly this text already there is this draft, written by an export
    that stopped before it was recorded: it is returned as it is. Returns (path, written)."""
    directory.mkdir(parents=True, exist_ok=True)
    text = markdown(draft).encode("utf-8")
    base = slug(draft.title) or f"draft-{draft.id}"
    n = 1
    while True:
        path = directory / (f"{base}.md" if n == 1 else f"{base}-{n}.md")
        if path.exists():
            if path.is_file() and path.read_bytes() == text:
                return path, False
            n += 1
            continue
        if _create(path, text):
            return path, True


def _create(path: Path, text: bytes) -> bool:
    """Write `path` whole or not at all: into a hidden temporary file (ingest skips hidden files),
    then hard-linked into place, which fails rather than replace a file that appeared meanwhile."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "xb") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links: create it exclusively instead
            try:
                with open(path, "xb") as f:
                    f.write(text)
            except FileExistsError:
                return False
        return True
    finally:
        temporary.unlink(missing_ok=True)
