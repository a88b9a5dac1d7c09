"""Which reading to answer from: the reader's verdict, weighed with retrieval's.

    score = answerability (best unit's answer probability) + RETRIEVAL_WEIGHT * fused retrieval score
            + UNIT_WEIGHT * the best unit's cosine similarity to the question
            + HEADING_WEIGHT * the share of the question's words in the passage's section heading
            + VERB_WEIGHT if a part of that heading ("Edit, pause or stop a profile"), or a control
              the best unit names ("click **Roll key**"), starts with the action a how-to question
              asks about
            + SECTION_WEIGHT * the cosine of the question to the passage's section ("Title > Heading")
            + NEVER_CAME_WEIGHT if the question says something never came and so does that heading
            + MOMENT_WEIGHT if that heading names the moment asked about ("Before you delete")
            + CODE_WEIGHT if the passage quotes every code the question quotes ("PDF-422", `expired_card`)
            + ROW_KEY_WEIGHT if its answer is a table row the question names by its first cell, or a
              column it names by its heading ("what can an accountant see?"); ROW_TOPIC_WEIGHT more
              when it asks nothing of the row but what it says
            - OPPOSED_SECTION_WEIGHT if its section names the opposite of the action asked, and not
              the action itself ("What you can import > File requirements" for "what file formats can
              I export?")
            + ARTICLE_WEIGHT if it is of the article a follow-up's conversation is in
              (`assistant.conversation_article`)

Measured on DEV (answerable questions; the chosen passage is from a gold document), for weights
0 / 0.5 / 1 / 2 / 4 / retrieval order alone: clapnq 0.872 / 0.928 / 0.933 / 0.956 / 0.950 / 0.956;
mtrag_govt_cloud 0.597 / 0.659 / 0.668 / 0.668 / 0.662 / 0.651; sample help centre 0.825 / 0.921 /
0.984 / 0.984 / 0.952 / 0.921. The reader alone picks sentences that read like answers in
off-topic passages; retrieval alone misses the section that answers among several on topic.
Adding the best unit's similarity (weight 1, with retrieval at 2) lifts mtrag to 0.682 and leaves
the others unchanged: a table or a long chunk embeds worse as a whole than its answering row.

The section heading ("Remove a team member" for "how do I remove someone from my team?") counts
on its own: only the sample help centre has headings among the DEV sets (clapnq and mtrag are
unchanged), where weights 0.3 / 0.45 / 0.6 / 1.0 moved token-F1 0.419 -> 0.419 / 0.419 / 0.427 /
0.433 and AUROC 0.879 -> 0.885 / 0.885 / 0.885 / 0.888, and from 0.6 on one fewer question was
sent right (the intro of the right article lost to a section of another whose heading matched).
Help-centre headings name an action ("Edit an invoice", "Send an invoice"): for "how do I edit an
invoice after sending it?" both share two of its words, and "edit the subject and message" under
"Send an invoice" read as the better answer. The heading that starts with the verb the question
asks about ("how do I edit", "can I delete") adds VERB_WEIGHT. Sample help centre DEV, 0.3: AUROC
0.920 -> 0.923, two unanswerable questions less sure (0.54 -> 0.16, 0.19 -> 0.07), no reply
changed; 0.6: a right reply sent at 0.95 was handed off (a receipts question's answer lost to
"Download …"). The sample test split unchanged; clapnq and mtrag have no headings. A control in
bold that the best unit names counts the same: "how do I roll an API key?" got the steps to create
one at 0.90 (sent), not "If a key may have leaked, click **Roll key**" (sample DEV and test: no
reply, draft or confidence changed; clapnq and mtrag have no bold text).
A unit about the opposite of the action asked, and a heading's part about it, count for nothing
here: "To turn 2FA off, …" is as like "how do I turn on 2FA?" as any sentence, and its section
("Turn off 2FA or replace your phone") came first with the turn-off sentence as its answer (DEV
and the sample test split: no reply changed).
A heading that names several actions names each ("Edit, pause or stop a profile", "Void or delete
an invoice"; `reader.names_action`): "how do I pause a recurring invoice?" got "choose More →
Pause reminders" (handed off at 0.80) over the section on pausing the profile. Sample DEV: one right
reply now opens with the section on voiding or deleting an invoice instead of how to delete a
payment, but less sure (0.78 -> 0.56), and an unanswerable question got 0.54 instead of 0.16
(still handed off): AUROC 0.918 -> 0.913, ECE 0.081 -> 0.075.
The test split unchanged; clapnq and mtrag have no headings.
The heading's words miss what it means: "Prices" shares no word with "what does the Pro plan
cost?" (a few words that mean the same count, `terms.same_words`: "Prices" names a cost).
The question's cosine to the section path ("Tally plans and pricing > Prices", embedded like a
query; an article's introduction, under no heading, by its title) adds SECTION_WEIGHT times
itself, in a knowledge base with headings. Sample help centre, the shipped calibrator, 0 -> 1:
DEV token-F1 0.442 -> 0.482, gold cited 0.984 -> 1.000, AUROC 0.923 -> 0.918, answerable sent and
correct 0.587 -> 0.556 (two right replies less sure); the test split token-F1 0.385 -> 0.393, gold
cited 0.811 -> 0.865, AUROC 0.868 -> 0.855, sent and correct 0.486 -> 0.486. Scoring only the
passages under a heading (0 for introductions) gave the test split AUROC 0.874, but it favours any
section over the introduction: "Can I invoice a client in euros?" lost "you can invoice them in
their own currency" to the list of currency codes. Titles alone, where no passage has a heading
(clapnq and mtrag): gold cited clapnq 0.972 -> 0.950, mtrag 0.719 -> 0.710; so not there.
A code the customer quotes from a screen ("PDF-422", `expired_card`, "INV-0231") that the passage
quotes too adds CODE_WEIGHT: "PDF-422 when i try to download" got the download troubleshooting
section over the table of error messages that names PDF-422 (sample DEV, 201 questions: that reply
now right; clapnq and mtrag DEV: no reply changed, 2 and 3 of their questions quote a code).
For a how-to question whose best passage answers with no instruction, a passage of the same article
among the next five, within SAME_ARTICLE_MARGIN and answering with an instruction, goes first
(`_steps_first`): "how do i set up 2fa" got the sentence that team members are asked to set it
up, not the steps. DEV: sample one wrong reply no longer sent (0.85 -> 0.43), AUROC 0.848 ->
0.853; mtrag two drafts, no label; clapnq and the sample test split unchanged.
A section whose heading names the opposite of the action asked, and not the action itself, loses
OPPOSED_SECTION_WEIGHT: "what file formats can I export?" got the import section's file
requirements, sent at 0.89 (the units name no import, so none is left out as opposed; the heading
does). Sample DEV: one draft better ("the qr code won't scan" now gets the turn-on steps with
"Enter the key manually", not "Reset authenticator app" under "Turn off 2FA or replace your
phone"); no label changed on any set, and the test split, clapnq and mtrag are unchanged (weight
1.0: the same).
A section whose heading says something never came ("If the reset email doesn't arrive") adds
NEVER_CAME_WEIGHT for a question that says so ("i didnt get the password reset email", sent the
reset steps at 0.91; `terms.says_never_came`): those questions now get the section, handed off at
0.78-0.83 with it as the draft. Sample DEV and test: no reply, draft or confidence changed;
clapnq and mtrag have no headings.
A section whose heading names the moment asked about ("Before you delete" for "what should I do
before deleting my account?"; `terms.asked_moment`: the same "before" or "after" and the same
action) adds MOMENT_WEIGHT: the steps to delete had been the draft at 0.77 (0.36 ahead; 0.5 left
"is there anything I need to do before I delete my account" 0.11 behind, hence 0.8). Sample DEV and
test: no reply, draft or confidence changed; clapnq and mtrag have no headings.
A bonus for a passage with numbered steps when the question asks how to do something (0.3 / 0.6)
was tried and not kept: mtrag DEV within 0.003, and on the sample help centre's DEV a right answer
("you can't edit a credit note: void it") lost to a section of steps.
An article whose title starts with the action a how-to question asks ("Accept card payments with
Tally Payments and get paid out" for "how do I accept card payments?") counts as a heading naming
it, once (`_titled_for_the_action`): "Update your payment card", whose heading names a card and a
payment, had come first with the steps to change the card for one's own subscription. And a how-to's
best passage with steps of its own keeps its place (`compose.quote` quotes them): `_steps_first` had
put "**Payments → Payouts** lists each payout" (read as an instruction) before the setup steps. DEV:
no label changed on any set; one unanswerable draft less sure (0.54 -> 0.19), four mtrag drafts changed.
A section whose heading is the question asked ("What syncs" for "what gets synced?"), or names what
it lists when the question asks which of them ("Events" for "what events can webhooks send?"), adds
RESTATED_WEIGHT and is answered from its start, whole (`QuestionTerms.restates`,
`assistant.restated_headings`). QA: the two had been sent "To sync right away, …" at 0.95 and the
steps to add an endpoint at 0.99. DEV: no reply changed on any set (few customers ask in a heading's words).
A message that only says something fails ("my 2fa code doesn't work", `QuestionTerms.only_fails`)
and asks no action takes HOW_TO_FOR_FAULT_WEIGHT off a section named for doing something: "Turn off
2FA or replace your phone" had come first with how to turn 2FA off (drafted at 0.85, over the
section "`Invalid verification code.`"). Counted for any fault, it cost a right follow-up ("the
payment already failed yesterday tho. do i have to wait …", answered under "Update your payment
card"); for a message asking nothing else, sample DEV and test: no reply changed.
"""

