"""The kind of answer a question asks for, and whether a sentence holds one."""

from __future__ import annotations

import pytest

from assistant.terms import QuestionTerms, same_actions
from knowledge.lexical import tokenize


def _terms(question: str) -> QuestionTerms:
    return QuestionTerms.of(question, lambda word: 1.0)


def test_how_many_asks_for_a_number_and_a_sentence_with_one_holds_it():
    terms = _terms("How many API keys can I have?")
    assert terms.answer_type == "number"
    assert terms.type_found("You can have up to **5 active keys** of each type.") == 1.0
    assert terms.type_found("Store the key in a password manager.") == 0.0


def test_whats_and_hows_are_question_words_not_terms():
    assert "what" not in _terms("whats the minimum ios version").terms
    assert "what" not in _terms("What’s the minimum iOS version?").terms
    assert "how" not in _terms("hows the sync going").terms


def test_a_steps_place_in_its_list_is_not_a_number_in_the_answer():
    terms = _terms("How many API keys can I have?")
    assert terms.type_found("2. Click **Create API key**.") == 0.0
    assert terms.type_found("3) Choose the access level.") == 0.0
    assert terms.type_found("2. Choose up to 10 endpoints.") == 1.0


def test_a_question_that_asks_for_no_kind_of_answer_is_neutral():
    assert _terms("Can I change my email address?").type_found("Go to Settings.") == 0.5


def test_how_often_asks_for_a_frequency_not_any_number():
    terms = _terms("How often does the accounting sync run?")
    assert terms.answer_type == "frequency"
    assert terms.type_found("The sync runs every 15 minutes.") == 1.0
    assert terms.type_found("Invoices are sent monthly or yearly.") == 1.0
    assert terms.type_found("To sync right away, click Sync now.") == 0.0
    assert terms.type_found("Step 2 of the sync asks for 3 accounts.") == 0.0


def test_once_is_a_number_of_times_not_the_once_that_opens_a_clause():
    terms = _terms("how long does verification take?")
    assert terms.type_found("Once Tally Payments is active, invoices show a Pay now button.") == 0.0
    assert terms.type_found("Invoices show a Pay now button once your account is verified.") == 0.0
    assert terms.type_found("Each recovery code works once.") == 1.0
    assert terms.type_found("It is charged once a year.") == 1.0
    assert _terms("how often are receipts sent?").type_found("Once a month, by email.") == 1.0


def test_how_long_verification_takes_gets_its_time_not_what_happens_after_it(sample_assistant):
    from tests.bot_replies import said

    text = said(sample_assistant.reply("how long does verification take for tally payments"))
    assert text.startswith("Most accounts are verified within 1–2 business days")


def test_what_time_asks_for_a_time_of_day_not_any_date():
    terms = _terms("What time are the daily exports created?")
    assert terms.answer_type == "clock"
    assert terms.type_found("Exports are created at **06:00** in your time zone.") == 1.0
    assert terms.type_found("They go out at 9 am.") == 1.0
    assert terms.type_found("In shorter months, exports are created on the last day of the month.") == 0.0


def test_asking_for_the_biggest_or_the_limit_asks_for_a_number():
    for question in ("whats the biggest csv file i can import", "What is the maximum file size?", "what are the limits?"):
        assert _terms(question).answer_type == "number", question
    terms = _terms("whats the biggest csv file i can import")
    assert terms.type_found("- Up to 5,000 rows and 10 MB per file.") == 1.0
    assert terms.type_found("3. Click Upload CSV and choose your file.") == 0.0
    assert _terms("what is the best plan for a freelancer?").answer_type == ""


def test_how_do_i_asks_for_what_to_do_not_what_happens():
    for question in ("how do I mark an invoice as paid?", "How can we add a team member", "how to export clients"):
        assert _terms(question).answer_type == "procedure", question
    terms = _terms("how do I mark an invoice as paid?")
    assert terms.type_found("1. Open the invoice.") == 1.0
    assert terms.type_found("Go to **Payments → Record payment** and enter the amount.") == 1.0
    assert terms.type_found("To record a payment by bank transfer, open the invoice and click Record payment.") == 1.0
    assert terms.type_found("If the credit covers the whole balance, the invoice is marked **Paid**.") == 0.0
    assert _terms("how does a credit note work?").answer_type == ""


