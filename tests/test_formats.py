"""Source formats: HTML main content, PDF pages, and the review_by / tags front matter fields."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from ingest import Chunker
from ingest.loaders import load_file

from .conftest import FIXTURES
from .test_ingest import doc, run

HELP_CENTRE = FIXTURES / "formats" / "help-centre-article.html"


def load(path: Path, max_bytes: int = 100_000):
    return load_file(path, path.parent, max_bytes)


def load_one(path: Path):
    docs, refused = load(path)
    assert refused == [] and len(docs) == 1, refused
    return docs[0]


def refusal(path: Path) -> str:
    docs, refused = load(path)
    assert docs == [] and len(refused) == 1
    return refused[0].reason


def html(body: str, head: str = '<meta name="verified" content="true">') -> str:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


def pdf_bytes(*pages: str, title: str | None = None) -> bytes:
    """A minimal valid PDF written by hand: one Helvetica text line per line of each page."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, page in enumerate(pages):
        lines = [ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for ln in page.splitlines()]
        stream = "".join(f"BT /F1 12 Tf 72 {720 - 18 * n} Td ({ln}) Tj ET\n" for n, ln in enumerate(lines))
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n%sendstream" % (len(stream), stream.encode("latin-1")))
    info = ""
    if title:
        objects.append(f"<< /Title ({title}) >>".encode())
        info = f" /Info {len(objects)} 0 R"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def encrypted(pdf: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def blank_pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(612, 792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_hand_written_test_pdf_is_one_pypdf_reads():
    reader = PdfReader(io.BytesIO(pdf_bytes("Hello (world)\nline two", "Second page", title="Guide")))
    assert [p.extract_text() for p in reader.pages] == ["Hello (world)\nline two", "Second page"]
    assert reader.metadata.title == "Guide"


# --- HTML ---------------------------------------------------------------------------------------


def test_html_navigation_scripts_footer_and_cookie_banner_are_dropped():
    text = load_one(HELP_CENTRE).text
    assert "Refund policy" in text and "Annual plans are refunded in full within 30 days" in text
    for boilerplate in ("analytics", ".hero", "Search articles", "Primary", "Account", "cookies",
                        "Accept all", "Home", "Related:", "enable JavaScript", "Was this article helpful",
                        "Popular articles", "Reset your password", "All rights reserved", "Skip to content"):
        assert boilerplate not in text, boilerplate


def test_html_headings_become_markdown_headings_the_chunker_splits_on():
    document = load_one(HELP_CENTRE)
    lines = document.text.splitlines()
    assert lines[0] == "# Refund policy"
    assert "## How to ask for a refund" in lines and "### Refund times by payment method" in lines
    headings = [c.heading for c in Chunker().split(document)]
    assert "Refund policy > How to ask for a refund > Refund times by payment method" in headings


def test_html_list_items_and_table_rows_keep_their_structure(tmp_path):
    document = load_one(HELP_CENTRE)
    assert "1. Open Settings, then Billing.\n2. Click Request refund and pick a reason." in document.text
    assert "Method | Time\nCard | 5 to 10 business days\nBank transfer | 3 business days" in document.text
    page = tmp_path / "lists.html"
    page.write_text(html("<p>Before</p><ul><li>Alpha</li><li><a href='/b'>Beta</a> <ul><li>Nested</li></ul></li></ul>"
                         "<p>Between</p><table><tr><td>a</td><td></td><td>c</td></tr></table>"))
    assert load_one(page).text == "Before\n\n- Alpha\n- Beta\n  - Nested\n\nBetween\n\na |  | c"


def test_html_paragraphs_are_separated_by_blank_lines_and_whitespace_collapsed(tmp_path):
    page = tmp_path / "p.html"
    page.write_text(html("<div><p>One   sentence\n  over lines.</p><p>Two<br>lines</p></div><pre>keep\n   this</pre>"))
    assert load_one(page).text == "One sentence over lines.\n\nTwo\nlines\n\n```\nkeep\n   this\n```"


def test_html_prefers_main_then_article_then_body(tmp_path):
    page = tmp_path / "main.html"
    page.write_text(html("<div>Promo strip</div><main><p>Main text</p></main><div>More promo</div>"))
    assert load_one(page).text == "Main text"
    page.write_text(html("<div>Promo strip</div><article><p>First</p></article><article><p>Second</p></article>"))
    assert load_one(page).text == "First\n\nSecond"
    page.write_text(html("<div>Everything in the body</div>"))
    assert load_one(page).text == "Everything in the body"


def test_html_elements_with_landmark_roles_or_boilerplate_classes_are_dropped(tmp_path):
    page = tmp_path / "roles.html"
    page.write_text(html(
        '<div role="navigation">Go places</div><div role="banner">Site</div><p>Kept</p>'
        '<div class="breadcrumb-trail">A &gt; B</div><ul id="main-menu"><li>Menu item</li></ul>'
        '<div class="sidebar-widget">Widget</div><p hidden>Hidden</p><div role="contentinfo">Legal</div>'
        '<div class="footer">Terms</div><div id="footer">Privacy</div><div class="site-footer">Contact</div>'
        '<div class="nav">Home</div><div class="site-header">Acme</div><div id="top_header">Acme</div>'
    ))
    assert load_one(page).text == "Kept"


def test_html_names_that_only_look_like_boilerplate_are_kept(tmp_path):
    page = tmp_path / "kept.html"
    page.write_text(html(
        '<div class="article-header"><h2>Refunds</h2></div><p class="unavailable">Out of stock items ship later.</p>'
        '<div class="canvas-note">Kept too</div>'
    ))
    assert load_one(page).text == "## Refunds\n\nOut of stock items ship later.\n\nKept too"


def test_html_title_owner_review_by_tags_and_canonical_url_come_from_the_head():
    document = load_one(HELP_CENTRE)
    assert document.title == "Refund policy"  # its <h1>; the <title> ends in the site's name
    assert document.url == "https://help.acme.example/articles/refunds"
    assert document.owner == "billing-team" and document.verified
    assert document.metadata == {"review_by": "2026-03-31", "tags": "billing,refunds,plans"}
    assert document.doc_id == "help-centre-article"


def test_html_meta_url_wins_over_canonical_and_title_falls_back_to_the_first_h1(tmp_path):
    page = tmp_path / "x.htm"
    page.write_text(html("<h1>Shipping times</h1><p>Two days.</p>",
                         head='<meta name="verified" content="true"><meta name="url" content="https://a.example/ship">'
                              '<link rel="canonical" href="https://b.example/ship">'))
    document = load_one(page)
    assert document.title == "Shipping times" and document.url == "https://a.example/ship"


def test_html_front_matter_at_the_top_is_read_and_wins_over_meta_tags(tmp_path):
    page = tmp_path / "fm.html"
    page.write_text("---\ntitle: From front matter\nverified: true\nid: faq/shipping\ntags: [a, b]\n---\n"
                    + html("<p>Body</p>", head='<title>From title</title><meta name="verified" content="false">'))
    document = load_one(page)
    assert (document.doc_id, document.title, document.verified) == ("faq/shipping", "From front matter", True)
    assert document.metadata["tags"] == "a,b" and document.text == "Body"


def test_malformed_html_still_loads_what_it_can(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text('<meta name="verified" content="true"><h2>Setup<p>First <b>bold<p>Second'
                    "<ul><li>one<li>two</ul><table><tr><td>a<td>b<tr><td>c<td>d</table>"
                    + "<div>" * 3000 + "deep text</span></em>")
    text = load_one(page).text
    assert text.startswith("## Setup")
    for part in ("First bold", "Second", "- one\n- two", "a | b\nc | d", "deep text"):
        assert part in text


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (html("<nav>Only navigation</nav><script>var x = 1;</script><footer>Footer</footer>"), "document has no text"),
        ("", "document has no text"),
        (html("<p>Body</p>", head='<meta name="verified" content="maybe">'), "'verified' must be true or false"),
        (html("<p>Body</p>", head='<meta name="review_by" content="next spring">'), "'review_by' must be a date"),
    ],
)
def test_an_unusable_html_file_is_refused_with_a_reason(tmp_path, content, reason):
    page = tmp_path / "page.html"
    page.write_text(content)
    assert reason in refusal(page)


def test_html_without_a_verified_meta_is_unverified_and_refused_unless_included(empty_kb, tmp_path):
    root = tmp_path / "export"
    root.mkdir()
    page = html("<h1>Shipping</h1><p>We ship in two days.</p>", head="<title>Shipping</title>")
    (root / "shipping.html").write_text(page)
    assert not load_one(root / "shipping.html").verified
    report = run(empty_kb, root)
    assert [r.doc_id for r in report.refused] == ["shipping"] and "not verified" in report.refused[0].reason
    report = run(empty_kb, root, include_unverified=True)
    assert report.added == ["shipping"] and report.ok


# --- PDF ----------------------------------------------------------------------------------------


def test_pdf_pages_are_separated_by_form_feeds_and_counted(tmp_path):
    path = tmp_path / "guide.pdf"
    path.write_bytes(pdf_bytes("", "Install the app\nThen sign in", "", "Troubleshooting"))
    document = load_one(path)
    assert document.text == "\fInstall the app\nThen sign in\f\fTroubleshooting"
    assert document.metadata == {"pages": "4"}
    assert len(document.text.split("\f")) == 4  # position in the split is the page number - 1


def test_pdf_title_comes_from_its_metadata_else_its_first_line(tmp_path):
    path = tmp_path / "guide.pdf"
    path.write_bytes(pdf_bytes("Installation guide\nStep one", title="Acme Install Guide"))
    assert load_one(path).title == "Acme Install Guide"
    path.write_bytes(pdf_bytes("Installation guide\nStep one"))
    assert load_one(path).title == "Installation guide"


def test_a_pdf_is_unverified_without_a_sidecar_and_verified_with_one(tmp_path):
    path = tmp_path / "guide.pdf"
    path.write_bytes(pdf_bytes("Install the app"))
    document = load_one(path)
    assert not document.verified and document.doc_id == "guide" and document.url is None
    (tmp_path / "guide.pdf.meta.yaml").write_text(
        "verified: true\ntitle: Install guide\nurl: https://help.example/install.pdf\nowner: docs\n"
        "review_by: 2026-01-15\ntags: [install, onboarding]\n"
    )
    document = load_one(path)
    assert document.verified and document.title == "Install guide" and document.owner == "docs"
    assert document.url == "https://help.example/install.pdf"
    assert document.metadata == {"review_by": "2026-01-15", "tags": "install,onboarding", "pages": "1"}


def test_a_broken_sidecar_refuses_its_pdf(tmp_path):
    path = tmp_path / "guide.pdf"
    path.write_bytes(pdf_bytes("Install the app"))
    (tmp_path / "guide.pdf.meta.yaml").write_text("verified: [true\n")
    assert "guide.pdf.meta.yaml is not valid YAML" in refusal(path)
    (tmp_path / "guide.pdf.meta.yaml").write_text("verified: yes please\n")
    assert "'verified' must be true or false" in refusal(path)


def test_pdfs_and_their_sidecars_sync_from_a_folder(empty_kb, tmp_path):
    root = tmp_path / "manuals"
    root.mkdir()
    (root / "install.pdf").write_bytes(pdf_bytes("Installing Acme", "Run the installer and restart."))
    (root / "install.pdf.meta.yaml").write_text("verified: true\n")
    (root / "draft.pdf").write_bytes(pdf_bytes("Unreviewed draft"))
    report = run(empty_kb, root)
    assert report.added == ["install"]  # the sidecar is not a document of its own
    assert [(r.doc_id, r.reason.split(":")[0]) for r in report.refused] == [("draft", "not verified")]
    assert empty_kb.catalog.get("install").title == "Installing Acme"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"This is a text file that someone renamed to .pdf\n", "not a readable PDF"),
        (pdf_bytes("Install the app", "Page two")[:300], "not a readable PDF"),
        (encrypted(pdf_bytes("Secret plans"), user_password="s3cret"), "PDF is encrypted"),
        (blank_pdf(2), "PDF has no extractable text (scanned? run OCR first)"),
        (b"", "not a readable PDF"),
    ],
    ids=["text-renamed", "truncated", "encrypted", "no-text", "empty"],
)
def test_an_unreadable_pdf_is_refused_with_a_reason_and_the_run_goes_on(empty_kb, tmp_path, content, reason):
    root = tmp_path / "docs"
    root.mkdir()
    (root / "ok.md").write_text(doc("OK", "Readable."))
    (root / "bad.pdf").write_bytes(content)
    assert reason in refusal(root / "bad.pdf")
    report = run(empty_kb, root)
    assert report.added == ["ok"] and len(report.refused) == 1
    assert reason in report.refused[0].reason and report.refused[0].path.endswith("bad.pdf")


