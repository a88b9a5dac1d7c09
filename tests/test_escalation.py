"""Escalation rules: what always goes to a person, and what the help centre answers instead."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from assistant.escalation import DEFAULT_RULES, Escalation, EscalationRules, EscalationRulesError


@pytest.fixture(scope="module")
def rules() -> EscalationRules:
    return EscalationRules.load(None)


# Requests to act, and incidents: each must reach a person, under the rule an agent expects.
REQUESTS: list[tuple[str, str]] = [
    # refunds
    ("I want a refund for invoice 1042", "refund_request"),
    ("refund me", "refund_request"),
    ("Could you refund my last payment please? £49.00 on 3 March", "refund_request"),
    ("I'd like a full refund of my annual subscription", "refund_request"),
    ("pls refnd invoice #2231", "refund_request"),
    ("I need my money back for the March invoice", "refund_request"),
    ("Where is my refund? It's been two weeks", "refund_request"),
    ("Can you reimburse me for the extra seat we added by mistake?", "refund_request"),
    ("I was promised a refund last week and still haven't got it", "refund_request"),
    ("yes please process the refund for order 5512", "refund_request"),
    # contracts and compliance paperwork of the customer's own
    ("Can someone countersign our NDA before we sign up?", "contract_request"),
    ("procurement needs you to fill in our vendor security questionnaire", "contract_request"),
    ("We need a custom DPA with our standard clauses", "contract_request"),
    ("our MSA has to be signed by you before the rollout", "contract_request"),
    ("Hi there, I would like to request a refund for INV-0087 ($1,250.00)", "refund_request"),
    ("can you please issue a refund to my card ending 1881?", "refund_request"),
    # cancelling
    ("Cancel my plan please", "cancel_subscription"),
    ("please cancel my subscription today", "cancel_subscription"),
    ("I want to cancel my subscription.", "cancel_subscription"),
    ("cancell my subscripton asap", "cancel_subscription"),
    ("Can you stop my subscription from renewing next month?", "cancel_subscription"),
    ("Please don't renew our annual plan, we're closing the business", "cancel_subscription"),
    ("I need my subscription cancelled before the 14th", "cancel_subscription"),
    ("cancel it now please", "cancel_subscription"),
    ("Turn off auto-renew on my account", "cancel_subscription"),
    ("I was wondering if you could cancel my plan", "cancel_subscription"),
    ("cancel starter right away, not at the end of the month", "cancel_subscription"),
    ("we do not want to be charged anymore", "cancel_subscription"),
    # deleting the account or personal data
    ("Please delete all my data", "delete_account_or_data"),
    ("I want my account deleted", "delete_account_or_data"),
    ("Delete my account and everything you hold about me", "delete_account_or_data"),
    ("Under GDPR I'm requesting erasure of all my personal data", "delete_account_or_data"),
    ("remove all of our data from your servers", "delete_account_or_data"),
    ("plz delet my acount", "delete_account_or_data"),
    ("Is it possible for you to delete my account?", "delete_account_or_data"),
    # closing, locking, unlocking
    ("I need you to close my account", "close_or_lock_account"),
    ("Please unlock my account, I've been locked out since this morning", "close_or_lock_account"),
    ("lock our workspace immediately, an ex-employee still has the password", "close_or_lock_account"),
    ("Can you reopen my account? I closed it by mistake", "close_or_lock_account"),
    # account and billing details
    ("can you change my email to x@y.com", "change_account_details"),
    ("Please update our billing address to 12 High Street, Leeds LS1 4AB", "change_account_details"),
    ("change the name on my account to Acme Ltd", "change_account_details"),
    ("my new email is anna@acme.io, please update it", "change_account_details"),
    ("Please correct the VAT number on my account to GB123456789", "change_account_details"),
    # two-factor authentication
    ("Please remove 2FA from my account, I lost my phone", "remove_two_factor"),
    ("can u reset my 2fa", "remove_two_factor"),
    ("I got a new phone and can't log in because of the two-factor codes", "lost_two_factor_device"),
    # ownership and plan
    ("Please transfer ownership of our workspace to jane@acme.io", "transfer_ownership"),
    ("Our account owner left the company, we need to make Tom the owner", "transfer_ownership"),
    ("Upgrade us to the Business plan please", "change_plan"),
    ("downgrade me to the free plan from next month", "change_plan"),
    ("I'd like to switch our plan to annual billing", "change_plan"),
    # billing disputes
    ("I've been charged twice this month", "billing_dispute"),
    ("Please refund the duplicate charge", "billing_dispute"),
    ("you double charged me for invoice INV-2041", "billing_dispute"),
    ("There's a charge of $79.00 on my card •••• 4242 that I didn't authorise", "billing_dispute"),
    ("Why was I charged £120 when my plan is £12?", "billing_dispute"),
    ("I cancelled in May but you're still charging me", "billing_dispute"),
    ("I'll do a chargeback if this isn't sorted", "billing_dispute"),
    ("We were overcharged on the last invoice", "billing_dispute"),
    ("charged me $49 instead of $29", "billing_dispute"),
    # security incidents
    ("I think my account was hacked", "security_incident"),
    ("Someone logged into my account from another country last night", "security_incident"),
    ("I got an email that looked like it was from you asking for my password", "security_incident"),
    ("my card ending •••• 4242 was stolen and used to pay for a subscription", "security_incident"),
    ("Someone changed my payout bank details and the payout went to an account I don't recognise", "security_incident"),
    ("Got a login alert from an unknown device. Wasn't me!", "security_incident"),
    ("I didn't request a password reset but just got three reset emails", "security_incident"),
    ("my payouts are going to a bank account I don't recognise", "security_incident"),
    ("my ex business partner got into our account and changed the owner email", "security_incident"),
    ("im the owner. give me my account back", "request_to_act"),
    # legal threats
    ("If this isn't resolved I will be contacting my lawyer", "legal_threat"),
    ("I'm going to take you to small claims court", "legal_threat"),
    ("I'll be reporting you to trading standards", "legal_threat"),
    ("This is a breach of GDPR and I'm filing a complaint with the ICO", "legal_threat"),
    ("expect to hear from my solicitor", "legal_threat"),
    ("we are considering legal action", "legal_threat"),
    # anger
    ("This is ridiculous, I've been waiting three days for a reply", "angry_customer"),
    ("your support has been horrible all week", "angry_customer"),
    ("WHY IS MY INVOICE STILL NOT SENT", "angry_customer"),
    ("this is the third time I'm asking about this", "angry_customer"),
    ("I want to speak to your manager", "angry_customer"),
    ("worst customer service I've ever had", "angry_customer"),
    ("what a scam", "angry_customer"),
    ("your app is f***ing useless", "angry_customer"),
    ("Sort this out or I'm switching to Xero", "angry_customer"),
    ("Absolutely unacceptable.", "angry_customer"),
    # complaints
    ("I want to make a formal complaint about the agent I spoke to yesterday", "complaint"),
    ("I'd like to complain about how my ticket was handled", "complaint"),
    ("I wish to lodge a complaint", "complaint"),
    ("I am writing to complain about repeated downtime", "complaint"),
    ("I'm really disappointed with your support", "complaint"),
    ("not happy with the service at all", "complaint"),
    # disputes the customer takes to their bank
    ("I'm disputing your charge with my bank", "billing_dispute"),
    ("I've asked my bank to reverse the payment to you", "billing_dispute"),
    ("we have raised a dispute with our card provider for the renewal", "billing_dispute"),
    ("my bank is reversing the £96 you took", "billing_dispute"),
    ("I'll just claim it back through my credit card company", "billing_dispute"),
    ("you renewed us without warning", "billing_dispute"),
    # fell for phishing, or fears the account is compromised
    ("I typed my password into a fake login page by mistake", "security_incident"),
    ("got an email asking for my password and I entered it", "security_incident"),
    ("please help me secure my account, I think someone knows my password", "security_incident"),
    ("I clicked a link in a dodgy text and logged in", "security_incident"),
    ("someone called me pretending to be from support and I gave them the code", "security_incident"),
    ("I think my password may have been leaked", "security_incident"),
    ("Is this email a scam?", "security_incident"),
    ("I got a scam text asking for my card details", "security_incident"),
    ("I think I've been scammed", "security_incident"),
    ("there's a fraudulent charge on my card", "security_incident"),
    ("I will sue you", "legal_threat"),
    # any other request to act on the account: can you / could someone / please / I need you to ...
    ("can you extend our trial another week? still waiting on sign-off from my boss", "request_to_act"),
    ("Could you reverse the late fee on INV-0412 for me?", "request_to_act"),
    ("we closed our workspace by mistake yesterday - please restore it", "request_to_act"),
    ("need you to undo the merge of my two clients asap", "request_to_act"),
    ("can someone look into why my invoice emails aren't being delivered", "request_to_act"),
    ("plz add me back to the Acme workspace, I was removed by accident", "request_to_act"),
    ("can you send me a copy of my receipts", "request_to_act"),
    ("Would you be able to waive the £15 fee this once?", "request_to_act"),
    ("kindly reissue invoice 2231 with our new company name", "request_to_act"),
    ("Could someone please restore the invoices I deleted this morning?", "request_to_act"),
    ("I'd like you to switch our currency to EUR", "request_to_act"),
    ("please change the currency on my account to CAD", "request_to_act"),
    ("would you mind checking why my last payout was only half?", "request_to_act"),
    ("if you could re-enable my reminders that would be great", "request_to_act"),
    ("is there any chance you could push my payout through today", "request_to_act"),
    ("please mark invoice INV-0533 as paid on your side, the system didn't pick up the transfer", "request_to_act"),
    ("My invoice numbering reset to 0001 after the update, can you fix it for me", "request_to_act"),
    ("I need my trial extended by a week", "request_to_act"),
    ("we want our old plan price back, we were grandfathered", "request_to_act"),
    ("the invoice went to the wrong client, please recall it", "request_to_act"),
    ("check my account please, something is wrong with the totals", "request_to_act"),
    ("can you look at ticket 4471 again", "request_to_act"),
    ("i need access to my old workspace restored asap", "request_to_act"),
    ("restore my deleted invoices", "request_to_act"),
    ("undo the import i did this morning, it wiped my client list", "request_to_act"),
    ("can someone investigate payout PO-5531, it never reached my bank", "request_to_act"),
    ("my client says he paid $800 but it doesn't show, can someone check", "request_to_act"),
    ("Accidentally deleted all my clients. Can you bring them back?", "request_to_act"),
    ("can you refund the client directly for me, I don't know how", "request_to_act"),
    ("reactivate pls", "request_to_act"),
    # a fault put to us to mend
    ("the export page has been blank since the update. this is so embarrassing in front of my client, fix it", "request_to_act"),
    ("our logo shows up stretched on every pdf now - sort this out asap", "request_to_act"),
    ("make sure we aren't charged again", "request_to_act"),
    ("I want compensation for the downtime", "request_to_act"),
    # a quoted error with a request beside it is still a request
    ("it says my account is suspended, can you unlock it please?", "close_or_lock_account"),
]

# Questions on the same topics: the help centre answers them, no person needed.
QUESTIONS: list[str] = [
    # why something is so for them: the help centre says (only the Owner may cancel, ...)
    "I'm an Admin, why can't I cancel our subscription?",
    "why won't it let me delete the account? I'm not the owner",
    # mending it themselves: how-to questions, not a fault put to us
    "my logo looks stretched on the pdf, how do i fix it",
    "tried to fix it by clearing the cache but the invoice page is still blank",
    "PDF-415 on every preview. what should i do to sort this out?",
    # a title is not a mood
    "who published alexander and the terrible horrible no good very bad day",
    # asking where to report a scam is not calling us one
    "where can people report a scam they were affected by?",
    # refunds
    "How do refunds work?",
    "Can I get a refund if I cancel in the first week?",
    "What is your refund policy?",
    "Do you offer refunds on annual plans?",
    "How long does a refund take to reach my card?",
    "Are refunds prorated when I downgrade?",
    "How do I refund a client who paid an invoice twice?",
    "Is it possible to get a refund for unused months?",
    "My client wants a refund, how do I issue one through Switchboard?",
    "Will I get a refund if I downgrade mid-cycle?",
    "Please explain the refund process",
    "I'd like to refund one of my customers for invoice 1042",
    # cancelling
    "How do I cancel my plan?",
    "Can I cancel my subscription at any time?",
    "What happens to my invoices if I cancel my subscription?",
    "Where can I find the cancel button?",
    "Is there a cancellation fee?",
    "Can I cancel a recurring invoice I sent to a client?",
    "If I cancel, do I keep access until the end of the billing period?",
    "How do I stop my subscription from renewing?",
    "If I cancel today, do I get a refund?",
    "I clicked cancel on my subscription by mistake, how do I undo that?",
    "Is it a paid add-on or part of my plan?",
    "are there any extra fees for that?",
    "my client was overcharged and we want them to get their money back",
    "Does it cancel right away or at the end of the month?",
    "I want to cancel an invoice I sent by mistake",
    # deleting
    "What happens to my data if I delete my account?",
    "How do I delete my account?",
    "Can I delete my account myself?",
    "How long do you keep my data after I close my account?",
    "How do I delete a client's data from Switchboard?",
    "Does deleting my account cancel my subscription too?",
    "Can I export my invoices before deleting my account?",
    # closing and locking
    "How do I unlock my account after too many login attempts?",
    "What happens if my account gets suspended for non-payment?",
    "Can I temporarily pause my account instead of closing it?",
    "How do I close a client account?",
    # account and billing details
    "How do I change my email address?",
    "Where do I update my billing details?",
    "Can I change the company name that appears on my invoices?",
    "How do I update the card we pay with?",
    "How do I change a client's email address on an invoice?",
    "Can team members change their own email?",
    # two-factor authentication
    "How do I turn off two-factor authentication?",
    "What should I do if I lose my phone with my authenticator app?",
    "Can I require 2FA for all team members?",
    "How do I move my 2FA to a new phone?",
    # ownership and plans
    "How do I transfer ownership of a workspace?",
    "Can a workspace have two owners?",
    "What's the difference between an admin and the account owner?",
    "What's the difference between the Pro and Business plans?",
    "Can I switch to annual billing?",
    "Will I lose any data if I downgrade to the free plan?",
    "How much does it cost to upgrade to Business?",
    # billing
    "What happens if I'm charged twice?",
    "Why is there a $1 authorisation on my card when I add it?",
    "How do I handle a chargeback from one of my clients?",
    "My client says she was charged twice for invoice 1187, how do I check?",
    "Do you charge VAT on subscriptions?",
    "When will I be billed for extra seats?",
    "Does Switchboard charge twice if a payment fails and retries?",
    # security
    "How do I turn on two-factor authentication?",
    "What should I do if I think my account was hacked?",
    "Do you send alerts for suspicious logins?",
    "How can I tell if an email from you is genuine?",
    "How do I report a phishing email?",
    "Have you ever had a data breach?",
    "How do you protect my clients' card details?",
    "How do I see which devices are logged in to my account?",
    # legal
    "Where can I find your terms of service?",
    "Is Switchboard GDPR compliant?",
    "Do you sign a data processing agreement?",
    "Can I add my lawyer as a team member?",
    "Can I add late payment fees to an invoice under UK law?",
    "My client is threatening to take me to small claims court over an invoice, what do I do?",
    # the topics anger shows up around
    "How do I contact your support team?",
    "Who is my account manager?",
    "How do I handle a client who is angry about a late invoice?",
    "Can I leave feedback about the new invoice editor?",
    "How do I send a reminder to a client who keeps ignoring my invoices?",
    # asking us to tell, explain or show: information, not action
    "could you explain how reminders work",
    "please tell me where receipts are",
    "can you tell me how to restore a deleted invoice?",
    "could you let me know what the fee is for card payments",
    "can you show me where the export button is",
    "Can you help me understand my bill?",
    "could you clarify what happens to my data after I cancel",
    "can you point me to the article about late fees",
    "please remind me how to turn on reminders",
    "could you please confirm if you support SEPA",
    "could you draft a polite payment reminder for my client",
    # how-to questions about the same actions
    "how do I restore a deleted invoice?",
    "can I reverse a payment I recorded by mistake myself?",
    "is there a way to reactivate an archived client?",
    "Where do I go to extend my trial?",
    "can I check what happened to a payout from the dashboard?",
    "my client wants me to reverse a late fee, how?",
    "is the pro plan worth it for me",
    # what the product can do
    "can you send invoices in french?",
    "can you sync invoices with xero automatically?",
    "could you do recurring invoices every two weeks?",
    "Can you send reminders to my clients by text message?",
    "can you email the invoice to more than one person at the client?",
    "will you close my workspace automatically after a year without logins?",
    "can you do that?",
    # a quoted or reported error: a question about what it means
    "tried to sign in and it says Your account has been suspended",
    "getting the error Account locked: too many attempts when I log in",
    "says workspace disabled when I open the app, what does that mean",
    "the checkout page shows PAYMENT METHOD NOT SUPPORTED IN REGION",
    "the app says Invoice could not be sent, please check the email address",
    "I get 'Your account is locked' when logging in",
    "it says I'm locked out for 30 minutes, is that normal?",
    # complaints, bank disputes and phishing, asked about in general or about clients
    "How do I handle a complaint from one of my clients?",
    "What is your complaints procedure?",
    "my client is very unhappy with the late invoice, what do I say",
    "What happens if my client disputes a payment with their bank?",
    "how do I dispute a charge on my bank statement?",
    "How can I spot a fake login page?",
    "What should I do if I entered my password on a fake site?",
    # the world in general, not the customer's account: a help centre about scams or the law answers these
    "What are the most common scams right now?",
    "Which scams target small businesses?",
    "Can my landlord sue me if I pay the rent late?",
    "How to hire a lawyer",
    "Is there a small claims court for disputes under $500?",
    "Could you please provide the procedures for filing a tax return?",
    "what's the best way to secure my account",
    # contracts: what the help centre answers, and the customer's own clients signing
    "Where can I download your signed DPA?",
    "Do I need to sign a data processing agreement to use Tally?",
    "can my clients sign our contract before I send the invoice?",
    "my customers have to accept our terms before they pay, can I add them to the invoice?",
]


@pytest.mark.parametrize(("message", "rule"), REQUESTS)
def test_request_to_act_escalates_with_the_right_rule(rules: EscalationRules, message: str, rule: str) -> None:
    escalation = rules.match(message)
    assert escalation is not None, f"not escalated: {message!r}"
    assert escalation.rule == rule, f"{message!r} escalated as {escalation.rule}"


@pytest.mark.parametrize("message", QUESTIONS)
def test_information_question_does_not_escalate(rules: EscalationRules, message: str) -> None:
    assert rules.match(message) is None


def test_tables_are_large_enough_to_mean_something() -> None:
    assert len(REQUESTS) >= 40 and len(QUESTIONS) >= 40


def test_a_request_to_act_is_found_by_its_form_not_only_by_its_verb(rules: EscalationRules) -> None:
    escalation = rules.match("the late fee on INV-1187 was added by mistake, could you waive it for us")
    assert escalation == Escalation(
        rule="request_to_act",
        reason="Customer asks us to do something on their account",
        priority=10,
        reply_with_article=True,
    )
    # the specific rules come first: the generic one only catches what they do not
    assert min(r.priority for r in rules.rules) == escalation.priority
    assert rules.rules[-1].name == "request_to_act"


def test_asking_for_information_is_not_a_request_to_act(rules: EscalationRules) -> None:
    for verb in ("tell me", "explain", "show me", "help me understand", "let me know", "clarify", "remind me"):
        assert rules.match(f"can you {verb} how to restore my deleted invoices") is None, verb
    assert rules.match("can you restore my deleted invoices") is not None


def test_a_quoted_error_is_a_question_unless_a_request_comes_with_it(rules: EscalationRules) -> None:
    assert rules.match("logged in and it says This workspace has been deactivated. huh??") is None
    assert rules.match("logged in and it says This workspace has been deactivated, please reactivate it") is not None
    assert rules.match("my workspace has been deactivated") is not None  # said by the customer, not quoted


def test_an_attempt_of_their_own_that_an_error_stopped_is_a_question_unless_they_ask_us_to_do_it(
    rules: EscalationRules,
) -> None:
    assert rules.match("I tried to update my billing address and the form says Postcode not recognised") is None
    assert rules.match("tried to downgrade to starter and it says Remove team members first") is None
    assert rules.match("I tried to update my billing address and the form says Postcode not recognised, "
                       "can you change it for me") is not None
    assert rules.match("change my email to x@y.com, it says invalid when I do it") is not None  # no attempt of theirs
    assert rules.match("I tried to change my email, change it to x@y.com") is not None  # no error quoted


def test_complaints_reach_a_person_without_an_article(rules: EscalationRules) -> None:
    complaint = rules.match("I'd like to make a complaint about your billing team")
    assert complaint is not None and complaint.rule == "complaint" and complaint.reply_with_article is False


def test_request_to_refund_escalates_with_its_reason(rules: EscalationRules) -> None:
    assert rules.match("Please refund invoice 1042, I was on holiday and didn't use it") == Escalation(
        rule="refund_request", reason="Customer asks us to refund a charge", priority=40, reply_with_article=True
    )


def test_question_about_refund_policy_does_not_escalate(rules: EscalationRules) -> None:
    assert rules.match("What's your refund policy for annual plans?") is None
    assert rules.match("Can I get a refund if I cancel in the first week?") is None


def test_request_is_not_excused_by_a_question_in_another_sentence(rules: EscalationRules) -> None:
    escalation = rules.match("Cancel my plan please. What happens to my invoices after that?")
    assert escalation is not None and escalation.rule == "cancel_subscription"


def test_security_incident_outranks_a_refund_request(rules: EscalationRules) -> None:
    escalation = rules.match("Someone hacked my account and bought add-ons with my card, please refund the charges")
    assert escalation is not None and escalation.rule == "security_incident"


def test_legal_threat_outranks_anger(rules: EscalationRules) -> None:
    escalation = rules.match("This is absolutely ridiculous. Refund me or I'm taking you to court")
    assert escalation is not None and escalation.rule == "legal_threat"


@pytest.mark.parametrize("card", ["•••• 4242", "**** **** **** 4242", "XXXX-XXXX-XXXX-4242", "xxxx 4242", "****4242"])
def test_masked_card_number_does_not_break_matching(rules: EscalationRules, card: str) -> None:
    stolen = rules.match(f"my card {card} was stolen and someone used it on your site")
    assert stolen is not None and stolen.rule == "security_incident"
    refund = rules.match(f"Please refund the £29.00 you took from card {card} on 2 May")
    assert refund is not None and refund.rule == "refund_request"
    # a masked number in capitals is not shouting
    assert rules.match(f"How do I update the card {card} on file?") is None


def test_shouting_is_anger_but_an_acronym_is_not(rules: EscalationRules) -> None:
    shouted = rules.match("I NEED THIS FIXED TODAY")
    assert shouted is not None and shouted.rule == "angry_customer"
    assert rules.match("Do you support VAT MOSS for EU PDF invoices?") is None


def test_incidents_come_first_in_the_queue_and_send_no_article(rules: EscalationRules) -> None:
    by_name = {r.name: r for r in rules.rules}
    assert rules.rules[0].name == "security_incident" and rules.rules[1].name == "legal_threat"
    for incident in ("security_incident", "legal_threat", "angry_customer"):
        assert by_name[incident].reply_with_article is False
    for action in ("refund_request", "cancel_subscription", "delete_account_or_data", "change_account_details",
                   "billing_dispute"):  # a disputed charge: the refund policy helps while they wait
        assert by_name[action].reply_with_article is True
        assert by_name[action].priority < by_name["legal_threat"].priority


def test_every_shipped_rule_reads_well_in_the_queue(rules: EscalationRules) -> None:
    for rule in rules.rules:
        assert rule.reason[0].isupper() and len(rule.reason) < 80, rule.name
    assert len({r.name for r in rules.rules}) == len(rules.rules)


def test_loading_none_is_the_shipped_default() -> None:
    assert DEFAULT_RULES.is_file()
    assert [r.name for r in EscalationRules.load(None).rules] == [r.name for r in EscalationRules.load(DEFAULT_RULES).rules]


def test_operator_file_replaces_the_default(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        """
define:
  owner: ['(?:my|our)']
