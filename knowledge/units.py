"""Answer units: the sentences, list items, table rows and code blocks a chunk is made of.

An extractive reply is built from whole units, and the assistant scores each unit against the
question, so ingest embeds every unit once (`VectorStore` keeps their vectors beside the chunk's)
and a reply embeds none.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_MARKUP = re.compile(r"\*\*|__|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_LIST_ITEM = re.compile(r"^(?:[-*+•]|\d+[.)])\s+")
# A sentence end inside these is the quoted text's, not the unit's: "Clients see a message such as
# `Your card was declined. Please try another card.`, never the code." is one sentence.
_QUOTED = re.compile(r"`[^`\n]*`|\"[^\"\n]*\"|“[^”\n]*”")
# A period that ends an initial or an abbreviation, not a sentence: "Mark T. Vande Hei", "the U.S.
# Department of Labor", "Dr. Smith", "e.g. Stripe", "Aug. 5". Nor does one inside parentheses that
# close later: "The Defense of Marriage Act (DOMA) (Pub. L. 104–199, enacted 1996) is a law."
_NOT_AN_END = re.compile(
    r"(?:^|[\s(\"'“])(?:(?:[A-Z]\.)+|(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|Lt|Col|Capt|Sgt|St|Mt|Ft|vs|e\.g|i\.e|cf|approx)\.)$"
)
_BEFORE_A_NUMBER = re.compile(r"\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|No|Vol|Fig|p|pp)\.$")
MAX_UNITS = 60  # per chunk: a chunk is at most a few thousand characters
# Bumped whenever split_units changes, so that stored unit vectors are rebuilt (ingest.sync).
UNITS_VERSION = 6

# A code span: a run of backticks, and what is up to the next run as long ("`tk_live_`", "``a`b``").
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)")
# A fenced code block opens with three or more backticks or tildes (CommonMark), a backtick fence
# with no backtick after it ("```python"; "```x``` y" is code spans), and closes with a line of the
# same character, at least as many.
_FENCE = re.compile(r"^( {0,3})(`{3,}(?=[^`]*$)|~{3,})")


def clean_markup(text: str) -> str:
    """Plain text from Markdown emphasis and links: '**Save**' -> 'Save', '[Help](url)' -> 'Help'.
    Code is quoted as written: "`tk_live_`" keeps the underscore that ends the prefix, and a fenced
    code block (`split_units` makes it one unit) its every character."""
    return "\n".join(block if code else _plain(block) for _, block, code in _blocks(text)).strip()


def is_code_block(unit: str) -> bool:
    """A fenced code block (one unit, its fences on lines of their own): nothing may share a line
    with its fences, so a reply quoting it starts it on a line of its own and goes on after it on
    another."""
    first, newline, _ = unit.partition("\n")
    return bool(newline) and _FENCE.match(first) is not None


def _plain(line: str) -> str:
    line = _LINK.sub(r"\1", line)
    out, start = [], 0
    for m in _CODE_SPAN.finditer(line):
        out += [_MARKUP.sub("", line[start : m.start()]), m.group()]
        start = m.end()
    return "".join(out + [_MARKUP.sub("", line[start:])])


def _blocks(text: str) -> list[tuple[int, str, bool]]:
    """The text's lines, each fenced code block taken whole: (its first line's number, its text,
    whether it is code). A block's text is its fences, each on a line of its own, around its lines as
    they are (less the opening fence's indent); one left open, as a chunk cut inside it leaves it, is
    closed."""
    lines = text.splitlines()
    out: list[tuple[int, str, bool]] = []
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if fence is None:
            out.append((i, lines[i], False))
            i += 1
            continue
        indent, mark = len(fence.group(1)), fence.group(2)
        closing = re.compile(rf" {{0,3}}{re.escape(mark[0])}{{{len(mark)},}}[ \t]*$")
        end = next((j for j in range(i + 1, len(lines)) if closing.match(lines[j])), len(lines))
        code = [re.sub(rf"^ {{0,{indent}}}", "", line) for line in lines[i + 1 : end]]
        out.append((i, "\n".join([lines[i].strip(), *code, mark]), True))
        i = end + 1
    return out


def split_units(text: str) -> list[str]:
    """Sentences, list items, table rows and fenced code blocks (each one unit, quoted as written):
    the units an extractive answer is built from."""
    units: list[str] = []
    for _, line, code in _blocks(text):
        if code:
            _, *inside, _ = line.split("\n")
            units += [line] if any(s.strip() for s in inside) else []  # an empty block says nothing
            continue
        line = line.strip()
        if not line or set(line) <= set("|-: "):
            continue
        if line.startswith("|"):  # a table row reads as one unit, shown as a list item
            cells = [c.strip() for c in line.strip("|").split("|")]
            units.append("- " + " — ".join(c for c in cells if c))
            continue
        if _LIST_ITEM.match(line):  # a list item is one unit: "1. Go to Settings." is not "1." + "Go to…"
            units.append(line)
            continue
        units.extend(s.strip() for s in _sentences(line) if s.strip())
    return units[:MAX_UNITS]


def unit_paragraphs(text: str) -> list[int]:
    """For each unit of `split_units(text)`, the paragraph (line of the text) it comes from: a code
    block's is the line of its opening fence."""
    out: list[int] = []
    for number, block, _ in _blocks(text):
        out.extend([number] * len(split_units(block)))
    return out[:MAX_UNITS]


def _sentences(line: str) -> list[str]:
    quoted = [m.span() for m in _QUOTED.finditer(line)]
    out, start = [], 0
    for m in _SENTENCE_END.finditer(line):
        end = m.start() + len(m.group().rstrip())  # the closing quote or bracket stays with its sentence
        before = line[max(0, end - 12) : end]
        if any(a < end < b for a, b in quoted) or _NOT_AN_END.search(before):
            continue
        if _BEFORE_A_NUMBER.search(before) and line[m.end() : m.end() + 1].isdigit():
            continue
        so_far = line[start:end]
        if so_far.count("(") > so_far.count(")") and ")" in line[end:]:  # "( Pub. L. 104 -- 199 , c. 1500 )"
            continue
        out.append(so_far)
        start = m.end()
    out.append(line[start:])
    return out
