"""A language model's own layer: fitted on its labelled replies, stored per model, served only for it."""

from __future__ import annotations

import random

import numpy as np
import pytest

from assistant.calibration import SHIPPED, Calibrator
from assistant.model_calibration import ModelRecalibration, ModelReply, fit_model_recalibration
from assistant.signals import Signals
from assistant.thresholds import load_calibrator
from tests.conftest import make_settings


def _auroc(scores, labels) -> float:
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


def _replies(n: int = 240, seed: int = 7) -> list[ModelReply]:
    """A model that is right when it is sure of its tokens, whatever the passage's odds."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        mean = rng.uniform(-3.0, -0.05)
        rows.append(ModelReply(
            kb_log_odds=rng.gauss(0, 1), grounded=rng.choice([0.5, 1.0]), logprob_mean=mean,
            logprob_min=mean * 4, correct=rng.random() < 1 / (1 + np.exp(-(3 * mean + 4))), group=f"c{i // 2}",
        ))
    return rows


def test_the_layer_learns_what_the_models_log_probabilities_say_about_its_replies() -> None:
    rows = _replies()
    layer, held_out = fit_model_recalibration("tiny", rows)
    labels = [r.correct for r in rows]
    assert _auroc(list(held_out), labels) > 0.75  # on replies each fold did not see
    assert layer.probability(0.0, 1.0, -0.1, -0.4) > layer.probability(0.0, 1.0, -2.5, -10.0)
    assert layer.calibration["confidence"] == [round(float(p), 4) for p in held_out]
    assert layer.meta["replies"] == len(rows) and layer.meta["correct"] == sum(labels)


def test_a_model_that_is_never_right_cannot_be_calibrated() -> None:
    rows = [ModelReply(0.0, 1.0, -1.0, -3.0, correct=False, group=str(i)) for i in range(20)]
    with pytest.raises(ValueError, match="all right or all wrong"):
        fit_model_recalibration("tiny", rows)


def _layer(model: str) -> ModelRecalibration:
    return ModelRecalibration(model=model, mean=[0, 0, 0, 0], scale=[1, 1, 1, 1], coef=[0.0, 0.0, 2.0, 0.0],
                              intercept=1.0, calibration={"confidence": [0.9], "correct": [True], "answerable": [True]})


def test_a_layer_is_stored_per_model_and_served_only_for_that_model(tmp_path) -> None:
    base = Calibrator.load(SHIPPED)
    stored = base.with_model_layer(_layer("tiny")).with_model_layer(_layer("big")).with_model_layer(_layer("tiny"))
    path = tmp_path / "calibrator.json"
    stored.save(path)
    loaded = Calibrator.load(path)
    models = [m.model for m in loaded.models]
    assert models.count("tiny") == 1 and models.count("big") == 1  # a refit replaces, never duplicates
    assert len(models) == len(base.models) + 2
    served = loaded.for_model("tiny")
    assert served.model_layer is not None and served.model_layer.model == "tiny"
    assert served.calibration["confidence"] == [0.9]  # its replies choose the threshold
    assert loaded.for_model("another").model_layer is None
    assert loaded.for_model("another").calibration == loaded.calibration


def test_the_served_calibrator_has_the_configured_models_layer_only_with_an_llm_provider(tmp_path) -> None:
    Calibrator.load(SHIPPED).with_model_layer(_layer("tiny")).save(tmp_path / "calibrator.json")
    llm = load_calibrator(make_settings(tmp_path, llm_provider="openai", openai_model="tiny"))
    assert llm.model_layer is not None and llm.meta["model"] == "tiny"
    other = load_calibrator(make_settings(tmp_path, llm_provider="openai", openai_model="gpt-4o-mini"))
    assert other.model_layer is None
    assert load_calibrator(make_settings(tmp_path)).model_layer is None  # extractive


def _record(i: int, *, correct: bool, logprobs: bool):
    from evals.answers import AnswerRecord

    signals = {n: 0.5 for n in Signals.names()} | {"grounded": 1.0}
    if logprobs:
        signals |= {"logprob_mean": -0.2 if correct else -2.0, "logprob_min": -1.0 if correct else -9.0}
    return AnswerRecord(
        id=str(i), kind="answerable", answerable=True, question="q", text="t", draft="t", confidence=0.42,
        handoff=False, handoff_reason=None, cited=["d"], gold=["d"], cites_gold=correct, f1=0.5, rouge_l=0.5,
        correct_if_sent=correct, latency_ms=1.0, signals=signals, conversation=f"c{i}",
    )


def test_eval_calibrate_fits_the_layer_on_the_replies_that_carry_log_probabilities() -> None:
    from evals.calibrate import DatasetRun, fit_model_layer

    records = [_record(i, correct=i % 3 == 0, logprobs=i % 5 != 0) for i in range(60)]
    run = DatasetRun("help-centre", records, doc_ids=["d"], served=Calibrator.load(SHIPPED))
    layer, out = fit_model_layer([run], "tiny")
    assert layer.model == "tiny" and layer.meta["replies"] == 48 and layer.meta["datasets"] == ["help-centre"]
    rescored = out["help-centre"]
    assert [r.confidence for r in rescored if "logprob_mean" not in r.signals] == [0.42] * 12  # left as they were
    sure = [r.confidence for r in rescored if "logprob_mean" in r.signals and r.correct_if_sent]
    unsure = [r.confidence for r in rescored if "logprob_mean" in r.signals and not r.correct_if_sent]
    assert min(sure) > max(unsure)  # held out, and still separated by what the model was sure of


def test_agents_are_told_which_of_the_models_signals_pulled_a_reply_down() -> None:
    layer = ModelRecalibration(model="tiny", mean=[0, 0, -1, -4], scale=[1, 1, 1, 1], coef=[1.0, 2.0, 1.5, 0.1],
                               intercept=0.0)
    assert layer.lowest(0.0, 1.0, -3.0, -4.0) == "logprob_mean"  # unsure of its words
    assert layer.lowest(0.0, 0.2, -1.0, -4.0) == "grounded"  # most sentences unsupported
    assert layer.lowest(-5.0, 1.0, -1.0, -4.0) is None  # the passage's odds: the base calibrator explains those


def test_eval_calibrate_stores_the_layer_where_serve_finds_it_and_reports_before_and_after(tmp_path) -> None:
    import json

    from evals.calibrate import DatasetRun, fit_model_layer, save_model_layer

    settings = make_settings(tmp_path / "data", llm_provider="openai", openai_model="tiny")
    records = [_record(i, correct=i % 3 == 0, logprobs=True) for i in range(40)]
    runs = [DatasetRun("help-centre", records, doc_ids=["d"], served=Calibrator.load(SHIPPED))]
    report = tmp_path / "report.json"
    layer, oof = fit_model_layer(runs, "tiny", report_path=report)
    assert len(json.loads(report.read_text())["records"]["help-centre"]) == 40  # kept before anything can fail
    text = save_model_layer(runs, layer, oof, settings, split="dev", out=None, report_path=report)
    assert "help-centre: AUROC" in text and "40 replies with log-probabilities, 14 right" in text
    assert load_calibrator(settings).model_layer.model == "tiny"  # serve's calibrator, for the configured model
    written = json.loads(report.read_text())
    assert set(written) >= {"without_layer", "with_layer", "records", "held_out"}


def test_the_before_figures_are_without_any_layer_even_when_an_earlier_one_was_served() -> None:
    from evals.calibrate import DatasetRun, without_layer

    served = Calibrator.load(SHIPPED)
    records = [_record(i, correct=i % 2 == 0, logprobs=True) for i in range(4)]  # served at 0.42: an earlier layer's
    records[1].signals["grounded"] = 0.5
    plain = without_layer(DatasetRun("help-centre", records, doc_ids=["d"], served=served))
    kb = served.probability(Signals.among(records[0].signals))
    assert [r.confidence for r in plain] == [round(kb, 4), round(kb * 0.5, 4), round(kb, 4), round(kb, 4)]
    assert [r.confidence for r in records] == [0.42] * 4  # the run itself is left as served


def test_the_local_demo_model_is_calibrated_out_of_the_box(tmp_path) -> None:
    import re
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()
    served_as = re.search(r"^LLM_MODEL\s*:?=\s*(\S+)", makefile, re.M).group(1)  # make llm-serve's model name
    calibrator = load_calibrator(make_settings(tmp_path, llm_provider="openai", openai_model=served_as))
    assert calibrator.model_layer is not None and calibrator.meta["path"] == str(SHIPPED)
    assert len(calibrator.calibration["confidence"]) == calibrator.model_layer.meta["replies"] >= 100
