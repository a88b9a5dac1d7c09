"""Help-centre HTML exports (Zendesk and the like) index the article, not the site around it.

QA: a Zendesk export's `<title>` ("Track a parcel - Parcelly Help Center") became the article's
title, shown to customers in every citation, while its `<h1>` was ignored; and the chrome inside
`<main>` (the votes block "Was this article helpful? 12 out of 15 found this helpful", share
buttons, related articles, comments) was indexed into every article.
"""

from __future__ import annotations

import pytest

from .conftest import FIXTURES
from .test_formats import html, load_one

ZENDESK = FIXTURES / "formats" / "zendesk-article.html"


def test_a_zendesk_article_is_titled_by_its_h1_not_its_title_tag():
    document = load_one(ZENDESK)
    assert document.title == "Track a parcel"
    assert document.url == "https://help.parcelly.example/hc/en-us/articles/360012345678-Track-a-parcel"
    assert document.verified and document.owner == "support-content"


def test_a_zendesk_article_keeps_its_body_and_drops_the_help_centre_chrome():
    text = load_one(ZENDESK).text
    assert text.startswith("# Track a parcel\n\nYou can follow a parcel from the moment we collect it")
    for kept in ("## Find your tracking number", "2. Copy the 12-character code that starts with PC.",
                 "Out for delivery | It arrives today, before 6 pm.",
                 "Tip: share your tracking link with the recipient",  # class="helpful-tip": content
                 "```\n# the status from the API\ncurl"):  # <span class="token comment"> in code
        assert kept in text, kept
    for chrome in ("Was this article helpful", "found this helpful", "Yes", "Related articles",
                   "Change a delivery address", "Facebook", "LinkedIn", "comments", "Comments", "sign in",
                   "Sam Lee", "Updated", "Follow", "Have more questions", "Submit a request", "Return to top",
                   "Parcelly Help Center", "Articles in this section", "Deliveries", "Skip to main content"):
        assert chrome not in text, chrome


@pytest.mark.parametrize(
    "chrome",
    [
        '<section class="article-votes"><h2>Was this article helpful?</h2><small>12 out of 15 found this helpful</small></section>',
        '<div class="article-vote" id="voting-container">Did you find it helpful? <a href="#">Yes</a></div>',
        '<div class="articleFeedback">Was this page useful?</div>',
        '<div aria-label="Was this article helpful?"><p>Rate it</p></div>',
        '<section class="related_articles"><h3>Related</h3><ul><li>Invoices</li></ul></section>',
        '<div class="related"><p>See also: Taxes</p></div>',
        '<div role="group" aria-labelledby="related-articles-title"><p>See also: Taxes</p></div>',
        '<div class="social-share"><a href="#">Tweet</a></div>',
        '<div aria-label="Share this article"><a href="#">Email</a></div>',
        '<div id="comments"><h3>3 comments</h3><p>Nice!</p></div>',
        '<ul class="comment-list"><li>Nice!</li></ul>',
        '<ol class="breadcrumbs"><li>Home</li><li>Billing</li></ol>',
        '<div class="article-more-questions">Have more questions? Submit a request</div>',
    ],
)
def test_help_centre_chrome_inside_main_is_dropped(tmp_path, chrome):
    page = tmp_path / "article.html"
    page.write_text(html(f"<main><h1>Refunds</h1><p>Refunds take 14 days.</p>{chrome}</main>"))
    assert load_one(page).text == "# Refunds\n\nRefunds take 14 days."


def test_names_that_only_look_like_help_centre_chrome_are_kept(tmp_path):
    page = tmp_path / "article.html"
    page.write_text(html(
        '<main><div class="feedback-enabled"><h1>Shares</h1><p>Owners hold shares.</p></div>'
        '<div class="helpful-tip">Tip one</div><div class="related-settings">Settings kept</div>'
        '<p class="shareholders">Holders kept</p><div class="commentary">Commentary kept</div>'
        '<pre><code><span class="hljs-comment"># kept comment</span>\nrun</code></pre></main>'
    ))
    assert load_one(page).text == (
        "# Shares\n\nOwners hold shares.\n\nTip one\n\nSettings kept\n\nHolders kept\n\nCommentary kept"
        "\n\n```\n# kept comment\nrun\n```"
    )


@pytest.mark.parametrize(
    ("title", "head", "expected"),
    [
        ("Refund policy – Acme Help Centre", "", "Refund policy"),
        ("Refund policy - Acme Help Center", "", "Refund policy"),
        ("Refunds | Acme Support", "", "Refunds"),
        ("Install the app — Acme Docs", "", "Install the app"),
        ("Pricing · Parcelly", '<meta property="og:site_name" content="Parcelly">', "Pricing"),
        ("Contact us - Support hours", "", "Contact us - Support hours"),  # names no site
        ("Step 1 - Install the app", "", "Step 1 - Install the app"),
        ("Well-known issues", "", "Well-known issues"),
    ],
)
def test_without_an_h1_the_title_drops_a_trailing_site_name(tmp_path, title, head, expected):
    page = tmp_path / "article.html"
    page.write_text(html("<main><p>Body text.</p></main>", head=f'<meta name="verified" content="true">{head}<title>{title}</title>'))
    assert load_one(page).title == expected


def test_without_an_h1_og_title_names_the_article(tmp_path):
    page = tmp_path / "article.html"
    head = '<meta name="verified" content="true"><title>Track – Parcelly</title><meta property="og:title" content="Track a parcel">'
    page.write_text(html("<main><p>Body text.</p></main>", head=head))
    assert load_one(page).title == "Track a parcel"


def test_front_matter_title_still_wins_over_the_h1(tmp_path):
    page = tmp_path / "article.html"
    page.write_text("---\ntitle: Parcel tracking\nverified: true\n---\n" + html("<main><h1>Track a parcel</h1><p>Body.</p></main>"))
    assert load_one(page).title == "Parcel tracking"


def test_an_id_made_from_a_headings_words_drops_no_article_content():
    from ingest.html import read_html

    html = """<html><body><main><article><h1>Sharing invoices</h1>
    <h2 id="share-an-invoice-link">Share an invoice link</h2><p>Open the invoice and click Copy link.</p>
    <section id="customer-feedback"><h2>Customer feedback on invoices</h2><p>Clients see it under Activity.</p></section>
    <div id="share-buttons"><a href="#">Share</a></div>
    </article></main></body></html>"""
    text = read_html(html).text
    assert "Share an invoice link" in text and "Customer feedback on invoices" in text and "Clients see it under Activity." in text
    assert "\\nShare\\n" not in f"\\n{text}\\n"  # the share buttons, named by id, are still dropped
