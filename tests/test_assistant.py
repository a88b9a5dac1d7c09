"""The assistant: grounded by construction, scored by a fitted calibrator, routed by rules it can explain."""

from __future__ import annotations

import pytest

from assistant import HANDOFF_TEXT, Assistant, HandoffPolicy, ProviderError, asks_for_human, build_assistant
from assistant.calibration import Calibrator
from assistant.clarify import bare_topic
from assistant.llm import OpenAIProvider
from assistant.pointers import mend_pointers
from assistant.signals import Signals
from assistant.text import clean_markup, split_units
from knowledge import KnowledgeBase

from .conftest import SAMPLE_KB, make_settings
from .live_server import free_port

ANSWERABLE = [
    ("How do I reset my password?", "account/reset-password"),
    ("How much does the Pro plan cost per month?", "billing/plans-and-pricing"),
    ("How do I turn on two-factor authentication?", "account/two-factor-authentication"),
    ("Can I invoice a client in euros?", "invoices/multiple-currencies-and-exchange-rates"),
    ("How do I set up an invoice that repeats every month?", "invoices/recurring-invoices"),
    ("When will I receive my payout?", "payments/accept-card-payments-and-payouts"),
]
OFF_TOPIC = [
    "What is the capital of France?",
    "Who won the 2018 football world cup?",
    "How do I cook fresh pasta?",
    "What is the boiling point of water on Mount Everest?",
]


@pytest.fixture
def assistant(settings, sample_kb: KnowledgeBase) -> Assistant:
    """The assistant as it serves the sample help centre: its shipped calibrator and threshold."""
    return build_assistant(settings, sample_kb)


@pytest.fixture
def lenient(settings, sample_kb: KnowledgeBase) -> Assistant:
    """The same, sending every reply above an even chance: for tests about what a reply says."""
    return build_assistant(settings.model_copy(update={"handoff_threshold": 0.5}), sample_kb)


@pytest.mark.parametrize(("question", "doc_id"), ANSWERABLE)
def test_retrieval_finds_the_document_that_answers(kb, question, doc_id):
    hits = kb.retriever.search(question, 3)
    assert doc_id in [h.chunk.doc_id for h in hits]


@pytest.mark.parametrize(("question", "doc_id"), ANSWERABLE)
def test_a_help_centre_question_is_answered_from_its_article(lenient, question, doc_id):
    reply = lenient.reply(question)
    assert not reply.handoff, (question, reply.confidence, reply.handoff_detail)
    assert doc_id in [s.doc_id for s in reply.sources]


def test_a_how_many_question_gets_the_number_not_the_steps_beside_it(lenient):
    reply = lenient.reply("How many API keys can I have?")
    assert "5 active keys" in reply.text
    assert "Click Create API key" not in reply.text


def test_a_table_row_is_read_with_its_header_so_a_lookup_gets_its_row(lenient):
    reply = lenient.reply("How many team members can I have on Starter?")
    text = reply.draft if reply.handoff else reply.text
    assert "Starter — Up to 3" in text


def test_an_error_the_customer_quotes_gets_its_row_not_the_whole_table(lenient):
    reply = lenient.reply("ledgersync keeps saying Invoice number already exists for INV-0311, what now")
    text = reply.draft if reply.handoff else reply.text
    assert "Invoice number already exists` — LedgerSync already has an invoice" in text
    assert "Tax rate not mapped" not in text and "Period locked" not in text


def test_one_line_of_a_list_of_named_facts_answers_a_question_about_that_line(lenient):
    reply = lenient.reply("what time is live chat open")
    text = reply.draft if reply.handoff else reply.text
    assert "Live chat: Monday to Friday" in text
    assert "+44 20" not in text  # the phone lines beside it are not what was asked


def test_a_how_to_question_gets_the_steps_of_its_article_not_a_sentence_that_mentions_it(lenient):
    reply = lenient.reply("how do i set up 2fa")
    text = reply.draft if reply.handoff else reply.text
    assert "Set up authenticator app" in text
    assert "asked to set it up the next time they sign in" not in text


def test_a_price_question_gets_the_price(lenient):
    reply = lenient.reply("How much does the Pro plan cost per month?")
    assert "$29" in reply.text


def test_a_follow_up_asking_what_something_costs_gets_a_price_not_the_last_answers_number_of_days(lenient):
    first = "a client opened a chargeback. how long do i have to respond"
    said = lenient.reply(first)
    reply = lenient.reply("how much does a dispute cost me", [("user", first), ("agent", said.text)])
    text = reply.draft if reply.handoff else reply.text
    assert "$15 dispute fee" in text and not text.startswith("You have 7 days"), text


