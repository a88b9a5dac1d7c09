"""An extractive reply stands alone: the answer with the context it needs, and nothing it points at."""

from __future__ import annotations

from assistant.asked_rows import quotes_row
from assistant.compose import quote
from assistant.restate import brief_quote
from assistant.sentence_links import leads_on, leans_back
from knowledge.units import split_units, unit_paragraphs

STEPS = """Cancelling stops your plan from renewing. Your account moves to the Free plan at the end of the period.

1. Go to **Settings → Billing → Plan**.
2. Click **Cancel subscription**.
3. Click **Confirm cancellation**.

We email you a confirmation."""


def _quote(text: str, best_fragment: str, heading: str = "", scores=None, **kw) -> str:
    units = split_units(text)
    best = next(i for i, u in enumerate(units) if best_fragment in u)
    scores = scores or [1.0 if i == best else 0.0 for i in range(len(units))]
    return quote(units, scores, best, heading, **kw).text(units)


def test_a_step_is_never_quoted_alone_its_whole_list_and_intro_come_with_it():
    text = _quote(STEPS, "Click **Cancel subscription**", "Cancel your subscription", whole_sections=False)
    assert "Go to Settings → Billing → Plan." in text
    assert "Click Confirm cancellation." in text
    assert text.index("Go to") < text.index("Click Cancel") < text.index("Confirm cancellation")


def test_a_short_section_of_steps_is_quoted_whole():
    text = _quote(STEPS, "Click **Cancel subscription**", "Cancel your subscription")
    assert text.startswith("Cancelling stops your plan from renewing.")
    assert text.endswith("We email you a confirmation.")


def test_a_list_without_its_own_intro_gets_the_heading_as_lead_in():
    steps = "1. Go to **Settings → Security**.\n2. Click **Set up authenticator app**.\n3. Scan the QR code."
    text = _quote(steps, "Click **Set up", "Set up 2FA > Turn on 2FA with an authenticator app")
    assert text.splitlines()[0] == "Turn on 2FA with an authenticator app:"
    assert "Scan the QR code." in text


def test_a_quoted_question_is_replaced_by_its_answer():
    faq = "Can I pause a recurring invoice? Yes, click Pause on its profile and it stops until you resume it."
    text = _quote(faq, "Can I pause")
    assert not text.startswith("Can I pause")
    assert "click Pause on its profile" in text


def test_a_sentence_that_leans_back_brings_the_one_before():
    prose = ("Payouts go to the bank account you added in Settings. They arrive two business days after "
             "the payment. Weekly payouts are available on Pro.")
    text = _quote(prose, "They arrive")
    assert text.startswith("Payouts go to the bank account")
    prose = "Upgrades take effect at once. You pay a prorated amount. For example, Starter to Pro costs $8.50."
    assert _quote(prose, "For example") == "You pay a prorated amount. For example, Starter to Pro costs $8.50."
    prose = "Drafts don't sync. Changes in the ledger aren't copied back. The one exception is bank matching."
    assert _quote(prose, "The one exception") == "Changes in the ledger aren't copied back. The one exception is bank matching."


def test_a_sentence_that_goes_on_from_the_answer_comes_with_it():
    prose = ("Send the key in the Authorization header. Each key can make up to 100 requests per minute. "
             "Beyond that, the API returns HTTP 429. The developer docs have examples.")
    text = _quote(prose, "Each key can make")
    assert text == "Each key can make up to 100 requests per minute. Beyond that, the API returns HTTP 429."


def test_a_sentence_that_merely_starts_with_a_preposition_does_not_lean_back():
    prose = "Fees are 2.9% per card payment. In the US, payouts take two days. Payouts are daily."
    assert _quote(prose, "Fees are") == "Fees are 2.9% per card payment."


def test_a_pointer_to_text_the_customer_cannot_see_is_left_out():
    prose = ("Exports include every invoice field. Use the steps above to schedule one. "
             "Exports are emailed as a CSV file.")
    units = split_units(prose)
    scores = [1.0, 0.98, 0.97]
    text = quote(units, scores, 0).text(units)
    assert "steps above" not in text
    assert "Exports are emailed" in text


def test_a_long_table_quotes_its_header_and_matching_rows_only():
    rows = "\n".join(f"| Plan {i} | ${i * 10} a month |" for i in range(1, 11))
    table = "Prices:\n\n| Plan | Price |\n|---|---|\n" + rows
    units = split_units(table)
    best = next(i for i, u in enumerate(units) if "Plan 7" in u)
    scores = [0.0] * len(units)
    scores[best] = 1.0
    text = quote(units, scores, best, whole_sections=False).text(units)
    assert "Plan 7" in text and "Plan — Price" in text and "Plan 3 " not in text


def test_a_heading_is_not_an_answer_the_text_under_it_is():
    text = "Creating a custom policy\n\nYou can create a custom policy from the Policies page by clicking Create."
    assert _quote(text, "Creating a custom policy") == (
        "You can create a custom policy from the Policies page by clicking Create."
    )


