"""Reading source files into documents: Markdown and text with YAML front matter, HTML, PDF, JSONL.

A file that cannot be read becomes a `Refusal` with a reason an editor can act on; it never stops
the run. A PDF's metadata lives in a sidecar `NAME.pdf.meta.yaml` next to it (PDFs have no front
matter); its pages are joined with form feeds (`\\f`) and `metadata["pages"]` holds the page count.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.encoded import readable
from ingest.html import read_html
from ingest.metadata import doc_id, text_field, kept_metadata, read_sidecar, split_front_matter, verified, verified_value
from ingest.pdf import read_pdf
from knowledge import Document

TEXT_SUFFIXES = {".md", ".markdown", ".txt"}
HTML_SUFFIXES = {".html", ".htm"}
PDF_SUFFIXES = {".pdf"}
JSONL_SUFFIXES = {".jsonl"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES | JSONL_SUFFIXES
SUPPORTED_LIST = ".md, .markdown, .txt, .html, .htm, .pdf or .jsonl"
SIDECAR = ".meta.yaml"  # NAME.pdf.meta.yaml: the metadata of NAME.pdf
PAGE_BREAK = "\f"  # between the pages of a PDF's text


# how a document of each format is marked verified, as a refusal names it
HOW_TO_VERIFY = {
    **dict.fromkeys(TEXT_SUFFIXES, "front matter 'verified: true' at the top of the file"),
    **dict.fromkeys(HTML_SUFFIXES, "<meta name=\"verified\" content=\"true\"> in its <head>, or front matter 'verified: true'"),
    **dict.fromkeys(JSONL_SUFFIXES, "the record's \"verified\" field true, or left out: a record without one counts as verified"),
}


@dataclass(frozen=True)
class Refusal:
    path: str
    reason: str
    doc_id: str | None = None
    line: int | None = None
    kept: bool = False  # the document's indexed version stays as it was (its id was claimed twice)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


def shown_text(text: str) -> str:
    """A document's text as an editor reads it (`kb show --version`): a PDF's pages apart, with a
    blank line between them. Its pages are joined with form feeds, which a terminal shows as
    nothing: "Packaging guide" and the next page ran together as "Packaging guideUse double-wall…"."""
    if PAGE_BREAK not in text:
        return text
    return "\n\n".join(page.strip("\n") for page in text.split(PAGE_BREAK) if page.strip())


def not_verified(doc: Document) -> Refusal:
    """The refusal of a document not marked verified: at its line, for a JSONL record
    ("intercom.jsonl:12: not verified …"), and saying how to mark one of its own format (a JSONL
    record had been sent to front matter, <meta> tags and PDF sidecars)."""
    suffix = Path(doc.path).suffix.lower()
    how = HOW_TO_VERIFY.get(suffix) or f"'verified: true' in its sidecar {Path(doc.path).name}{SIDECAR}"
    reason = f"not verified: once reviewed, mark it verified ({how}), or pass --include-unverified"
    return Refusal(doc.path, reason, doc.doc_id, doc.line)


def iter_files(root: Path) -> Iterator[Path]:
    """Supported files below a folder (hidden files and folders skipped), or the file itself; and
    every symbolic link below it, which `load_file` refuses by name."""
    if root.is_file():
        yield root
        return
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_symlink() or (path.is_file() and path.suffix.lower() in SUPPORTED):
            yield path


def load_file(path: Path, root: Path, max_bytes: int) -> tuple[list[Document], list[Refusal]]:
    """Documents in one file, and the reasons any part of it was refused."""
    if path.is_symlink():
        # a link would index its target a second time, under another id (or outside the folder)
        target = os.readlink(path)
        return [], [Refusal(str(path.absolute()), f"a symbolic link (to {target}): ingest the file it points to, or copy it here")]
    where = str(path.resolve())
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        if path.name.lower().endswith(SIDECAR):
            source = path.name[: -len(SIDECAR)]
            return [], [Refusal(where, f"metadata sidecar of '{source}': ingest '{source}' itself")]
        return [], [Refusal(where, f"unsupported file type '{suffix or path.name}' (use {SUPPORTED_LIST})")]
    size = path.stat().st_size
    if size > max_bytes:
        return [], [Refusal(where, f"file is {size} bytes, over the limit of {max_bytes} (SWITCHBOARD_MAX_DOC_BYTES)")]
    raw = path.read_bytes()
    default_id = _default_id(path, root)
    if suffix in PDF_SUFFIXES:
        return _refusing(where, lambda: _load_pdf(raw, path, where, default_id))
    try:
        text = decode_text(raw, html=suffix in HTML_SUFFIXES)
    except ValueError as e:
        return [], [Refusal(where, str(e))]
    if suffix in JSONL_SUFFIXES:
        return _load_jsonl(text, where)
    if suffix in HTML_SUFFIXES:
        return _refusing(where, lambda: _load_html(text, where, default_id))
    return _refusing(where, lambda: _load_text(text, where, default_id))


_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def decode_text(raw: bytes, html: bool = False) -> str:
    """A text file's text, its line breaks as "\n" (a file saved again with Windows line endings
    is the same document, not a change to embed again): UTF-8; UTF-16 with its byte-order mark
    (what Windows tools save as "Unicode"); or, for HTML, the charset its <meta> declares (legacy
    exports in ISO-8859-1 or windows-1252). Anything else is refused with what to do."""
    return _decoded(raw, html).replace("\r\n", "\n").replace("\r", "\n")


def _decoded(raw: bytes, html: bool) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise ValueError("not valid UTF-16 though it starts as UTF-16: save the file as UTF-8") from None
    if b"\x00" in raw:
        raise ValueError("binary file (contains NUL bytes), not text; if it is text, save it as UTF-8")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        declared = _DECLARED_CHARSET.search(raw[:4096]) if html else None
        if declared:
            charset = declared.group(1).decode("ascii").lower()
            try:
                return raw.decode(charset)
            except (LookupError, UnicodeDecodeError):
                raise ValueError(f"not valid {charset} as its <meta charset> says: save the file as UTF-8") from None
        raise ValueError(f"not valid UTF-8 (byte {e.start}): save the file as UTF-8") from None


def _refusing(where: str, load: Callable[[], Document]) -> tuple[list[Document], list[Refusal]]:
    """The document `load()` builds, or its `ValueError` as a refusal."""
    try:
        return [load()], []
    except ValueError as e:
        return [], [Refusal(where, str(e))]


def _default_id(path: Path, root: Path) -> str:
    base = root if root.is_dir() else path.parent
    return path.resolve().relative_to(base.resolve()).with_suffix("").as_posix()


def _load_text(text: str, where: str, default_id: str) -> Document:
    meta, body = split_front_matter(text)
    return _document(meta, body.strip(), where, default_id, _first_heading(body))


def _load_html(text: str, where: str, default_id: str) -> Document:
    front, html = split_front_matter(text)
    page = read_html(html)
    meta = {**page.meta, **front}  # front matter, when there is some, has the last word
    return _document(meta, page.text, where, default_id, _first_heading(page.text))


def _load_pdf(raw: bytes, path: Path, where: str, default_id: str) -> Document:
    pdf = read_pdf(raw)
    if not any(pdf.pages):
        raise ValueError("PDF has no extractable text (scanned? run OCR first)")
    meta = read_sidecar(path.with_name(path.name + SIDECAR)) or {}  # none: unverified
    first_line = _first_line("\n".join(pdf.pages))[:120]
    return _document(meta, PAGE_BREAK.join(pdf.pages), where, default_id, pdf.title or first_line,
                     extra={"pages": str(len(pdf.pages))})


def _document(
    meta: dict[str, object], body: str, where: str, default_id: str, fallback_title: str | None,
    extra: dict[str, str] | None = None,
) -> Document:
    """A document from its metadata and its text (not stripped here: a PDF's may start with a page break)."""
    body = readable(body)
    if not body.strip():
        raise ValueError("document has no text")
    return Document(
        doc_id=doc_id(meta.get("id"), default_id),
        id_from_path=meta.get("id") in (None, ""),
        title=text_field(meta, "title") or fallback_title or Path(default_id).name,
        text=body,
        url=text_field(meta, "url"),
        verified=verified(meta),
        owner=text_field(meta, "owner"),
        path=where,
        metadata={**kept_metadata(meta), **(extra or {})},
    )


_DOC_ID_FIELD = re.compile(r'"doc_id"\s*:\s*"([^"\\]+)"')


def _readable_id(line: str) -> str | None:
    """The doc_id a broken JSON line still shows ({"doc_id": "faq/returns", "text": "…), or None;
    None too for a line showing several (two records run together: either may be any record)."""
    found = _DOC_ID_FIELD.findall(line)
    try:
        return doc_id(found[0], "") if len(found) == 1 else None
    except ValueError:
        return None


def _load_jsonl(text: str, where: str) -> tuple[list[Document], list[Refusal]]:
    docs: list[Document] = []
    refusals: list[Refusal] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            # the record's id, if it can still be read: only that record keeps its last good
            # version; otherwise no record of the file may be taken for removed (it may be this one)
            broken_id = _readable_id(line)
            reason = f"invalid JSON: {e.msg}" + ("" if broken_id else "; removals from this file wait until it is mended")
            refusals.append(Refusal(where, reason, broken_id, lineno, kept=broken_id is not None))
            continue
        if not isinstance(record, dict):
            refusals.append(Refusal(where, "a line must be a JSON object", line=lineno))
            continue
        record_id, body = record.get("doc_id"), record.get("text")
        body = readable(body) if isinstance(body, str) else body
        if record_id in (None, ""):
            refusals.append(Refusal(where, "missing 'doc_id'", line=lineno))
            continue
        try:
            record_id = doc_id(record_id, "")
        except ValueError as e:
            refusals.append(Refusal(where, str(e).replace("'id'", "'doc_id'"), line=lineno))
            continue
        if not isinstance(body, str) or not body.strip():
            refusals.append(Refusal(where, "missing or empty 'text'", record_id, lineno, kept=True))  # its last good version stays
            continue
        try:  # "yes" had been taken for unverified without a word: front matter takes it
            is_verified = verified_value(record.get("verified", True))  # a record without it counts as verified
        except ValueError as e:
            refusals.append(Refusal(where, str(e), record_id, lineno, kept=True))  # its last good version stays
            continue
        title = _opt_str(record.get("title")) or _first_line(body)[:120]
        docs.append(
            Document(
                doc_id=record_id,
                title=title,
                text=body.strip(),
                url=_opt_str(record.get("url")),
                verified=is_verified,
                owner=_opt_str(record.get("owner")),
                path=where,
                line=lineno,
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