from __future__ import annotations

import re

import numpy as np

from assistant.answer_types import is_instruction
from assistant.definitions import introduces, names
from assistant.reader import TYPED_ANSWERS, Reading, names_action, section_topic
from assistant.table_columns import named_column, names_row
from assistant.terms import QuestionTerms, asked_moment, says_never_came
from assistant.unit_kinds import is_step, row_key
from knowledge.lexical import tokenize

RETRIEVAL_WEIGHT = 2.0
UNIT_WEIGHT = 1.0
HEADING_WEIGHT = 0.5
VERB_WEIGHT = 0.3
SECTION_WEIGHT = 1.0
CODE_WEIGHT = 0.5
ROW_KEY_WEIGHT = 0.4  # the answer is the row the question names by its key, or the column it names
# ... and the question asks nothing of that row but what it says (`names_row`): "what does Pro
# cost?" got the upgrade example "moving from Starter ($12) to Pro ($29) … costs about $8.50
# today", sent at 0.94, with 0.4 alone (stop 34)
ROW_TOPIC_WEIGHT = 0.4
# taken off a passage whose answer lacks the kind asked for ("how much do they take per payment?":
# "The Free plan lets you send 5 invoices per calendar month", no price, was sent at 0.95)
UNTYPED_WEIGHT = 0.5
OPPOSED_SECTION_WEIGHT = 0.5  # taken off a passage whose section names the opposite of the action asked
# a passage whose section heading says something never came ("If the reset email doesn't arrive"),
# for a question saying so ("i didnt get the password reset email"), against the steps to ask for it
# ("Reset a forgotten password", 0.28 ahead) and what to do when its link has expired (0.53 ahead
# for "I never received the password reset link")
NEVER_CAME_WEIGHT = 0.6
# a passage whose section heading names the moment asked about ("Before you delete" for "what should
# I do before deleting my account?", 0.36 behind the steps to delete)
MOMENT_WEIGHT = 0.8
# a passage opening what introduces the thing a question asks to be told what it is ("what does a
# credit note do?": the credit-note article's opening, 0.43 behind "Change or cancel a credit note")
DEFINED_WEIGHT = 0.6
# a passage whose section heading is the question asked ("What syncs" for "what gets synced?"),
# 0.46 behind the section on how often it syncs
RESTATED_WEIGHT = 0.6
# a passage of the article a follow-up's conversation is in (`assistant.conversation_article`).
# Sample DEV, 0 / 0.3 / 0.5 / 0.8 / 1.0: gold cited 0.810 / 0.816 / 0.822 / 0.825 / 0.825, replies
# sent 133 / 133 / 131 / 130 / 130 at precision 0.880 / 0.880 / 0.885 / 0.892 / 0.892 (two wrong
# sends gone, "and our vat reg number, where does that go" had the receipts' VAT details at 0.91),
# AUROC 0.841 / 0.838 / 0.837 / 0.838 / 0.838; one right reply less sure (0.98 -> 0.76: the locked-
# out article's "wait 15 minutes, then try again or reset your password" over the reset article's
# "resetting doesn't unlock it sooner"). mtrag DEV: two drafts changed up to 0.8, and at 1.0 "What is
# a galaxy?" (one word: read as a follow-up) left its gold passage. The sample test split and clapnq
# (no conversations) unchanged.
ARTICLE_WEIGHT = 0.8
# taken off a section named for an action ("Turn off 2FA or replace your phone") when the question
# says something fails and asks no action ("my 2fa code doesn't work"): the customer tried the
# how-to; what goes wrong is answered elsewhere ("`Invalid verification code.`")
HOW_TO_FOR_FAULT_WEIGHT = 0.5
SAME_ARTICLE_MARGIN = 0.3  # a how-to's steps, this close behind a sentence of the same article, go first
SAME_ARTICLE_LOOKS = 6  # among the best this many passages