FACTS = """Prices are shown in US dollars.

- **Starter:** $12 a month.
- **Pro:** $29 a month.

We also bill in euros and pounds:

- **Starter:** €12 a month.
- **Pro:** €29 a month."""


def test_a_section_of_bullet_points_is_a_list_of_facts_only_the_list_holding_the_answer_is_quoted():
    text = _quote(FACTS, "We also bill in euros")
    assert text.startswith("We also bill in euros and pounds:")
    assert "€29 a month" in text
    assert "$29" not in text and "US dollars" not in text


def test_a_second_source_quotes_only_the_items_of_its_list_that_answer_but_its_steps_whole():
    units = split_units(FACTS)
    pro = next(i for i, u in enumerate(units) if "€29" in u)
    scores = [0.0] * len(units)
    scores[pro] = 0.9
    assert quote(units, scores, pro, whole_sections=False).text(units) == "We also bill in euros and pounds:\n- Pro: €29 a month."
    assert "€12" in quote(units, scores, pro).text(units)  # as the first source: the whole list
    steps = split_units(STEPS)
    step = next(i for i, u in enumerate(steps) if "Cancel subscription" in u)
    text = quote(steps, [1.0 if i == step else 0.0 for i in range(len(steps))], step, whole_sections=False).text(steps)
    assert "Settings → Billing → Plan" in text and "Confirm cancellation" in text


INTRO = "If a client never got your email, Tally can tell you why. Start with its status, then follow the steps below."


def test_an_answer_ending_its_passage_with_a_pointer_forward_leads_on_and_keeps_the_pointer():
    units = split_units(INTRO)
    assert leads_on(units, 0)
    text = quote(units, [1.0, 0.2], 0, continued=True).text(units)
    assert text.endswith("then follow the steps below.")


def test_a_pointer_forward_far_from_the_answer_or_a_passage_without_one_does_not_lead_on():
    units = split_units("Reminders go out at 9am. They use your time zone. You can edit them. Read on for the steps below.")
    assert not leads_on(units, 0)
    assert not leads_on(split_units("Payouts arrive in a day. Weekends do not count."), 1)
    assert leads_on(split_units("To change it, do this:"), 0)


def test_units_left_out_are_not_quoted_even_from_a_whole_section():
    units = split_units(
        "To move to a new phone, set it up first:\n\n1. Go to Settings.\n2. Scan the new QR code.\n\n"
        "To turn 2FA off, click Turn off. If your team requires 2FA, you can't turn it off."
    )
    off = {i for i, u in enumerate(units) if "off" in u}
    text = quote(units, [1.0] + [0.1] * (len(units) - 1), 0, leave_out=frozenset(off)).text(units)
    assert "Scan the new QR code." in text and "off" not in text


def test_a_pointer_to_another_article_is_not_an_answer():
    from assistant.unit_kinds import is_reference

    assert is_reference("See [Accept card payments](https://help.example/payments/accept).")
    assert is_reference("For more information about roles, see Managing roles.")
    assert not is_reference("Seeing a blank page? Clear your browser's cache.")
    assert not is_reference("See the fees: 2.9% + 30¢ per payment.")
    text = "Fees are the same on every plan. See [Accept card payments](https://help.example/payments/accept)."
    units = split_units(text)
    assert quote(units, [1.0, 0.99], 0).text(units) == "Fees are the same on every plan."


def test_a_sentence_about_the_page_itself_is_not_an_answer():
    from assistant.unit_kinds import references

    text = (
        "This article covers everything about an invoice: creating it, sending it and changing it after it's sent.\n\n"
        "In this tutorial, you deploy a model.\n\nThis page contains archived content.\n\n"
        "This invoice is sent by email.\n\nThe article covers are printed in colour."
    )
    assert references(split_units(text)) == {0, 1, 2}


def test_an_instruction_about_something_named_before_brings_the_sentence_that_names_it():
    prose = "Retries stop after 3 days. We disable the endpoint and email you. Re-enable it in Settings once it's fixed."
    assert _quote(prose, "Re-enable it") == (
        "We disable the endpoint and email you. Re-enable it in Settings once it's fixed."
    )
    # and the sentence before that one, when it leans back too ("Then …")
    prose = "Retries stop after 3 days. Then we disable the endpoint and email you. Re-enable it in Settings once it's fixed."
    assert _quote(prose, "Re-enable it").startswith("Retries stop after 3 days. Then we disable")
    assert _quote("Save the card first. To use it:\n\n- Open Payments\n- Click Charge", "- Open Payments").startswith(
        "Save the card first."
    )
    assert _quote("Exports run daily. Open the export page to download one.", "Open the export") == (
        "Open the export page to download one."
    )