def test_a_passage_without_the_kind_of_answer_asked_for_gives_way_to_one_with_it(lenient):
    first = "is tally payments included on the free plan?"
    said = lenient.reply(first)
    reply = lenient.reply("how much do they take per payment", [("user", first), ("agent", said.text)])
    text = reply.draft if reply.handoff else reply.text
    assert "2.9% + 30¢" in text and "5 invoices per calendar month" not in text, text


def test_a_price_asked_by_plan_name_gets_the_price_table_and_not_also_an_example_that_mentions_it(lenient):
    reply = lenient.reply("how much does starter cost?")
    text = reply.draft if reply.handoff else reply.text
    assert "Starter — $12 / month" in text
    assert "prorated" not in text and "[2]" not in text
    assert [s.doc_id for s in (reply.draft_sources if reply.handoff else reply.sources)] == ["billing/plans-and-pricing"]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("how do i cancle my subscripton", "how do i cancel my subscription"), ("forgot pasword", "forgot password")],
)
def test_a_question_with_typos_gets_the_answer_of_the_question_meant(assistant, typed, meant):
    reply, right = assistant.reply(typed), assistant.reply(meant)
    assert not right.handoff
    assert (reply.text, reply.handoff, [s.doc_id for s in reply.sources]) == (right.text, False, [s.doc_id for s in right.sources])
    assert reply.confidence == pytest.approx(right.confidence)


def test_a_phones_curly_apostrophes_read_as_plain_ones(assistant):
    typed, plain = assistant.reply("what’s the minimum ios version? i can’t update"), assistant.reply("what's the minimum ios version? i can't update")
    assert (typed.text, typed.draft, typed.handoff) == (plain.text, plain.draft, plain.handoff)
    assert typed.confidence == pytest.approx(plain.confidence)


def test_every_sentence_of_an_extractive_reply_comes_from_its_cited_sources(lenient, kb):
    for question, _ in ANSWERABLE:
        reply = lenient.reply(question)
        body = reply.text
        for n, source in enumerate(reply.sources, start=1):
            part, _, body = body.partition(f"[{n}]")
            chunk = kb.store.get([source.chunk_id])[0]
            units = [clean_markup(u) for u in split_units(chunk.text)]
            # word for word, but for a pointer at a place the reply does not show ("see below")
            allowed = set(units) | {mend_pointers(u) for u in units} | {chunk.heading.split(" > ")[-1] + ":"}
            for line in part.strip().splitlines():
                for unit in split_units(line):
                    assert unit in allowed, (question, unit)


@pytest.mark.parametrize("question", ["How do I turn on two-factor authentication?", "how do I turn on 2FA?"])
def test_turning_on_two_factor_is_not_answered_with_how_to_turn_it_off(lenient, question):
    reply = lenient.reply(question)
    text = reply.draft if reply.handoff else reply.text
    assert "Turn off" not in text and "turn 2FA off" not in text
    assert "Scan the QR code" in text or "security key" in text.lower()


def test_setting_up_reminders_is_not_answered_from_the_section_on_turning_them_off(lenient):
    reply = lenient.reply("how do I set up reminders?")  # "Turn reminders off for one client or invoice"
    text = reply.draft if reply.handoff else reply.text
    assert "Pause reminders" not in text and "Turn on Automatic reminders" in text


def test_stopping_a_recurring_invoice_is_not_answered_with_how_to_make_one(lenient):
    reply = lenient.reply("how do I stop a recurring invoice?")
    text = reply.draft if reply.handoff else reply.text
    assert "Make recurring" not in text and "Start profile" not in text
    assert "ends the profile permanently" in text


def test_editing_a_sent_invoice_is_answered_from_the_section_on_editing_not_the_articles_contents(lenient):
    reply = lenient.reply("how do I edit an invoice after sending it?")
    text = reply.draft if reply.handoff else reply.text
    assert "This article covers" not in text and "What you can change depends on the invoice's status" in text


def test_a_step_from_a_list_that_starts_in_the_chunk_before_comes_with_the_steps_before_it(lenient):
    reply = lenient.reply("the app on my phone says sync failed")
    text = reply.draft if reply.handoff else reply.text
    assert text.startswith("If changes are stuck as Pending or you see Sync paused, work through these steps in order:")
    assert text.index("1. Check your connection.") < text.index("6. Restart the app.")


