"""A JSONL record's `verified` field is read as front matter's is, and its refusal names its line.

QA: a record with "verified": "yes" was silently taken for unverified (front matter takes yes);
its refusal dropped the line ("intercom.jsonl: not verified") and sent the editor to front matter,
HTML <meta> tags and PDF sidecars, none of which a JSONL record has.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.loaders import Refusal, load_file, not_verified
from ingest.sources import read_sources
from knowledge import Document


def records(tmp_path: Path, *values: object) -> Path:
    path = tmp_path / "intercom.jsonl"
    lines = []
    for n, value in enumerate(values, start=1):
        record = {"doc_id": f"faq/{n}", "title": f"Q{n}", "text": f"Answer {n}."}
        if value is not ABSENT:
            record["verified"] = value
        lines.append(json.dumps(record))
    path.write_text("\n".join(lines) + "\n")
    return path


ABSENT = object()


def test_a_record_is_verified_in_the_words_front_matter_takes(tmp_path):
    path = records(tmp_path, "yes", "Yes", "on", "true", "TRUE", True, ABSENT, "no", "off", "false", False)
    docs, refused = load_file(path, tmp_path, 100_000)
    assert refused == []
    assert [d.verified for d in docs] == [True] * 7 + [False] * 4


@pytest.mark.parametrize("value", ["maybe", "verified", 1, 0, None, ""], ids=repr)
def test_a_verified_value_of_no_known_spelling_is_refused_at_its_line(tmp_path, value):
    path = records(tmp_path, True, value)
    docs, refused = load_file(path, tmp_path, 100_000)
    assert [d.doc_id for d in docs] == ["faq/1"]
    [refusal] = refused
    assert (refusal.where, refusal.doc_id, refusal.kept) == (f"{path.resolve()}:2", "faq/2", True)  # its last good version stays
    assert refusal.reason == f"'verified' must be true or false (or yes/no, on/off), not {value!r}"


def test_an_unverified_record_is_refused_at_its_line_with_a_jsonl_hint(tmp_path):
    path = records(tmp_path, *[True] * 11, "no")
    docs, _ = load_file(path, tmp_path, 100_000)
    refusal = not_verified(docs[11])
    assert refusal.where == f"{path.resolve()}:12" and refusal.doc_id == "faq/12"
    assert refusal.reason.startswith("not verified: ")
    assert "the record's \"verified\" field true" in refusal.reason and "--include-unverified" in refusal.reason
    for other_format in ("front matter", "<meta", "sidecar", "PDF"):
        assert other_format not in refusal.reason


@pytest.mark.parametrize(
    ("name", "hint", "not_said"),
    [
        ("refunds.md", "front matter 'verified: true'", "<meta"),
        ("notes.txt", "front matter 'verified: true'", "sidecar"),
        ("page.html", '<meta name="verified" content="true">', "sidecar"),
        ("guide.pdf", "'verified: true' in its sidecar guide.pdf.meta.yaml", "<meta"),
    ],
)
def test_each_format_is_told_how_it_is_marked_verified(name, hint, not_said):
    refusal = not_verified(Document(doc_id="x", title="X", text="x", verified=False, path=f"/kb/{name}"))
    assert refusal == Refusal(f"/kb/{name}", refusal.reason, "x", None)
    assert hint in refusal.reason and not_said not in refusal.reason and '"verified" field' not in refusal.reason


def test_ingest_refuses_an_unverified_record_at_its_line(tmp_path):
    path = records(tmp_path, True, "no")
    [source] = read_sources([path], max_doc_bytes=100_000, include_unverified=False)
    [refusal] = source.refused
    assert refusal.where == f"{path.resolve()}:2"
    assert '"verified" field' in refusal.reason and "front matter" not in refusal.reason
