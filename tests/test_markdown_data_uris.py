"""Inline `data:` images and runs of base64 are never indexed.

QA: a Markdown article with one inline image (`![…](data:image/png;base64,…)`, 1.3 MB) was
indexed as 1,517 chunks of base64: the ingest took 4 minutes, the store grew from 2.4 to 97 MB,
and those chunks filled search results. The same image in HTML was dropped (an `<img>` is no text).
"""

from __future__ import annotations

import base64
import json
import random

import pytest

from ingest import Chunker
from ingest.encoded import readable
from ingest.loaders import load_file

from .test_formats import html, load_one

FRONT = "---\ntitle: Track a parcel\nverified: true\n---\n"


def blob(n_bytes: int, seed: int = 7) -> str:
    return base64.b64encode(random.Random(seed).randbytes(n_bytes)).decode()


def test_a_markdown_article_with_a_large_inline_image_is_indexed_as_its_text(tmp_path):
    page = tmp_path / "track.md"
    page.write_text(
        FRONT + "# Track a parcel\n\nOpen the tracking page:\n\n"
        f"![The tracking page, with the status bar]({'data:image/png;base64,' + blob(1_000_000)})\n\n"
        "Your parcel's status is at the top.\n"
    )
    [document], refused = load_file(page, tmp_path, max_bytes=5_000_000)  # the default limit
    assert refused == [] and document.text == (
        "# Track a parcel\n\nOpen the tracking page:\n\nThe tracking page, with the status bar\n\n"
        "Your parcel's status is at the top."
    )
    assert len(Chunker().split(document)) == 1  # 1,517 before


@pytest.mark.parametrize(
    ("markdown", "kept"),
    [
        ("Print [the label](data:application/pdf;base64,{b}) now.", "Print the label now."),
        ('![Logo](data:image/png;base64,{b} "Parcelly") here', "Logo here"),
        ("![](<data:image/png;base64,{b}>)Next", "Next"),
        ("See ![Our logo][logo].\n\n[logo]: data:image/png;base64,{b}\n", "See Our logo."),
        ('A <img alt="spinner" src="data:image/gif;base64,{b}"> B', "A spinner B"),
        ("Raw data:image/png;base64,{b} end", "Raw  end"),
    ],
    ids=["link", "image-with-title", "bracketed", "reference", "html-img", "bare"],
)
def test_data_uris_in_markdown_leave_their_alt_or_link_text(tmp_path, markdown, kept):
    page = tmp_path / "page.md"
    page.write_text(FRONT + markdown.format(b=blob(300)))
    assert load_one(page).text == kept


def test_long_base64_is_dropped_from_every_format(tmp_path):
    one_line, wrapped = blob(3000, 1), blob(3000, 2)
    wrapped = "\n".join(wrapped[i : i + 76] for i in range(0, len(wrapped), 76))
    (tmp_path / "note.txt").write_text(FRONT + f"Before.\n\n{one_line}\n\nAfter.\n")
    assert load_one(tmp_path / "note.txt").text == "Before.\n\nAfter."
    (tmp_path / "pem.md").write_text(FRONT + f"Key:\n\n-----BEGIN DATA-----\n{wrapped}\n-----END DATA-----\n\nDone.")
    assert load_one(tmp_path / "pem.md").text == "Key:\n\n-----BEGIN DATA-----\n-----END DATA-----\n\nDone."
    (tmp_path / "page.html").write_text(html(f"<main><p>Before.</p><pre>{one_line}</pre><p>After.</p></main>"))
    assert load_one(tmp_path / "page.html").text == "Before.\n\nAfter."
    record = {"doc_id": "faq", "title": "FAQ", "text": f"Before. ![chart](data:image/png;base64,{one_line}) {one_line} After."}
    (tmp_path / "kb.jsonl").write_text(json.dumps(record) + "\n")
    assert load_one(tmp_path / "kb.jsonl").text == "Before. chart  After."


def test_text_that_only_looks_encoded_is_kept():
    text = (
        "See https://github.com/triton-lang/triton/blob/10f59d8ce04052521c1bc0cb3a3f8b98918fc7e3/lib/Conversion/"
        "TritonGPUToLLVM/ElementwiseOpToLLVM.cpp#L10 and the checksum "
        "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c.\n"
        "A short data URI example: data:text/plain;base64,SGVsbG8=\n"
        "Pneumonoultramicroscopicsilicovolcanoconiosis" * 3 + "\n"
        "A token: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U\n"
        "[a link](https://example.com/data:x) and ![a chart](/img/chart.png)\n"
    )
    assert readable(text) is text