def test_rolling_an_api_key_is_answered_with_the_roll_key_button_not_the_steps_to_create_one(lenient):
    reply = lenient.reply("how do I roll an API key?")
    text = reply.draft if reply.handoff else reply.text
    assert "click Roll key" in text and "Click Create API key" not in text


def test_a_follow_up_keeps_the_customers_goal_and_is_not_answered_with_its_opposite(lenient):
    first = "How do I turn on 2FA?"
    history = [("user", first), ("agent", lenient.reply(first).text)]
    reply = lenient.reply("what if I lose my phone?", history)
    text = reply.draft if reply.handoff else reply.text
    assert "turn 2FA off" not in text and "Turn off two-factor" not in text
    assert "new phone" in text or "recovery code" in text.lower()


def test_a_how_to_answer_brings_its_steps_not_a_single_step(lenient):
    reply = lenient.reply("how do i cancel my subscription")
    assert reply.sources[0].doc_id == "billing/change-or-cancel-your-plan"
    assert "Go to Settings → Billing → Plan." in reply.text and "Confirm cancellation" in reply.text


def test_off_topic_questions_are_handed_off_and_score_below_every_answerable_one(assistant):
    answerable = [assistant.reply(q).confidence for q, _ in ANSWERABLE]
    off_topic = [assistant.reply(q) for q in OFF_TOPIC]
    assert all(r.handoff and r.handoff_reason == "low_confidence" for r in off_topic)
    assert max(r.confidence for r in off_topic) < min(answerable)


def test_a_handoff_keeps_the_draft_and_says_which_signals_fell_short(assistant):
    reply = assistant.reply("Who won the 2018 football world cup?")
    assert reply.handoff and reply.draft
    assert reply.signals and set(reply.signals) == set(Signals.names())
    assert reply.low_signals and all(s in reply.signals for s in reply.low_signals)
    assert "threshold" in reply.handoff_detail


def test_a_request_to_refund_a_duplicate_charge_goes_to_a_person_with_an_article(assistant):
    reply = assistant.reply("My card •••• 1111 was charged twice for invoice 1042, can you refund one?")
    assert reply.handoff and reply.handoff_reason == "escalation" and "charge" in reply.handoff_detail
    assert len(reply.sources) == 1 and reply.sources[0].title in reply.text


def test_a_question_about_refunds_is_answered_not_escalated(lenient):
    reply = lenient.reply("Can I get a refund on a yearly plan?")
    assert not reply.handoff
    assert "14 days" in reply.text


def test_a_security_incident_goes_to_a_person_without_an_article(assistant):
    reply = assistant.reply("someone logged into my account from another country, it wasn't me")
    assert reply.handoff and reply.handoff_reason == "escalation" and reply.sources == []


def _calibrator(intercept: float) -> Calibrator:
    return Calibrator(names=["answerability"], mean=[0.0], scale=[1.0], coef=[0.0], intercept=intercept)


def test_confidence_is_the_calibrators_probability(settings, kb):
    base = build_assistant(settings, kb)
    for intercept, expected in ((3.0, 0.9526), (-3.0, 0.0474)):
        a = Assistant(kb=kb, provider=base.provider, policy=HandoffPolicy(0.5), calibrator=_calibrator(intercept),
                      unit_scorer=base.unit_scorer)
        assert a.reply("How do I reset my password?").confidence == pytest.approx(expected, abs=1e-3)


def test_two_doubtful_answers_in_a_row_hand_off_even_above_the_threshold(settings, kb):
    base = build_assistant(settings, kb)
    # every answer scores 0.55: above the 0.5 threshold, but within its 0.1 margin of doubt
    a = Assistant(kb=kb, provider=base.provider, policy=HandoffPolicy(0.5, doubt_margin=0.1),
                  calibrator=_calibrator(0.2007), unit_scorer=base.unit_scorer)
    first = a.reply("How do I reset my password?")
    assert not first.handoff and first.confidence == pytest.approx(0.55, abs=1e-3)
    second = a.reply("How long does the reset link work?", [("user", "How do I reset my password?"), ("agent", first.text)],
                     previous_confidence=first.confidence)
    assert second.handoff and second.handoff_reason == "repeated_low_confidence" and second.draft
    assert second.handoff_detail.startswith("second doubtful reply in a row: confidence 0.550 (threshold 0.500)")


