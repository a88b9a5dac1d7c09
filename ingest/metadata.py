"""Front matter and the metadata fields every format shares (verified, review_by, tags).

Problems raise `ValueError` with a reason an editor can act on; the loader turns it into a refusal.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import yaml

FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?:(.*?)\r?\n)?---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
TOML_FRONT_MATTER = re.compile(r"\A\+\+\+[ \t]*\r?\n.*?\r?\n\+\+\+[ \t]*(?:\r?\n|\Z)", re.DOTALL)
BEFORE_FIRST_LINE = " \t\r\n\ufeff"  # blank lines, spaces and byte-order marks an editor cannot see
YAML_BOOLS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


def split_front_matter(text: str) -> tuple[dict[str, object], str]:
    """The YAML front matter at the very top of `text` (empty if none), and the text after it."""
    match = FRONT_MATTER.match(text)
    if not match:
        if text.startswith("---"):
            raise ValueError("front matter is not closed: add a line '---' after it")
        _refuse_misplaced_front_matter(text)
        return {}, text
    # the YAML starts on the line after the opening '---': its errors name lines of the file
    return parse_yaml_mapping(match.group(1) or "", "front matter", first_line=2), text[match.end() :]


def _refuse_misplaced_front_matter(text: str) -> None:
    """Front matter that is not read where an editor wrote it is refused as such. Front matter after
    a blank line (or a stray byte-order mark), or in TOML between '+++' lines, was read as body
    text, and the document was then refused as "not verified", which sent editors to check a
    `verified: true` that was right there."""
    start = text.lstrip(BEFORE_FIRST_LINE)
    if TOML_FRONT_MATTER.match(start):
        raise ValueError(
            "TOML front matter ('+++') is not read: write it as YAML between '---' lines, "
            "the first '---' on the first line of the file"
        )
    match = FRONT_MATTER.match(start)
    if match and _is_metadata(match.group(1) or ""):
        raise ValueError(
            "front matter must start on the first line of the file with '---': "
            "remove the blank lines (or spaces) before it"
        )


def _is_metadata(block: str) -> bool:
    """Whether a block between two '---' lines holds keys and values: a Markdown page may open with
    a horizontal rule ('---') after a blank line, and that is text, not misplaced front matter."""
    try:
        loaded = yaml.safe_load(block)
    except (yaml.YAMLError, ValueError):
        return False
    return isinstance(loaded, dict) and bool(loaded)


def read_sidecar(path: Path) -> dict[str, object] | None:
    """The metadata in `path` (a `NAME.meta.yaml` next to a file), or None when it does not exist."""
    if not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise ValueError(f"cannot read {path.name}: {e}") from None
    return parse_yaml_mapping(text, path.name)


def parse_yaml_mapping(text: str, what: str, first_line: int = 1) -> dict[str, object]:
    """The mapping in `text`, which starts on line `first_line` of its file."""
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ValueError(f"{what} is not valid YAML{_yaml_problem(e, first_line)}") from None
    except ValueError as e:  # PyYAML builds dates itself: 2025-02-30 fails here
        raise ValueError(f"{what} has an invalid date: {e}") from None
    if loaded is not None and not isinstance(loaded, dict):
        raise ValueError(f"{what} must be a mapping of keys to values")
    return {str(k): v for k, v in (loaded or {}).items()}


def doc_id(value: object, default: str) -> str:
    """The document's id: `id` from its metadata, else `default` (its path below the folder).
    An id is text, with no empty, "." or ".." segment and no leading "/": ids name documents in
    commands, exports and citations, and one like "../../etc/x" reads as a path out of the folder."""
    if value in (None, ""):
        return default
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValueError(f"'id' must be text, not {value!r}")
    text = str(value).strip()
    parts = text.replace("\\", "/").split("/")
    if not text or text.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"'id' must be a relative name such as billing/refunds, not {text!r}")
    return text


def text_field(meta: dict[str, object], key: str) -> str | None:
    """A field that holds one piece of text (a title, an owner, a URL): a list or mapping is refused."""
    value = meta.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, (list, dict)):
        raise ValueError(f"'{key}' must be one value, not {value!r}")
    return str(value)


def verified(meta: dict[str, object], absent: bool = False) -> bool:
    """`verified` from the metadata (absent: `absent`, unverified unless said otherwise)."""
    return verified_value(meta.get("verified", absent))


def verified_value(value: object) -> bool:
    """A `verified` value: true or false in YAML's words (yes/no, on/off too), whether it came as
    a boolean or as text (a JSONL record's "yes", an HTML <meta>'s content, a quoted "true" in
    front matter); anything else is refused, never taken for false without a word."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in YAML_BOOLS:
        return YAML_BOOLS[value.strip().lower()]
    raise ValueError(f"'verified' must be true or false (or yes/no, on/off), not {value!r}")


def kept_metadata(meta: dict[str, object]) -> dict[str, str]:
    """The fields kept on the document: `review_by` as YYYY-MM-DD, `tags` comma-joined."""
    out: dict[str, str] = {}
    if meta.get("reviewed") not in (None, ""):
        out["reviewed"] = str(meta["reviewed"])
    if meta.get("review_by") not in (None, ""):
        out["review_by"] = review_date(meta["review_by"]).isoformat()
    tags = parse_tags(meta.get("tags"))
    if tags:
        out["tags"] = ",".join(tags)
    return out


def review_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        for parse in (date.fromisoformat, lambda s: datetime.fromisoformat(s).date()):
            try:
                return parse(value.strip())
            except ValueError:
                pass
    raise ValueError(f"'review_by' must be a date (YYYY-MM-DD), not {value!r}")


def parse_tags(value: object) -> list[str]:
    """Tags from a YAML list or a comma-separated string, stripped, empty ones and repeats dropped."""
    if value is None:
        return []
    if isinstance(value, str):
        items: list[object] = [value]
    elif isinstance(value, list):
        items = value
    else:
        raise ValueError(f"'tags' must be a list or a comma-separated string, not {value!r}")
    tags: list[str] = []
    for item in items:
        if item is None:
            continue
        if isinstance(item, (dict, list)):
            raise ValueError(f"'tags' must be a list of words, not {item!r}")
        for tag in str(item).split(","):
            tag = tag.strip()
            if tag and tag not in tags:
                tags.append(tag)
    return tags


def meta_bool(text: str) -> bool | str:
    """A boolean written as text (an HTML <meta> content): YAML's words, else the text unchanged."""
    return YAML_BOOLS.get(text.strip().lower(), text)


def _yaml_problem(error: yaml.YAMLError, first_line: int) -> str:
    """Where in the file YAML gave up and why: " at line 4, column 7: found character '\\t' that
    cannot start any token". PyYAML's own first line ("while scanning for the next token") names
    neither the line nor the problem; its marks count from 0 and from the start of `text`."""
    if not isinstance(error, yaml.MarkedYAMLError) or error.problem_mark is None:
        return f": {_first_line(str(error))}"
    said = f" at {_place(error.problem_mark, first_line)}: {error.problem or _first_line(str(error))}"
    context = error.context_mark
    if error.context and context is not None and (context.line, context.column) != (
        error.problem_mark.line, error.problem_mark.column
    ):  # "expected ']'" is found lines after the '[' it belongs to: name both
        said += f" ({error.context} at {_place(context, first_line)})"
    return said


def _place(mark: yaml.Mark, first_line: int) -> str:
    return f"line {mark.line + first_line}, column {mark.column + 1}"


def _first_line(s: str) -> str:
    return next((ln.strip() for ln in s.splitlines() if ln.strip()), "")
