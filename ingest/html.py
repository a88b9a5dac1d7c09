"""HTML pages to Markdown-ish text: the main content only, with its headings, lists and tables.

Navigation, scripts, site headers and footers, cookie banners and similar boilerplate are dropped;
the rest becomes `#` headings (so the heading-based chunker can split it), `- item` lines, table
rows as `cell | cell`, and paragraphs separated by blank lines. Malformed HTML yields what the
parser could make of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PageElement, PreformattedString, Script, Stylesheet, Tag, TemplateString
from bs4.exceptions import ParserRejectedMarkup

from ingest.html_chrome import is_chrome, tokens as _tokens
from ingest.metadata import meta_bool

DROP = {
    "script", "style", "noscript", "template", "nav", "footer", "aside", "form", "iframe", "svg", "canvas",
    "button", "object", "embed", "head", "title",
}
DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar"}
# class or id names of boilerplate: any that contains one of the first words, or that is one of the
# second kind as a word of its own ("nav", "site-header"; not "unavailable" or "article-header",
# which holds the article's title)
BOILERPLATE = re.compile(
    r"cookie|breadcrumb|sidebar|menu|footer|navbar|masthead|skip-?link"
    r"|(?:^|[\s_-])(?:nav|navigation|(?:site|global|top)[_-]?header|banner)(?:$|[\s_-])",
    re.IGNORECASE,
)
NEVER_BOILERPLATE = {"html", "body", "main", "article"}  # e.g. <body class="has-sidebar">
TITLE_SEPARATOR = re.compile(r"\s+[-\u2013\u2014|\u00b7]{1,2}\s+")  # "Track a parcel – Parcelly Help Center"
SITE_NAME = re.compile(
    r"\b(?:help|support)(?:\s*(?:cent(?:er|re)|desk|site|portal))?$|\b(?:knowledge\s*base|docs|documentation|faqs?)$",
    re.IGNORECASE,
)
LONGEST_H1 = 200  # longer, it is not a title (an unclosed <h1> that swallowed the page)
SECTIONING = {"article", "main", "section", "aside", "nav"}  # a <header> inside one is not the site's
META_KEYS = {"verified", "owner", "url", "review_by", "reviewed", "tags"}
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
BLOCKS = {
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup", "hr", "html", "li",
    "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul",
} | set(HEADINGS)
NOT_TEXT = (PreformattedString, Script, Stylesheet, TemplateString)  # comments, doctype, script bodies


@dataclass(frozen=True)
class HtmlPage:
    text: str  # Markdown-ish main content, empty if nothing is left after cleaning
    meta: dict[str, object] = field(default_factory=dict)  # title, url, verified, owner, review_by, tags


def read_html(html: str) -> HtmlPage:
    """The page's main content and metadata; `ValueError` only if the parser gives up entirely."""
    try:
        soup = BeautifulSoup(html, "html.parser")
    except ParserRejectedMarkup as e:
        raise ValueError(f"HTML could not be parsed: {e}") from None
    meta = _metadata(soup)
    og_title, site_name = _meta_property(soup, "og:title"), _meta_property(soup, "og:site_name")
    _drop_boilerplate(soup)
    content = _main_content(soup)
    if title := _article_title(content, og_title) or _without_site_name(meta.get("title"), site_name):
        meta["title"] = title
    return HtmlPage(text=_Markdown().render(content), meta=meta)


def _article_title(content: list[Tag | BeautifulSoup], og_title: str | None) -> str | None:
    """The article's own title: its <h1>, else its og:title. A help centre's <title> ends in the
    site's name ("Track a parcel – Parcelly Help Center"), which had been shown to customers as the
    title of every article cited."""
    for root in content:
        h1 = root.find("h1")
        text = " ".join(h1.get_text().split()) if isinstance(h1, Tag) else ""
        if text and len(text) <= LONGEST_H1:
            return text
    return og_title


def _without_site_name(title: object, site: str | None) -> str | None:
    """`title` without a last part that names the site: the site's own name (og:site_name), or a
    name like "Acme Help Centre", "Acme Support", "Acme Docs"."""
    if not isinstance(title, str):
        return None
    separators = list(TITLE_SEPARATOR.finditer(title))
    if not separators:
        return title
    head, tail = title[: separators[-1].start()].strip(), title[separators[-1].end() :].strip()
    if head and ((site and tail.casefold() == site.casefold()) or SITE_NAME.search(tail)):
        return head
    return title


