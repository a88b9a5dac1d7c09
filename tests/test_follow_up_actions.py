"""A follow-up that asks to do something else is about that action, not the one asked before:
after "how do I create a credit note?", "can I edit it after?" had been sent, at 0.99, which
situations call for a credit note (the section on changing one read as the opposite of creating),
and then the cases of a wrong credit note without the sentence that says it can't be edited."""

from __future__ import annotations

from tests.bot_replies import said


def test_editing_a_credit_note_after_creating_one_gets_that_it_cannot_be_edited(sample_assistant):
    first = "how do I create a credit note?"
    reply = sample_assistant.reply(first)
    text = said(sample_assistant.reply("can I edit it after?", [("user", first), ("agent", reply.text)]))
    assert "can't be edited or deleted" in text
    assert "Void credit note" in text
    assert "When to use" not in text and "You want to refund a client" not in text