def test_a_list_of_links_only_points_elsewhere():
    from assistant.unit_kinds import references

    units = split_units("Prices are monthly.\n\nRelated articles:\n\n- [Refund policy](https://a)\n- [Plans](https://b)")
    assert references(units) == {1, 2, 3}
    assert references(split_units("- [Refund policy](https://a)\n- Refunds take 5 days.")) == {0}
    assert references(split_units("- Change or cancel your plan\n- Refund policy"), "Billing > Related articles") == {0, 1}
    assert references(split_units("To change it, go to Payments.")) == set()


def test_a_sentence_introducing_something_brings_what_it_introduces():
    tag = "A tag consists of multiple parts:\n\nX.Y.Z-<date>\n\nWhere\n\n- X is the major version.\n- Y is the minor version.\n\nTags are kept for a year."
    text = _quote(tag, "A tag consists")
    assert "X.Y.Z-<date>" in text and "X is the major version." in text and "Y is the minor version." in text
    assert "kept for a year" not in text
    currencies = "Cards can be charged in these 3 currencies:\nUSD, EUR and GBP.\n\n- A bank may add its own fee."
    assert _quote(currencies, "Cards can be charged") == "Cards can be charged in these 3 currencies:\nUSD, EUR and GBP."
    steps = "Here are steps you can take to protect yourself. Use a strong password. Turn on 2FA."
    assert _quote(steps, "Here are steps") == "Here are steps you can take to protect yourself. Use a strong password."
    assert _quote("Prices start at $5. Taxes come on top.", "Prices start") == "Prices start at $5."


def test_a_sentence_ending_on_the_following_things_brings_them():
    # "Calico policies add the following features." had been quoted alone, its features left out
    text = "Calico policies add the following features.\n\n- Block traffic to pods.\n- Allow traffic by label.\n\nCalico sets up Iptables rules."
    assert _quote(text, "Calico policies add") == (
        "Calico policies add the following features.\n- Block traffic to pods.\n- Allow traffic by label."
    )
    # nor does "the following" as a time
    single = "Love Song is a song by Elvin Bishop. It was released as a single the following year. Mickey Thomas sang it."
    assert "Mickey Thomas" not in _quote(single, "released as a single")
    # "the following" opening a sentence introduces nothing after it
    assert _quote("The following is true of every plan. Prices start at $5.", "The following") == (
        "The following is true of every plan."
    )


def test_a_sentence_pointing_on_at_a_heading_or_a_question_dangles():
    from assistant.sentence_links import dangles

    units = split_units("Here are steps you can take.\n\nProtecting Your Identity\n\nWhat can you do?")
    assert dangles(units, 0)
    assert not dangles(split_units("Here are steps you can take. Use a strong password."), 0)
    assert not dangles(split_units("Here are the fields:\n\n- Name\n- Email"), 0)
    assert not dangles(split_units("Then follow the steps below."), 0)  # its passage ends: the next one leads on
    # a label before the list it introduces ("X.Y.Z-<date>", then its parts) is no heading it points at
    assert not dangles(split_units("A tag consists of multiple parts:\n\nX.Y.Z-<date>\n\nWhere\n\n- X is the major version."), 0)


def test_a_code_block_is_no_neighbour_by_its_score():
    from assistant.compose import quote

    units = split_units(
        "Send the key in the header:\n\n```\nAuthorization: Bearer tk_live_...\n```\n\n"
        "Each key can make up to 100 requests per minute. Beyond that, the API returns HTTP 429."
    )
    assert len(units) == 4
    scores = [0.01, 0.01, 0.02, 0.01]  # all near: every neighbour would join by its score
    chosen = quote(units, scores, 3).units
    assert 3 in chosen and 1 not in chosen


def test_below_points_on_only_as_a_place_on_the_page():
    from assistant.sentence_links import points_on

    assert points_on("Start by checking its status, then follow the steps below.")
    assert points_on('If it keeps happening, see "Large logos" below.')
    assert not points_on("A safe room is a room, preferably below ground, where people can shelter.")
    assert not points_on("Negative numbers describe values on a scale that goes below zero.")


def test_a_passage_ending_on_here_are_the_steps_leads_on():
    units = split_units("Identity theft is common. Here are steps you can take to protect yourself.")
    assert leads_on(units, 1)


def test_check_out_is_a_pointer_too():
    from assistant.unit_kinds import is_reference

    assert is_reference("Check out the FTC's identity theft articles to find out.")
    assert is_reference("To learn more, check out Accept card payments.")
    assert not is_reference("Checkout pages show the total in your client's currency.")


def test_a_sentence_leaning_on_the_answer_brings_what_it_introduces():
    text = "Your sign-in email is separate from your clients' emails. Changing it doesn't affect:\n\n- the reply-to address\n- your business email"
    assert _quote(text, "Your sign-in email") == (
        "Your sign-in email is separate from your clients' emails. Changing it doesn't affect:\n"
        "- the reply-to address\n- your business email"
    )