def _meta_property(soup: BeautifulSoup, name: str) -> str | None:
    """The content of <meta property="og:..."> (or name=), collapsed; None if absent or empty."""
    for tag in soup.find_all("meta"):
        if name in (str(tag.get("property") or "").strip().lower(), str(tag.get("name") or "").strip().lower()):
            content = " ".join(str(tag.get("content") or "").split())
            if content:
                return content
    return None


def _metadata(soup: BeautifulSoup) -> dict[str, object]:
    meta: dict[str, object] = {}
    titles = [t for t in soup.find_all("title") if t.find_parent("svg") is None]  # not an icon's <title>
    if titles and titles[0].get_text().strip():
        meta["title"] = " ".join(titles[0].get_text().split())
    for tag in soup.find_all("meta"):
        name = str(tag.get("name") or "").strip().lower()
        content = str(tag.get("content") or "").strip()
        if name in META_KEYS and content and name not in meta:
            meta[name] = meta_bool(content) if name == "verified" else content
    if "url" not in meta:
        for link in soup.find_all("link", href=True):
            if "canonical" in [r.lower() for r in _tokens(link.get("rel"))] and str(link["href"]).strip():
                meta["url"] = str(link["href"]).strip()
                break
    return meta


def _drop_boilerplate(soup: BeautifulSoup) -> None:
    found: list[Tag] = []
    stack: list[Tag] = [soup]
    while stack:  # no recursion, and nothing below a dropped element is looked at
        for child in stack.pop().children:
            if isinstance(child, Tag):
                if _is_boilerplate(child):
                    found.append(child)
                else:
                    stack.append(child)
    for tag in found:
        tag.decompose()


def _is_boilerplate(tag: Tag) -> bool:
    name = tag.name.lower()
    if name in DROP:
        return True
    if name == "header" and tag.find_parent(list(SECTIONING)) is None:
        return True  # the site's banner; an article's own header holds its title
    if DROP_ROLES & {r.lower() for r in _tokens(tag.get("role"))}:
        return True
    if tag.has_attr("hidden") or str(tag.get("aria-hidden", "")).lower() == "true":
        return True
    style = str(tag.get("style", "")).replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    if name in NEVER_BOILERPLATE:
        return False
    names = " ".join(_tokens(tag.get("class"))) + " " + str(tag.get("id") or "")
    return bool(BOILERPLATE.search(names)) or is_chrome(tag)


def _main_content(soup: BeautifulSoup) -> list[Tag | BeautifulSoup]:
    """`<main>`, else the top-level `<article>`s, else `<body>`, else the whole page."""
    main = soup.find("main") or soup.find(role="main")
    if isinstance(main, Tag) and main.get_text().strip():
        return [main]
    articles = [a for a in soup.find_all("article") if a.find_parent("article") is None and a.get_text().strip()]
    if articles:
        return articles
    return [soup.body or soup]


def _is_data_table(table: Tag) -> bool:
    """Rows of cells, not a page laid out with a table (one column, nested tables, headings in cells)."""
    if {r.lower() for r in _tokens(table.get("role"))} & {"presentation", "none"}:
        return False
    widest = cells = 0
    for element in table.descendants:
        if isinstance(element, Tag):
            if element.name == "table" or element.name in HEADINGS:
                return False
            if element.name == "tr":
                widest, cells = max(widest, cells), 0
            elif element.name in ("td", "th"):
                cells += 1
    return max(widest, cells) > 1


