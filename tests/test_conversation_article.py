"""A follow-up that refers back ("so how long till I know?") stays in the article the last reply was
quoted from, when that article has sections; where each document is one passage, it may move on."""

from __future__ import annotations

import numpy as np

from assistant.conversation_article import conversation_article
from assistant.evidence import Passage
from knowledge import Chunk, Hit
from tests.bot_replies import said

RESPOND = "Go to Payments → Disputes, open it and click Respond. Upload your evidence, then click Submit evidence."
DECIDES = "The card issuer decides. This usually takes 60–75 days after you respond."
REFUND = "Refunds usually show on your statement within 5–10 business days."


def _passage(doc_id: str, text: str) -> Passage:
    chunk = Chunk(chunk_id=f"{doc_id}#{len(text)}", doc_id=doc_id, title=doc_id, url=None, text=text,
                  content_hash="h", ordinal=0)
    return Passage(Hit(chunk, score=0.5), 0, [text], np.zeros((1, 4), dtype=np.float32), np.zeros(1, dtype=np.float32))


def test_the_article_is_the_one_the_last_reply_was_quoted_from():
    passages = [_passage("refunds", REFUND), _passage("disputes", DECIDES), _passage("disputes", RESPOND)]
    last_reply = "Go to Payments → Disputes, open it and click Respond. Upload your evidence. [1]"
    assert conversation_article(passages, last_reply, sections=lambda doc: 6) == "disputes"


def test_an_article_of_one_passage_is_no_place_to_stay():
    passages = [_passage("disputes", RESPOND)]
    assert conversation_article(passages, RESPOND, sections=lambda doc: 1) is None


def test_a_reply_quoted_from_no_passage_found_names_no_article():
    passages = [_passage("refunds", REFUND), _passage("disputes", DECIDES)]
    assert conversation_article(passages, "Click Respond and upload the signed quote.", sections=lambda doc: 6) is None
    assert conversation_article(passages, "Sure!", sections=lambda doc: 6) is None  # too short to say


def test_of_two_passages_alike_the_one_in_the_conversations_article_comes_first():
    from assistant.reader import Reading
    from assistant.selection import rank_readings

    refunds, disputes = _passage("refunds", REFUND), _passage("disputes", DECIDES)
    readings = [Reading(p, 0.5, 0, np.array([0.5], dtype=np.float32)) for p in (refunds, disputes)]
    assert rank_readings(readings)[0].passage is refunds  # retrieval order breaks the tie
    assert rank_readings(readings, article="disputes")[0].passage is disputes


def test_a_follow_up_about_a_dispute_is_answered_from_the_disputes_article(sample_assistant):
    history = [
        ("user", "client opened a dispute saying the work was not as described"),
        ("agent", "Go to Payments → Disputes, open it, click Respond and write a short factual summary. Upload the "
                  "agreed quote or scope, the client's approval and your correspondence, then click Submit evidence "
                  "before the deadline."),
    ]
    reply = sample_assistant.reply("so how long till i know", history)
    assert [s.doc_id for s in (reply.draft_sources if reply.handoff else reply.sources)][0] == "payments/chargebacks-and-disputes"
    assert "dispute" in said(reply).lower()
