"""Escalation rules: what always goes to a person, written by operators in a YAML file.

A rule escalates a customer message to the agent queue when a sentence of it asks us to act
(refund, cancel, delete, change, unlock ...) or reports something a person must handle (a
disputed charge, a security incident, a legal threat, a complaint, an angry customer, a customer
telling the bot it is not helping). The shipped file ends with a generic, lowest-priority rule
that recognises any other request to act by its form ("can you / please <verb> my ..."), not by
a list of verbs, and treats an error message the customer quotes ("it says Your workspace is
suspended") as a question. The file::

    define:                       # optional: named regex fragments, used in patterns as {name}
      please: [please, pls, kindly]   # a string, or a list of alternatives joined with |
    rules:
      - name: refund_request      # required, unique
        reason: Customer asks us to refund a charge   # required: what the agent sees in the queue
        priority: 40              # required integer: the highest matching rule wins; queue order
        reply_with_article: true  # optional, default false: also send the best help-centre article
        patterns: [...]           # matches when ANY of these matches a sentence
        all: [...]                # optional: ... and EVERY one of these matches it too
        unless: [...]             # optional: ... and NONE of these matches it

A rule needs `patterns` or `all`. Patterns are Python regular expressions, case-insensitive
(`(?-i:...)` makes a part case-sensitive). `unless` is where a rule tells a request to act
("cancel my plan please") from a question the help centre answers ("how do I cancel my plan?").

Each sentence is matched on its own (split at . ! ? ; and line breaks), so a question in one
sentence does not excuse a request in another. Before matching, curly quotes are straightened,
runs of spaces collapsed and masked card numbers ("XXXX-XXXX-XXXX-4242", "**** 4242") written as
"•••• 4242". Every pattern is compiled when the file is loaded; a malformed file raises
`EscalationRulesError` naming the file, the rule and the problem.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import regex
import yaml

from assistant.text import straight_quotes

__all__ = ["DEFAULT_RULES", "Escalation", "EscalationRule", "EscalationRules", "EscalationRulesError"]

DEFAULT_RULES = Path(__file__).with_name("escalation_rules.yaml")
MAX_CHARS = 4000  # a chat message longer than this is matched on its first 4000 characters
# An operator's pattern can backtrack without end ("(a+)+$" on "aaaa…!"): Python's `re` cannot be
# stopped and holds the interpreter, so one such message froze a whole worker. Rules run on the
# `regex` module, which can be stopped and lets other threads run meanwhile: a message gets
# MATCH_SECONDS for all the rules, and a rule that runs out of it is skipped (logged). Rules saved through the admin API are first tried on messages
# built to make such patterns backtrack (`check_speed`), and refused if one is slow.
MATCH_SECONDS = 2.0  # the shipped rules take ~1 ms on a chat line, ~0.15 s on 4,000 characters built to be slow
PROBE_SECONDS = 1.0  # a pattern that backtracks without end takes minutes to hours: no doubt either side
_PROBES = ("a" * 2000 + "!", "a " * 1000 + "!", "1" * 2000 + "x", "please " * 300 + "?", "x" * 3000)

log = logging.getLogger(__name__)

_TOP_KEYS = frozenset({"define", "rules"})
_RULE_KEYS = frozenset({"name", "reason", "priority", "reply_with_article", "patterns", "all", "unless"})
_REFERENCE = re.compile(r"(?<!\\)\{([A-Za-z_][A-Za-z0-9_]*)\}")
_MASKED_CARD = re.compile(r"(?<![\w•*#])(?:[xX•*#●·∙]{2,6}+[ \t-]?){1,4}+(\d{2,4})\b")
_SPACES = re.compile(r"[ \t\u00a0]+")
_FLAGS = regex.IGNORECASE | regex.VERSION0
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\s*[\r\n]+\s*")


class EscalationRulesError(ValueError):
    """The rules file cannot be used; the message names the file, the rule and the problem."""


@dataclass(frozen=True)
class Escalation:
    rule: str
    reason: str
    priority: int
    reply_with_article: bool


@dataclass(frozen=True)
class EscalationRule:
    name: str
    reason: str
    priority: int
    reply_with_article: bool
    patterns: tuple[str, ...]  # as written in the file, {references} unexpanded
    all: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    _any: regex.Pattern[str] | None = field(default=None, repr=False, compare=False)
    _all: tuple[regex.Pattern[str], ...] = field(default=(), repr=False, compare=False)
    _unless: regex.Pattern[str] | None = field(default=None, repr=False, compare=False)

    def matches(self, sentence: str, deadline: float | None = None) -> bool:
        """True when this rule escalates one normalised sentence. Raises TimeoutError when its
        patterns run past `deadline` (time.monotonic())."""

        def found(pattern: regex.Pattern[str]) -> bool:
            timeout = None if deadline is None else max(0.001, deadline - time.monotonic())
            return pattern.search(sentence, timeout=timeout, concurrent=True) is not None

        if self._any is not None and not found(self._any):
            return False
        if not all(found(p) for p in self._all):
            return False
        return self._unless is None or not found(self._unless)

    def escalation(self) -> Escalation:
        return Escalation(self.name, self.reason, self.priority, self.reply_with_article)


class EscalationRules:
    """The parsed rules, highest priority first (ties keep the file's order)."""

    def __init__(self, rules: Sequence[EscalationRule]) -> None:
        self.rules: tuple[EscalationRule, ...] = tuple(sorted(rules, key=lambda r: -r.priority))

    @classmethod
    def load(cls, path: Path | None = None) -> EscalationRules:
        """Rules from an operator's YAML file; None loads the shipped default."""
        source = Path(path) if path is not None else DEFAULT_RULES
        try:
            text = source.read_text(encoding="utf-8")
        except OSError as exc:
            raise EscalationRulesError(f"{source}: cannot read escalation rules: {exc}") from exc
        return cls.parse(text, source=str(source))

    @classmethod
    def parse(cls, text: str, *, source: str = "<escalation rules>") -> EscalationRules:
        return cls(_parsed(text, source))

    def match(self, text: str, seconds: float = MATCH_SECONDS) -> Escalation | None:
        """The highest-priority rule that one sentence of the message satisfies, if any, within
        `seconds` for all of them: a rule whose patterns run out of time is skipped."""
        sentences = split_sentences(normalise(text))
        deadline = time.monotonic() + seconds
        for rule in self.rules:
            try:
                if any(rule.matches(s, deadline) for s in sentences):
                    return rule.escalation()
            except TimeoutError:
                log.warning("escalation rule %r ran out of time on a message of %d characters; skipped", rule.name, len(text))
        return None

    def check_speed(self, seconds: float = PROBE_SECONDS) -> None:
        """Raises EscalationRulesError naming a rule whose patterns backtrack without end on long
        messages (each probe gets `seconds`)."""
        for rule in self.rules:
            for probe in _PROBES:
                try:
                    rule.matches(probe, time.monotonic() + seconds)
                except TimeoutError:
                    raise EscalationRulesError(
                        f"rule '{rule.name}': a pattern takes too long on a long message (nested repeats such as "
                        "(a+)+ backtrack without end); simplify it"
                    ) from None


def normalise(text: str) -> str:
    text = straight_quotes(text[:MAX_CHARS])
    text = _MASKED_CARD.sub(r"•••• \1", text)
    return _SPACES.sub(" ", text)


def split_sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


@functools.lru_cache(maxsize=16)
def _parsed(text: str, source: str) -> tuple[EscalationRule, ...]:
    """The rules a file's text holds. Compiling the shipped file's patterns takes ~2 s, and an app
    reads its rules at start for the assistant and again for the admin API: the same text is
    parsed once per process (the rules are immutable; a malformed text raises and is not kept)."""
    try:
        # libyaml's loader where PyYAML has it: the Python one took 0.4 s of every app's start
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise EscalationRulesError(f"{source}: not valid YAML: {exc}") from exc
    return tuple(_parse_document(data, source))


def _parse_document(data: object, source: str) -> list[EscalationRule]:
    if not isinstance(data, Mapping):
        raise EscalationRulesError(f"{source}: expected a mapping with a 'rules' list at the top level")
    unknown = sorted(str(k) for k in data if k not in _TOP_KEYS)
    if unknown:
        raise EscalationRulesError(
            f"{source}: unknown top-level key(s) {', '.join(unknown)} (allowed: define, rules)"
        )
    defines = _parse_defines(data.get("define") or {}, source)
    rules = data.get("rules")
    if not isinstance(rules, list) or not rules:
        raise EscalationRulesError(f"{source}: 'rules' must be a non-empty list of rules")
    parsed: list[EscalationRule] = []
    seen: set[str] = set()
    for index, raw in enumerate(rules, start=1):
        rule = _parse_rule(raw, index, defines, source)
        if rule.name in seen:
            raise EscalationRulesError(f"{source}: rule '{rule.name}': the name is used by an earlier rule")
        seen.add(rule.name)
        parsed.append(rule)
    return parsed


def _parse_defines(raw: object, source: str) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        raise EscalationRulesError(f"{source}: 'define' must map names to regex fragments")
    defines: dict[str, str] = {}
    for name, value in raw.items():
        where = f"{source}: define '{name}'"
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise EscalationRulesError(f"{where}: a name is letters, digits and underscores")
        written = "|".join(_strings(value, where))
        fragment = _expand(written, defines, where)
        _compile(fragment, where, written)
        defines[name] = f"(?:{fragment})"
    return defines


def _parse_rule(raw: object, index: int, defines: Mapping[str, str], source: str) -> EscalationRule:
    if not isinstance(raw, Mapping):
        raise EscalationRulesError(f"{source}: rule #{index}: expected a mapping with name, reason, priority, patterns")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise EscalationRulesError(f"{source}: rule #{index}: missing 'name' (a non-empty string)")
    where = f"{source}: rule '{name}'"
    unknown = sorted(str(k) for k in raw if k not in _RULE_KEYS)
    if unknown:
        raise EscalationRulesError(
            f"{where}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(_RULE_KEYS))})"
        )
    reason = raw.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise EscalationRulesError(f"{where}: missing 'reason' (the sentence an agent sees in the queue)")
    priority = raw.get("priority")
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise EscalationRulesError(f"{where}: 'priority' must be an integer, got {priority!r}")
    article = raw.get("reply_with_article", False)
    if not isinstance(article, bool):
        raise EscalationRulesError(f"{where}: 'reply_with_article' must be true or false, got {article!r}")
    patterns = _strings(raw.get("patterns", []), f"{where}: 'patterns'")
    required = _strings(raw.get("all", []), f"{where}: 'all'")
    unless = _strings(raw.get("unless", []), f"{where}: 'unless'")
    if not patterns and not required:
        raise EscalationRulesError(f"{where}: needs 'patterns' (any may match) or 'all' (every one must match)")
    return EscalationRule(
        name=name,
        reason=reason.strip(),
        priority=priority,
        reply_with_article=article,
        patterns=patterns,
        all=required,
        unless=unless,
        _any=_compile_any(patterns, defines, f"{where}: 'patterns'"),
        _all=tuple(
            _compile(_expand(p, defines, f"{where}: 'all' #{i}"), f"{where}: 'all' #{i}", p)
            for i, p in enumerate(required, start=1)
        ),
        _unless=_compile_any(unless, defines, f"{where}: 'unless'"),
    )


def _strings(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise EscalationRulesError(f"{where}: expected a regex or a list of regexes, got {value!r}")
    return tuple(value)


def _compile_any(patterns: Sequence[str], defines: Mapping[str, str], where: str) -> regex.Pattern[str] | None:
    if not patterns:
        return None
    expanded = [_expand(p, defines, f"{where} #{i}") for i, p in enumerate(patterns, start=1)]
    alternation = "|".join(f"(?:{one})" for one in expanded)
    try:
        return regex.compile(alternation, _FLAGS)
    except regex.error:
        # compiled one by one only to name the broken pattern: compiling each twice doubled every start
        for i, (one, written) in enumerate(zip(expanded, patterns), start=1):
            _compile(one, f"{where} #{i}", written)
        return _compile(alternation, where, "")


def _expand(pattern: str, defines: Mapping[str, str], where: str) -> str:
    def replace(m: re.Match[str]) -> str:
        if m.group(1) not in defines:
            raise EscalationRulesError(
                f"{where}: {{{m.group(1)}}} is not defined (define it above under 'define')"
            )
        return defines[m.group(1)]

    return _REFERENCE.sub(replace, pattern)


def _compile(pattern: str, where: str, written: str) -> regex.Pattern[str]:
    try:
        return regex.compile(pattern, _FLAGS)
    except regex.error as exc:
        raise EscalationRulesError(f"{where}: regex does not compile ({exc}): {written!r}") from exc
