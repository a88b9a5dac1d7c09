"""Lines a stopped worker stored but never answered are answered by the workers still running.

A worker stores the customer's line, answers in the background, and dies (a deploy, a crash, an
out-of-memory kill) before the answer is stored. Every worker answers such lines when it starts,
but with other workers healthy and none restarting, the customer got nothing until they wrote
again. So every worker also looks, every `every` seconds, for a conversation with the bot whose
customer has a line unanswered and where nothing has happened for `after` seconds (longer than
any live worker takes to answer: four times the model's timeout, two minutes by default), and
answers it. Two workers that find the same line both may compute an answer; the compare-and-set
in `ConversationService.answer_pending` stores one. A conversation a worker has tried
`MAX_ATTEMPTS` times (an answer that fails each time) is left for a person to see in the live
list, not retried every sweep for a day.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from api.conversations import AnswerFn, ConversationService

log = logging.getLogger(__name__)

SWEEP_SECONDS = 15.0  # how often each worker looks
MAX_ATTEMPTS = 3  # per conversation, per worker


class StrandedLines:
    def __init__(self, service: ConversationService, answer: AnswerFn, *, after_seconds: float, every_seconds: float) -> None:
        self.service = service
        self.answer = answer
        self.after = timedelta(seconds=after_seconds)
        self.every = every_seconds
        self._attempts: dict[str, int] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="stranded-lines")

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def sweep(self) -> int:
        """Answer the stranded lines found now (in the background); how many conversations."""
        tried_enough = frozenset(c for c, n in self._attempts.items() if n >= MAX_ATTEMPTS)
        started = await self.service.answer_unanswered(self.answer, quiet_for=self.after, skip=tried_enough)
        for conversation_id in started:
            self._attempts[conversation_id] = self._attempts.get(conversation_id, 0) + 1
        return len(started)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                await self.sweep()
            except Exception:  # the database away for a moment: the next sweep finds them
                log.exception("answering stranded lines failed")