def test_a_pdf_only_protected_against_editing_is_read(tmp_path):
    path = tmp_path / "locked.pdf"
    path.write_bytes(encrypted(pdf_bytes("Open to read"), user_password=""))
    assert load_one(path).text == "Open to read"


def test_an_oversized_pdf_is_refused(tmp_path):
    path = tmp_path / "big.pdf"
    path.write_bytes(pdf_bytes("x"))
    assert "over the limit" in load(path, max_bytes=100)[1][0].reason


# --- front matter fields ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("front", "metadata"),
    [
        ("review_by: 2026-06-30\ntags: [billing, refunds]\n", {"review_by": "2026-06-30", "tags": "billing,refunds"}),
        ("review_by: '2026-06-30'\ntags: billing, refunds\n", {"review_by": "2026-06-30", "tags": "billing,refunds"}),
        ("review_by: 2026-06-30T09:00:00Z\ntags: solo\n", {"review_by": "2026-06-30", "tags": "solo"}),
        ("reviewed: 2025-01-02\ntags: []\nreview_by:\n", {"reviewed": "2025-01-02"}),
    ],
)
def test_review_by_and_tags_are_stored_as_strings(tmp_path, front, metadata):
    path = tmp_path / "page.md"
    path.write_text(f"---\ntitle: T\nverified: true\n{front}---\nBody\n")
    assert load_one(path).metadata == metadata