def test_a_confident_answer_after_a_doubtful_one_is_sent(settings, kb):
    base = build_assistant(settings, kb)
    a = Assistant(kb=kb, provider=base.provider, policy=HandoffPolicy(0.5, doubt_margin=0.1),
                  calibrator=_calibrator(3.0), unit_scorer=base.unit_scorer)
    assert not a.reply("How do I reset my password?", previous_confidence=0.55).handoff


def test_policy_sends_above_the_threshold_and_hands_off_below():
    policy = HandoffPolicy(0.6, doubt_margin=0.1)
    assert policy.decide(0.59) == "low_confidence"
    assert policy.decide(0.65) == "send"
    assert policy.decide(0.65, previous_confidence=0.62) == "repeated_low_confidence"
    assert policy.decide(0.65, previous_confidence=0.9) == "send"
    assert policy.decide(0.95, previous_confidence=0.62) == "send"


def test_only_replies_that_barely_clear_the_shipped_threshold_are_doubted(settings):
    # on the sample DEV set, sent replies at 0.90-0.95 are right as often as those above 0.95
    # (evals/README.md, stop 29): two of them in a row need no person
    policy = HandoffPolicy(0.85, doubt_margin=settings.doubt_margin)
    assert policy.decide(0.92, previous_confidence=0.93) == "send"
    assert policy.decide(0.87, previous_confidence=0.88) == "repeated_low_confidence"


def test_greetings_get_a_friendly_word_not_a_handoff(assistant):
    reply = assistant.reply("Hello!")
    assert not reply.handoff and reply.sources == [] and "ask" in reply.text.lower()


def test_an_opening_message_of_one_word_gets_a_question_back_with_the_articles_on_it(assistant):
    reply = assistant.reply("2FA?")
    assert not reply.handoff and reply.text.startswith("What would you like to know about 2FA?")
    assert reply.sources and reply.sources[0].doc_id == "account/two-factor-authentication"
    assert len({s.doc_id for s in reply.sources}) == len(reply.sources) <= 3
    assert all(f"[{i}]" in reply.text for i in range(1, len(reply.sources) + 1))


def test_one_word_the_knowledge_base_never_uses_is_not_a_topic(assistant):
    assert assistant.reply("zxqvw").handoff


def test_one_word_after_a_question_is_a_follow_up_not_a_topic(assistant):
    history = [("user", "How do I turn on two-factor authentication?"), ("agent", "Go to Settings → Security.")]
    assert "What would you like to know" not in assistant.reply("recovery?", history).text
    assert bare_topic("recovery?", history) is None
    assert bare_topic("recovery?", [("user", "hi"), ("agent", "Hi! Ask me anything")]) == "recovery"


@pytest.mark.parametrize("message", ["help", "how do I send an invoice?", "pdf broken", "the", "?", ""])
def test_a_question_or_a_word_that_names_no_topic_is_not_a_bare_topic(message):
    assert bare_topic(message) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("talk to a human", True),
        ("Can I speak with someone please?", True),
        ("I want a real person", True),
        ("representative", True),
        ("Agent please", True),
        ("connect me to customer service", True),
        ("How do I add an agent to my team?", False),
        ("Can my accountant talk to my clients?", False),
        ("Is the export human readable?", False),
        ("can I talk to a human being?", True),
        ("what quality of a human being is needed to lead a happy life", False),
        ("How do I reset my password?", False),
    ],
)
def test_asks_for_human(text, expected):
    assert asks_for_human(text) is expected


def test_asking_whether_a_person_answers_is_told_not_handed_off_but_asking_for_one_is(lenient):
    asked = lenient.reply("am I talking to a real person?")
    assert not asked.handoff and "automated assistant" in asked.text
    wanted = lenient.reply("are you a bot? I want a real person")
    assert wanted.handoff and wanted.handoff_reason == "customer_request"


def test_an_escalated_request_comes_with_the_article_on_what_the_rule_is_about(assistant):
    reply = assistant.reply("i got a new phone and now google authenticator is empty. how do i get into tally")
    assert reply.handoff and reply.handoff_reason == "escalation"
    assert [s.doc_id for s in reply.sources] == ["account/two-factor-authentication"]  # not "reset your password"


