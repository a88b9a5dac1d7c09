"""Reading source files into documents: Markdown and text with YAML front matter, and JSONL.

A file that cannot be read becomes a `Refusal` with a reason an editor can act on; it never stops
the run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge import Document

TEXT_SUFFIXES = {".md", ".markdown", ".txt"}
JSONL_SUFFIXES = {".jsonl"}
SUPPORTED = TEXT_SUFFIXES | JSONL_SUFFIXES
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


@dataclass(frozen=True)
class Refusal:
    path: str
    reason: str
    doc_id: str | None = None
    line: int | None = None

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


def iter_files(root: Path) -> Iterator[Path]:
    """Supported files below a folder (hidden files and folders skipped), or the file itself."""
    if root.is_file():
        yield root
        return
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and path.suffix.lower() in SUPPORTED:
            yield path


def load_file(path: Path, root: Path, max_bytes: int) -> tuple[list[Document], list[Refusal]]:
    """Documents in one file, and the reasons any part of it was refused."""
    where = str(path.resolve())
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        return [], [Refusal(where, f"unsupported file type '{suffix or path.name}' (use .md, .txt or .jsonl)")]
    size = path.stat().st_size
    if size > max_bytes:
        return [], [Refusal(where, f"file is {size} bytes, over the limit of {max_bytes} (SWITCHBOARD_MAX_DOC_BYTES)")]
    raw = path.read_bytes()
    if b"\x00" in raw:
        return [], [Refusal(where, "binary file (contains NUL bytes), not text")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return [], [Refusal(where, f"not valid UTF-8 (byte {e.start}): save the file as UTF-8")]
    if suffix in JSONL_SUFFIXES:
        return _load_jsonl(text, where)
    try:
        return [_load_text(text, where, _default_id(path, root))], []
    except ValueError as e:
        return [], [Refusal(where, str(e))]


def _default_id(path: Path, root: Path) -> str:
    base = root if root.is_dir() else path.parent
    return path.resolve().relative_to(base.resolve()).with_suffix("").as_posix()


def _load_text(text: str, where: str, default_id: str) -> Document:
    meta: dict = {}
    body = text
    match = FRONT_MATTER.match(text)
    if match:
        try:
            loaded = yaml.safe_load(match.group(1))
        except yaml.YAMLError as e:
            raise ValueError(f"front matter is not valid YAML: {_first_line(str(e))}") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ValueError("front matter must be a mapping of keys to values")
        meta = loaded or {}
        body = text[match.end() :]
    elif text.startswith("---"):
        raise ValueError("front matter is not closed: add a line '---' after it")
    if not body.strip():
        raise ValueError("document has no text")
    verified = meta.get("verified", False)
    if not isinstance(verified, bool):
        raise ValueError(f"'verified' must be true or false, not {verified!r}")
    title = str(meta.get("title") or _first_heading(body) or Path(default_id).name)
    return Document(
        doc_id=str(meta.get("id") or default_id),
        title=title,
        text=body.strip(),
        url=_opt_str(meta.get("url")),
        verified=verified,
        owner=_opt_str(meta.get("owner")),
        path=where,
        metadata={k: str(v) for k, v in meta.items() if k in {"reviewed", "review_by", "tags"}},
    )


def _load_jsonl(text: str, where: str) -> tuple[list[Document], list[Refusal]]:
    docs: list[Document] = []
    refusals: list[Refusal] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            refusals.append(Refusal(where, f"invalid JSON: {e.msg}", line=lineno))
            continue
        if not isinstance(record, dict):
            refusals.append(Refusal(where, "a line must be a JSON object", line=lineno))
            continue
        doc_id, body = record.get("doc_id"), record.get("text")
        if not isinstance(doc_id, str) or not doc_id.strip():
            refusals.append(Refusal(where, "missing 'doc_id'", line=lineno))
            continue
        if not isinstance(body, str) or not body.strip():
            refusals.append(Refusal(where, "missing or empty 'text'", doc_id, lineno))
            continue
        title = _opt_str(record.get("title")) or _first_line(body)[:120]
        docs.append(
            Document(
                doc_id=doc_id,
                title=title,
                text=body.strip(),
                url=_opt_str(record.get("url")),
                verified=record.get("verified", True) is True,
                owner=_opt_str(record.get("owner")),
                path=where,
            )
        )
    return docs, refusals


def _first_heading(body: str) -> str | None:
    m = re.search(r"^#{1,6}\s+(.+?)\s*#*\s*$", body, re.M)
    return m.group(1) if m else None


def _first_line(s: str) -> str:
    return next((ln.strip() for ln in s.splitlines() if ln.strip()), "")


def _opt_str(v: object) -> str | None:
    return str(v) if v not in (None, "") else None
