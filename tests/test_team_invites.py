"""Adding someone to the team is inviting them: "how do I add a team member?" is answered with the
steps under "Invite someone", not with how many people a plan may add."""

from __future__ import annotations

from assistant import build_assistant
from knowledge import KnowledgeBase


def test_adding_a_team_member_gets_the_invite_steps(settings, sample_kb: KnowledgeBase):
    reply = build_assistant(settings, sample_kb).reply("how do I add a team member")
    said = (reply.draft if reply.handoff else reply.text) or ""
    assert "Click Invite member" in said