rules:
  - name: wire_transfer
    reason: Customer asks about a wire transfer
    priority: 5
    reply_with_article: true
    patterns: ['\\bwire\\s+{owner}\\s+payout']
    unless: ['\\bhow\\b']
  - name: vip
    reason: A VIP customer wrote in
    priority: 50
    all: ['\\bvip\\b', '(?-i:ACME)']
""",
        encoding="utf-8",
    )
    rules = EscalationRules.load(path)
    assert [r.name for r in rules.rules] == ["vip", "wire_transfer"]
    assert rules.match("please wire our payout today") == Escalation("wire_transfer", "Customer asks about a wire transfer", 5, True)
    assert rules.match("how do you wire my payout?") is None
    assert rules.match("VIP here from ACME") == Escalation("vip", "A VIP customer wrote in", 50, False)
    assert rules.match("vip here from acme") is None  # (?-i:...) is case-sensitive
    assert rules.match("Please refund invoice 1042") is None  # the default rules are gone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rules: [name: x\n  - bad", "not valid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
        ("rulez: []\n", "unknown top-level key(s) rulez"),
        ("rules: []\n", "'rules' must be a non-empty list"),
        ("rules:\n  - reason: r\n    priority: 1\n    patterns: [x]\n", "rule #1: missing 'name'"),
        ("rules:\n  - name: refunds\n    priority: 1\n    patterns: [x]\n", "rule 'refunds': missing 'reason'"),
        ("rules:\n  - name: refunds\n    reason: r\n    patterns: [x]\n", "rule 'refunds': 'priority' must be an integer"),
        ("rules:\n  - name: refunds\n    reason: r\n    priority: 1\n    patern: [x]\n", "rule 'refunds': unknown key(s) patern"),
        ("rules:\n  - name: refunds\n    reason: r\n    priority: 1\n", "rule 'refunds': needs 'patterns'"),
        ("rules:\n  - name: refunds\n    reason: r\n    priority: 1\n    patterns: ['ok', 'refund (me']\n",
         "rule 'refunds': 'patterns' #2: regex does not compile"),
        ("rules:\n  - name: refunds\n    reason: r\n    priority: 1\n    patterns: [x]\n    unless: ['[a-']\n",
         "rule 'refunds': 'unless' #1: regex does not compile"),
        ("rules:\n  - name: refunds\n    reason: r\n    priority: 1\n    patterns: ['{nope}']\n",
         "rule 'refunds': 'patterns' #1: {nope} is not defined"),
        ("rules:\n  - name: refunds\n    reason: r\n    priority: 1\n    reply_with_article: maybe\n    patterns: [x]\n",
         "rule 'refunds': 'reply_with_article' must be true or false"),
        ("rules:\n  - {name: a, reason: r, priority: 1, patterns: [x]}\n  - {name: a, reason: r, priority: 2, patterns: [y]}\n",
         "rule 'a': the name is used by an earlier rule"),
        ("define:\n  bad: '(unclosed'\nrules:\n  - {name: a, reason: r, priority: 1, patterns: [x]}\n",
         "define 'bad': regex does not compile"),
    ],
)
def test_malformed_rules_fail_with_a_clear_message(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "operator_rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EscalationRulesError) as error:
        EscalationRules.load(path)
    assert str(path) in str(error.value)
    assert expected in str(error.value)


def test_the_same_rules_text_is_compiled_once_and_a_broken_one_fails_every_time(tmp_path: Path) -> None:
    text = "rules:\n  - {name: refunds, reason: r, priority: 1, patterns: ['refund (me|us)']}\n"
    first, second = EscalationRules.parse(text), EscalationRules.parse(text)
    assert first.rules[0]._any is second.rules[0]._any  # an app reads its rules twice at start
    assert second.match("please refund me") == Escalation("refunds", "r", 1, False)
    broken = text.replace("(me|us)", "(me|us")
    for _ in range(2):
        with pytest.raises(EscalationRulesError, match="'patterns' #1: regex does not compile"):
            EscalationRules.parse(broken)


def test_missing_rules_file_fails_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(EscalationRulesError, match="cannot read escalation rules"):
        EscalationRules.load(tmp_path / "absent.yaml")


def test_a_long_pathological_message_does_not_hang_the_matcher(rules: EscalationRules) -> None:
    """Guards against catastrophic backtracking (seconds to hours), not a speed figure: typical
    matching costs ~0.5 ms a message (measured in development; no timed test)."""
    for message in (
        "x" * 10_000, "A " * 5_000, "* " * 5_000, "how do I " * 1_000, "•" * 4_000,
        "can you please " * 300, "a, " * 1_500, "it says " * 600, "pls restore my " * 300, "and " * 1_000,
    ):
        start = time.perf_counter()
        rules.match(message)
        assert time.perf_counter() - start < 3.0


SLOW_RULE = "rules:\n  - name: backtracks\n    reason: b\n    priority: 1\n    patterns: ['(a+)+$']\n"


def test_a_rule_that_backtracks_without_end_is_skipped_within_the_time_a_message_gets(caplog) -> None:
    """Python's re could not be stopped: one message froze a worker, and again after each restart."""
    slow = EscalationRules.parse(SLOW_RULE + "  - name: refunds\n    reason: r\n    priority: 0\n    patterns: ['refund']\n")
    start = time.perf_counter()
    found = slow.match("a" * 3000 + "! refund", seconds=0.3)
    assert time.perf_counter() - start < 2.0
    assert found is not None and found.rule == "refunds"  # the other rules still run
    assert "'backtracks' ran out of time" in caplog.text


def test_speed_check_names_a_rule_that_backtracks_and_passes_the_shipped_ones(rules: EscalationRules) -> None:
    rules.check_speed()
    with pytest.raises(EscalationRulesError, match="rule 'backtracks': a pattern takes too long"):
        EscalationRules.parse(SLOW_RULE).check_speed()
