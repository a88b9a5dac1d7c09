"""A help centre's chrome inside an article: the votes block, share buttons, related articles,
comments, the author line (`is_chrome`). `ingest.html` drops what this recognises."""

from __future__ import annotations

import re

from bs4.element import Tag

# A help centre's chrome inside the article itself (Zendesk, Freshdesk, Intercom, Help Scout
# exports): the votes block ("Was this article helpful? 12 out of 15 found this helpful"), share
# buttons, related articles, comments, the author line, "Have more questions?". Each had been
# indexed into every article. Matched on whole words of a class, id or aria-labelledby ("votes" in
# "article-votes", "articleVotes"; not "hljs-comment", a comment in highlighted code), or on an
# aria-label.
CHROME_WORDS = {"vote", "votes", "voting", "feedback", "reaction", "reactions", "share", "sharing",
                "subscribe", "byline", "relatives"}
RELATED_WHAT = {"articles", "article", "posts", "links", "topics", "questions", "content"}  # "related" alone too
CHROME_RUNS = ("more-questions", "return-to-top", "back-to-top", "article-author")
CHROME_LABEL = re.compile(
    r"(?:related (?:articles|posts|content)|share(?: this (?:article|page))?|social (?:media|sharing)"
    r"|was this (?:article|page|answer) helpful\??|(?:article )?feedback|comments|breadcrumbs?|votes?)",
    re.IGNORECASE,
)


def tokens(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return str(value).split()


def _words(name: str) -> list[str]:
    """A class or id name's words: "article-votes", "articleVotes" -> ["article", "votes"]."""
    return [w for w in re.split(r"[-_]+", re.sub(r"([a-z])([A-Z])", r"\1-\2", name).lower()) if w]


def is_chrome(tag: Tag) -> bool:
    """A help centre's chrome inside the article (CHROME_WORDS); never an element that holds the
    article's title or the article itself (<div class="feedback-enabled"> around everything), nor
    one in code (<span class="token comment"> is a comment of the code shown)."""
    names = [*tokens(tag.get("class")), *tokens(tag.get("aria-labelledby"))]
    label = " ".join(str(tag.get("aria-label") or "").split())
    # an id may be made from a heading's own words ("share-an-invoice-link", "customer-feedback"):
    # for a heading, or an element holding one, it names chrome only in chrome's words ("comments")
    by_id = any(_chrome_name(n) and (not _holds_heading(tag) or _chrome_words_only(n)) for n in tokens(tag.get("id")))
    chrome = by_id or any(_chrome_name(n) for n in names) or bool(label and CHROME_LABEL.fullmatch(label))
    return (
        chrome and tag.name.lower() not in ("code", "pre")
        and tag.find(["h1", "article", "main"]) is None and tag.find_parent(["pre", "code"]) is None
    )


def _holds_heading(tag: Tag) -> bool:
    return tag.name.lower() in _HEADINGS or tag.find(list(_HEADINGS)) is not None


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# words an id of chrome is made of, beside CHROME_WORDS ("article-votes", "comments-section")
_CHROME_ID_WORDS = {"comment", "comments", "related", "article", "section", "block", "box", "area", "container",
                    "wrapper", "list", "buttons", "button", "links", "count", "form", "widget", "panel", "region",
                    "more", "questions", "return", "back", "to", "top", "author"}


def _chrome_words_only(name: str) -> bool:
    words = _words(name)
    return bool(words) and all(w in CHROME_WORDS or w in _CHROME_ID_WORDS or w in RELATED_WHAT for w in words)


def _chrome_name(name: str) -> bool:
    words = _words(name)
    if not words:
        return False
    if CHROME_WORDS & set(words) or "comments" in words or "comment" in words[:-1] or words == ["comment"]:
        return True  # "article-comment-count"; not "hljs-comment", a comment in highlighted code
    if "related" in words:
        after = words[words.index("related") + 1 :]
        return not after or after[0] in RELATED_WHAT
    joined = f"-{'-'.join(words)}-"
    return any(f"-{run}-" in joined for run in CHROME_RUNS)
