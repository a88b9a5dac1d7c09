"""Lines a stopped worker stored but never answered: a worker answers them when it starts
(`answer_unanswered`), and the workers still running do too (`StrandedLines`), once their
conversation has been quiet for longer than any live answer takes (`services.stranded_after`).

A worker stores the customer's line, answers in the background, and dies (a deploy, a crash, an
out-of-memory kill) before the answer is stored. A starting worker answers such lines once they
have been quiet that long (sooner, it answered lines another worker was still answering: two
drafts' pieces interleaved in the console, the model paid twice); with other workers healthy and
none restarting, the customer got nothing until they wrote again. So every worker also looks, every `every` seconds, for a conversation with the bot whose
customer has a line unanswered and where nothing has happened for `after` seconds (longer than
any live worker takes to answer: four times the model's timeout, two minutes by default), and
answers it. Two workers that find the same line both may compute an answer; the compare-and-set
in `ConversationService.answer_pending` stores one. A conversation a worker has tried
`MAX_ATTEMPTS` times (an answer that fails each time) is left for a person to see in the live
list, not retried every sweep for a day.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from api import bot_turns as turns
from api.background import Repeating
from api.conversations import AnswerFn, ConversationService

log = logging.getLogger(__name__)

SWEEP_SECONDS = 15.0  # how often each worker looks
MAX_ATTEMPTS = 3  # per conversation, per worker


async def answer_unanswered(
    service: ConversationService, answer: AnswerFn, *, within: timedelta = timedelta(hours=24), limit: int = 500,
    quiet_for: timedelta | None = None, skip: frozenset[str] = frozenset(),
) -> list[str]:
    """Answer, in the background, the lines a stopped worker stored but never answered (with the
    bot, active in the last `within`; given `quiet_for`, with nothing since for that long), but
    those of the conversations in `skip`. Returns their ids."""
    now = datetime.now(UTC)
    query = turns.unanswered_conversations(now - within, limit, now - quiet_for if quiet_for else None)
    async with service.engine.connect() as conn:
        waiting = [c for c in (await conn.execute(query)).scalars() if c not in skip]
    for conversation_id in waiting:
        service.background.run(service.answer_pending(conversation_id, answer), "answering")
    if waiting:
        log.info("answering %d conversation(s) left unanswered by a stopped worker", len(waiting))
    return waiting


class StrandedLines:
    def __init__(self, service: ConversationService, answer: AnswerFn, *, after_seconds: float, every_seconds: float) -> None:
        self.service = service
        self.answer = answer
        self.after = timedelta(seconds=after_seconds)
        self.every = every_seconds
        self._attempts: dict[str, int] = {}
        self._repeating = Repeating(self.sweep, every_seconds, "answering stranded lines")

    async def start(self) -> None:
        self._repeating.start()

    async def close(self) -> None:
        await self._repeating.close()

    async def sweep(self) -> int:
        """Answer the stranded lines found now (in the background); how many conversations."""
        tried_enough = frozenset(c for c, n in self._attempts.items() if n >= MAX_ATTEMPTS)
        started = await answer_unanswered(self.service, self.answer, quiet_for=self.after, skip=tried_enough)
        for conversation_id in started:
            self._attempts[conversation_id] = self._attempts.get(conversation_id, 0) + 1
        return len(started)
