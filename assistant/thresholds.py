"""Which calibrator serves, and the handoff threshold it implies.

The calibrator is the one `switchboard eval calibrate` wrote to the data directory, else the one
that ships, recalibrated for the served knowledge base when it knows it. The threshold is
`SWITCHBOARD_HANDOFF_THRESHOLD` when set. Otherwise it is chosen for
`SWITCHBOARD_TARGET_PRECISION` from the calibrator's own held-out replies:

- *certified*: the lowest threshold whose sent replies were correct at the target with a
  Clopper–Pearson bound at confidence 1 − `SWITCHBOARD_RISK_ALPHA` (`knowledge.risk`);
- when no threshold can be certified with the calibration data at hand (too few replies, or a
  confidence that does not separate well enough), the target itself: a reply is sent only when its
  calibrated probability of being right reaches the target. The log says which.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.calibration import FILE_NAME, SHIPPED, Calibrator
from knowledge import Settings
from knowledge.risk import ThresholdChoice, choose_threshold

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServingThreshold:
    threshold: float
    how: str  # "fixed" | "certified" | "calibrated"
    choice: ThresholdChoice | None = None
    calibration_replies: int = 0

    def describe(self) -> str:
        c = self.choice
        if self.how == "fixed" or c is None:
            return f"{self.threshold:.3f} (SWITCHBOARD_HANDOFF_THRESHOLD)"
        if self.how == "certified":
            return (f"{self.threshold:.3f}: precision >= {c.target_precision:.2f} certified with confidence "
                    f"{1 - c.alpha:.0%} (it sends {c.sent} of {self.calibration_replies} calibration replies, "
                    f"{c.correct} of them right)")
        return (f"{self.threshold:.3f}: no threshold can be certified at precision {c.target_precision:.2f} with "
                f"confidence {1 - c.alpha:.0%} on {self.calibration_replies} calibration replies, so a reply is sent "
                f"only when its calibrated confidence reaches the target")


def load_calibrator(settings: Settings, doc_ids: Iterable[str] = ()) -> Calibrator:
    """The data directory's calibrator, else the shipped one; recalibrated for the knowledge base
    whose documents are `doc_ids` when the calibrator was fitted on it, and for the configured
    language model when it has a layer for it."""
    fitted = settings.data_dir / FILE_NAME
    path = fitted if fitted.exists() else SHIPPED
    calibrator = Calibrator.load(path).for_knowledge_base(doc_ids)
    if settings.llm_provider == "openai":  # the configured model's own layer, if it has been fitted
        calibrator = calibrator.for_model(settings.openai_model)
    calibrator.meta["path"] = str(path)
    calibrator.meta["knowledge_base"] = calibrator.applied.name if calibrator.applied else None
    calibrator.meta["model"] = calibrator.model_layer.model if calibrator.model_layer else None
    return calibrator


def resolve_threshold(settings: Settings, calibrator: Calibrator) -> ServingThreshold:
    if settings.handoff_threshold is not None:
        return ServingThreshold(settings.handoff_threshold, "fixed")
    data = calibrator.calibration
    choice = choose_threshold(
        data.get("confidence", []), data.get("correct", []), settings.target_precision,
        alpha=settings.risk_alpha, answerable=data.get("answerable"),
    )
    n = len(data.get("correct", []))
    serving = (
        ServingThreshold(choice.threshold, "certified", choice, n) if choice.sent
        else ServingThreshold(settings.target_precision, "calibrated", choice, n)
    )
    log.info("handoff threshold %s", serving.describe())
    return serving
