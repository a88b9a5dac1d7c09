"""The article sent with a disputed charge is the refund policy, not the one on clients' chargebacks.

An escalation's article is looked for with the rule's reason beside the customer's words
(Assistant._escalate). billing_dispute's reason, "Customer disputes a charge", drew "Chargebacks and
disputes", which tells a business how to answer its own client's chargeback: "why was I charged
$290 today? I never agreed to this" came with it. The reason now says what is disputed, a
subscription charge, and the refund policy ("Charges you don't recognise", duplicate charges
refunded in full) comes with the handoff.
"""

from __future__ import annotations

import pytest

from assistant import build_assistant


@pytest.fixture(scope="module")
def replies(tmp_path_factory, seeded_dir, embedder):
    """The replies of the assistant serving the sample help centre, one per message."""
    import shutil

    from knowledge import KnowledgeBase

    from .conftest import make_settings

    data = tmp_path_factory.mktemp("articles") / "data"
    shutil.copytree(seeded_dir, data)
    settings = make_settings(data)
    kb = KnowledgeBase(settings, embedder=embedder)
    assistant = build_assistant(settings, kb)
    yield assistant.reply
    kb.close()


DISPUTES = [
    "why was I charged $290 today? I never agreed to this",
    "we have been charged twice this month",
    "I cancelled in April but you are still charging me",
    "we were overcharged on the last renewal",
    "I never authorised this payment of $120",
]

# Where no passage of the refund policy is near enough, nothing is sent rather than the wrong article.
NEVER_THE_CHARGEBACKS_ARTICLE = [
    "charged me $49 instead of $29",
    "I'm disputing your charge with my bank",
    "why was I charged $290?",
    "you renewed us without warning",
]


@pytest.mark.parametrize("message", DISPUTES)
def test_a_disputed_charge_comes_with_the_refund_policy(replies, message: str) -> None:
    reply = replies(message)
    assert reply.handoff and reply.handoff_reason == "escalation"
    assert reply.handoff_detail == "Customer disputes a subscription charge"
    assert [s.doc_id for s in reply.sources] == ["billing/refund-policy"]


@pytest.mark.parametrize("message", NEVER_THE_CHARGEBACKS_ARTICLE)
def test_a_disputed_charge_never_comes_with_the_article_on_clients_chargebacks(replies, message: str) -> None:
    reply = replies(message)
    assert reply.handoff and reply.handoff_reason == "escalation"
    assert [s.doc_id for s in reply.sources] in ([], ["billing/refund-policy"])
