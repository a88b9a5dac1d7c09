"""Everything the app needs while it runs, built from settings in the lifespan and closed after."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

import anyio
from sqlalchemy.ext.asyncio import AsyncEngine

from api.conversations import ConversationService
from api.db import open_database
from api.event_hub import EventHub
from api.gone_agents import GoneAgentSweep
from api.presence import Activity
from api.idle_close import IdleCloser
from api.stranded_lines import SWEEP_SECONDS, StrandedLines, answer_unanswered
from api.stream_guard import StreamGuard
from api.events import LocalNotifier, make_notifier
from api import rules_store
from api.telemetry import Telemetry
from api.vault import Vault
from api.ratelimit import SignInLimiter, make_limiter, make_sign_in_limiter
from assistant import Assistant, Reply, build_assistant, stream_reply
from knowledge import KnowledgeBase, Settings


# Replies made at once. Each waits on its thread for the provider: an LLM endpoint takes seconds,
# and on the loop's default pool (CPU count + 4 threads) the sixth customer waited for a thread
# before their reply's timeout even began. The CPU-bound part (embedding) takes turns anyway.
REPLY_THREADS = 32


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    notifier: LocalNotifier
    events: EventHub  # this worker's one event reader, fanning out to its streams
    stream_guard: StreamGuard  # ends the streams whose credential died
    kb: KnowledgeBase
    assistant: Assistant
    conversations: ConversationService
    sign_ins: SignInLimiter  # failed console sign-ins per client address (in Redis with many workers)
    conversation_starts: SignInLimiter  # new conversations per client address
    customer_lines: SignInLimiter  # customer lines per conversation
    completions: SignInLimiter  # /v1/chat/completions requests per client address
    vault: Vault  # seals the cards of the secure card form
    telemetry: Telemetry  # Prometheus metrics
    idle_closer: IdleCloser  # closes conversations left idle with the bot
    gone_agents: GoneAgentSweep  # puts the chats of agents who are gone back in the queue
    stranded: StrandedLines | None = None  # answers lines a stopped worker left unanswered
    rules_revision: int = 0  # the admin revision of the escalation rules the assistant holds
    activity: Activity = field(default_factory=Activity)  # marks agents seen on their requests
    reply_threads: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=REPLY_THREADS, thread_name_prefix="reply")
    )

    async def refresh_rules(self) -> None:
        """Adopt the escalation rules an admin saved since (on any worker): one indexed read."""
        if await rules_store.latest_revision(self.engine) != self.rules_revision:
            current = await rules_store.in_force(self.engine, self.settings.escalation_rules)
            self.assistant.rules = current.rules
            self.rules_revision = current.revision

    async def answer(
        self, text: str, history: list[tuple[str, str]], previous_confidence: float | None,
        on_piece: Callable[[str], Awaitable[None]] | None = None,
    ) -> Reply:
        """The assistant's reply, computed off the event loop (embedding and reading are CPU work).
        With `on_piece`, each piece of the draft is handed over as the provider writes it."""
        await self.refresh_rules()
        with self.telemetry.time_reply():
            if on_piece is None:
                return await anyio.to_thread.run_sync(
                    lambda: self.assistant.reply(text, history, previous_confidence=previous_confidence)
                )
            replies = stream_reply(
                self.assistant, text, history, previous_confidence=previous_confidence, executor=self.reply_threads
            )
            async for item in replies:
                if isinstance(item, Reply):
                    return item
                await on_piece(item)
        raise RuntimeError("the reply stream ended without a reply")

    async def close(self) -> None:
        if self.stranded:
            await self.stranded.close()
        await self.idle_closer.close()
        await self.gone_agents.close()
        await self.conversations.shutdown()
        self.reply_threads.shutdown(wait=False)  # the replies in flight were waited for just above
        await self.stream_guard.close()
        await self.events.close()
        await self.notifier.close()
        for limiter in (self.sign_ins, self.conversation_starts, self.customer_lines, self.completions):
            if close_limiter := getattr(limiter, "close", None):
                await close_limiter()
        await self.engine.dispose()
        self.kb.close()


def stranded_after(settings: Settings) -> timedelta:
    """How long a conversation with a line unanswered must have been quiet before a worker takes
    the line for one a stopped worker left: longer than a live answer takes (a line typed while the
    bot answers the one before waits for that answer, then gets its own; each up to a wait for a
    reply thread plus the model's timeout). Sooner, as the start-up sweep once did, a worker answered
    a line another was still answering: the agents saw two drafts' pieces interleaved, and the
    model was paid twice."""
    return timedelta(seconds=4 * settings.llm_timeout_seconds)


async def open_services(settings: Settings, kb: KnowledgeBase | None = None) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    kb = kb or await anyio.to_thread.run_sync(KnowledgeBase, settings)
    engine = await open_database(settings.resolved_database_url)
    notifier = make_notifier(settings.redis_url)
    await notifier.start()
    hub = EventHub(engine, notifier)
    await hub.start()
    guard = StreamGuard(notifier)
    await guard.start()
    services = Services(
        settings=settings,
        engine=engine,
        notifier=notifier,
        events=hub,
        stream_guard=guard,
        kb=kb,
        assistant=build_assistant(settings, kb),
        conversations=ConversationService(
            engine=engine, notifier=notifier, max_message_chars=settings.max_message_chars,
            max_agent_chats=settings.agent_max_chats,
            stream_drafts=settings.llm_provider != "extractive",
        ),
        sign_ins=make_sign_in_limiter(settings.redis_url),
        conversation_starts=make_limiter(settings.redis_url, settings.conversations_per_minute, "conversation-starts"),
        customer_lines=make_limiter(settings.redis_url, settings.lines_per_minute, "customer-lines"),
        completions=make_limiter(settings.redis_url, settings.lines_per_minute, "completions"),
        vault=Vault.from_key_or_file(settings.vault_key, settings.data_dir),
        telemetry=Telemetry(),
        idle_closer=IdleCloser(engine, notifier, settings.bot_idle_close_hours),
        gone_agents=GoneAgentSweep(engine, notifier, settings.agent_gone_requeue_minutes),
    )
    await services.refresh_rules()
    quiet = stranded_after(settings)
    await answer_unanswered(services.conversations, services.answer, quiet_for=quiet)  # lines a stopped worker left
    services.stranded = StrandedLines(
        services.conversations, services.answer, after_seconds=quiet.total_seconds(), every_seconds=SWEEP_SECONDS
    )
    await services.stranded.start()
    await services.idle_closer.start()
    await services.gone_agents.start()
    return services
