"""A question a section's heading asks ("what gets synced?" under "What syncs") is answered by that
section from its start, whole: not by the sentence after its table, nor by a neighbouring section
whose heading shares as many of the question's words ("How often it syncs")."""

from __future__ import annotations

import pytest

from assistant.restated_headings import asked_which, asks, restates, section_start
from knowledge.lexical import tokenize
from tests.bot_replies import said


def _restates(question: str, heading: str) -> bool:
    return restates(asks(question), tokenize(question), heading, asked_which(question))


@pytest.mark.parametrize(
    ("question", "heading"),
    [
        ("what gets synced to ledgersync?", "LedgerSync > What syncs"),
        ("how often does it sync", "LedgerSync > How often it syncs"),
        ("how many people can I add?", "Team members > How many people can you add?"),
        ("so what can I import", "CSV import and export > What you can import"),
        # a heading naming what its section lists, for a question asking which of them
        ("what events can webhooks send?", "API keys and webhooks > Webhooks > Events"),
        ("which roles are there", "Team members and roles > Roles"),
        ("what error messages can a PDF show", "PDF not generating > Error messages"),
        ("what evidence should I upload", "Chargebacks and disputes > Evidence that helps"),  # opens with it
    ],
)
def test_a_question_the_heading_asks_restates_it(question, heading):
    assert _restates(question, heading)


@pytest.mark.parametrize(
    ("question", "heading"),
    [
        ("how often does it sync", "LedgerSync > What syncs"),  # asks another thing of it
        ("what gets synced?", "LedgerSync > How often it syncs"),
        ("how do I import clients", "CSV import and export > What you can import"),
        ("what can I import from a spreadsheet", "CSV import and export > Import step by step"),  # no question heading
        ("when can I get a refund", "Refund policy > When you can get a full refund"),  # a word of it unsaid
        ("what is it", "API keys > How it works"),  # a heading of no words of its own
        ("when are events sent", "Webhooks > Events"),  # asks no which
        ("what happens to events when my endpoint fails", "Webhooks > Events"),  # asks which of something else
        ("what fees does a refund have", "Card payments > Refund fees for card payments made abroad"),  # a sentence, no name
        ("what invoice template can I use", "Currencies > Invoice in another currency"),  # opens with it, a sentence
        ("what cards do you accept", "Security > Card details"),  # opens with it, and names something else of it
    ],
)
def test_a_question_the_heading_does_not_ask_does_not_restate_it(question, heading):
    assert not _restates(question, heading)


def test_the_section_starts_at_its_first_unit_that_is_not_left_out():
    assert section_start(["What syncs", "Data flows one way:", "- Clients"], [True, False, False]) == 1
    assert section_start(["What syncs"], [True]) is None


def test_the_thing_a_question_asks_which_of_is_the_word_after_what_or_which():
    assert asked_which("so what events can webhooks send?") == "event"
    assert asked_which("Which roles are there") == tokenize("roles")[0]  # as the lexical index stems it
    assert asked_which("what is a webhook") == asked_which("what do I do now") == asked_which("how do I add one") == ""


def test_which_events_webhooks_send_gets_the_events_table(sample_assistant):
    text = said(sample_assistant.reply("what events can webhooks send"))
    assert "`invoice.paid`" in text and "`dispute.created`" in text
    assert "Add endpoint" not in text


def test_what_gets_synced_gets_the_whole_table_of_what_syncs(sample_assistant):
    text = said(sample_assistant.reply("what gets synced to ledgersync"))
    assert text.startswith("Data flows one way")
    assert "Sent invoices" in text and "Exchange gains and losses" in text  # every row, not the best few
    assert "every 15 minutes" not in text