def test_a_neighbour_that_introduces_something_comes_with_it_or_not_at_all():
    text = (
        "Issued credit notes can't be edited, because they're tax documents. If a credit note is wrong:\n\n"
        "- **Not yet applied:** void it, then create a new one.\n- **Already refunded:** issue a new invoice."
    )
    units = split_units(text)
    scores = [0.4, 0.35, 0.1, 0.0]  # the intro is near enough to the answer to join it
    assert quote(units, scores, 0).text(units) == (
        "Issued credit notes can't be edited, because they're tax documents. If a credit note is wrong:\n"
        "- Not yet applied: void it, then create a new one.\n- Already refunded: issue a new invoice."
    )
    long_list = "Plans change at once. What changes:\n\n" + "\n".join(f"- Feature {i} " + "x" * 60 for i in range(10))
    units = split_units(long_list)
    scores = [0.4, 0.35] + [0.0] * 10  # its list does not fit the budget: the intro stays out too
    assert quote(units, scores, 0).text(units) == "Plans change at once."


def test_a_how_to_answer_without_an_instruction_brings_the_next_one():
    text = (
        "You can switch between monthly and yearly billing at any time. Only the Owner can change the plan. "
        "All plan changes happen in **Settings → Billing → Plan**.\n\nRefunds follow the refund policy."
    )
    assert _quote(text, "You can switch", how_to=True) == (
        "You can switch between monthly and yearly billing at any time. All plan changes happen in Settings → Billing → Plan."
    )
    assert _quote(text, "You can switch") == "You can switch between monthly and yearly billing at any time."
    steps = "You can export invoices as CSV.\n\n1. Go to **Settings → Export**.\n2. Click **Export**."
    assert _quote(steps, "You can export", how_to=True, whole_sections=False).endswith("2. Click Export.")


def test_a_passage_that_opens_partway_through_its_steps_and_the_list_the_chunk_before_ends_with():
    from assistant.compose import list_ending
    from assistant.lists import opens_mid_list

    rest = split_units("6. Restart the app.\n7. Sign in again.\n\nDon't sign out while changes are pending.")
    assert opens_mid_list(rest, 0) and opens_mid_list(rest, 1)
    assert not opens_mid_list(rest, 2)  # the answer is after the list
    assert not opens_mid_list(split_units("1. Open the app.\n2. Tap Sync."), 0)  # the list starts here
    before = split_units("Sync problems happen.\n\nWork through these steps:\n\n1. Check your connection.\n2. Update the app.")
    assert list_ending(before, "3. Restart the app.").units == [1, 2, 3]
    assert list_ending(before, "6. Restart the app.").units == []  # not the step after its last
    assert list_ending(split_units("1. Check.\n\nThen wait."), "2. Wait.").units == []


# --- a table row the customer quotes

ERRORS = [
    "Fix the cause, then click Retry.",
    "- Error — How to fix it",
    "- `Tax rate not mapped: VAT 5%` — Map the tax rate in Settings.",
    "- `Period locked in LedgerSync` — Ask your accountant to unlock it.",
    "- `Connection expired. Reconnect LedgerSync.` — Click Reconnect and sign in again.",
]


def test_a_row_the_customer_quotes_is_quoted_with_the_header_alone():
    scores = [0.1, 0.1, 0.5, 0.3, 0.4]
    quoted = quote(ERRORS, scores, 2, asked="sync fails: Period locked in LedgerSync on march invoices")
    assert [ERRORS[i] for i in quoted.units] == [ERRORS[0], ERRORS[1], ERRORS[3]]
    # the first clause of a longer cell is enough
    quoted = quote(ERRORS, scores, 2, asked="it says connection expired since this morning")
    assert [ERRORS[i] for i in quoted.units] == [ERRORS[0], ERRORS[1], ERRORS[4]]


def test_a_table_nobody_quotes_is_quoted_as_before():
    scores = [0.1, 0.1, 0.5, 0.3, 0.4]
    assert quote(ERRORS, scores, 2, asked="why does my ledgersync sync fail").units == quote(ERRORS, scores, 2).units


def test_one_common_word_is_not_a_quoted_row():
    assert not quotes_row("it says Sent but nothing arrived", "- Sent — We handed the email to the mail server.")
    assert quotes_row("failed with suspected_fraud", "- `suspected_fraud` — The bank blocked the payment.")


def test_an_error_code_quoted_by_its_number_alone_is_a_quoted_row():
    row = "- `PDF generation failed (PDF-504)` — The PDF took too long to create."
    assert quotes_row("the pdf says error 504", row)
    assert not quotes_row("the pdf says error 415", row)
    assert not quotes_row("we paid $504 for it", row)
    assert not quotes_row("is 5.504 right", row)


def test_a_chunk_that_opens_mid_table_has_no_header_to_add():
    rows = [
        "- `card_not_supported` — This card can't be used.",
        "- `suspected_fraud` — The bank blocked the payment.",
        "- `processing_error` — A temporary problem.",
    ]
    quoted = quote(rows, [0.3, 0.5, 0.2], 1, asked="payment failed with suspected_fraud")
    assert [rows[i] for i in quoted.units] == [rows[1]]


# --- a list of named facts