_CONTROL = re.compile(r"\*\*([^*]+)\*\*")


def _names_the_row(reading: Reading, terms: QuestionTerms) -> bool:
    """The answer is a row the question names by its key: "Starter — $12 / month" for "how much is
    Starter?", "Team members — 1 — Up to 3" for "how many team members can I have?"."""
    units = reading.passage.units
    key = set(tokenize(row_key(list(units), reading.best_unit))) if units else set()
    return bool(key) and key <= set(terms.terms)


def _asks_of_the_row(reading: Reading, terms: QuestionTerms) -> bool:
    """... and asks nothing of it but what it says (`table_columns.names_row`)."""
    units = reading.passage.units
    return bool(units) and names_row(units, reading.best_unit, terms, reading.passage.hit.chunk.heading)


def _names_the_column(reading: Reading, terms: QuestionTerms) -> bool:
    """The answer is a column the question names by its heading ("what can an accountant see?")."""
    column = named_column(reading.passage.units, terms)
    return column is not None and column.start < reading.best_unit < column.end


def _control_named(reading: Reading, terms: QuestionTerms) -> bool:
    """The answer names a control that does the action asked: "click **Roll key**" for "how do I roll a key?"."""
    units = reading.passage.units
    unit = units[reading.best_unit] if units else ""
    return any(terms.starts_with_action(label) for label in _CONTROL.findall(unit))


