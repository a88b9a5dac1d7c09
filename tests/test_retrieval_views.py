"""Searches while an editor's ingest runs in another process are not held up by the views the
retriever takes to follow it (`knowledge.retrieval`).

The review (HIGH) found nearly every search during an ingest finding its view out of date and
taking a new one: reopening the embedded store (~0.6 s) and building the BM25 index anew (~0.4 s
at 300 documents), all while holding the lock every search takes, so every search queued behind
every take (search p99 3.3 s with four threads searching; `python -m evals.search_during_ingest`).
Now one thread takes a view outside that lock while the others read the view they have, a new view
reads only the chunks that changed, and the store reads ids in batches SQLite accepts.
"""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from knowledge import Chunk, KnowledgeBase, VectorStore, retrieval
from knowledge.lexical import LexicalIndex, tokenize
from knowledge.store import GET_BATCH

from .conftest import REPO, make_settings
from .hashing_embedder import HashingEmbedder


def page(title: str, body: str) -> str:
    return f"---\ntitle: {title}\nverified: true\n---\n## {title}\n\n{body}\n"


def ingest_elsewhere(settings, docs: Path) -> None:
    """An editor's ingest, in a process of its own (`tests.paused_ingest`, not pausing)."""
    args = {"data_dir": str(settings.data_dir), "chroma_url": None, "collection": settings.collection,
            "docs": str(docs), "pause": False}
    subprocess.run([sys.executable, "-m", "tests.paused_ingest", json.dumps(args)], cwd=REPO, check=True,
                   stdout=subprocess.DEVNULL)


@pytest.mark.parametrize("change", ["a new article", "another article updated"])
def test_a_search_reads_the_view_it_has_while_another_thread_reopens_the_store_for_a_new_one(change, tmp_path, monkeypatch):
    """Updated, the other article's old chunks are deleted and the view no longer holds them all;
    but they could not have been this question's best, so its answer from the view stands."""
    monkeypatch.setattr(retrieval, "SETTLE_SECONDS", 0.0)  # the first search after a change takes a new view
    settings = make_settings(tmp_path / "data")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "greenhouse.md").write_text(page("Orchid greenhouse", "The orchid greenhouse opens at seven each morning."))
    (docs / "hangar.md").write_text(page("Zeppelin hangar", "The zeppelin hangar door is green and slides open."))
    ingest_elsewhere(settings, docs)
    serving = KnowledgeBase(settings, embedder=HashingEmbedder())
    entered, release, reopened = threading.Event(), threading.Event(), threading.Event()
    reopen = serving.store.reopen

    def held_reopen() -> None:
        entered.set()
        release.wait(60)  # until the test lets it go (or, had the search waited for it, a minute)
        reopened.set()
        reopen()

    try:
        assert serving.retriever.search("when does the orchid greenhouse open", 1)[0].chunk.doc_id == "greenhouse"
        if change == "a new article":
            (docs / "bakery.md").write_text(page("Rye bakery", "The rye bakery bakes sourdough loaves at dawn."))
            asked, answer = "when does the rye bakery bake sourdough", "bakery"
        else:
            (docs / "hangar.md").write_text(page("Zeppelin hangar", "The zeppelin hangar door is teal and slides open."))
            asked, answer = "is the zeppelin hangar door teal", "hangar"
        ingest_elsewhere(settings, docs)
        serving.store.reopen = held_reopen
        taker = threading.Thread(target=serving.retriever.search, args=(asked, 1))
        taker.start()
        assert entered.wait(60), "no search took a new view"
        hits = serving.retriever.search("when does the orchid greenhouse open", 1)
        answered_during_the_reopen = not reopened.is_set()
        release.set()
        taker.join(60)
        assert answered_during_the_reopen, "the search waited for another thread's reopen of the store"
        assert hits[0].chunk.doc_id == "greenhouse" and hits[0].lexical > 0  # from the view it had
        top = serving.retriever.search(asked, 1)[0]
        assert top.chunk.doc_id == answer and top.chunk.text.split()[-3:] == (docs / f"{answer}.md").read_text().split()[-3:]
    finally:
        release.set()
        serving.close()


def locker(n: int, word: str) -> str:
    return page(f"Locker {n}", f"Locker code{n} opens with the brass key kappa{n}; its {word} token resets hourly.")


def test_a_new_view_reads_only_the_chunks_that_changed_and_scores_as_an_index_built_afresh(tmp_path):
    settings = make_settings(tmp_path / "data")
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(20):
        (docs / f"locker-{n}.md").write_text(locker(n, "silver"))
    ingest_elsewhere(settings, docs)
    serving = KnowledgeBase(settings, embedder=HashingEmbedder())
    try:
        assert serving.retriever.search("which key opens code7", 1)[0].chunk.doc_id == "locker-7"
        read: list[str] = []
        get = serving.store.get
        serving.store.get = lambda ids: read.extend(ids) or get(ids)
        (docs / "locker-7.md").write_text(locker(7, "zorbic"))
        ingest_elsewhere(settings, docs)

        hit = serving.retriever.search("zorbic token", 1)[0]  # its old chunks gone: a new view at once
        assert hit.chunk.doc_id == "locker-7" and "zorbic" in hit.chunk.text and hit.lexical > 0
        assert sorted(read) == sorted(serving.catalog.get("locker-7").chunk_ids)  # not all 20 articles again
        index = serving.retriever.lexical_index()
        chunks = get(sorted(serving.catalog.all_chunk_ids()))
        afresh = LexicalIndex([c.chunk_id for c in chunks], [f"{c.title}\n{c.heading}\n{c.text}" for c in chunks])
        for question in ("zorbic token", "silver token kappa3", "brass key"):
            assert same_ranking(index.search(question, 30), afresh.search(question, 30))
    finally:
        serving.close()