HOURS = [
    "Support hours:",
    "- **Live chat:** Monday to Friday, 07:00–22:00 UTC.",
    "- **Email:** you can write to us at any time.",
    "- **Phone (Pro plan):**",
    "- UK: +44 20 7946 0821, Monday to Friday, 08:00–18:00 UK time",
    "- US: +1 555 010 4477, Monday to Friday, 09:00–18:00 Eastern",
]


def test_a_long_list_of_named_facts_gives_the_items_that_answer():
    scores = [0.1, 0.2, 0.1, 0.1, 0.6, 0.3]
    assert [HOURS[i] for i in quote(HOURS, scores, 4).units] == [HOURS[0], HOURS[4]]


def test_items_that_answer_nearly_as_well_come_along():
    scores = [0.1, 0.2, 0.1, 0.1, 0.6, 0.55]
    assert [HOURS[i] for i in quote(HOURS, scores, 4).units] == [HOURS[0], HOURS[4], HOURS[5]]


def test_a_list_of_unnamed_facts_or_a_short_list_comes_whole():
    checks = ["If you can't sign in:", "- Check the email address.", "- Check the password.",
              "- Did you sign up with Google?", "- Still not working? Reset your password."]
    assert quote(checks, [0.1, 0.2, 0.7, 0.1, 0.1], 2).units == [0, 1, 2, 3, 4]
    short = HOURS[:4]
    assert quote(short, [0.1, 0.6, 0.1, 0.1], 1).units == [0, 1, 2, 3]


def test_a_heading_that_asks_or_quotes_leads_in_with_its_own_mark():
    rows = ["- Starter — Up to 3", "- Pro — Up to 10"]
    assert quote(rows, [0.6, 0.2], 0, "Team members > How many people can you add?").lead_in == (
        "How many people can you add?"
    )
    assert quote(rows, [0.6, 0.2], 0, "Login problems > `Invalid email or password.`").lead_in == (
        "`Invalid email or password.`"
    )
    assert quote(rows, [0.6, 0.2], 0, "Plans > Prices").lead_in == "Prices:"


PROFILE = """A recurring profile is the template Tally uses.

1. Go to **Invoices → Recurring → New recurring profile**.
2. Choose the client.
3. Click **Start profile**.

To turn an invoice you've already sent into a recurring one, choose **More → Make recurring**."""


def test_a_how_to_answered_in_a_section_named_for_the_action_gets_its_steps():
    titled = _quote(PROFILE, "To turn an invoice", "Recurring > Create a recurring profile", how_to=True, titled=True)
    assert "1. Go to Invoices → Recurring → New recurring profile." in titled and "3. Click Start profile." in titled
    untitled = _quote(PROFILE, "To turn an invoice", "Recurring > Create a recurring profile", how_to=True)
    assert untitled.startswith("To turn an invoice") and "1. Go to" not in untitled


LATE_FEES = "Late fees are added to an invoice automatically once it's overdue. You set the amount in Settings."


def test_a_quote_opening_a_section_for_some_plans_only_says_which():
    text = _quote(LATE_FEES, "Late fees are added", "Reminders > Add late fees (Pro)")
    assert text.splitlines()[0] == "Add late fees (Pro):"
    assert text.splitlines()[1].startswith("Late fees are added")


def test_a_scope_the_quote_already_says_or_a_detail_further_down_gets_no_heading():
    said = "Automatic reminders are available on Starter and Pro. Turn them on in Settings."
    assert _quote(said, "Automatic reminders", "Reminders > Turn on reminders (Starter and Pro)").startswith("Automatic")
    assert _quote(LATE_FEES, "You set the amount", "Reminders > Add late fees (Pro)").startswith("You set")
    assert _quote(LATE_FEES, "Late fees are added", "Reminders > Add late fees").startswith("Late fees")


RETRIES = """If delivery fails, Tally retries up to **8 times over 3 days**, waiting longer between each attempt. If an endpoint is still failing after 3 days, we **disable** it and email the Owner. Re-enable it in **Settings → Developers → Webhooks** once it's fixed.

Click an endpoint to see recent deliveries and their responses. Use **Send test event** to try a new endpoint."""


def _quote_paragraphs(text: str, best_fragment: str, **kw) -> str:
    return _quote(text, best_fragment, paragraphs=unit_paragraphs(text), **kw)


def test_a_sentence_of_a_short_paragraph_brings_the_rest_of_it():
    text = _quote_paragraphs(RETRIES, "Re-enable it")
    assert text.startswith("If delivery fails, Tally retries up to 8 times over 3 days")
    assert text.endswith("Re-enable it in Settings → Developers → Webhooks once it's fixed.")
    assert "Send test event" not in text  # the next paragraph is another thought
    # without knowing the paragraphs, only the sentence it leans on
    assert _quote(RETRIES, "Re-enable it").startswith("If an endpoint is still failing")