@pytest.mark.parametrize(
    ("front", "reason"),
    [
        ("review_by: 2026-02-30\n", "front matter has an invalid date: day is out of range for month"),
        ("review_by: soon\n", "'review_by' must be a date (YYYY-MM-DD), not 'soon'"),
        ("review_by: 20260230\n", "'review_by' must be a date"),
        ("tags: {a: 1}\n", "'tags' must be a list or a comma-separated string"),
    ],
)
def test_an_invalid_review_by_or_tags_is_refused(tmp_path, front, reason):
    path = tmp_path / "page.txt"
    path.write_text(f"---\ntitle: T\nverified: true\n{front}---\nBody\n")
    assert reason in refusal(path)


# --- which files are read -----------------------------------------------------------------------


def test_folders_pick_up_the_new_types_and_skip_unsupported_ones(empty_kb, tmp_path):
    root = tmp_path / "kb"
    root.mkdir()
    (root / "a.md").write_text(doc("A", "Markdown."))
    (root / "b.html").write_text(html("<p>HTML.</p>"))
    (root / "c.htm").write_text(html("<p>HTM.</p>"))
    (root / "d.pdf").write_bytes(pdf_bytes("PDF."))
    (root / "d.pdf.meta.yaml").write_text("verified: true\n")
    (root / "e.docx").write_bytes(b"PK\x03\x04")
    (root / "notes.yaml").write_text("x: 1\n")
    report = run(empty_kb, root)
    assert sorted(report.added) == ["a", "b", "c", "d"] and report.ok


