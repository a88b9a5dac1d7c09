"""The article a conversation is in, for a follow-up that refers back to it.

"so how long till i know?" after a reply on responding to a dispute asks about that dispute: the
answer is in the article the last reply quoted, wherever else the question's few words lead. On the
sample help centre's DEV, the follow-ups that refer back (`rewrite.is_follow_up`) were answered from
that article in 67 of 70 references, and the bot cited it in 49. An article is a place only when it
has sections: where each document is one passage (mtrag_govt_cloud's), a follow-up asks for another
passage (its references moved in 80 of 107), and staying would only repeat the last reply.

With it (`selection.ARTICLE_WEIGHT`) the bot cites that article in 56 of the 70. Stop 41 had tried a
prior for every question with history, its article found by searching the last reply: mtrag's gold
cited fell 0.722 -> 0.693. Here only a follow-up that refers back, in an article with sections, and
the article is that of the retrieved passage holding most of the reply (a bot's reply is its quote).
Found instead by the lexical index's best chunk for the reply, retrieved or not (the right article
more often), sample DEV's AUROC fell 0.838 -> 0.832 and its sent precision 0.892 -> 0.885, and was
not kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from assistant.evidence import Passage
from knowledge.lexical import tokenize

REPLY_SHARE = 0.6  # of the last reply's words a passage must hold to be where it was quoted from
MIN_SECTIONS = 4  # chunks an article needs for a conversation to stay in it
MIN_WORDS = 3  # a shorter reply ("Sure!") says where it is from no more than any passage


def conversation_article(
    passages: Sequence[Passage], last_reply: str, sections: Callable[[str], int]
) -> str | None:
    """The document of the retrieved passage the last reply was quoted from (most of its words are
    in it), if that document has `MIN_SECTIONS` chunks or more (`sections`: a document's chunk
    count); None if no passage holds `REPLY_SHARE` of the reply's words."""
    words = set(tokenize(last_reply))
    if len(words) < MIN_WORDS:
        return None
    best, share = None, 0.0
    for p in passages:
        found = len(words & set(tokenize(p.hit.chunk.text))) / len(words)
        if found > share:
            best, share = p, found
    if best is None or share < REPLY_SHARE:
        return None
    doc = best.hit.chunk.doc_id
    return doc if sections(doc) >= MIN_SECTIONS else None