def test_a_long_paragraph_is_not_quoted_whole():
    # four sentences: the answer comes with the one before it, which it goes on from, not the ones after
    four = "Tally retries failed deliveries. " + " ".join(f"Rule {n} applies to endpoints of kind {n}." for n in range(1, 4))
    assert _quote_paragraphs(four, "Rule 2 applies") == (
        "Rule 1 applies to endpoints of kind 1. Rule 2 applies to endpoints of kind 2."
    )
    assert _quote_paragraphs(four, "Tally retries") == "Tally retries failed deliveries."
    # long in characters: the answer alone
    clause = (
        ", whatever the endpoint's region, plan, owner, event type or the size of the payload it was sent, and"
        " whether or not the endpoint answered an earlier delivery of the same event in time"
    )
    long = "Tally retries failed deliveries. " + " ".join(f"Rule {n} applies to endpoints of kind {n}{clause}." for n in range(1, 4))
    assert _quote_paragraphs(long, "Rule 2 applies") == f"Rule 2 applies to endpoints of kind 2{clause}."


def test_a_short_paragraph_brings_no_pointer_question_or_piece_of_a_cut_sentence():
    assert _quote_paragraphs("Refunds take 5 days. See Refund policy.", "Refunds take") == "Refunds take 5 days."
    assert _quote_paragraphs("Can I pause a plan? Plans can be paused for 3 months.", "Plans can be") == (
        "Plans can be paused for 3 months."
    )
    cut = "of winning the contest , she wins his heart . At the end of the season , she goes to Paris ."
    assert _quote_paragraphs(cut, "At the end") == "At the end of the season , she goes to Paris ."


def test_a_sentence_right_after_one_that_introduces_it_brings_that_one():
    text = "Tally can charge cards in these **3 currencies**:\n\nUSD, EUR and GBP.\n\n- In another currency, there is no Pay button."
    assert _quote(text, "USD, EUR") == "Tally can charge cards in these 3 currencies:\nUSD, EUR and GBP."


SCHEDULE = """Tally creates each invoice at **06:00** on the scheduled date. Set your time zone in **Settings**. Then, depending on your choice, it will:

| Option | What happens |
|---|---|
| Send automatically | The invoice is emailed to the client straight away. |
| Save as draft | The invoice waits in **Drafts** for you to check and send. |"""


def test_a_quoted_sentence_that_introduces_a_table_brings_the_table_not_a_dangling_colon():
    text = _quote_paragraphs(SCHEDULE, "creates each invoice at")
    assert text.startswith("Tally creates each invoice at 06:00")
    assert "it will:\n- Option — What happens\n- Send automatically" in text
    assert text.endswith("for you to check and send.")


def test_a_sentence_introducing_nothing_at_the_passages_end_is_left_out():
    cut = "Tally creates each invoice at 06:00. Set your time zone in Settings. Then, depending on your choice, it will:"
    assert _quote_paragraphs(cut, "creates each invoice at") == (
        "Tally creates each invoice at 06:00. Set your time zone in Settings."
    )


PAYOUTS = """Each payment becomes available for payout after a short processing period:

- **2 business days** in the US and Canada
- **3 business days** in the UK, the EEA, Australia and New Zealand

Available money is then paid out on your schedule. After a payout is sent, your bank usually credits it within 1 business day."""


def _draft(text: str, question: str) -> str:
    import numpy as np

    from assistant.evidence import Evidence
    from assistant.extractive import ExtractiveProvider
    from assistant.reader import read
    from tests.test_reader import DIM, _passage, _scorer, _terms

    terms = _terms(question)
    readings = read(np.ones(DIM, dtype=np.float32) / 2, [_passage("payouts", text)], terms, _scorer())
    return ExtractiveProvider().answer(question, Evidence(question=question, query=question, readings=readings, terms=terms)).text


def test_the_list_item_naming_the_case_asked_about_joins_the_answer_with_its_lead_in():
    text = _draft(PAYOUTS, "how long until a payout reaches my bank in the UK?")
    assert "your bank usually credits it within 1 business day" in text
    assert "3 business days in the UK" in text and "Each payment becomes available for payout" in text
    assert "US and Canada" not in text  # the case not asked about stays out


def test_no_item_joins_when_the_question_names_no_case_of_the_list():
    text = _draft(PAYOUTS, "how long until a payout reaches my bank?")
    assert "your bank usually credits it within 1 business day" in text
    assert "business days in the" not in text


def test_a_how_to_answer_after_its_sections_steps_that_says_nothing_to_do_brings_the_steps():
    section = (
        "1. Go to **Settings → Payments → Bank transfer**.\n2. Click **Add bank account**.\n3. Click **Save**.\n\n"
        "The details appear in a **How to pay** box on the online invoice and the PDF."
    )
    text = _quote(section, "The details appear", "Add your bank details to invoices", how_to=True)
    assert text.startswith("Add your bank details to invoices:\n1. Go to Settings → Payments → Bank transfer.")
    assert "3. Click Save." in text
    assert text.endswith("The details appear in a How to pay box on the online invoice and the PDF.")
    # asked what it says, not how to: the sentence alone
    assert _quote(section, "The details appear", "Add your bank details to invoices") == (
        "The details appear in a How to pay box on the online invoice and the PDF."
    )


