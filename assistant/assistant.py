"""The assistant: one customer message in, one reply out — grounded, cited, scored, and routed.

1. Escalation rules first: what always goes to a person (refunds, disputes, security, legal
   threats, anger) goes there, with the most relevant article where the rule allows it.
2. A request for a person, or a greeting, is answered as such; an opening message of one word
   ("invoices") gets a question back, with the articles on it (`assistant.clarify`).
3. The question is made standalone from the conversation, the knowledge base is searched, and the
   reader finds which passage answers it and where (`assistant.reader`).
4. The provider writes the reply from that evidence; its signals go through the calibrator, giving
   the probability that the reply is correct.
5. The policy sends the reply, or hands the conversation off (below the threshold, or the second
   doubtful reply in a row) keeping the reply as the agent's draft.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from assistant.answer_types import says_what_to_do
from assistant.calibration import Calibrator
from assistant.clarify import MAX_ARTICLES, bare_topic, clarifying_text
from assistant.conversation_article import conversation_article
from assistant.cut_sentences import cut_at_start
from assistant.escalation import Escalation, EscalationRules
from assistant.evidence import (
    Evidence,
    Passage,
    SectionVectors,
    next_passage,
    previous_passage,
    read_passages,
    with_sections,
)
from assistant.grounding import clipped, strip_citations
from assistant.handoff import HandoffPolicy, asks_for_human
from assistant.lists import one_list, opens_mid_list, runs_on
from assistant.providers import DeltaCallback, Draft, Provider, ProviderError
from assistant.reader import Reading, read, reading_of, scored_as
from assistant.restate import beyond_last_reply, repeats_a_reply, restated
from assistant.reply import (
    ARTICLE_LEAD,
    HANDOFF_TEXT,
    HandoffReason,
    Reply,
    Source,
    handoff_reply,
    source_of,
)
from assistant.rewrite import corrected, search_queries, standalone_query, swapped
from assistant.scope import other_scope
from assistant.scoring import KnowledgeBaseScoring, Recalibrate
from assistant.selection import rank_readings
from assistant.sentence_links import leads_on
from assistant.signals import Signals, compute_signals
from assistant.smalltalk import asks_who_answers, smalltalk_reply
from assistant.symptoms import case_question, cases, names_a_case, stated_problem
from assistant.terms import QuestionTerms
from assistant.text import straight_quotes
from assistant.unit_scorer import UnitScorer
from knowledge import Hit, KnowledgeBase
from knowledge.abbreviations import expand
from knowledge.lexical import tokenize

log = logging.getLogger(__name__)
Turns = Sequence[tuple[str, str]]  # a conversation: (speaker, text), oldest first

CANDIDATES = 8  # passages retrieved and considered per question
# A follow-up with this many words of its own ("and do I get that one back on my free invoices?") is
# read on them; a shorter one ("it says bounced") is read with the words it takes from the
# conversation. On DEV (with 3 or 4 alike): sample help centre AUROC 0.900 -> 0.915, sent precision
# 0.947 -> 0.974, token-F1 0.424 -> 0.441; mtrag_govt_cloud AUROC 0.709 -> 0.711, token-F1 0.2855 ->
# 0.2837. Every follow-up read on its own words: sample AUROC 0.877 ("it says bounced" got the
# sentence with "Bounced" in it, not the steps for a bounced email), mtrag 0.726 / token-F1 0.281.
# A short one that asks for a kind of answer ("how often does it sync?": a frequency) is read on
# its own words too: "To sync right away, …" lost to "Tally syncs every 15 minutes." (DEV: sample
# unchanged, mtrag token-F1 0.2837 -> 0.2832, one reply shorter).
OWN_WORDS = 3


class Assistant:
    def __init__(
        self,
        *,
        kb: KnowledgeBase,
        provider: Provider,
        policy: HandoffPolicy,
        calibrator: Calibrator,
        unit_scorer: UnitScorer,
        rules: EscalationRules | None = None,
        candidates: int = CANDIDATES,
        recalibrate: Recalibrate | None = None,
    ) -> None:
        self.kb = kb
        self.provider = provider
        self._scoring = KnowledgeBaseScoring(kb, (calibrator, policy), recalibrate)
        self.unit_scorer = unit_scorer
        self.rules = rules
        self.candidates = candidates
        self.sections = SectionVectors(kb.embedder)

    @property
    def calibrator(self) -> Calibrator:
        return self._scoring.pair[0]

    @calibrator.setter
    def calibrator(self, calibrator: Calibrator) -> None:
        self._scoring.pair = (calibrator, self._scoring.pair[1])

    @property
    def policy(self) -> HandoffPolicy:
        return self._scoring.pair[1]

    @policy.setter
    def policy(self, policy: HandoffPolicy) -> None:
        self._scoring.pair = (self._scoring.pair[0], policy)

    def evidence(self, question: str, history: Sequence[tuple[str, str]] = ()) -> Evidence:
        """Search, read and rank: what the knowledge base says about this question."""
        return self._evidence(self.spelled(question), self._spelled_history(history))

    def _spelled_history(self, history: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        """The conversation with the customer's turns read as the knowledge base's words."""
        return [(who, self.spelled(text) if who == "user" else text) for who, text in history]

    def _evidence(self, question: str, history: Sequence[tuple[str, str]]) -> Evidence:
        """`evidence` for a question and conversation already spelled (`reply` spells them once)."""
        # "2FA" searched and read as "2FA (Two-factor authentication)", where the articles say so
        lexical = self.kb.retriever.lexical_index()
        asked = expand(question, lexical.abbreviations)
        # "what about Pro?" after "how many seats on Starter?": that question again, of Pro
        swap = swapped(asked, list(history), lexical.siblings)
        queries = search_queries(swap or asked, list(history))
        query = standalone_query(swap or asked, list(history))  # what the reply must answer
        phrasings = list(dict.fromkeys([*queries, query]))
        vectors = self.kb.embedder.embed_queries(phrasings)
        hits = self.kb.retriever.search(queries, self.candidates, vectors=vectors[: len(queries)])
        query_vector = vectors[phrasings.index(query)]
        passages = read_passages(hits, query_vector, store=self.kb.store, embedder=self.kb.embedder)
        passages = with_sections(passages, query_vector, self.sections)
        terms = self.terms(query)
        if query != asked:  # a follow-up: the customer's goal from their last turn still holds
            terms = terms.acting_as(asked, _last(history, "user"))
        correction = swap is not None or corrected(asked, list(history)) is not None
        # a follow-up that refers back stays in the article its conversation is in
        article = conversation_article(passages, _last(history, "agent"), self._sections_of) if query != asked else None
        readings = self._read(asked, query, history, query_vector, passages, terms, correction=correction, article=article)
        continuation = lead = None
        first = readings[0] if readings else None
        neighbour = dict(store=self.kb.store, embedder=self.kb.embedder)
        if first and leads_on(first.passage.units, first.best_unit):
            continuation = next_passage(first.passage, query_vector, **neighbour)
        elif first and runs_on(first.passage.units, first.best_unit):
            # read only when it goes on with the list (most passages ending in bullets are whole)
            continuation = next_passage(first.passage, query_vector, **neighbour, only_if=lambda c: one_list(first.passage.hit.chunk, c))
        if first and opens_mid_list(first.passage.units, first.best_unit):
            lead = previous_passage(first.passage, query_vector, **neighbour, only_if=lambda c: one_list(c, first.passage.hit.chunk))
        elif first and cut_at_start(first.passage.units, first.best_unit):  # its sentence starts in the chunk before
            lead = previous_passage(first.passage, query_vector, **neighbour)
        return Evidence(
            question=question, query=query, readings=readings, terms=terms, follow_up=query != asked, correction=correction,
            continuation=continuation, lead=lead,
        )

    def _read(
        self, question: str, query: str, history: Sequence[tuple[str, str]], query_vector: np.ndarray,
        passages: list[Passage], terms: QuestionTerms, *, correction: bool = False, article: str | None = None,
    ) -> list[Reading]:
        """The passages read for the question, best first (see `OWN_WORDS` for a follow-up's);
        `article`: the document its conversation is in, for a follow-up (`conversation_article`)."""
        follow_up = query != question
        # a follow-up asks for more than the last reply said; a correction may want it again
        said = _last(history, "agent") if follow_up and not correction else ""
        readings = read(query_vector, passages, terms, self.unit_scorer, said=said)
        own = self.terms(question) if follow_up and not correction else None
        if own is None or (len(own.terms) < OWN_WORDS and not own.answer_type):
            return rank_readings(readings, terms=terms, article=article)
        # it says enough on its own, or what kind of answer it wants ("how often does it sync?"):
        # its own words choose the answer (the earlier turn's words chose the last one), and the
        # standalone form, which the calibrator knows, scores it
        own = own.inheriting_actions(_last(history, "user"))
        standalone = {r.chunk_id: r for r in readings}
        chosen = rank_readings(read(query_vector, passages, own, self.unit_scorer, said=said), terms=terms, article=article)
        return [scored_as(r, standalone[r.chunk_id]) for r in chosen]

    def _sections_of(self, doc_id: str) -> int:
        """How many chunks a document has."""
        document = self.kb.catalog.get(doc_id)
        return len(document.chunk_ids) if document else 0

    def _section_headings(self, doc_id: str) -> list[str]:
        """The headings of an article's chunks, in its order."""
        document = self.kb.catalog.get(doc_id)
        chunks = self.kb.store.get(list(document.chunk_ids)) if document else []
        return [c.heading for c in sorted(chunks, key=lambda c: c.ordinal)]

    def spelled(self, text: str) -> str:
        """The text with its typos read as the knowledge base's words ("cancle" as "cancel"), and
        typographic quotes as plain ones (a phone's "what’s" is "what's")."""
        return self.kb.retriever.speller().correct(straight_quotes(text))

    def terms(self, text: str) -> QuestionTerms:
        lexical = self.kb.retriever.lexical_index()
        return QuestionTerms.of(text, lexical.idf)

    def reply(
        self,
        question: str,
        history: Sequence[tuple[str, str]] = (),
        *,
        previous_confidence: float | None = None,
        on_delta: DeltaCallback | None = None,
    ) -> Reply:
        """Answer `question`; `history` holds the earlier (speaker, text) turns, oldest first, and
        `previous_confidence` the confidence of the bot's previous answer in this conversation.

        `on_delta` receives the provider's draft as it is written (see `DeltaCallback`). The draft
        is not yet the reply: the returned Reply may hand off, with other text. Escalations,
        requests for a person and small talk send no deltas."""
        self._scoring.current()  # the knowledge base may have changed since the last reply
        question = self.spelled(question)
        # "no, I meant Pro" after "can I get a refund on Starter?" asks for that refund again
        spelled = self._spelled_history(history)
        meant = corrected(question, spelled) or swapped(question, spelled, self.kb.retriever.lexical_index().siblings)
        escalation = self.rules.match(meant or question) if self.rules else None
        if escalation is not None:
            return self._escalate(escalation, question, history)
        # "am I talking to a real person?" asks who answers, not (yet) for a person
        if asks_for_human(question) and not asks_who_answers(question):
            return handoff_reply("customer_request", 1.0)
        small = smalltalk_reply(question)
        if small:
            return Reply(text=small, confidence=1.0)
        topic = bare_topic(question, history)
        clarified = self._clarify(topic) if topic else None
        if clarified is not None:
            return clarified

        evidence = self._evidence(question, spelled)
        if not evidence.readings:
            return handoff_reply("low_confidence", 0.0, detail="nothing in the knowledge base matches")
        # "I can't sign in": which of the cases its troubleshooting article covers
        problem = stated_problem(question)
        found = cases(evidence.readings, self._section_headings) if problem else None
        if found and not names_a_case(question, found[1]):
            article, names = found
            text = case_question(problem, article.chunk.title or article.chunk.doc_id, names)
            return Reply(text=text, confidence=1.0, sources=[source_of(article)])
        try:
            draft = self.provider.answer(evidence.query, evidence, on_delta=on_delta)
        except ProviderError as e:
            log.warning("provider %s failed, handing off: %s", self.provider.name, e)
            return handoff_reply("assistant_unavailable", 0.0, detail=f"{self.provider.name}: {e}"[:300])
        cited = reading_of(evidence.readings, draft.cited[0]) if draft.cited else None
        if cited is None or not draft.text:
            return handoff_reply("low_confidence", 0.0, detail="the knowledge base has no answer")
        if drafts := self.kb.catalog.unverified([h.chunk.doc_id for h in draft.cited]):
            # indexed with --include-unverified: an agent may send it, the bot does not on its own
            reply = handoff_reply("low_confidence", 0.0, draft=draft.text, detail=f"cites an unverified draft: {', '.join(sorted(drafts))}")
            return replace(reply, draft_sources=[source_of(h) for h in draft.cited])
        repeats = repeats_a_reply(draft.text, history)
        if repeats and draft.grounded is None:
            # a follow-up about one thing the last reply said: that thing, not all of it again ("and
            # for Pro?" after the price table: Pro's row, not the table again)
            earlier, asked = " ".join(text for who, text in history if who == "user"), self.terms(question)
            if narrowed := restated(cited, asked, earlier, _last(history, "agent"), question):
                draft, repeats = replace(draft, text=narrowed, cited=[cited.passage.hit]), False
            elif (beyond := self._beyond(evidence, cited, asked, history)) is not None:
                (draft, cited), repeats = beyond, False
        repeats = repeats and not evidence.correction  # "no, I meant Pro" may want it again
        # what the reply says, narrowed or not
        signals = compute_signals(
            terms=evidence.terms, readings=evidence.readings, cited=cited, reply_text=draft.text,
            follow_up=evidence.follow_up,
        )
        # a written reply about the opposite of what was asked ("to turn 2FA off…" for "how do I
        # turn it on?") cites a passage that also says the right thing, and scores as well as it:
        # an extractive one never quotes such a sentence (the reader sets it aside)
        doubt = None
        if draft.grounded is not None and evidence.terms.opposes(strip_citations(draft.text)):
            doubt = "the reply is about the opposite of what was asked"
        # "can I add late fees on Starter?" answered by the steps under "Add late fees (Pro)"
        doubt = doubt or other_scope(evidence.query, cited.passage.hit.chunk.heading, self.kb.retriever.lexical_index().siblings)
        # "how do I mark an invoice as paid?": "If the credit covers the balance, it's marked Paid" (QA, 0.96)
        if evidence.terms.answer_type == "procedure" and not says_what_to_do(strip_citations(draft.text)):
            doubt = doubt or "a how-to question answered with nothing to do"
        return self._decide(draft, signals, previous_confidence, repeats=repeats, doubt=doubt)

    def _decide(
        self, draft: Draft, signals: Signals, previous: float | None, *, repeats: bool = False, doubt: str | None = None,
    ) -> Reply:
        text, cited = draft.text, draft.cited
        calibrator, policy = self._scoring.pair  # one pair for the whole decision, whatever an ingest swaps in
        score = calibrator.probability(signals)
        low = calibrator.explain(signals)
        shown = signals.as_dict()
        layer = calibrator.model_layer
        if layer is not None and draft.grounded is not None:
            # the model's own layer: the share of its sentences supported and its log-probabilities,
            # weighed as measured (an average reply's log-probabilities where the endpoint returned
            # none: the layer still holds); never surer than all its claims together (`grounded`)
            has_logprobs = draft.logprob_mean is not None and draft.logprob_min is not None
            lp_mean, lp_min = (draft.logprob_mean, draft.logprob_min) if has_logprobs else layer.typical_logprobs()
            features = (calibrator.kb_log_odds(signals), draft.support, lp_mean, lp_min)
            score = layer.probability(*features)
            if draft.grounded < 1.0:  # a claim no source makes: as sure as the rule without a layer, at most
                score = min(score, calibrator.written_probability(signals, draft.grounded))
            shown["grounded"], shown["supported"] = round(draft.grounded, 4), round(draft.support, 4)
            if (lowest := layer.lowest(*features)) is not None:
                low = [lowest.replace("grounded", "supported"), *(n for n in low if n != lowest)][:3]
        elif draft.grounded is not None:
            score = calibrator.written_probability(signals, draft.grounded)
            shown["grounded"] = round(draft.grounded, 4)
            if draft.grounded < 1.0:
                low = ["grounded", *low][:3]
        if draft.logprob_mean is not None and draft.logprob_min is not None:
            shown["logprob_mean"], shown["logprob_min"] = draft.logprob_mean, draft.logprob_min
        shared = dict(confidence=score, signals=shown, low_signals=low)
        decision = policy.decide(score, previous_confidence=previous)
        if decision == "send" and not repeats and not doubt:
            return Reply(text=text, sources=[source_of(h) for h in cited], **shared)
        reason: HandoffReason = decision
        if decision == "send":
            reason = "low_confidence" if doubt else "repeats_last_reply"
        # three decimals: 0.8468 against 0.85 read "confidence 0.85 (threshold 0.85)"
        detail = f"confidence {score:.3f} (threshold {policy.threshold:.3f})"
        if reason == "repeated_low_confidence":
            detail = f"second doubtful reply in a row: {detail}"
        elif reason == "repeats_last_reply":
            detail = f"the answer found repeats what the bot already said: {detail}"
        elif doubt:
            detail = f"{doubt}: {detail}"
        if low:
            detail += "; lowest signals: " + ", ".join(low)
        if unsupported := [s.text for s in draft.sentences if s.counted and not s.supported]:
            # which claim to check, not only that one is wrong
            detail += "; not in its sources: " + " | ".join(f'"{clipped(t)}"' for t in unsupported[:UNSUPPORTED_SHOWN])
        return Reply(
            text=HANDOFF_TEXT[reason], handoff=True, handoff_reason=reason, handoff_detail=detail, draft=text,
            draft_sources=[source_of(h) for h in cited], **shared,
        )

    def _beyond(self, evidence: Evidence, said: Reading, asked: QuestionTerms, history: Turns) -> tuple[Draft, Reading] | None:
        """The answer of the passages read after the one the last reply quoted (`beyond_last_reply`),
        with its reading; None if there is none, or it says a reply again too."""
        other = beyond_last_reply(evidence, said, asked)
        draft = self.provider.answer(other.query, other) if other is not None else None
        cited = reading_of(evidence.readings, draft.cited[0]) if draft is not None and draft.cited else None
        return None if cited is None or repeats_a_reply(draft.text, history) else (draft, cited)

    def _escalate(self, escalation: Escalation, question: str, history: Sequence[tuple[str, str]]) -> Reply:
        text = HANDOFF_TEXT["escalation"]
        sources: list[Source] = []
        if escalation.reply_with_article:
            # looked for with the rule's reason beside the customer's words: "I got a new phone and
            # my authenticator is empty, how do I get in?" found the password reset article alone
            article = self._article(f"{question}\n{escalation.reason}", history)
            if article is not None:
                title = article.chunk.title or article.chunk.doc_id
                text += f"\n\n{ARTICLE_LEAD} {title} [1]"
                sources = [source_of(article)]
        return Reply(text, 1.0, sources, handoff=True, handoff_reason="escalation", handoff_detail=escalation.reason)

    def _clarify(self, topic: str) -> Reply | None:
        """A question back about `topic`, citing the articles that name it (None if none does)."""
        if not set(tokenize(topic)) <= self.kb.retriever.lexical_index().vocabulary:
            return None
        articles: dict[str, Hit] = {}
        for hit in self.kb.retriever.search(topic, 10):
            if hit.lexical > 0:  # the article uses the word
                articles.setdefault(hit.chunk.doc_id, hit)
        hits = list(articles.values())[:MAX_ARTICLES]
        if not hits:
            return None
        titles = [h.chunk.title or h.chunk.doc_id for h in hits]
        return Reply(text=clarifying_text(topic, titles), confidence=1.0, sources=[source_of(h) for h in hits])

    def _article(self, question: str, history: Sequence[tuple[str, str]]) -> Hit | None:
        """The article most likely to help while the customer waits, if one clearly matches."""
        evidence = self.evidence(question, history)
        if not evidence.readings:
            return None
        best = evidence.readings[0]
        return best.passage.hit if best.answerability >= ARTICLE_MIN or best.passage.hit.score >= 0.5 else None


ARTICLE_MIN = 0.3


def _last(history: Sequence[tuple[str, str]], speaker: str) -> str:
    """The last turn of the customer ("user"), or of the bot or an agent (anyone else)."""
    return next((t for s, t in reversed(history) if (s == "user") == (speaker == "user")), "")


UNSUPPORTED_SHOWN = 2  # unsupported sentences named in a handoff's detail