class _Markdown:
    """Walks the tree without recursion (malformed HTML can nest thousands of unclosed tags)."""

    def __init__(self) -> None:
        self.blocks: list[tuple[str, str]] = []  # (kind, text); lines of one list or table stay together
        self.inline: list[str] = []
        self.lists: list[list[int]] = []  # per open list: [ordered, items so far]
        self.bullet: str | None = None  # the marker waiting for the first text of a list item
        self.heading = 0
        self.tables: list[bool] = []  # per open table: does it hold data rows?
        self.cells: list[str] | None = None  # the data row being read
        self.in_cell = 0
        self.cell_open = False
        self.group = 0  # numbers each top-level list and each table, so two lists stay apart
        self.pre = 0

    def render(self, roots: list[Tag | BeautifulSoup]) -> str:
        for root in roots:
            self._walk(root)
            self._flush()
        out: list[str] = []
        for i, (kind, text) in enumerate(self.blocks):
            if i:
                tight = kind == self.blocks[i - 1][0] and kind.startswith(("item", "row"))
                out.append("\n" if tight else "\n\n")
            out.append(text)
        return "".join(out).strip()

    def _walk(self, root: PageElement) -> None:
        stack: list[tuple[PageElement, bool]] = [(root, False)]
        while stack:
            node, leaving = stack.pop()
            if isinstance(node, Tag):
                if leaving:
                    self._leave(node.name.lower())
                else:
                    self._enter(node)
                    stack.append((node, True))
                    stack.extend((child, False) for child in reversed(node.contents))
            elif isinstance(node, NavigableString) and not isinstance(node, NOT_TEXT):
                self.inline.append(str(node) if self.pre else re.sub(r"\s+", " ", str(node)))

    def _in_data_table(self) -> bool:
        return bool(self.tables) and self.tables[-1]

    def _enter(self, tag: Tag) -> None:
        name = tag.name.lower()
        if name == "tr" and self._in_data_table():
            self._end_row()  # also ends a row left open: <tr><td>a<tr><td>b
            self.cells = []
            return
        if self.in_cell and name not in ("td", "th"):
            if name in BLOCKS or name == "br":
                self.inline.append(" ")
            return
        if name == "br":
            self.inline.append("\n")
        elif name in HEADINGS:
            self._flush()
            self.heading = HEADINGS[name]
        elif name in ("ul", "ol"):
            self._flush()
            self.group += not self.lists
            self.lists.append([name == "ol", 0])
        elif name == "li":
            self._flush()
            marker = "-"
            if self.lists:
                self.lists[-1][1] += 1
                marker = f"{self.lists[-1][1]}." if self.lists[-1][0] else "-"
            self.bullet = "  " * max(len(self.lists) - 1, 0) + marker + " "
        elif name == "table":
            self._flush()
            self.group += 1
            self.tables.append(_is_data_table(tag))
        elif name in ("td", "th") and self._in_data_table():
            if self.cell_open:  # <td>a<td>b: html.parser nests the second cell in the first
                self._end_cell()
            self._flush()
            if self.cells is None:
                self.cells = []
            self.in_cell += 1
            self.cell_open = True
        elif name == "pre":
            self._flush()
            self.pre += 1
        elif name in BLOCKS:
            self._flush()

    def _leave(self, name: str) -> None:
        if name == "tr" and self._in_data_table():
            self._end_row()
            return
        if self.in_cell and name not in ("td", "th"):
            if name in BLOCKS:
                self.inline.append(" ")
            return
        if name in ("td", "th") and self.in_cell:
            if self.cell_open:
                self._end_cell()
            self.in_cell -= 1
        elif name == "table" and self.tables:
            self._end_row()
            self.tables.pop()
            self._flush()
        elif name in HEADINGS:
            self._flush()
            self.heading = 0
        elif name in ("ul", "ol"):
            self._flush()
            if self.lists:
                self.lists.pop()
        elif name == "li":
            self._flush()
            self.bullet = None
        elif name == "pre" and self.pre:
            self.pre -= 1
            code = "".join(self.inline).strip("\n")
            self.inline = []
            if code.strip():
                self.blocks.append(("code", f"```\n{code}\n```"))
        elif name in BLOCKS:
            self._flush()

    def _end_cell(self) -> None:
        if self.cells is not None:
            self.cells.append(" ".join("".join(self.inline).split()))
        self.inline = []
        self.cell_open = False

    def _end_row(self) -> None:
        if self.cell_open:
            self._end_cell()
        if self.cells is not None and any(self.cells):
            self.blocks.append((f"row{self.group}", " | ".join(self.cells)))
        self.cells = None

    def _flush(self) -> None:
        if self.pre:
            return  # a <pre> keeps its text until it closes
        lines = [" ".join(line.split()) for line in "".join(self.inline).split("\n")]
        lines = [line for line in lines if line]
        self.inline = []
        if not lines:
            return
        if self.heading:
            self.blocks.append(("heading", "#" * self.heading + " " + " ".join(lines)))
            self.heading = 0  # an unclosed <h2> must not turn the rest of the page into headings
        elif self.bullet is not None:
            indent = " " * len(self.bullet)
            self.blocks.append((f"item{self.group}", self.bullet + f"\n{indent}".join(lines)))
            self.bullet = None
        elif self.lists:
            indent = "  " * len(self.lists)
            self.blocks.append((f"item{self.group}", indent + f"\n{indent}".join(lines)))
        else:
            self.blocks.append(("text", "\n".join(lines)))
