"""Shared by the escalation rule tests: the shipped rules, and which rule a message meets."""

from __future__ import annotations

import pytest

from assistant.escalation import EscalationRules


@pytest.fixture(scope="module")
def rules() -> EscalationRules:
    """The rules that ship (assistant/escalation_rules.yaml)."""
    return EscalationRules.load(None)


def rule_of(rules: EscalationRules, message: str) -> str | None:
    """The name of the rule the message meets, or None."""
    escalation = rules.match(message)
    return escalation.rule if escalation else None