def test_numbers_in_words_meet_numbers_in_digits():
    terms = _terms("can a recurring invoice go out every two weeks?")
    assert terms.coverage("Frequency: weekly, every 2 weeks or monthly") > terms.coverage("Frequency: weekly or monthly")
    assert _terms("can I refund one of them?").coverage("Refund 1 payment") == _terms("can I refund one of them?").coverage("Refund payment")


def test_a_follow_up_without_an_action_of_its_own_inherits_the_earlier_one():
    follow_up = _terms("what if I lose my phone?").inheriting_actions("how do I turn on 2FA?")
    assert follow_up.opposes("To turn 2FA off, click Turn off two-factor authentication.")
    assert not follow_up.opposes("To move to a new phone, scan the new QR code.")
    own = _terms("and how do I turn it off?").inheriting_actions("how do I turn on 2FA?")
    assert own.opposes("Click Turn on to enable it.") and not own.opposes("Click Turn off.")


def test_a_section_is_about_the_opposite_only_when_all_of_its_heading_is():
    from assistant.reader import _section_opposes

    terms = _terms("How do I turn on 2FA?")
    assert _section_opposes(terms, "Security > Turn off 2FA")
    assert not _section_opposes(terms, "Security > Turn off 2FA or replace your phone")
    assert not _section_opposes(terms, "Security > Set up 2FA")
    assert _section_opposes(terms, "Security > Disable 2FA")  # a short heading is still a topic
    assert _section_opposes(terms, "Security > Turn 2FA off for one member or admin")  # "admin" alone is none


def test_ending_something_is_the_opposite_of_setting_it_going():
    from assistant.reader import _section_opposes

    stop = _terms("how do I stop a recurring invoice?")
    assert _section_opposes(stop, "Recurring invoices > Create a recurring profile")
    assert not _section_opposes(stop, "Recurring invoices > Edit, pause or stop a profile")
    assert stop.opposes("Turn on automatic reminders so unpaid invoices get followed up.")
    assert not stop.opposes("Recurring invoices are available on the Starter and Pro plans.")  # a plan, not an action
    assert _terms("how do I create an API key?").opposes("You can delete a key at any time.")


def test_undoing_an_action_is_the_opposite_of_doing_it():
    from assistant.reader import _section_opposes

    undo = _terms("how do i undo cancelling my plan")
    assert undo.opposes("Click Cancel subscription.")
    assert _section_opposes(undo, "Change or cancel your plan > Cancel your plan")
    assert not undo.opposes("Before the period ends, click Resume subscription.")
    assert not _section_opposes(undo, "Cancel your plan > Changed your mind?")
    reverse = _terms("can I reverse the deletion of my account?")
    assert reverse.opposes("Type your business name to confirm, then click Delete account.")
    assert not reverse.opposes("Only the Owner can ask for it to be restored.")
    assert not reverse.opposes("Create an account to start invoicing.")  # not "undo deleting" = "create"
    # a thing undone, or "reverse" as an adjective: no action undone
    assert _terms("how do I undo a payment I recorded by mistake?").actions == ()
    assert _terms("how does reverse charge VAT work?").actions == ()
    assert _terms("what is reverse osmosis").actions == ()


def test_a_how_to_question_names_the_action_it_asks_about():
    from assistant.terms import asked_verb
    from knowledge.stemming import stem

    assert asked_verb("how do I edit an invoice after sending it?") == "edit"
    assert asked_verb("How can we quickly export our invoices?") == "export"
    assert asked_verb("can I delete a client?") == stem("delete") == stem("deleting")
    assert asked_verb("what does the Free plan include?") == ""


def test_done_by_hand_is_the_opposite_of_done_automatically():
    from assistant.reader import _section_opposes

    automatic = _terms("can I send the same invoice every month automatically?")
    assert automatic.opposes("You can send one manual reminder per invoice every 24 hours.")
    assert _section_opposes(automatic, "Reminders > Send a reminder by hand (all plans)")
    assert not automatic.opposes("Recurring invoices send the same invoice on a schedule, automatically.")
    assert _terms("how do I send a reminder manually?").opposes("Turn on automatic reminders.")


def test_when_asks_for_a_date_only_as_a_question_word_not_as_a_conjunction():
    for question in ("When will my payout arrive?", "when does the trial end", "so the refund comes by when?",
                     "when's my next invoice due"):
        assert _terms(question).answer_type == "date", question
    for question in ("error 500 when I open an invoice", "what happens when I downgrade?",
                     "the app freezes when uploading a logo"):
        assert _terms(question).answer_type != "date", question