def test_a_row_whose_code_the_customer_quotes_is_quoted_with_the_header_alone():
    table = [
        "- Message — Fix",
        "- `PDF generation failed (PDF-504)` — Try again after a minute.",
        "- `Logo could not be loaded (PDF-415)` — Upload your logo again.",
    ]
    quoted = quote(table, [0.1, 0.5, 0.4], 1, asked="error PDF-504 all morning")
    assert [table[i] for i in quoted.units] == [table[0], table[1]]
    assert quote(table, [0.1, 0.5, 0.4], 1, asked="my pdf fails").units == [0, 1, 2]  # no code quoted: the table
    # the code's number alone is the code ("the pdf says error 504")
    assert [table[i] for i in quote(table, [0.1, 0.5, 0.4], 1, asked="the pdf says error 504").units] == [table[0], table[1]]


UPGRADE = """1. Go to **Settings → Billing → Plan**.
2. Click **Confirm upgrade**.

Upgrades take effect **immediately**. If you're already on a paid plan, you pay a prorated amount for the rest of the current billing period. For example, moving from Starter ($12) to Pro ($29) halfway through a monthly period costs about $8.50 today. From your next renewal date, you pay the full Pro price."""


def test_a_sentence_of_a_longer_paragraph_brings_the_ones_it_goes_on_from():
    # QA: "if I upgrade mid-month do I pay the full price" got the last sentence alone, at 0.99
    # the sentence before it, and the one before that, which "For example, …" leans on
    text = _quote_paragraphs(UPGRADE, "From your next renewal date")
    assert text == (
        "If you're already on a paid plan, you pay a prorated amount for the rest of the current billing period. "
        "For example, moving from Starter ($12) to Pro ($29) halfway through a monthly period costs about $8.50 today. "
        "From your next renewal date, you pay the full Pro price."
    )
    # the sentences after the answer are not what it goes on from (but for one that leans on it: "For
    # example, …"), nor one before it on something else (when upgrades take effect)
    assert _quote_paragraphs(UPGRADE, "If you're already on a paid plan") == (
        "If you're already on a paid plan, you pay a prorated amount for the rest of the current billing period. "
        "For example, moving from Starter ($12) to Pro ($29) halfway through a monthly period costs about $8.50 today."
    )
    assert _quote_paragraphs(UPGRADE, "Upgrades take effect") == "Upgrades take effect immediately."


RETRIES_AND_DELIVERIES = """If delivery fails, Tally retries up to **8 times over 3 days**, waiting longer between each attempt. If an endpoint is still failing after 3 days, we **disable** it and email the Owner. Re-enable it in **Settings → Developers → Webhooks** once it's fixed.

Click an endpoint to see recent deliveries and their responses, and to **Resend** any event. Use **Send test event** to try a new endpoint."""


def test_a_neighbouring_sentence_joins_with_the_ones_it_goes_on_from_or_not_at_all():
    # QA: "my endpoint was down all weekend, did I lose the events?" got "If an endpoint is still
    # failing after 3 days, we disable it" beside the deliveries, without the retries it follows
    scores = [0.0, 0.93, 0.0, 1.0, 0.95]
    text = _quote_paragraphs(RETRIES_AND_DELIVERIES, "Click an endpoint", scores=scores)
    assert text.startswith("If delivery fails, Tally retries up to 8 times over 3 days, waiting longer between each attempt. "
                           "If an endpoint is still failing after 3 days, we disable it and email the Owner. Click an endpoint")
    assert "Re-enable it" not in text and text.endswith("Use Send test event to try a new endpoint.")
    # paragraphs unknown: as before, the sentence alone
    assert _quote(RETRIES_AND_DELIVERIES, "Click an endpoint", scores=scores).startswith("If an endpoint is still failing")
    # what it goes on from does not fit beside the answer: it does not join
    padded = RETRIES_AND_DELIVERIES.replace("waiting longer between each attempt", "waiting longer between each attempt" + ", and longer" * 15)
    assert _quote_paragraphs(padded, "Click an endpoint", scores=scores).startswith("Click an endpoint")


CLIENT_PAYMENTS = (
    "When a client's card payment doesn't go through, the invoice stays unpaid and nothing is charged. "
    "This article covers payments **your clients** make to you. If the payment for your own Tally subscription "
    "failed, see [Update your payment card](https://help.tally.example/billing/payment-card-and-receipts)."
)