def test_an_explicitly_named_unsupported_file_lists_every_supported_type(tmp_path):
    path = tmp_path / "manual.docx"
    path.write_bytes(b"PK\x03\x04")
    reason = refusal(path)
    for suffix in (".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".jsonl"):
        assert suffix in reason
    sidecar = tmp_path / "guide.pdf.meta.yaml"
    sidecar.write_text("verified: true\n")
    assert "ingest 'guide.pdf' itself" in refusal(sidecar)


def test_an_empty_front_matter_block_is_read_as_no_metadata_not_as_unclosed(tmp_path):
    from ingest.sync import read_sources

    page = tmp_path / "empty.md"
    page.write_text("---\n---\nA document with no metadata.\n")
    assert load_one(page).text.strip() == "A document with no metadata."
    [source] = read_sources([page], max_doc_bytes=100_000, include_unverified=False)
    [refused] = source.refused
    assert refused.reason.startswith("not verified")  # what is really missing, not "front matter is not closed"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_utf16_file_with_its_byte_order_mark_is_read(tmp_path, encoding):
    page = tmp_path / "unicode.md"
    text = doc("Café hours", "The café opens at 8.")
    page.write_bytes(("\ufeff" + text).encode(encoding) if encoding.endswith("be") else text.encode(encoding))
    assert load_one(page).text.strip() == "The café opens at 8."


def test_an_html_page_in_the_charset_its_meta_declares_is_read(tmp_path):
    page = tmp_path / "legacy.html"
    page.write_bytes(html("<p>Caf\xe9 au lait costs 3 \u20ac.</p>".replace("\u20ac", "EUR"),
                          head='<meta charset="iso-8859-1"><meta name="verified" content="true">').encode("iso-8859-1"))
    assert load_one(page).text == "Café au lait costs 3 EUR."
    page.write_bytes(b"\xff\xfe\x00" + b"x" * 10)  # no valid UTF-16: said so
    assert "UTF-16" in refusal(page)


@pytest.mark.parametrize(
    ("meta", "says"),
    [
        ("id: ../../etc/evil", "'id' must be a relative name"),
        ("id: /abs/path", "'id' must be a relative name"),
        ("id: [a, b]", "'id' must be text"),
        ("owner: [a, b]", "'owner' must be one value"),
        ("title: {a: b}", "'title' must be one value"),
    ],
)
def test_an_id_that_reads_as_a_path_out_of_the_folder_or_a_list_for_one_value_is_refused(tmp_path, meta, says):
    page = tmp_path / "bad.md"
    page.write_text(f"---\nverified: true\n{meta}\n---\nBody.\n")
    assert says in refusal(page)


def test_a_jsonl_record_whose_doc_id_is_not_text_says_so(tmp_path):
    kb = tmp_path / "kb.jsonl"
    kb.write_text('{"doc_id": ["x"], "text": "Body"}\n{"doc_id": 5, "text": "Five"}\n')
    docs, refused = load(kb)
    assert [d.doc_id for d in docs] == ["5"]
    assert [(r.line, r.reason) for r in refused] == [(1, "'doc_id' must be text, not ['x']")]