def test_a_heading_may_name_the_asked_action_with_another_verb_for_it():
    from assistant.terms import QuestionTerms

    def names(question: str, heading: str) -> bool:
        return QuestionTerms.of(question, lambda word: 1.0).starts_with_action(heading)

    assert names("how do I set up a recurring invoice?", "Create a recurring profile")
    assert names("how can I change an invoice I sent?", "Edit an invoice")
    assert not names("how do I set the payment terms?", "Create a recurring profile")  # "set" alone is no creating
    assert not names("how do I set up a recurring invoice?", "Delete a recurring profile")



def test_what_something_costs_asks_for_an_amount_of_money():
    for question in ("what does pro cost per year", "What would the Starter plan cost us?", "what do extra seats cost",
                     "how much does a dispute cost me", "how much do they take per payment?", "what's the fee for a chargeback?",
                     "how much will I be charged"):
        assert _terms(question).answer_type == "money", question
    assert _terms("does it cost anything to export?").answer_type == ""
    for noun in ("what does the cost include?", "What do I do if the cost is wrong?", "what does cost center mean?",
                 "What does the shipping cost cover?"):
        assert _terms(noun).answer_type not in ("number", "money"), noun
    for number in ("how much storage do I get?", "how much time does it take?", "how many invoices can I send?"):
        assert _terms(number).answer_type == "number", number


def test_an_amount_of_money_is_a_price_or_a_fee_not_any_number():
    terms = _terms("how much does a dispute cost me")
    assert terms.type_found("You have 7 days from when the dispute opens to respond.") == 0.0
    assert terms.type_found("We take the disputed amount plus a $15 dispute fee.") == 1.0
    assert terms.type_found("The fee is 2.9% + 30¢ per payment.") == 1.0
    assert terms.type_found("It costs 15 EUR.") == 1.0
    assert terms.type_found("Bank transfers are free.") == 1.0


def test_a_heading_names_a_cost_by_its_price():
    terms = _terms("what does Pro cost?")
    assert terms.heading_coverage("Prices") == 0.5  # "cost" named as "Prices"; "Pro" not
    assert terms.heading_coverage("Pricing for Pro") == 1.0
    assert terms.heading_coverage("Fees") == 0.0  # a fee is not the price asked
    assert terms.coverage("Prices") == 0.0  # what the unit scorer reads stays word for word


def test_where_can_i_asks_for_the_way_there_in_the_app_not_a_place():
    for question in ("where can i see why it failed", "Where do we upload our logo?", "where can I look up the decline code"):
        terms = _terms(question)
        assert terms.answer_type == "procedure", question
        assert terms.type_found("Go to **Payments → Transactions** and click the payment.") == 1.0
        # a capitalised word is no way there ("Your card was declined" is what clients see)
        assert terms.type_found("Clients see a plain message such as `Your card was declined.`") == 0.0
    assert _terms("where are your servers?").answer_type == "place"
    assert _terms("where is my data hosted").answer_type == "place"


def test_what_version_asks_for_a_version_number():
    terms = _terms("what android version do I need")
    assert terms.answer_type == "number"
    assert terms.type_found("The apps need iOS 16 or later or Android 10 or later.") == 1.0
    assert terms.type_found("Install the app from Google Play.") == 0.0
    assert _terms("what version of the app has offline mode").answer_type == ""  # which release, not a number


def test_where_should_i_keep_something_asks_for_a_place_not_a_way_in_the_app():
    assert _terms("where should i keep those, just screenshot on my phone?").answer_type == "place"
    assert _terms("where do i keep my recovery codes").answer_type == "place"
    assert _terms("where can i change the date format").answer_type == "procedure"


def test_adding_a_person_is_inviting_them():
    """"Invite someone" is the heading of the steps to "add a team member"."""
    assert tokenize("invite")[0] in same_actions(tokenize("add")[0], "how do I add a team member?")


def test_a_follow_up_asking_to_do_something_else_inherits_no_action():
    """After "how do I create a credit note?", "can I edit it after?" is about editing: a section on
    changing or cancelling one is no opposite of what it asks."""
    earlier = "how do I create a credit note?"
    assert not _terms("can I edit it after?").inheriting_actions(earlier).opposes("Change or cancel a credit note")
    assert _terms("what if the client is wrong?").inheriting_actions(earlier).opposes("Cancel a credit note")
    # its standalone form carries the earlier words ("create") to find the documents, not as its action
    standalone = _terms("can I edit it after? create credit note")
    assert standalone.opposes("Change or cancel a credit note")
    assert not standalone.acting_as("can I edit it after?", earlier).opposes("Change or cancel a credit note")
    assert standalone.acting_as("what if the client is wrong?", earlier).opposes("Cancel a credit note")


