"""Answer units: how a passage is cut into the sentences and list items a reply quotes."""

from knowledge.units import split_units, unit_paragraphs


def test_prose_is_cut_at_sentence_ends():
    assert split_units("Payouts are daily. They arrive in 1 business day.") == [
        "Payouts are daily.",
        "They arrive in 1 business day.",
    ]


def test_a_sentence_end_inside_quoted_text_does_not_cut_the_sentence_that_quotes_it():
    text = (
        "Clients see a message such as `Your card was declined. Try another card.`, never the code. "
        "Banks say little."
    )
    assert split_units(text) == [
        "Clients see a message such as `Your card was declined. Try another card.`, never the code.",
        "Banks say little.",
    ]
    assert split_units("The button reads “Save. Then close.” on phones. It is blue.") == [
        "The button reads “Save. Then close.” on phones.",
        "It is blue.",
    ]


def test_a_closing_quote_or_bracket_stays_with_its_sentence():
    assert split_units('Click "Send now." Then wait. (Delivery takes a minute.) Done.') == [
        'Click "Send now."',
        "Then wait.",
        "(Delivery takes a minute.)",
        "Done.",
    ]


def test_list_items_and_table_rows_are_units_of_their_own():
    text = "Steps:\n\n1. Go to Settings. Then Billing.\n2. Click Save.\n\n| Plan | Price |\n|---|---|\n| Pro | $20 |"
    assert split_units(text) == [
        "Steps:",
        "1. Go to Settings. Then Billing.",
        "2. Click Save.",
        "- Plan — Price",
        "- Pro — $20",
    ]


def test_an_initial_or_an_abbreviation_does_not_end_a_sentence():
    assert split_units("The crew included Mark T. Vande Hei. He flew twice.") == [
        "The crew included Mark T. Vande Hei.", "He flew twice."
    ]
    assert split_units("The U.S. Department of Labor runs it. Ask Dr. Smith, e.g. by email.") == [
        "The U.S. Department of Labor runs it.", "Ask Dr. Smith, e.g. by email."
    ]
    assert split_units("Payments due Aug. 5 are late. See form No. 12 for details.") == [
        "Payments due Aug. 5 are late.", "See form No. 12 for details."
    ]
    assert split_units("We moved in Aug. The rest came later.") == ["We moved in Aug.", "The rest came later."]


def test_a_period_inside_parentheses_does_not_end_a_sentence():
    assert split_units("The Defense of Marriage Act (DOMA) (Pub. L. 104-199, 110 Stat. 2419) is a law. It passed.") == [
        "The Defense of Marriage Act (DOMA) (Pub. L. 104-199, 110 Stat. 2419) is a law.", "It passed."
    ]
    assert split_units("It began (c. 450 BC) in Rome. Then it spread.") == ["It began (c. 450 BC) in Rome.", "Then it spread."]
    # a bracket never closed does not swallow the rest of the line
    assert split_units("Smile :( It failed. Try again.") == ["Smile :( It failed.", "Try again."]


def test_each_unit_knows_its_paragraph():
    text = "First thought. Its second sentence.\n\n- a list item\n| a | table |\n|---|---|\nLast line."
    assert split_units(text) == ["First thought.", "Its second sentence.", "- a list item", "- a — table", "Last line."]
    assert unit_paragraphs(text) == [0, 0, 2, 3, 5]
