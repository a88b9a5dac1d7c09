"""PDF files to text, one string per page, with pypdf.

Problems raise `ValueError` with a reason an editor can act on; the loader turns it into a refusal.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError


@dataclass(frozen=True)
class PdfText:
    pages: list[str]  # page 1 first; a page without text is "" (so positions stay page numbers)
    title: str | None  # the PDF's own /Title, if it has one


def read_pdf(raw: bytes) -> PdfText:
    if b"%PDF-" not in raw[:1024]:
        raise ValueError("not a readable PDF: it has no '%PDF-' header (is it really a PDF?)")
    # pypdf raises many kinds of exception on damaged files; any of them means "cannot read this".
    try:
        reader = PdfReader(io.BytesIO(raw))
        encrypted = reader.is_encrypted
    except Exception as e:
        raise ValueError(f"not a readable PDF (damaged or truncated?): {_describe(e)}") from None
    if encrypted:
        _unlock(reader)
    try:
        pages = [_clean(page.extract_text()) for page in reader.pages]
    except Exception as e:
        raise ValueError(f"not a readable PDF (damaged or truncated?): {_describe(e)}") from None
    return PdfText(pages=pages, title=_title(reader))


def _unlock(reader: PdfReader) -> None:
    """Open a PDF that is only protected against editing (empty user password); refuse the rest."""
    try:
        unlocked = reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except DependencyError:
        raise ValueError("PDF is encrypted (AES) and reading it needs the 'cryptography' package") from None
    except Exception as e:
        raise ValueError(f"PDF is encrypted and could not be opened: {_describe(e)}") from None
    if not unlocked:
        raise ValueError("PDF is encrypted (needs a password): save an unprotected copy and ingest that")


def _title(reader: PdfReader) -> str | None:
    try:
        title = reader.metadata.title if reader.metadata else None
    except Exception:  # a damaged /Info dictionary costs the title, not the document
        return None
    title = " ".join(str(title or "").replace("\x00", "").split())
    return title or None


def _clean(text: str) -> str:
    """Page text without form feeds (they separate pages) and with tidy blank lines."""
    text = text.replace("\x00", "").replace("\f", "\n")
    text = "\n".join(line.rstrip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _describe(e: Exception) -> str:
    return str(e).strip() or type(e).__name__
