"""The reader and the extractive provider over hand-made passages: what can be an answer, and what a reply repeats."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest

from assistant.evidence import Evidence, Passage
from assistant.extractive import ExtractiveProvider
from assistant.reader import Reading, read
from assistant.terms import QuestionTerms
from assistant.unit_scorer import UnitScorer
from knowledge.documents import Chunk, Hit
from knowledge.units import split_units

DIM = 4


def _passage(doc_id: str, text: str, rank: int = 0) -> Passage:
    units = split_units(text)
    rng = np.random.default_rng(rank)
    vectors = rng.normal(size=(len(units), DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    chunk = Chunk(chunk_id=f"{doc_id}#0", doc_id=doc_id, title=doc_id, url=None, text=text, content_hash="h", ordinal=0)
    return Passage(Hit(chunk, score=0.6, fused=0.5), rank, units, vectors, vectors @ np.ones(DIM, dtype=np.float32) / 2)


def _scorer() -> UnitScorer:
    # word overlap decides: no weight on the vectors, all on the share of the question's words
    return UnitScorer(coef=[0.0] * (2 * DIM + 1) + [6.0, 0.0], intercept=-3.0)


def _terms(question: str) -> QuestionTerms:
    return QuestionTerms.of(question, lambda word: 1.0)


def test_a_passage_of_headings_only_has_nothing_to_quote():
    menu = _passage("menu", "Services\n\nService catalog\n\nBack to top")
    prose = _passage("prose", "The service catalog lists every service we run.", rank=1)
    terms = _terms("what is in the service catalog")
    readings = read(np.ones(DIM, dtype=np.float32) / 2, [menu, prose], terms, _scorer())
    assert readings[0].points_elsewhere and readings[0].answerability == 0.0
    assert not readings[1].points_elsewhere and readings[1].answerability > 0.5


def test_a_sentence_pointing_at_a_list_another_page_holds_is_not_the_answer():
    page = _passage(
        "theft",
        "Did you lose your wallet? Here are steps you can take to protect yourself from identity theft.\n\n"
        "Protecting Your Identity\n\nWhat can you do to keep your identity secure? Freeze your credit to protect yourself from identity theft.",
    )
    terms = _terms("how can I protect myself from identity theft")
    reading = read(np.ones(DIM, dtype=np.float32) / 2, [page], terms, _scorer())[0]
    assert reading.passage.units[reading.best_unit].startswith("Freeze your credit")


def test_the_same_words_in_a_second_document_are_cited_not_repeated():
    text = "The telescope is named in his honour."
    first, copy = _passage("page-a", text), _passage("page-b", text, rank=1)
    terms = _terms("what is the telescope named after")
    readings = read(np.ones(DIM, dtype=np.float32) / 2, [first, copy], terms, _scorer())
    evidence = Evidence(question="q", query="q", readings=readings, terms=terms)
    draft = ExtractiveProvider().answer("q", evidence)
    assert draft.text == "The telescope is named in his honour. [1][2]"
    assert [h.chunk.doc_id for h in draft.cited] == ["page-a", "page-b"]

    curly = _passage("page-b", "The telescope’s name is in his honour.", rank=1)
    plain = _passage("page-a", "The telescope's name is in his honour.")
    readings = read(np.ones(DIM, dtype=np.float32) / 2, [plain, curly], terms, _scorer())
    draft = ExtractiveProvider().answer("q", Evidence(question="q", query="q", readings=readings, terms=terms))
    assert draft.text.endswith("[1][2]")

    other = _passage("page-c", "The telescope was named in 1990 by the agency.", rank=1)
    readings = read(np.ones(DIM, dtype=np.float32) / 2, [first, other], terms, _scorer())
    draft = ExtractiveProvider().answer("q", Evidence(question="q", query="q", readings=readings, terms=terms))
    assert draft.text.count("[2]") == 1 and "named in 1990" in draft.text


def _reading(passage: Passage, scores: list[float]) -> Reading:
    best = int(np.argmax(scores))
    return Reading(passage, scores[best], best, np.array(scores, dtype=np.float32))


def test_a_second_source_adds_only_what_the_reply_does_not_say_yet():
    first = _reading(_passage("requirements", "The apps need iOS 16 or later or Android 10 or later."), [0.6])
    second = _reading(_passage(
        "offline", "The apps keep working offline and sync when you're back online. The apps need iOS 16 or later or Android 10 or later.",
        rank=1,
    ), [0.55, 0.5])
    terms = _terms("do the apps work offline on android 10")
    draft = ExtractiveProvider().answer("q", Evidence(question="q", query="q", readings=[first, second], terms=terms))
    assert draft.text == (
        "The apps need iOS 16 or later or Android 10 or later. [1]\n\n"
        "The apps keep working offline and sync when you're back online. [2]"
    )


def _cited(readings: list[Reading], terms: QuestionTerms) -> list[str]:
    """The documents the extractive reply cites, in order."""
    draft = ExtractiveProvider().answer("q", Evidence(question="q", query="q", readings=readings, terms=terms))
    return [h.chunk.doc_id for h in draft.cited]


def test_a_second_source_about_something_else_with_the_same_common_words_is_left_out():
    idf = {"api": 4.0}
    terms = QuestionTerms.of("how many api keys can i have", lambda w: idf.get(w, 1.0))
    api = _reading(_passage("api-keys", "You can have up to 5 active API keys."), [0.5])
    security = _reading(_passage("security-keys", "You can register up to 5 security keys.", rank=1), [0.6])
    assert _cited([api, security], terms) == ["api-keys"]

    limits = _reading(_passage("limits", "Each account can have up to 5 API keys at a time.", rank=1), [0.6])
    assert _cited([api, limits], terms) == ["api-keys", "limits"]


def test_a_second_source_without_the_kind_of_answer_asked_for_is_left_out():
    terms = _terms("how do i turn on two factor authentication")
    steps = _reading(_passage("2fa", "1. Go to Settings. 2. Click Turn on two factor authentication."), [0.6, 0.6])
    mention = _reading(_passage("reset", "With two factor authentication on, you still enter a code.", rank=1), [0.55])
    assert _cited([steps, mention], terms) == ["2fa"]

    also = _reading(_passage("admin", "To turn on two factor authentication for a team, open Settings.", rank=1), [0.55])
    assert _cited([steps, also], terms) == ["2fa", "admin"]


def test_an_answer_that_only_says_the_question_back_brings_the_sentence_after_it():
    from assistant.extractive import echoes

    question = "can my client pay by bank transfer"
    assert echoes(question, "Many clients prefer to pay by bank transfer.")
    assert not echoes(question, "Tally shows your bank details on every invoice, and you record the payment.")

    passage = _passage("bank", (  # three paragraphs: a short one would be quoted whole
        "Many clients prefer to pay by bank transfer.\n\nTally shows your bank details on every invoice.\n\n"
        "Bank transfers have no fees."
    ))
    reading = _reading(passage, [0.6, 0.3, 0.1])
    evidence = Evidence(question=question, query=question, readings=[reading], terms=_terms(question))
    assert ExtractiveProvider().answer(question, evidence).text == (
        "Many clients prefer to pay by bank transfer. Tally shows your bank details on every invoice. [1]"
    )
    other = "does a bank transfer cost anything"
    evidence = Evidence(question=other, query=other, readings=[reading], terms=_terms(other))
    assert ExtractiveProvider().answer(other, evidence).text == "Many clients prefer to pay by bank transfer. [1]"


def test_a_sentence_read_in_its_place_can_rise_with_its_neighbours_but_a_label_cannot():
    from assistant.reader import with_neighbours

    e = np.eye(DIM, dtype=np.float32)
    text = "Transfers to Europe are slow.\n\nIt takes 2 days.\n\nDelivery times"
    units = split_units(text)
    vectors = np.stack([e[0], e[1], e[1]])
    assert np.allclose(np.linalg.norm(with_neighbours(vectors), axis=1), 1.0)
    chunk = Chunk(chunk_id="t#0", doc_id="t", title="t", url=None, text=text, content_hash="h", ordinal=0)
    passage = Passage(Hit(chunk, score=0.6, fused=0.5), 0, units, vectors, vectors @ e[0])
    cosine_only = UnitScorer(coef=[0.0] * (2 * DIM) + [4.0, 0.0, 0.0], intercept=-2.0)

    reading = read(e[0], [passage], _terms("are transfers to europe slow"), cosine_only)[0]
    own = reading.quote_scores
    assert reading.unit_scores[1] > own[1]  # "It takes 2 days." beside what "it" is
    assert reading.unit_scores[0] == own[0]  # its neighbours never lower a unit
    assert reading.unit_scores[2] == own[2]  # a label stays what it is alone
    assert reading.best_unit == 0

    asks_a_number = read(e[0], [passage], _terms("how many days do transfers to europe take"), cosine_only)[0]
    assert asks_a_number.unit_scores[1] > asks_a_number.quote_scores[1]  # it holds a number: it may rise
    asks_a_place = read(e[0], [passage], _terms("where do transfers go"), cosine_only)[0]
    assert asks_a_place.unit_scores[1] == asks_a_place.quote_scores[1]  # no place in it: it may not


def test_a_follow_up_is_not_answered_with_what_the_last_reply_already_said():
    passage = _passage("void", "Void an invoice sent by mistake from the menu. Voiding does not give back a free invoice.")
    terms = _terms("void invoice sent by mistake free")
    question = np.ones(DIM, dtype=np.float32) / 2
    fresh = read(question, [passage], terms, _scorer())[0]
    assert fresh.best_unit == 0
    said = "To void an invoice sent by mistake, open the menu."
    follow_up = read(question, [passage], terms, _scorer(), said=said)[0]
    assert follow_up.unit_scores[0] < fresh.unit_scores[0]
    assert follow_up.unit_scores[1] == fresh.unit_scores[1]
    assert follow_up.best_unit == 1


def test_an_answer_chosen_for_one_phrasing_can_be_scored_by_another():
    from assistant.reader import scored_as

    passage = _passage("void", "Void an invoice from the menu. Voiding does not give back a free invoice.")
    question = np.ones(DIM, dtype=np.float32) / 2
    own = read(question, [passage], _terms("does voiding give back a free invoice"), _scorer())[0]
    standalone = read(question, [passage], _terms("void invoice menu"), _scorer())[0]
    both = scored_as(own, standalone)
    assert both.best_unit == own.best_unit == 1
    assert both.answerability == standalone.unit_scores[1] != own.answerability


def _section(
    heading: str, text: str, similarity: list[float], fused: float, title: str = "Two-factor authentication"
) -> Passage:
    units = split_units(text)
    vectors = np.tile(np.eye(DIM, dtype=np.float32)[0], (len(units), 1))
    chunk = Chunk(chunk_id=f"{heading}#0", doc_id=title, title=title, url=None, text=text,
                  content_hash="h", ordinal=0, heading=f"{title} > {heading}")
    return Passage(Hit(chunk, score=0.6, fused=fused), 0, units, vectors, np.array(similarity, dtype=np.float32))


def test_of_two_sections_alike_the_one_in_the_article_titled_for_the_action_asked_comes_first():
    from assistant.selection import rank_readings

    terms = _terms("how do I accept card payments?")
    own_card = _section("Update your payment card", "Enter the details, then click Save.", [0.5], 0.5,
                        title="Your payment card and receipts")
    for title, first in (("Accept card payments and get paid out", "set up"), ("Card payments and payouts", "own card")):
        set_up = _section("Set up Tally Payments", "Enter the details, then click Submit.", [0.5], 0.55, title=title)
        readings = read(np.eye(DIM, dtype=np.float32)[0], [own_card, set_up], terms, _scorer())
        # with no title naming the action, the heading naming a card and a payment comes first
        assert rank_readings(readings, terms=terms)[0].passage is (set_up if first == "set up" else own_card)


def test_a_title_naming_the_action_counts_once_with_a_heading_naming_it():
    from assistant.selection import rank_readings

    terms = _terms("how do I change the owner?")
    email = _section("Changing the Owner's email", "Contact support.", [0.5], 0.55, title="Change your email address")
    owner = _section("Transfer ownership", "Click Make Owner to change the owner.", [0.5], 0.5, title="Team members and roles")
    readings = read(np.eye(DIM, dtype=np.float32)[0], [email, owner], terms, _scorer())
    assert rank_readings(readings, terms=terms)[0].passage is owner


def test_a_how_to_answered_by_a_passage_with_steps_keeps_it_first():
    from assistant.selection import rank_readings

    terms = _terms("how do I accept card payments?")
    set_up = _section("Set up Tally Payments", "1. Click Set up.\n2. Click Submit.\n\nYou can send card payment invoices straight away.",
                      [0.2, 0.2, 0.6], 0.5, title="Card payments")
    track = _section("Track your payouts", "Go to **Payments → Payouts** to see card payments.", [0.55], 0.5, title="Card payments")
    readings = read(np.eye(DIM, dtype=np.float32)[0], [set_up, track], terms, _scorer())
    assert readings[0].best_unit == 2  # no instruction: but its steps are quoted with it
    assert rank_readings(readings, terms=terms)[0].passage is set_up


def test_a_sentence_about_the_opposite_action_is_neither_the_answer_nor_what_ranks_its_section():
    from assistant.selection import rank_readings

    terms = _terms("how do I turn on 2FA?")
    off = _section("Turn off 2FA or replace your phone",
                   "To turn 2FA off, click Turn off two-factor authentication.\n\nTo move to a new phone, scan the new code.",
                   similarity=[0.9, 0.3], fused=0.5)
    on = _section("Turn on 2FA with an authenticator app", "1. Go to Settings → Security.\n2. Click Set up authenticator app.",
                  similarity=[0.5, 0.4], fused=0.45)
    readings = read(np.eye(DIM, dtype=np.float32)[0], [off, on], terms, _scorer())
    assert readings[0].opposed == {0} and readings[0].best_unit == 1  # never the turn-off sentence
    assert rank_readings(readings, terms=terms)[0].passage is on  # its likeness to the question does not count


def test_a_section_whose_heading_names_the_opposite_action_gives_way(monkeypatch):
    import assistant.selection as selection

    terms = _terms("what file formats can I export?")
    imports = _section("What you can import > File requirements", "- CSV format, saved as UTF-8.\n- Up to 10 MB per file.",
                       similarity=[0.8, 0.6], fused=0.8)
    exports = _section("Export your data", "Choose the data, a date range and a format, then click Export.",
                       similarity=[0.55], fused=0.45)
    readings = read(np.eye(DIM, dtype=np.float32)[0], [imports, exports], terms, _scorer())
    assert selection.rank_readings(readings, terms=terms)[0].passage is exports
    monkeypatch.setattr(selection, "OPPOSED_SECTION_WEIGHT", 0.0)
    assert selection.rank_readings(readings, terms=terms)[0].passage is imports  # its sentences read as the better answer


def test_of_two_sections_alike_the_one_whose_heading_names_the_action_asked_comes_first():
    from assistant.selection import rank_readings

    terms = _terms("how do I edit an invoice after sending it?")
    send = _section("Send an invoice", "From the preview, click Send.\n\n- edit the invoice's subject", [0.5, 0.5], 0.5)
    edit = _section("Edit an invoice", "What you can change depends on the invoice's status.", [0.5], 0.5)
    gentle = UnitScorer(coef=[0.0] * (2 * DIM + 1) + [1.5, 0.0], intercept=-1.0)  # word overlap, weighed lightly
    readings = read(np.eye(DIM, dtype=np.float32)[0], [send, edit], terms, gentle)
    assert readings[0].answerability > readings[1].answerability  # the reader alone prefers "edit the subject"
    assert rank_readings(readings, terms=terms)[0].passage is edit


def test_a_heading_that_names_the_action_asked_among_others_counts_as_naming_it():
    from assistant.reader import names_action
    from assistant.selection import rank_readings

    pause = _terms("how do I pause a recurring invoice?")
    assert names_action(pause, "Recurring invoices > Edit, pause or stop a profile")
    assert not names_action(pause, "Recurring invoices > Create a recurring profile")
    assert names_action(_terms("how do I replace my phone?"), "Turn off 2FA or replace your phone")
    assert not names_action(_terms("how do I turn on 2FA?"), "Turn off 2FA or replace your phone")  # the opposite

    create = _section("Create a recurring profile", "Make an invoice recurring from its menu.", [0.5], 0.5)
    manage = _section("Edit, pause or stop a profile", "Open the profile from the list.", [0.5], 0.5)
    gentle = UnitScorer(coef=[0.0] * (2 * DIM + 1) + [1.5, 0.0], intercept=-1.0)
    readings = read(np.eye(DIM, dtype=np.float32)[0], [create, manage], pause, gentle)
    assert readings[0].answerability > readings[1].answerability  # "recurring invoice" outweighs the rest
    assert rank_readings(readings, terms=pause)[0].passage is manage


def test_a_passage_whose_answer_names_a_control_for_the_action_asked_comes_first():
    from assistant.selection import rank_readings

    terms = _terms("how do I roll an API key?")
    create = _section("Create a key", "1. Go to Settings.\n2. Click **Create API key**.", [0.5, 0.5], 0.5)
    safe = _section("Keep keys safe", "- If one may have leaked, click **Roll**.", [0.5], 0.5)
    gentle = UnitScorer(coef=[0.0] * (2 * DIM + 1) + [1.5, 0.0], intercept=-1.0)
    readings = read(np.eye(DIM, dtype=np.float32)[0], [create, safe], terms, gentle)
    assert readings[0].answerability > readings[1].answerability  # "API key" outweighs "roll" alone
    assert rank_readings(readings, terms=terms)[0].passage is safe


def test_a_passage_that_quotes_the_error_code_the_customer_quotes_comes_first():
    from assistant.selection import rank_readings

    terms = _terms("getting PDF-422 when I download")
    assert terms.codes == {"pdf-422"} and not _terms("set it for the 31st, a 7-day trial").codes
    download = _section("The PDF doesn't download", "- Allow pop-ups for the site.", [0.6], 0.6)
    errors = _section("Error messages", "- `PDF-422`: remove the character.\n- `PDF-504`: try again.", [0.5, 0.5], 0.5)
    readings = read(np.eye(DIM, dtype=np.float32)[0], [download, errors], terms, _scorer())
    assert rank_readings(readings, terms=terms)[0].passage is errors
    assert rank_readings(readings, terms=_terms("getting PDF-999 when I download"))[0].passage is download


class _CountingEmbedder:
    """Embeds each text as a fixed unit vector and counts what it was asked to embed."""

    def __init__(self, vectors: dict[str, np.ndarray], seconds: float = 0.0) -> None:
        self.vectors = vectors
        self.asked: list[str] = []
        self.seconds = seconds  # a real model takes a while, and lets other threads run meanwhile

    def embed_queries(self, texts):
        self.asked.extend(texts)
        time.sleep(self.seconds)
        return np.array([self.vectors[t] for t in texts], dtype=np.float32)


def test_of_two_sections_the_one_whose_heading_means_what_is_asked_comes_first():
    from assistant.evidence import SectionVectors, section_path, with_sections
    from assistant.selection import rank_readings

    terms = _terms("what does the plan cost?")  # naming no row of the table (see the row-key test)
    upgrade = _section("Upgrade", "For example, moving to Pro costs about $8.50 today.", [0.6], 0.55)
    # a heading that shares no word with the question, nor a word meaning the same
    prices = _section("What you pay", "| Plan | Monthly |\n|---|---|\n| Pro | $29 / month |", [0.6], 0.5)
    question = np.eye(DIM, dtype=np.float32)[0]
    like = (np.eye(DIM, dtype=np.float32)[0] + np.eye(DIM, dtype=np.float32)[1]) / np.sqrt(2)
    embedder = _CountingEmbedder({section_path(upgrade.hit): np.eye(DIM, dtype=np.float32)[2], section_path(prices.hit): like})
    readings = read(question, with_sections([upgrade, prices], question, SectionVectors(embedder)), terms, _scorer())
    assert rank_readings(read(question, [upgrade, prices], terms, _scorer()), terms=terms)[0].passage is upgrade
    assert rank_readings(readings, terms=terms)[0].passage.hit is prices.hit  # what you pay is what "cost" asks for


def test_sections_are_scored_only_in_a_knowledge_base_with_headings_and_an_introduction_by_its_title():
    from assistant.evidence import SectionVectors, section_path, with_sections

    question = np.eye(DIM, dtype=np.float32)[0]
    intro = _passage("plans", "Tally has three plans.")
    prices = _section("Prices", "| Pro | $29 / month |", [0.6], 0.5)
    embedder = _CountingEmbedder({"plans": question, section_path(prices.hit): np.eye(DIM, dtype=np.float32)[1]})
    assert with_sections([intro], question, SectionVectors(embedder)) == [intro]  # no headings: titles say little
    assert embedder.asked == []
    scored = with_sections([intro, prices], question, SectionVectors(embedder))
    assert [p.section for p in scored] == [1.0, 0.0]
    assert embedder.asked == ["plans", section_path(prices.hit)]


def test_a_section_path_is_embedded_once_and_the_least_recently_used_forgotten():
    from assistant.evidence import SectionVectors

    eye = np.eye(DIM, dtype=np.float32)
    embedder = _CountingEmbedder({"A > a": eye[0], "A > b": eye[1], "A > c": eye[2]})
    sections = SectionVectors(embedder, capacity=2)
    first = sections(["A > a", "A > b", "A > a"])
    assert [v.tolist() for v in first] == [eye[0].tolist(), eye[1].tolist(), eye[0].tolist()]
    assert embedder.asked == ["A > a", "A > b"]
    sections(["A > a"])  # used again: "A > b" is now the least recent
    sections(["A > c"])
    sections(["A > a", "A > b"])
    assert embedder.asked == ["A > a", "A > b", "A > c", "A > b"]


def test_under_a_heading_of_two_topics_a_sentence_about_the_other_one_is_not_the_answer():
    section = _section("Turn off 2FA or replace your phone",
                       "To move to a new phone, scan the new code with it.\n\n"
                       "To turn 2FA off, click Turn off two-factor authentication.", similarity=[0.5, 0.6], fused=0.5)
    question = np.eye(DIM, dtype=np.float32)[0]
    replace_phone = read(question, [section], _terms("how do I replace my phone for 2FA?"), _scorer())[0]
    assert replace_phone.opposed == {1} and replace_phone.best_unit == 0
    turn_off = read(question, [section], _terms("how do I turn off 2FA?"), _scorer())[0]
    # half of "replace your phone", and nothing of turning 2FA off: the other topic's
    assert turn_off.best_unit == 1 and turn_off.opposed == {0}


def test_a_sentence_without_the_kind_of_answer_asked_for_is_not_the_answer_beside_one_with_it():
    passage = _passage("ledgersync", "Tally syncs every 15 minutes. To sync LedgerSync right away, click Sync now.")
    question = np.eye(DIM, dtype=np.float32)[0]
    often = read(question, [passage], _terms("how often does LedgerSync sync?"), _scorer())[0]
    assert often.unit_scores[1] > often.unit_scores[0]  # more of the question's words
    assert often.best_unit == 0  # but only the first says how often
    how = read(question, [passage], _terms("how do I make LedgerSync sync?"), _scorer())[0]
    assert how.best_unit == 1


def test_section_vectors_are_shared_safely_by_replies_on_several_threads():
    from concurrent.futures import ThreadPoolExecutor

    from assistant.evidence import SectionVectors

    eye = np.eye(DIM, dtype=np.float32)
    embedder = _CountingEmbedder({f"A > {i}": eye[i % DIM] for i in range(12)}, seconds=0.001)
    sections = SectionVectors(embedder, capacity=3)  # far fewer than the paths: constant eviction

    def read_some(seed: int) -> bool:
        rng = np.random.default_rng(seed)
        for _ in range(200):
            picked = [int(i) for i in rng.integers(0, 12, size=4)]
            vectors = sections([f"A > {i}" for i in picked])
            assert all(np.array_equal(v, eye[i % DIM]) for v, i in zip(vectors, picked, strict=True))
        return True

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(read_some, range(8)))


def test_a_how_to_question_takes_the_steps_of_the_same_article_over_a_sentence_that_mentions_it():
    from assistant.selection import rank_readings

    mention = _passage("security", "Team members without 2FA are asked to set it up when they sign in.")
    steps = _passage("security", "1. Go to Settings and click Set up 2FA.\n2. Scan the QR code.", rank=1)
    other = _passage("billing", "1. Go to Billing and click Set up invoices.", rank=2)
    terms = _terms("how do i set up 2fa")
    readings = read(np.ones(DIM, dtype=np.float32) / 2, [mention, steps, other], terms, _scorer())
    assert rank_readings(readings, terms=terms)[0].passage is steps
    # a question that asks for no steps keeps the order
    facts = _terms("who has to set up 2fa")
    readings = read(np.ones(DIM, dtype=np.float32) / 2, [mention, steps, other], facts, _scorer())
    assert rank_readings(readings, terms=facts)[0].passage is mention


def _titled(passage: Passage, heading: str) -> Passage:
    """The passage as a section under `heading`."""
    chunk = passage.hit.chunk
    return dataclasses.replace(passage, hit=Hit(dataclasses.replace(chunk, heading=heading), score=0.6, fused=0.5))


def test_steps_under_a_heading_named_for_the_action_take_no_other_articles_instruction():
    terms = _terms("how do i turn on two factor authentication")
    steps = _reading(_titled(_passage("2fa", "1. Go to Settings. 2. Click Set up."), "Turn on two factor authentication"), [0.2, 0.2])
    other = _passage("login", "Click Use a recovery code to sign in with two factor authentication.", rank=1)
    assert _cited([steps, _reading(_titled(other, "Code not accepted"), [0.5])], terms) == ["2fa"]
    # another article's section named for the same action is a second answer
    assert _cited([steps, _reading(_titled(other, "Turn on two factor authentication for your team"), [0.5])], terms) == [
        "2fa", "login"
    ]


def test_a_table_row_the_question_names_by_its_key_beats_a_closer_passage_that_only_mentions_it():
    from assistant.selection import rank_readings
    from assistant.unit_kinds import row_key

    terms = _terms("how much is the Pro plan?")
    upgrade = _section("Upgrade", "For example, moving from Starter ($12) to Pro ($29) costs about $8.50 today.", [0.6], 0.6)
    prices = _section("Prices", "| Plan | Monthly |\n|---|---|\n| Starter | $12 / month |\n| Pro | $29 / month |",
                      [0.55, 0.5, 0.6], 0.45)
    assert [row_key(prices.units, i) for i in range(len(prices.units))] == ["", "Starter", "Pro"]  # a header has none
    question = np.eye(DIM, dtype=np.float32)[0]
    chosen = rank_readings(read(question, [upgrade, prices], terms, _scorer()), terms=terms)[0]
    assert chosen.passage is prices and prices.units[chosen.best_unit] == "- Pro — $29 / month"
    # a question that names no row's key leaves the closer passage first
    other = _terms("how much does moving up cost?")
    assert rank_readings(read(question, [upgrade, prices], other, _scorer()), terms=other)[0].passage is upgrade



def test_a_row_a_number_question_names_by_its_key_is_its_passages_answer_as_sure_as_the_best_sentence():
    text = "| Plan | Monthly |\n|---|---|\n| Starter | $12 / month |\n| Pro | $29 / month |\n\nIn euros, Starter costs €12 a month."
    prices = _section("Prices", text, [0.5, 0.5, 0.5, 0.6], 0.4)
    question = np.eye(DIM, dtype=np.float32)[0]
    reading = read(question, [prices], _terms("how much does Starter cost?"), _scorer())[0]
    assert prices.units[reading.best_unit] == "- Starter — $12 / month"
    euros = read(question, [prices], _terms("is Starter in euros?"), _scorer())[0]  # asks for no number: no row named
    assert prices.units[euros.best_unit] == "In euros, Starter costs €12 a month."
    assert reading.answerability == pytest.approx(float(reading.unit_scores[3]))  # the sentence's, which scored best


def test_a_sentence_naming_half_the_other_topic_and_nothing_of_the_asked_one_is_an_aside():
    from assistant.reader import _asides

    units = [
        "To move to a new phone, set up the app on the new phone before you wipe the old one:",
        "1. Go to Settings → Security.",
        "2. Click Reset and scan the new code with the new phone.",
        "To turn 2FA off, click Turn off and confirm with your password.",
    ]
    heading = "Two-factor authentication > Turn off 2FA or replace your phone"
    asides = _asides(_terms("how do I turn off 2FA?"), heading, units)
    assert asides.tolist() == [True, False, True, False]  # the step shared by both stays


def test_a_section_whose_heading_names_the_case_asked_is_quoted_whole():
    text = ("1. Hover over the status to see the reason.\n2. Check the address for typos.\n3. Send it again.\n\n"
            "Temporary problems are retried for up to 24 hours before showing as Bounced.")
    section = _section("If the status is Bounced", text, [0.3, 0.3, 0.3, 0.6], 0.5)
    reading = _reading(section, [0.1, 0.1, 0.1, 0.5])
    draft = ExtractiveProvider().answer("q", Evidence(question="q", query="q", readings=[reading], terms=_terms("status says bounced")))
    assert draft.text.startswith("If the status is Bounced:\n1. Hover over the status")
    # a question naming one word of the heading is not its case: the sentence that answers
    other = ExtractiveProvider().answer("q", Evidence(question="q", query="q", readings=[reading], terms=_terms("how long are temporary problems retried")))
    assert other.text.startswith("Temporary problems are retried")


def test_a_question_naming_a_tables_column_is_answered_with_the_column():
    from assistant.selection import rank_readings

    text = ("Each person gets a role that controls what they can see.\n\n"
            "| What they can do | Admin | Member | Accountant |\n|---|---|---|---|\n| Send invoices | Yes | Yes | No |\n"
            "| Export data | Yes | No | Yes |")
    roles = _section("Roles", text, [0.6, 0.4, 0.4, 0.4], 0.5)
    question = np.eye(DIM, dtype=np.float32)[0]
    terms = _terms("what can an accountant see?")
    reading = rank_readings(read(question, [roles], terms, _scorer()), terms=terms)[0]
    assert roles.units[reading.best_unit].startswith("- Send invoices")  # in the table, not the sentence that names seeing
    draft = ExtractiveProvider().answer("q", Evidence(question="q", query="q", readings=[reading], terms=terms))
    assert draft.text == "Roles:\n- What they can do — Accountant\n- Send invoices — No\n- Export data — Yes [1]"
