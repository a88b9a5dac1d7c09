"""Text that is not for reading: `data:` URIs in Markdown and long runs of base64.

A Markdown article with one inline image (`![Tracking page](data:image/png;base64,…)`, 1.3 MB)
was indexed as 1,517 chunks of base64: the ingest took 4 minutes, the store grew from 2.4 to 97 MB,
and those chunks filled search results. HTML drops images already (an `<img>` is no text).
"""

from __future__ import annotations

import re

# ![alt](data:…) and [text](data:… "title"): the alt text or the link's text stays
MARKDOWN_DATA_LINK = re.compile(
    r"""(!?)\[((?:[^\[\]\\]|\\.)*)\]\(\s*<?data:[^)\s>]*>?(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)""",
    re.IGNORECASE,
)
# [logo]: data:image/png;base64,… (a reference definition), used as ![alt][logo]
MARKDOWN_DATA_REFERENCE = re.compile(r"^ {0,3}\[((?:[^\[\]\\]|\\.)+)\]:[ \t]*<?data:\S*.*(?:\n|$)", re.IGNORECASE | re.MULTILINE)
MARKDOWN_REFERENCE_USE = re.compile(r"!?\[((?:[^\[\]\\]|\\.)*)\]\[((?:[^\[\]\\]|\\.)*)\]")
HTML_DATA_IMAGE = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*["']?\s*data:[^>]*>""", re.IGNORECASE)
HTML_ALT = re.compile(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
# a data: URI anywhere else (bare text, an HTML attribute shown as text) once it is long
DATA_URI = re.compile(r"\bdata:[\w.+-]+/[\w.+-]+(?:;[\w.+-]+(?:=[\w.+-]+)?)*,[A-Za-z0-9+/=%_.~-]{64,}", re.IGNORECASE)

BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{100,}={0,2}")
BASE64_LINE = re.compile(r"[ \t]*[A-Za-z0-9+/]{40,}={0,2}[ \t]*")  # one line of base64 wrapped at 64 or 76
SHORTEST_BLOB = 100
EMPTIED_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n`]*\n(?:[ \t]*\n)*[ \t]*\1[ \t]*$\n?", re.MULTILINE)


def without_markdown_data_uris(text: str) -> str:
    """Markdown with every `data:` image and link replaced by its alt text (or link text), and
    `data:` reference definitions dropped."""
    references = {m.group(1).strip().casefold() for m in MARKDOWN_DATA_REFERENCE.finditer(text)}
    text = MARKDOWN_DATA_REFERENCE.sub("", text)
    if references:
        text = MARKDOWN_REFERENCE_USE.sub(
            lambda m: m.group(1) if (m.group(2) or m.group(1)).strip().casefold() in references else m.group(0), text
        )
    text = MARKDOWN_DATA_LINK.sub(lambda m: m.group(2).strip(), text)
    return HTML_DATA_IMAGE.sub(_alt_of, text)


def without_encoded_runs(text: str) -> str:
    """`text` without long data: URIs and runs of base64, on one line or wrapped over many: no one
    searches for them and no reply can quote them. Words, URLs, hashes and slugs are never that
    long with upper case, lower case and digits mixed as encoded bytes are."""
    text = DATA_URI.sub("", text)

    def drop(run: re.Match[str]) -> str:
        if not _looks_encoded(run.group(0)):
            return run.group(0)
        word_start = max(text.rfind(c, 0, run.start()) for c in " \t\n([<\"'") + 1
        return run.group(0) if "://" in text[word_start : run.start()] else ""  # a URL's path stays

    return _without_wrapped_base64(BASE64_RUN.sub(drop, text))


def _alt_of(img: re.Match[str]) -> str:
    alt = HTML_ALT.search(img.group(0))
    return (alt.group(1) or alt.group(2) or "").strip() if alt else ""


def _looks_encoded(run: str) -> bool:
    if len(run) < SHORTEST_BLOB:
        return False
    upper = sum(c.isupper() for c in run)
    lower = sum(c.islower() for c in run)
    digits = sum(c.isdigit() for c in run)
    return upper >= 0.15 * len(run) and lower >= 0.15 * len(run) and digits >= 0.04 * len(run)


def _without_wrapped_base64(text: str) -> str:
    """Drops runs of two or more lines that are each one piece of base64 (MIME and PEM wrap it)."""
    lines = text.split("\n")
    kept: list[str] = []
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and BASE64_LINE.fullmatch(lines[j]):
            j += 1
        if j - i >= 2 and _looks_encoded("".join(line.strip() for line in lines[i:j])):
            i = j
            continue
        kept.extend(lines[i : max(j, i + 1)])
        i = max(j, i + 1)
    return "\n".join(kept)


def readable(text: str) -> str:
    """`text` without what no one reads: data: images and links (their alt text or link text
    stays), long data: URIs and runs of base64."""
    cleaned = without_encoded_runs(without_markdown_data_uris(text))
    if cleaned == text:
        return text
    cleaned = EMPTIED_FENCE.sub("", cleaned)  # a code block that held only base64
    return re.sub(r"\n[ \t]*\n(?:[ \t]*\n)+", "\n\n", cleaned).strip(" \t\n")  # no gap where a blob was