def test_a_dead_llm_endpoint_hands_off_instead_of_failing(tmp_path, kb, settings):
    dead = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    llm_settings = make_settings(tmp_path, llm_provider="openai", openai_base_url=dead, llm_timeout_seconds=2)
    provider = OpenAIProvider(llm_settings, kb.embedder)
    base = build_assistant(settings, kb)
    with pytest.raises(ProviderError):
        provider.answer("How do I reset my password?", base.evidence("How do I reset my password?"))
    a = Assistant(kb=kb, provider=provider, policy=HandoffPolicy(0.5), calibrator=base.calibrator,
                  unit_scorer=base.unit_scorer)
    reply = a.reply("How do I reset my password?")
    assert reply.handoff and reply.handoff_reason == "assistant_unavailable" and reply.confidence == 0.0


def test_an_answer_that_points_at_the_steps_below_comes_with_those_steps(lenient):
    reply = lenient.reply("My client says they never got the invoice email")
    text = reply.draft if reply.handoff else reply.text
    assert "follow the matching steps below" in text
    assert "Open the invoice." in text and "Activity" in text
    assert text.index("steps below") < text.index("Open the invoice.")


def test_a_list_of_related_articles_is_never_the_reply(lenient):
    reply = lenient.reply("refund policy")
    text = reply.draft if reply.handoff else reply.text
    assert "Related articles" not in text
    assert (reply.draft_sources if reply.handoff else reply.sources)[0].doc_id == "billing/refund-policy"


def test_a_section_whose_heading_names_the_question_is_preferred(lenient):
    reply = lenient.reply("how do I remove someone from my team?")
    text = reply.draft if reply.handoff else reply.text
    assert "Remove from team" in text


def test_how_to_do_what_a_section_is_named_for_gets_that_sections_steps(lenient):
    reply = lenient.reply("How do I create a recurring invoice?")
    assert "Go to Invoices → Recurring → New recurring profile." in reply.text and "Start profile" in reply.text


def test_a_follow_up_that_says_enough_on_its_own_is_answered_on_its_own_words(lenient):
    history = [
        ("user", "how do I void an invoice I sent by mistake?"),
        ("agent", "You can void it from the invoice's More menu; it keeps its number and gets a VOID watermark."),
    ]
    reply = lenient.reply("would i get that back on my 5 free invoices for the month?", history)
    assert "doesn't give back a Free plan invoice" in reply.text, reply.text


def test_agents_are_shown_only_the_signals_that_really_pulled_a_reply_down():
    from assistant.calibration import SHIPPED

    calibrator = Calibrator.load(SHIPPED)
    weak_retrieval = Signals(
        answerability=0.9, answerability_margin=0.5, retrieval=0.2, retrieval_margin=0.0, lexical=1.0,
        support=0.8, coverage=1.0, rare_terms=1.0, numbers=1.0, answer_type=1.0, rank=0.0, follow_up=0.0,
    )
    low = calibrator.explain(weak_retrieval)
    assert low[0] in {"retrieval", "retrieval_margin"}
    # high values are no shortfall, whatever sign a collinear weight gives them; nor is a signal the
    # calibrator barely weighs
    assert not {"answer_type", "rare_terms", "answerability", "coverage"} & set(low)


def test_a_short_follow_up_that_asks_for_a_kind_of_answer_gets_that_kind(lenient):
    first = lenient.reply("how do I connect LedgerSync?")
    reply = lenient.reply("how often does it sync?", [("user", "how do I connect LedgerSync?"), ("agent", first.text)])
    assert reply.text.startswith("Tally syncs every 15 minutes."), reply.text


def test_a_follow_up_whose_answering_sentence_was_the_whole_last_reply_is_not_sent_it_again(lenient):
    first = lenient.reply("when does my first payout arrive")
    assert not first.handoff and first.text.startswith("Your first payout arrives")
    again = lenient.reply("and after the first one?", [("user", "when does my first payout arrive"), ("agent", first.text)])
    assert again.handoff or again.text != first.text  # never the same sentence sent twice as the answer


def test_a_follow_up_answered_with_what_the_last_reply_said_goes_to_a_person(lenient):
    first = lenient.reply("how do I set up recurring invoices?")
    assert not first.handoff
    history = [("user", "how do I set up recurring invoices?"), ("assistant", first.text)]
    again = lenient.reply("how do I set up recurring invoices?", history)
    assert again.handoff and again.handoff_reason == "repeats_last_reply"
    assert again.draft == first.text and "repeats what the bot already said" in again.handoff_detail
    assert again.text == HANDOFF_TEXT["repeats_last_reply"]


