"""Adding someone to the team is inviting them: "how do I add a team member?" is answered with the
steps under "Invite someone", not with how many people a plan may add."""

from __future__ import annotations

from tests.bot_replies import said


def test_adding_a_team_member_gets_the_invite_steps(sample_assistant):
    assert "Click Invite member" in said(sample_assistant.reply("how do I add a team member"))
