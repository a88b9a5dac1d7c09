"""A running server answers about an article an editor's ingest (another process) is changing from
one version or the other at every instant, never from neither.

It had dropped updated and renamed articles for about 2 seconds after each batch an ingest
committed (QA: "How often is tracking updated?" handed off at 0.01 with a draft from an unrelated
article). The catalog switched the article to its new version and the ingest deleted the old
chunks at once, while the server's embedded Chroma, which keeps its search index in memory as the
process opened it, could not find the new ones until it reopened the store, once the catalog had
stayed still for SETTLE_SECONDS. Searches kept only the catalog's current versions, so neither
version was found. With a Chroma server the BM25 index lagged the same way (new chunks fused with
no lexical score) for up to LIVE_REBUILD_SECONDS.

The ingest here stops after every catalog switch, removal and chunk deletion; at each stop the
server is asked about every article. SETTLE_SECONDS and LIVE_REBUILD_SECONDS are made an hour, so
no answer can come right by waiting.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge import KnowledgeBase, retrieval

from .chroma_server import CHROMA, chroma_server
from .conftest import REPO, make_settings
from .hashing_embedder import HashingEmbedder


def page(title: str, body: str) -> str:
    return f"---\ntitle: {title}\nverified: true\n---\n## {title}\n\n{body}\n"


TRACKING = "Parcel tracking is updated every {} minutes while a parcel is on its way."
RETURNS = "You can return a widget within 30 days of delivery for a full refund."
# question -> {doc id: what its text says}, old version first
QUESTIONS = {
    "how often is parcel tracking updated": {"shipping/tracking": ("every 20 minutes", "every 25 minutes")},
    "how many days do I have to return a widget": {"returns": ("30 days",), "refunds-and-returns": ("30 days",)},
    "what colour is the zeppelin hangar door": {"hangar": ("door is green", "door is teal")},
    "when does the orchid greenhouse open": {"greenhouse": ("opens at seven",)},
}


def write_v1(docs: Path) -> None:
    (docs / "shipping").mkdir(parents=True)
    (docs / "shipping" / "tracking.md").write_text(page("Parcel tracking", TRACKING.format(20)))
    (docs / "returns.md").write_text(page("Returns", RETURNS))
    (docs / "hangar.md").write_text(page("Zeppelin hangar", "The zeppelin hangar door is green and slides open."))
    (docs / "greenhouse.md").write_text(page("Orchid greenhouse", "The orchid greenhouse opens at seven each morning."))


def write_v2(docs: Path) -> None:
    """The QA steps: an article updated, one renamed (a new file, so a new id, and a new title),
    and another updated in a batch of its own."""
    (docs / "shipping" / "tracking.md").write_text(page("Parcel tracking", TRACKING.format(25)))
    (docs / "returns.md").unlink()
    (docs / "refunds-and-returns.md").write_text(page("Refunds and returns", RETURNS))
    (docs / "hangar.md").write_text(page("Zeppelin hangar", "The zeppelin hangar door is teal and slides open."))


def run_ingest(settings, docs: Path, at_each_stop=lambda what: None) -> list[str]:
    args = {"data_dir": str(settings.data_dir), "chroma_url": settings.chroma_url,
            "collection": settings.collection, "docs": str(docs)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.paused_ingest", json.dumps(args)], cwd=REPO, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )
    stops = []
    try:
        for line in proc.stdout:
            if line.startswith("pause "):
                stops.append(line[6:].strip())
                at_each_stop(stops[-1])
                proc.stdin.write("go\n")
                proc.stdin.flush()
    finally:
        proc.stdin.close()  # on a failed check, the ingest stops too
        code = proc.wait(60)
    assert code == 0
    return stops


def assert_every_article_answers(serving: KnowledgeBase, when: str, *, newest: bool = False) -> None:
    for question, versions in QUESTIONS.items():
        hits = serving.retriever.search(question, 1)
        assert hits, f"{when}: nothing found for {question!r}"
        top = hits[0]
        assert top.chunk.doc_id in versions, f"{when}: {question!r} found {top.chunk.doc_id}, not {list(versions)}"
        texts = versions[top.chunk.doc_id]
        said = [t for t in texts if t in top.chunk.text]
        assert said, f"{when}: {question!r} read {top.chunk.text!r}"
        assert top.lexical > 0, f"{when}: {question!r} found without its words (a BM25 index behind the store)"
        if newest:
            assert top.chunk.doc_id == list(versions)[-1] and said == [texts[-1]], f"{when}: {question!r} still old"


@pytest.fixture(params=["embedded", "chroma server"])
def settings(request, tmp_path: Path) -> Iterator:
    if request.param == "embedded":
        yield make_settings(tmp_path / "data")
        return
    if not CHROMA.exists():
        pytest.fail(f"{CHROMA} is missing: chromadb ships the `chroma` command")
    with chroma_server(tmp_path / "chroma") as url:
        yield make_settings(tmp_path / "data", chroma_url=url, collection="switch_while_serving")


def test_articles_an_ingest_changes_answer_from_one_version_or_the_other_at_every_batch_commit(
    settings, tmp_path, monkeypatch
):
    monkeypatch.setattr(retrieval, "SETTLE_SECONDS", 3600.0)
    monkeypatch.setattr(retrieval, "LIVE_REBUILD_SECONDS", 3600.0)
    docs = tmp_path / "docs"
    write_v1(docs)
    run_ingest(settings, docs)
    serving = KnowledgeBase(settings, embedder=HashingEmbedder())  # the server: opened once, kept open
    try:
        assert_every_article_answers(serving, "before")
        write_v2(docs)
        stops = run_ingest(settings, docs, lambda what: assert_every_article_answers(serving, f"at '{what}'"))
        assert "switched shipping/tracking" in stops and "removed returns" in stops  # it did stop there
        assert_every_article_answers(serving, "after the ingest", newest=True)
    finally:
        serving.close()


def locker(n: int, minutes: int, title: str = "Locker") -> str:
    return page(f"{title} {n}", f"Locker code{n} opens with the brass key kappa{n} and resets every {minutes} minutes.")


def test_questions_asked_throughout_a_forty_document_ingest_all_find_their_article(settings, tmp_path, monkeypatch):
    """The QA run: 40 articles changed (5 of them renamed), each a batch of its own, questions
    asked all the while; any batch commit had dropped the articles it changed."""
    monkeypatch.setattr(retrieval, "SETTLE_SECONDS", 3600.0)
    monkeypatch.setattr(retrieval, "LIVE_REBUILD_SECONDS", 3600.0)
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(40):
        (docs / f"locker-{n}.md").write_text(locker(n, 10))
    run_ingest(settings, docs)
    serving = KnowledgeBase(settings, embedder=HashingEmbedder())
    try:
        for n in range(40):
            if n % 8 == 0:  # renamed: a new file, a new id
                (docs / f"locker-{n}.md").unlink()
                (docs / f"cabinet-{n}.md").write_text(locker(n, 15, title="Cabinet"))
            else:
                (docs / f"locker-{n}.md").write_text(locker(n, 15))
        ids = {n: {f"locker-{n}", f"cabinet-{n}"} for n in range(40)}
        args = {"data_dir": str(settings.data_dir), "chroma_url": settings.chroma_url,
                "collection": settings.collection, "docs": str(docs), "pause": False}
        proc = subprocess.Popen([sys.executable, "-m", "tests.paused_ingest", json.dumps(args)], cwd=REPO,
                                stdout=subprocess.DEVNULL)
        missed, asked = [], 0
        while proc.poll() is None or not asked:
            for n in range(40):
                top = serving.retriever.search(f"which key opens code{n}, kappa{n}?", 1)
                asked += 1
                if not top or top[0].chunk.doc_id not in ids[n] or top[0].lexical == 0:
                    missed.append((n, top[0].chunk.doc_id if top else None))
        assert proc.wait(60) == 0
        assert not missed, f"{len(missed)} of {asked} questions missed their article: {missed[:10]}"
        for n in range(40):
            top = serving.retriever.search(f"which key opens code{n}, kappa{n}?", 1)[0]
            assert "every 15 minutes" in top.chunk.text and top.chunk.doc_id in ids[n]
    finally:
        serving.close()