def test_a_reply_repeats_the_last_one_when_nearly_all_of_its_words_are_in_it():
    from assistant.restate import repeats_last_reply

    said = "Go to Settings → Billing → Plan and click Choose plan under Starter or Pro. [1]"
    assert repeats_last_reply("Go to Settings → Billing → Plan, then click Choose plan under Pro. [1]", said)
    assert not repeats_last_reply("Downgrades take effect at the end of the billing period you've paid for. [1]", said)
    assert not repeats_last_reply("Click Choose plan.", said)  # too short to say
    assert not repeats_last_reply("Go to Settings → Billing → Plan and click Choose plan under Starter or Pro.", "")


def test_a_correction_gets_the_answer_about_what_the_customer_meant(lenient):
    question = "How many team members can I have on the Starter plan?"
    first = lenient.reply(question)
    reply = lenient.reply("no, I meant Pro", [("user", question), ("agent", first.text)])
    assert not reply.handoff, (reply.confidence, reply.handoff_detail)
    assert "Pro — Up to 10" in reply.text  # the row asked about, though the last reply quoted it too


def test_a_correction_to_a_request_that_needs_a_person_still_goes_to_a_person(assistant):
    question = "Can I get a refund on the Starter plan?"
    first = assistant.reply(question)
    assert first.handoff_reason == "escalation"
    reply = assistant.reply("I was asking about the Pro plan", [("user", question), ("agent", first.text)])
    assert reply.handoff and reply.handoff_reason == "escalation"


def test_what_about_another_plan_asks_the_last_question_again_of_that_plan(lenient):
    question = "how many team members on starter"
    first = lenient.reply(question)
    reply = lenient.reply("what about pro", [("user", question), ("agent", first.text)])
    assert not reply.handoff, (reply.confidence, reply.handoff_detail)
    assert "Pro — Up to 10" in reply.text  # not the paragraph on moving from Pro to Starter


def test_what_about_another_plan_after_a_request_that_needs_a_person_still_goes_to_a_person(assistant):
    question = "can I get a refund on the starter plan"
    first = assistant.reply(question)
    reply = assistant.reply("and on pro?", [("user", question), ("agent", first.text)])
    assert reply.handoff and reply.handoff_reason == "escalation"


def test_a_worker_started_before_the_first_ingest_scores_as_one_started_after_it(tmp_path, embedder):
    """Compose starts `serve` on an empty knowledge base, then ingests: the calibrator and threshold
    follow the knowledge base served, so the sample help centre's own recalibration applies once
    its articles are there (it had handed off every question until a restart)."""
    from ingest import Chunker, sync

    kb = KnowledgeBase(make_settings(tmp_path / "data"), embedder=embedder)
    try:
        early = build_assistant(kb.settings, kb)
        assert early.calibrator.applied is None  # nothing to recognise yet
        assert sync(kb, [SAMPLE_KB], chunker=Chunker(), max_doc_bytes=5_000_000).ok
        question = ANSWERABLE[2][0]
        started_after = build_assistant(kb.settings, kb)
        assert early.reply(question).confidence == pytest.approx(started_after.reply(question).confidence)
        assert early.calibrator.applied is not None and early.policy.threshold == started_after.policy.threshold
    finally:
        kb.close()


def test_steps_whose_heading_names_the_action_with_another_verb_are_the_answer(lenient):
    reply = lenient.reply("how do i set up a recurring invoice")
    assert "New recurring profile" in reply.text  # the steps, not only the sentence after them


def test_a_follow_up_about_one_thing_the_last_reply_said_gets_that_sentence_again(lenient):
    question = "what happens if the saved card charge on a recurring invoice fails?"
    first = lenient.reply(question)
    assert not first.handoff and "We retry automatically" in first.text
    history = [("user", question), ("agent", first.text)]
    detail = lenient.reply("how many times will you retry it?", history)
    assert not detail.handoff, detail.handoff_detail
    assert detail.text.startswith("We retry automatically 3, 5 and 7 days") and len(detail.text) < len(first.text) / 2
    # nothing new to say about it: a person, not the steps again
    stuck = lenient.reply("it still did not work", history)
    assert stuck.handoff and stuck.handoff_reason == "repeats_last_reply"


def test_steps_written_for_another_plan_than_the_one_asked_about_go_to_a_person(lenient):
    reply = lenient.reply("is it possible to charge late fees while on Starter?")
    assert reply.handoff and reply.handoff_reason == "low_confidence"
    assert reply.draft.startswith("Add late fees (Pro)")
    assert "the answer found is for Pro; the question asks about starter" in reply.handoff_detail
    assert not lenient.reply("how do I add late fees to overdue invoices?").handoff  # for whoever has them
