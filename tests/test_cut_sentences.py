"""A sentence cut at a chunk's start is quoted whole: its start is in the chunk before (the chunks
overlap), and a reply opening "that go in your compost is brown or greens." is a fragment."""

from __future__ import annotations

from assistant.cut_sentences import cut_at_start, sentence_start

BEFORE = (
    "Pallets make great open compost bins. If you make your own bin, drill holes to let air in.\n\n"
    "A common way to describe materials that go in your compost is brown or greens. Browns are higher in carbon"
)


def test_a_piece_of_a_sentence_at_the_chunks_start_is_a_cut():
    assert cut_at_start(["that go in your compost is brown or greens.", "Browns are higher in carbon."], 0)
    assert cut_at_start([", and he was not going to shoot anyone.", "However, …"], 0)
    assert not cut_at_start(["A common way to describe materials is brown or greens."], 0)
    assert not cut_at_start(["that go in your compost is brown or greens.", "Browns are higher."], 1)  # not the answer
    assert not cut_at_start(["- an item of a list"], 0)
    assert not cut_at_start(["`tk_live_` keys work with your real data."], 0)


def test_its_start_is_the_sentence_the_chunk_before_ends_with():
    assert sentence_start(BEFORE, "that go in your compost is brown or greens.") == "A common way to describe materials"
    # scraped pages run sentences together without a space: a capital after the full stop ends one too
    glued = BEFORE.replace("air in.\n\nA common", "air in.A common")
    assert sentence_start(glued, "that go in your compost is brown or greens.") == "A common way to describe materials"


def test_no_start_is_made_up():
    assert sentence_start(BEFORE, "that nothing before it says.") is None  # not in the chunk before
    assert sentence_start("that go in your compost is brown", "that go in your compost is brown") is None  # nothing before it
    long = "A sentence with no end " + "and on " * 60 + "that go in your compost is brown or greens."
    assert sentence_start(long, "that go in your compost is brown or greens.") is None  # no sentence ends near it


def test_a_reply_whose_answer_is_cut_at_its_chunks_start_opens_with_the_whole_sentence():
    import numpy as np

    from assistant.evidence import Evidence
    from assistant.extractive import ExtractiveProvider
    from assistant.reader import read
    from tests.test_reader import DIM, _passage, _scorer, _terms

    question = "what goes in your compost?"
    cut = _passage("compost", "that go in your compost is brown or greens. Mix three parts brown to one part green.")
    before = _passage("compost", BEFORE, rank=1)
    readings = read(np.ones(DIM, dtype=np.float32) / 2, [cut], _terms(question), _scorer())
    evidence = Evidence(question=question, query=question, readings=readings, terms=_terms(question), lead=before)
    text = ExtractiveProvider().answer(question, evidence).text
    assert text.startswith("A common way to describe materials that go in your compost is brown or greens.")
    # without the chunk before, the piece is all there is
    alone = Evidence(question=question, query=question, readings=readings, terms=_terms(question))
    assert ExtractiveProvider().answer(question, alone).text.startswith("that go in your compost")
