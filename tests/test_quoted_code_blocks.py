"""A reply quoting a fenced code block left it open and changed what it holds (QA pass): quoting
"Send the key in the `Authorization` header of each request:" and the block under it came out as
"…each request:\\n``` Authorization: Bearer tk_live... [1]". Each line of the block was a unit of its
own, so the reply quoted the opening fence without the closing one, ran the code on after it (a
Markdown chat shows the rest of the message as code), and the emphasis clean-up took the underscore
off `tk_live_`, which no backtick marked as code there.

A fenced block is now one unit, its fences on lines of their own and what it holds as written; a
citation after it goes on a line of its own, since nothing may follow a closing fence on its line.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import knowledge.store
from assistant.compose import Quote
from assistant.text import cited
from knowledge import KnowledgeBase
from knowledge.units import clean_markup, is_code_block, split_units, unit_paragraphs

from .test_ingest import counting, doc, fresh_kb, run  # noqa: F401 (fixtures)

# as the chunker hands the sample article's section over: lines end "  \n", the block's lines "\n"
USE_A_KEY = (
    "Send the key in the `Authorization` header of each request:  \n```\nAuthorization: Bearer tk_live_...\n```  \n"
    "Each key can make up to **100 requests per minute**. Beyond that, the API returns HTTP `429`."
)
BLOCK = "```\nAuthorization: Bearer tk_live_...\n```"


def test_a_fenced_code_block_is_one_unit_with_its_fences_on_lines_of_their_own():
    assert split_units(USE_A_KEY) == [
        "Send the key in the `Authorization` header of each request:",
        BLOCK,
        "Each key can make up to **100 requests per minute**.",
        "Beyond that, the API returns HTTP `429`.",
    ]
    assert unit_paragraphs(USE_A_KEY) == [0, 1, 4, 4]  # the block's paragraph is its opening fence's line
    assert is_code_block(BLOCK) and not is_code_block("Send the key in the `Authorization` header:")


def test_what_a_code_block_holds_is_quoted_as_written():
    text = (
        "Run it:\n~~~python\ndef total(*items, tax_rate=0.2):\n    return sum(items) * (1 + tax_rate)  # **not** bold. Done.\n"
        "~~~\n\n```\n\n```\nThen check `__init__` and ``a ` b_``."
    )
    code = "~~~python\ndef total(*items, tax_rate=0.2):\n    return sum(items) * (1 + tax_rate)  # **not** bold. Done.\n~~~"
    # one unit, not cut at its sentence ends; an empty block is no unit
    assert split_units(text) == ["Run it:", code, "Then check `__init__` and ``a ` b_``."]
    assert clean_markup(code) == code
    assert clean_markup(text) == f"Run it:\n{code}\n\n```\n\n```\nThen check `__init__` and ``a ` b_``."


def test_a_block_a_chunk_leaves_open_is_closed_in_its_unit():
    assert split_units("Example:\n````\ncurl -H 'X_Key: k_1'\n```") == ["Example:", "````\ncurl -H 'X_Key: k_1'\n```\n````"]


def test_backticks_in_a_sentence_are_code_spans_not_a_fence():
    assert split_units("```x``` is a span. Next.") == ["```x``` is a span.", "Next."]


def test_a_citation_after_a_code_block_goes_on_a_line_of_its_own():
    assert cited(f"Send it like this:\n{BLOCK}", "[1]") == f"Send it like this:\n{BLOCK}\n[1]"
    assert cited("Keys start with `tk_live_`.", "[1]") == "Keys start with `tk_live_`. [1]"


def test_a_reply_quoting_a_code_block_keeps_it_closed_and_intact():
    units = split_units(USE_A_KEY)
    assert Quote([0, 1, 2]).text(units) == (
        f"Send the key in the `Authorization` header of each request:\n{BLOCK}\nEach key can make up to 100 requests per minute."
    )
    assert Quote([2, 1]).text(units) == f"Each key can make up to 100 requests per minute.\n{BLOCK}"


def test_an_index_cut_before_code_blocks_were_units_is_cut_again_without_re_embedding_its_chunks(
    fresh_kb: KnowledgeBase, tmp_path: Path, counting, monkeypatch
):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "api.md").write_text(doc("API keys", USE_A_KEY.replace("  \n", "\n\n")))
    with monkeypatch.context() as m:  # as UNITS_VERSION 5 stored it: one unit a line
        m.setattr(knowledge.store, "UNITS_VERSION", 5)
        m.setattr(sys.modules["ingest.sync"], "split_units", lambda text: [line.strip() for line in text.splitlines() if line.strip()])
        run(fresh_kb, docs)
    before = counting.texts
    report = run(fresh_kb, docs)  # an incremental run: the document has not changed
    assert report.added == report.updated == []
    (chunk,) = fresh_kb.store.get(sorted(fresh_kb.catalog.all_chunk_ids()))
    ((texts, _),) = fresh_kb.store.units([chunk]).values()
    assert BLOCK in texts and texts == split_units(chunk.text) and chunk.units == len(texts)
    assert counting.texts - before == len(texts)  # its units are embedded again, not the chunk


def test_a_short_code_block_last_in_its_section_comes_with_the_sentence_that_introduces_it():
    from assistant.compose import quote
    from assistant.unit_kinds import is_heading

    units = ["Create a key in Settings.", "Send the key in the `Authorization` header of each request:", BLOCK]
    assert not is_heading(BLOCK)  # short, no closing punctuation, and still no label
    quoted = quote(units, [0.1, 0.9, 0.2], 1)
    assert quoted.text(units) == f"Send the key in the `Authorization` header of each request:\n{BLOCK}"