def _names_the_action(reading: Reading, terms: QuestionTerms) -> bool:
    """Its section heading ("Edit an invoice") or a button its answer names ("click **Roll key**")
    is the action a how-to question asks about."""
    return names_action(terms, reading.passage.hit.chunk.heading) or _control_named(reading, terms)


def _titled_for_the_action(reading: Reading, terms: QuestionTerms) -> bool:
    """Its article's title starts with the action a how-to question asks: "Accept card payments and
    get paid out" for "how do I accept card payments?" (its "Set up Tally Payments" had been 0.30
    behind "Update your payment card", the steps to change the card one pays one's own subscription
    with). Counted as a heading naming it is, once: "Change your email address" must not lift its
    "Changing the Owner's email" twice over "Transfer ownership" for "how do I change the owner?"."""
    return terms.starts_with_action(reading.passage.hit.chunk.title or "")


def selection_score(
    reading: Reading, weight: float = RETRIEVAL_WEIGHT, terms: QuestionTerms | None = None, article: str | None = None
) -> float:
    """`article`: the document a follow-up's conversation is in (`assistant.conversation_article`)."""
    sims = reading.passage.similarity
    if reading.opposed:  # a unit about the opposite action is like the question, and no answer to it
        sims = np.delete(sims, sorted(reading.opposed))
    best_unit = float(sims.max()) if len(sims) else 0.0
    section = section_topic(terms, _heading_or_title(reading, terms)) if terms is not None else ""
    heading = terms.heading_coverage(section) if terms is not None and section else 0.0
    return (
        reading.answerability + weight * reading.passage.hit.fused + UNIT_WEIGHT * best_unit + HEADING_WEIGHT * heading
        + VERB_WEIGHT * (terms is not None and (_names_the_action(reading, terms) or _titled_for_the_action(reading, terms)))
        + SECTION_WEIGHT * reading.passage.section
        + CODE_WEIGHT * (terms is not None and terms.codes_found(reading.passage.hit.chunk.text))
        + ROW_KEY_WEIGHT * (terms is not None and (_names_the_row(reading, terms) or _names_the_column(reading, terms)))
        + ROW_TOPIC_WEIGHT * (terms is not None and _asks_of_the_row(reading, terms))
        + NEVER_CAME_WEIGHT * (terms is not None and terms.never_came and says_never_came(section))
        + MOMENT_WEIGHT * (terms is not None and terms.moment is not None and asked_moment(section) == terms.moment)
        + DEFINED_WEIGHT * (terms is not None and _introduces_it(reading, terms))
        + RESTATED_WEIGHT * (terms is not None and terms.restates(reading.passage.hit.chunk.heading))
        # its section path ("What you can import > File requirements") is about the opposite action
        - OPPOSED_SECTION_WEIGHT * (terms is not None and terms.opposes(reading.passage.hit.chunk.heading))
        - UNTYPED_WEIGHT * (terms is not None and _lacks_the_type(reading, terms))
        + ARTICLE_WEIGHT * (article is not None and reading.passage.hit.chunk.doc_id == article)
        - HOW_TO_FOR_FAULT_WEIGHT * (terms is not None and how_to_for_a_fault(reading, terms))
    )