def same_ranking(a: list[tuple[str, float]], b: list[tuple[str, float]]) -> bool:
    return [c for c, _ in a] == [c for c, _ in b] and all(
        math.isclose(x, y, rel_tol=1e-9) for (_, x), (_, y) in zip(a, b, strict=True)
    )


WORDS = ("invoice refund plan seat owner admin export tally ledger widget parcel tracking zeppelin hangar "
         "orchid greenhouse brass key token reset billing cycle discount coupon webhook retry").split()


def texts(rng: random.Random, n: int) -> list[str]:
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 40))) for _ in range(n)]


def test_an_index_updated_view_after_view_answers_as_one_built_afresh_over_the_same_chunks():
    rng = random.Random(7)
    chunks = {f"c{n:03d}": t for n, t in enumerate(texts(rng, 60))}
    chunks["c900"] = "Two-factor authentication (2FA) | Free | Starter | Pro |\n|---|---|---|---|\n| Seats | 1 | 5 | 20 |"
    index = LexicalIndex(list(chunks), list(chunks.values()))
    for step in range(30):  # more steps than MAX_SEGMENTS, and more churn than MERGE_SHARE: both merges
        gone = set(rng.sample(sorted(chunks), 3))
        changed = rng.choice(sorted(set(chunks) - gone))  # the same id, a new text (a document cut anew)
        new = {f"n{step:02d}{i}": t for i, t in enumerate(texts(rng, rng.randint(0, 4)))}
        new[changed] = " ".join(texts(rng, 1))
        chunks = {c: t for c, t in chunks.items() if c not in gone} | new
        index = index.updated([c for c in chunks if c not in new], list(new), list(new.values()))
        afresh = LexicalIndex(sorted(chunks), [chunks[c] for c in sorted(chunks)])
        assert len(index) == len(afresh) and index.ids == afresh.ids and index.texts == afresh.texts
        assert index.vocabulary == afresh.vocabulary
        assert index.abbreviations == afresh.abbreviations and index.siblings == afresh.siblings
        for word in (*WORDS[:8], "never-said"):
            assert math.isclose(index.idf(word), afresh.idf(word))
        for _ in range(5):
            question = " ".join(rng.sample(WORDS, 3))
            assert same_ranking(index.search(question, 10), afresh.search(question, 10)), (step, question)


def test_the_index_scores_every_chunk_as_bm25s_did():
    """BM25 as it was computed before the index was made of segments (bm25s, Lucene's variant)."""
    import bm25s

    rng = random.Random(3)
    corpus = texts(rng, 80)
    index = LexicalIndex([str(n) for n in range(len(corpus))], corpus)
    reference = bm25s.BM25(k1=1.2, b=0.75)
    reference.index([tokenize(t) or ["\x00"] for t in corpus], show_progress=False)
    for _ in range(20):
        question = " ".join(rng.sample(WORDS, 4))
        tokens = [t for t in tokenize(question) if t in index.vocabulary]
        expected = reference.get_scores(tokens)
        got = dict(index.search(question, len(corpus)))
        for n, score in enumerate(expected):
            assert math.isclose(got.get(str(n), 0.0), float(score), rel_tol=1e-5, abs_tol=1e-6), (question, n)


class CountedGets:
    """A Chroma collection whose gets are counted."""

    def __init__(self, collection) -> None:
        self.collection, self.gets = collection, []

    def get(self, ids=None, **kwargs):
        self.gets.append(len(ids or []))
        return self.collection.get(ids=ids, **kwargs)

    def __getattr__(self, name):
        return getattr(self.collection, name)


def test_a_get_of_40000_ids_reads_them_in_a_few_calls_each_within_sqlites_limit(tmp_path):
    """Above SQLite's 32,766 variables a statement, a get had failed and read the ids one by one
    (~24 s at 50,000 chunks)."""
    store = VectorStore(chroma_url=None, chroma_path=tmp_path / "chroma", collection="many")
    chunks = [Chunk(chunk_id=f"doc#{n:05d}", doc_id="doc", title="Doc", url=None, text=f"text {n}",
                    content_hash="h", ordinal=n) for n in (5, 20_000, 39_999)]
    store.upsert(chunks, np.eye(3, 8, dtype=np.float32))
    counted = store._opened.chunks = CountedGets(store._opened.chunks)
    ids = [f"doc#{n:05d}" for n in range(40_000)]
    assert [c.chunk_id for c in store.get(ids)] == ["doc#00005", "doc#20000", "doc#39999"]
    assert len(counted.gets) == math.ceil(40_000 / GET_BATCH) and max(counted.gets) <= 32_766
