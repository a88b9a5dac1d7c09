"""The article a conversation is in, for a follow-up that refers back to it.

"so how long till i know?" after a reply on responding to a dispute asks about that dispute: the
answer is in the article the last reply quoted, wherever else the question's few words lead. On the
sample help centre's DEV, the follow-ups that refer back (`rewrite.is_follow_up`) were answered from
that article in 67 of 70 references, and the bot cited it in 49. An article is a place only when it
has sections: where each document is one passage (mtrag_govt_cloud's), a follow-up asks for another
passage (its references moved in 80 of 107), and staying would only repeat the last reply.
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