def test_a_pointer_or_a_sentence_about_the_page_is_never_brought_with_an_answer():
    # QA: "the payment for my tally subscription, obviously": the pointer, after the sentence on
    # clients' payments it has nothing to do with
    assert _quote_paragraphs(CLIENT_PAYMENTS, "If the payment for your own") == (
        "If the payment for your own Tally subscription failed, see Update your payment card."
    )
    assert _quote_paragraphs(CLIENT_PAYMENTS, "When a client's card") == (
        "When a client's card payment doesn't go through, the invoice stays unpaid and nothing is charged."
    )
    # QA: "will I lose my invoices if it doesn't go through" got "This article covers …" as the
    # sentence leaning on the answer ("This …")
    units = split_units(CLIENT_PAYMENTS)
    assert not leans_back(units[1]) and not leans_back(units[2]) and leans_back("This happens when you open the app.")
    assert brief_quote(units, 0).units == [0]
    # nor as the sentence after an answer that only says the question back
    assert _quote(CLIENT_PAYMENTS, "When a client's card", echo=True).endswith("nothing is charged.")


def test_a_second_source_brings_no_sentences_leading_up_to_its_answer():
    text = _quote_paragraphs(UPGRADE, "From your next renewal date", whole_sections=False)
    assert text == "From your next renewal date, you pay the full Pro price."
    # a short paragraph still comes whole
    assert _quote_paragraphs(RETRIES, "Re-enable it", whole_sections=False).startswith("If delivery fails")


def test_a_sentence_on_something_else_before_the_answer_does_not_come():
    text = (
        "Your billing currency is set from your billing address when you first subscribe. Prices don't include VAT or "
        "sales tax. Where tax applies, we add it at checkout. If you add a valid VAT number, the reverse charge applies."
    )
    assert _quote_paragraphs(text, "Prices don't include") == "Prices don't include VAT or sales tax."
    assert _quote_paragraphs(text, "Where tax applies") == (
        "Prices don't include VAT or sales tax. Where tax applies, we add it at checkout."
    )


def test_a_sentence_sharing_only_an_address_with_the_answer_is_not_brought_before_it():
    # a review: "do plans renew automatically?" opened with "Email billing@tally.example." (its
    # "billing" is an address's, not the "billing period" of the answer)
    paying = (
        "We accept Visa and Mastercard. Yearly plans can also be paid by bank transfer on request. "
        "Email billing@tally.example. Plans renew automatically at the end of each billing period until you cancel."
    )
    assert _quote_paragraphs(paying, "Plans renew automatically") == (
        "Plans renew automatically at the end of each billing period until you cancel."
    )
    linked = "Read [the billing guide](https://help.tally.example/billing). Plans renew at the end of each billing period."
    assert _quote_paragraphs(linked, "Plans renew") == "Plans renew at the end of each billing period."


CHANGE_A_CREDIT_NOTE = """Issued credit notes can't be edited or deleted, because they're tax documents. If a credit note is wrong:

- **Not yet applied or refunded:** open it and choose **More (⋯) → Void credit note**, then create a new one.
- **Already refunded:** the refund can't be reversed in Tally. Issue a new invoice for the difference."""


def test_a_list_brings_its_intro_and_the_sentence_of_its_paragraph_the_intro_goes_on_from():
    text = _quote_paragraphs(CHANGE_A_CREDIT_NOTE, "Not yet applied")
    assert text.startswith("Issued credit notes can't be edited or deleted")
    assert "If a credit note is wrong:\n- Not yet applied" in text
    # a sentence on something else before the intro stays out
    other = CHANGE_A_CREDIT_NOTE.replace("Issued credit notes can't be edited or deleted, because they're tax documents.",
                                         "Tax rules differ by country.")
    assert _quote_paragraphs(other, "Not yet applied").startswith("If a credit note is wrong:")


def test_a_neighbour_that_leans_on_the_sentence_before_it_joins_with_that_sentence():
    units = split_units(RETRIES)
    best = next(i for i, u in enumerate(units) if "Send test event" in u)
    enable = next(i for i, u in enumerate(units) if u.startswith("Re-enable it"))
    scores = [0.0] * len(units)
    scores[best], scores[enable] = 0.16, 0.13
    text = quote(units, scores, best, paragraphs=unit_paragraphs(RETRIES)).text(units)
    assert "Re-enable it in Settings" in text
    assert text.index("we disable it") < text.index("Re-enable it")
    # one whose paragraph is quoted before it leans on that: "They" are the numerals, not the system
    first = ("Arabic numerals, also called Hindu-Arabic numerals, are the ten digits 0, 1, 2, 3, 4, 5, 6, 7, 8 and 9, "
             "the most common system for the symbolic representation of numbers in the world today.")
    numerals = (f"{first} In this numeral system, a sequence of digits such as 975 is read as a single number, using "
                "the position of each digit in the sequence to interpret its value. "
                "They are descended from the numeral system developed by ancient Indian mathematicians around 500 CE.")
    units = split_units(numerals)
    assert len(numerals) > 400  # a long paragraph: not quoted whole
    text = quote(units, [0.15, 0.05, 0.08], 0, paragraphs=unit_paragraphs(numerals)).text(units)
    assert text == f"{first} They are descended from the numeral system developed by ancient Indian mathematicians around 500 CE."
