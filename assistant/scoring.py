"""The calibrator and handoff policy a reply is scored and decided with, for the knowledge base
served now.

The one a worker started with may have been for an empty knowledge base (compose starts `serve`
before the first ingest), and a fitted knowledge base's own recalibration applies only once its
documents are there; an index that became mostly other articles is scored by the pooled calibrator,
as after a restart. The pair is replaced whole, so a reply never scores with one calibrator and
decides with another's threshold.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from assistant.calibration import Calibrator
from assistant.handoff import HandoffPolicy
from knowledge import KnowledgeBase

Pair = tuple[Calibrator, HandoffPolicy]
# the served knowledge base's document ids -> its calibrator and handoff policy
Recalibrate = Callable[[Iterable[str]], Pair]


class KnowledgeBaseScoring:
    def __init__(self, kb: KnowledgeBase, pair: Pair, recalibrate: Recalibrate | None = None) -> None:
        self.kb = kb
        self.pair = pair
        self.recalibrate = recalibrate
        self._for = kb.catalog.generation() if recalibrate else None
        self._lock = threading.Lock()

    def current(self) -> Pair:
        """The pair for the catalog as it is now (one indexed query when it has not changed)."""
        if self.recalibrate is None:
            return self.pair
        generation = self.kb.catalog.generation()
        with self._lock:
            if generation != self._for:
                self.pair = self.recalibrate(d.doc_id for d in self.kb.catalog.all())
                self._for = generation
            return self.pair