def test_when_is_answered_by_a_date_a_time_of_day_or_a_span_not_by_any_before_or_after():
    """"when are reminders sent?" had "Automatic reminders apply to all unpaid invoices …, including
    ones you sent before turning reminders on" (its "before" read as a date) over "Reminders go out
    at 09:00", which holds a time of day and no date (QA, sent at 0.98)."""
    terms = _terms("when are reminders sent?")
    assert terms.type_found("Reminders go out at **09:00** in your account's time zone.") == 1.0
    assert terms.type_found("They go out at 9 am.") == 1.0
    assert terms.type_found("Each rule is sent 3 days before the due date.") == 1.0
    assert terms.type_found("You keep your plan until the end of the billing period.") == 1.0
    assert terms.type_found("The change takes effect straight away.") == 1.0
    assert terms.type_found("Soon after, Thomas Carr published the words and music together.") == 1.0
    assert terms.type_found("Reminders apply to all unpaid invoices, including ones you sent before turning reminders on.") == 0.0
    assert terms.type_found("Reminders stop after you mark the invoice paid.") == 0.0


def test_a_heading_names_a_word_in_another_form_but_not_another_word_it_starts():
    terms = _terms("how do I change the owner of the account?")
    assert terms.heading_coverage("Transfer ownership") == pytest.approx(1 / 3)  # "owner", as "ownership"
    assert _terms("can I add an account?").heading_coverage("Invite your accountant") == 0.0
    assert _terms("what is invoicing?").heading_coverage("Send an invoice") == 1.0


def test_changing_the_owner_gets_how_to_transfer_ownership(sample_assistant):
    from tests.bot_replies import said

    text = said(sample_assistant.reply("how do I change the owner of the account?"))
    assert "Make Owner" in text
    assert "payout" not in text.lower()


def test_a_follow_up_asking_about_a_state_keeps_the_conversations_words_as_no_action():
    """"how long until it unlocks?" after "it says my account is locked" asks how long the lock
    lasts: the section "If you're locked out" is no opposite of it (it had been set aside, and the
    inactive-accounts section drafted instead)."""
    standalone = _terms("how long until it unlocks says account locked")
    asked = standalone.acting_as("how long until it unlocks", "it says my account is locked")
    assert not asked.opposes("If you're locked out")


def test_a_follow_up_asking_what_happens_if_the_customer_does_the_opposite_is_about_that():
    """"what happens if I disconnect it?" after "how do I connect LedgerSync?" asks about
    disconnecting: the Disconnect section is no opposite of it (it had been set aside, and "Fix the
    cause, then click Retry." sent at 0.87)."""
    standalone = _terms("what happens if i disconnect it connect ledgersync")
    asked = standalone.acting_as("what happens if i disconnect it", "how do i connect ledgersync")
    assert not asked.opposes("LedgerSync > Disconnect")
    assert asked.opposes("LedgerSync > Connect LedgerSync")


def test_what_happens_if_i_disconnect_it_gets_the_disconnect_section(sample_assistant):
    from tests.bot_replies import said

    history = [("user", "how do i connect ledgersync"),
               ("agent", "Go to Settings → Integrations → LedgerSync and click Connect.")]
    text = said(sample_assistant.reply("what happens if i disconnect it", history))
    assert "disconnect" in text.lower() and "Retry" not in text


def test_a_reply_says_what_to_do_when_a_step_or_sentence_of_it_is_an_instruction():
    from assistant.answer_types import says_what_to_do

    assert says_what_to_do("Record the payment when it arrives.\n1. Open the invoice.\n2. Click **Record payment**.")
    assert says_what_to_do("To change it, go to **Payments → Payouts → Schedule**.")
    assert not says_what_to_do("If the credit covers the whole balance, the invoice is marked **Paid**.")


def test_a_how_to_question_answered_with_nothing_to_do_goes_to_a_person(sample_assistant):
    from assistant.answer_types import says_what_to_do

    reply = sample_assistant.reply("how do i mark an invoice as paid")
    # the knowledge base's nearest sentence says when an invoice is marked paid, not how to mark it
    assert reply.handoff or says_what_to_do(reply.text)
    if reply.handoff and not says_what_to_do(reply.draft or ""):
        assert "nothing to do" in (reply.handoff_detail or "")