def _heading_or_title(reading: Reading, terms: QuestionTerms) -> str:
    """The passage's heading; for an article's opening, which has none, its title when the question
    asks which of a thing the title names ("what plans do you have?": "Tally plans and pricing")."""
    chunk = reading.passage.hit.chunk
    if not chunk.heading and terms.which and terms.which in tokenize(chunk.title or ""):
        return chunk.title
    return chunk.heading


def how_to_for_a_fault(reading: Reading, terms: QuestionTerms) -> bool:
    """The question only says something fails ("my 2fa code doesn't work"; not "… failed, do I have
    to wait?", answered under "Update your payment card"), and the passage's section is named for
    doing something ("Turn on 2FA with an authenticator app")."""
    heading = reading.passage.hit.chunk.heading.split(" > ")[-1]
    return terms.only_fails and not terms.asks_an_action and bool(heading) and is_instruction(heading)


def _introduces_it(reading: Reading, terms: QuestionTerms) -> bool:
    """Its answer is the sentence that introduces the thing a question asks to be told what it is."""
    units = reading.passage.units
    return (
        bool(units) and introduces(reading.passage.hit.chunk, terms.defined)
        and names(units[reading.best_unit], terms.defined)
    )


def _lacks_the_type(reading: Reading, terms: QuestionTerms) -> bool:
    """The question asks for a kind of answer told by its form (a price, a number, a date) and the
    reading's answer has none."""
    units = reading.passage.units
    return terms.answer_type in TYPED_ANSWERS and bool(units) and terms.type_found(units[reading.best_unit]) == 0.0


def rank_readings(
    readings: list[Reading], weight: float = RETRIEVAL_WEIGHT, terms: QuestionTerms | None = None,
    article: str | None = None,
) -> list[Reading]:
    """Best first; a passage that only points elsewhere ("Related articles: ...") last. For "how do
    I …?", the steps of the same article first when they score nearly as well (`_steps_first`).
    `article`: the document a follow-up's conversation is in, whose passages gain `ARTICLE_WEIGHT`."""
    scored = [(r, selection_score(r, weight, terms, article)) for r in readings]
    scored.sort(key=lambda rs: (rs[0].points_elsewhere, -rs[1]))
    if terms is not None and terms.answer_type == "procedure":
        scored = _steps_first(scored, terms)
    return [r for r, _ in scored]


def _steps_first(scored: list[tuple[Reading, float]], terms: QuestionTerms) -> list[tuple[Reading, float]]:
    """A how-to question whose best passage answers with no instruction ("Team members without 2FA
    are asked to set it up the next time they sign in", for "how do i set up 2fa") is answered by
    the passage of the same article, among the next few, whose answer is one ("2. Click Set up
    authenticator app"), when it scores within `SAME_ARTICLE_MARGIN` of it; unless the best one's
    heading or button names the action asked (what `selection_score` already weighs). `scored`:
    (reading, selection score), best first."""
    if not scored:
        return scored
    top, top_score = scored[0]
    if not top.passage.units or is_instruction(top.passage.units[top.best_unit]) or _names_the_action(top, terms):
        return scored
    if any(is_step(u) for u in top.passage.units):  # its own steps are quoted (`compose.quote`)
        return scored
    for i, (r, score) in enumerate(scored[1:SAME_ARTICLE_LOOKS], start=1):
        if (
            r.passage.hit.chunk.doc_id == top.passage.hit.chunk.doc_id and r.passage.units and not r.points_elsewhere
            and is_instruction(r.passage.units[r.best_unit]) and score >= top_score - SAME_ARTICLE_MARGIN
        ):
            return [scored[i], *scored[:i], *scored[i + 1:]]
    return scored
