"""Answer and confidence metrics, threshold selection with a finite-sample guarantee, and the plots."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import binom

from evals.metrics import (
    MAX_LCS_TOKENS,
    auroc,
    brier,
    expected_calibration_error,
    lcs_length,
    normalize_answer,
    percentile,
    precision_coverage_at,
    reliability_bins,
    risk_coverage,
    rouge_l,
    strip_citations,
    token_f1,
    tokens,
)
from evals.plots import reliability_diagram, risk_coverage_plot
from knowledge.risk import ThresholdChoice, choose_threshold, clopper_pearson_lower

# --------------------------------------------------------------------------------- answer metrics


def test_normalize_answer_lowercases_and_drops_punctuation_articles_and_extra_whitespace() -> None:
    assert normalize_answer("  The Quick, brown  fox -- an ANIMAL!  ") == "quick brown fox animal"
    assert normalize_answer("Don't panic.") == "dont panic"
    assert normalize_answer("«Théâtre»: a play…") == "théâtre play"
    assert tokens("A cat, the hat.") == ["cat", "hat"]
    assert tokens("") == []


def test_token_f1_is_one_for_the_same_answer_and_ignores_citations() -> None:
    assert token_f1("Reset the router.", ["reset the router"]) == 1.0
    assert token_f1("Reset the router [1].", ["Reset the router"]) == 1.0
    assert token_f1("Reset [1][2] the router [3, 4]", ["Reset the router"]) == 1.0
    assert strip_citations("see [12] and [1-3]").split() == ["see", "and"]


def test_token_f1_of_a_partial_overlap_is_the_harmonic_mean_of_precision_and_recall() -> None:
    # prediction {cat, sat}, reference {cat, sat, on, mat}: P = 1, R = 1/2
    assert token_f1("the cat sat", ["the cat sat on the mat"]) == pytest.approx(2 / 3)
    # repeated tokens match at most as often as they occur in the reference: P = 1/3, R = 1
    assert token_f1("yes yes yes", ["yes"]) == pytest.approx(0.5)
    assert token_f1("blue", ["red"]) == 0.0


def test_token_f1_takes_the_best_reference_and_is_zero_without_references_or_prediction() -> None:
    assert token_f1("paris", ["london", "Paris", "paris france"]) == 1.0
    assert token_f1("paris", []) == 0.0
    assert token_f1("", ["paris"]) == 0.0
    assert token_f1("[1] the.", ["paris"]) == 0.0


def test_rouge_l_rewards_order() -> None:
    reference = ["alpha beta gamma delta"]
    assert rouge_l("alpha beta gamma delta", reference) == 1.0
    assert token_f1("delta gamma beta alpha", reference) == 1.0  # same bag of words...
    assert rouge_l("delta gamma beta alpha", reference) == pytest.approx(0.25)  # ...but LCS is 1
    # LCS "alpha gamma" = 2 of 3 prediction tokens and 2 of 4 reference tokens
    assert rouge_l("alpha x gamma [2]", reference) == pytest.approx(2 * (2 / 3) * (1 / 2) / (2 / 3 + 1 / 2))
    assert rouge_l("alpha", []) == 0.0 and rouge_l("", reference) == 0.0


def _lcs_textbook(a: list[str], b: list[str]) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a, 1):
        for j, y in enumerate(b, 1):
            table[i][j] = table[i - 1][j - 1] + 1 if x == y else max(table[i - 1][j], table[i][j - 1])
    return table[-1][-1]


def test_lcs_length_matches_the_textbook_recurrence() -> None:
    assert lcs_length(list("ABCBDAB"), list("BDCABA")) == 4
    assert lcs_length([], ["a"]) == 0
    rng = np.random.default_rng(0)
    for _ in range(200):
        a = list(rng.choice(list("abcd"), size=rng.integers(0, 15)))
        b = list(rng.choice(list("abcde"), size=rng.integers(0, 15)))
        assert lcs_length(a, b) == _lcs_textbook(a, b)


def test_rouge_l_scores_only_the_first_max_lcs_tokens_of_long_answers() -> None:
    head = " ".join(f"w{i}" for i in range(MAX_LCS_TOKENS))
    assert rouge_l(head + " extra words here", [head + " other tail"]) == 1.0


# -------------------------------------------------------------------------------- ranking metrics


def test_auroc_of_a_perfect_ranking_is_one_and_of_a_reversed_one_is_zero() -> None:
    labels = [0, 0, 1, 1, 1]
    assert auroc(labels, [0.1, 0.2, 0.7, 0.8, 0.9]) == 1.0
    assert auroc(labels, [0.9, 0.8, 0.3, 0.2, 0.1]) == 0.0


def test_auroc_counts_a_tie_between_a_right_and_a_wrong_reply_as_half() -> None:
    assert auroc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.5
    # positive 0.5 beats 0.1 and ties 0.5; positive 0.9 beats both: (1 + 0.5 + 1 + 1) / 4
    assert auroc([0, 1, 0, 1], [0.1, 0.5, 0.5, 0.9]) == pytest.approx(0.875)


def test_auroc_agrees_with_counting_all_pairs() -> None:
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, size=300)
    scores = rng.integers(0, 20, size=300) / 20  # many ties
    pos, neg = scores[labels == 1], scores[labels == 0]
    pairs = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    assert auroc(labels, scores) == pytest.approx(pairs / (len(pos) * len(neg)))


def test_auroc_is_nan_when_only_one_class_is_present() -> None:
    assert math.isnan(auroc([1, 1, 1], [0.2, 0.5, 0.9]))
    assert math.isnan(auroc([], []))


# ---------------------------------------------------------------------------- calibration metrics


def test_ece_is_zero_for_perfectly_calibrated_bins() -> None:
    probs = [0.25] * 4 + [0.75] * 4
    labels = [1, 0, 0, 0] + [1, 1, 1, 0]
    assert expected_calibration_error(labels, probs) == pytest.approx(0.0)


def test_ece_of_overconfident_predictions() -> None:
    assert expected_calibration_error([1, 0, 1, 0], [0.95] * 4) == pytest.approx(0.45)
    # bins weighted by size: 8 items at 0.9 with 4 right (gap 0.4), 2 items at 0.3 with 0 right (gap 0.3)
    labels = [1] * 4 + [0] * 4 + [0, 0]
    probs = [0.9] * 8 + [0.3, 0.3]
    assert expected_calibration_error(labels, probs) == pytest.approx(0.8 * 0.4 + 0.2 * 0.3)
    assert math.isnan(expected_calibration_error([], []))


def test_reliability_bins_split_the_unit_interval_and_put_one_in_the_last_bin() -> None:
    table = reliability_bins([1, 0, 1, 1], [0.0, 0.05, 0.55, 1.0], bins=10)
    assert [(b.lower, b.upper) for b in table][::9] == [(0.0, 0.1), (0.9, 1.0)]
    assert [b.count for b in table] == [2, 0, 0, 0, 0, 1, 0, 0, 0, 1]
    assert table[0].mean_confidence == pytest.approx(0.025) and table[0].accuracy == 0.5
    assert table[9].accuracy == 1.0
    assert math.isnan(table[1].accuracy) and math.isnan(table[1].mean_confidence)


def test_brier_is_the_mean_squared_gap_between_probability_and_outcome() -> None:
    assert brier([1, 0], [1.0, 0.0]) == 0.0
    assert brier([1, 0, 1, 0], [0.5] * 4) == pytest.approx(0.25)
    assert brier([1, 0], [0.8, 0.4]) == pytest.approx((0.04 + 0.16) / 2)


def test_metrics_reject_labels_that_are_not_binary_and_probabilities_outside_zero_one() -> None:
    with pytest.raises(ValueError):
        brier([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError):
        expected_calibration_error([0, 1], [0.1, 1.2])
    with pytest.raises(ValueError):
        auroc([0, 1, 1], [0.1, 0.2])


# --------------------------------------------------------------------------------- risk, coverage


def test_risk_coverage_cuts_at_each_distinct_confidence_and_sends_ties_together() -> None:
    curve = risk_coverage(correct=[1, 1, 0, 1, 0], confidence=[0.9, 0.8, 0.8, 0.6, 0.2])
    assert curve.threshold.tolist() == [0.9, 0.8, 0.6, 0.2]
    assert curve.coverage.tolist() == pytest.approx([0.2, 0.6, 0.8, 1.0])
    assert curve.precision.tolist() == pytest.approx([1.0, 2 / 3, 3 / 4, 3 / 5])
    assert curve.aurc == pytest.approx(0.2 * 0 + 0.4 * (1 / 3) + 0.2 * (1 / 4) + 0.2 * (2 / 5))


def test_aurc_without_ties_is_the_mean_error_rate_of_the_k_most_confident_replies() -> None:
    rng = np.random.default_rng(2)
    confidence = rng.permutation(200) / 200
    correct = rng.random(200) < confidence
    ranked = correct[np.argsort(-confidence)]
    risks = 1 - np.cumsum(ranked) / np.arange(1, 201)
    assert risk_coverage(correct, confidence).aurc == pytest.approx(risks.mean())
    assert math.isnan(risk_coverage([], []).aurc)


def test_precision_coverage_at_sends_replies_at_or_above_the_threshold() -> None:
    point = precision_coverage_at([1, 1, 0, 1, 0], [0.9, 0.8, 0.8, 0.6, 0.2], threshold=0.8)
    assert (point.sent, point.coverage, point.precision) == (3, 0.6, pytest.approx(2 / 3))
    nothing = precision_coverage_at([1, 0], [0.3, 0.4], threshold=0.5)
    assert nothing.sent == 0 and nothing.coverage == 0.0 and math.isnan(nothing.precision)


def test_percentile_interpolates_linearly_and_is_nan_when_empty() -> None:
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10, 20, 30, 40, 50], 95) == pytest.approx(48.0)
    assert math.isnan(percentile([], 50))


# ------------------------------------------------------------------------------ threshold choice


def test_clopper_pearson_matches_known_values() -> None:
    assert clopper_pearson_lower(10, 10, 0.05) == pytest.approx(0.05 ** (1 / 10))  # 0.7411
    assert clopper_pearson_lower(10, 10, 0.05) == pytest.approx(0.7411, abs=1e-4)
    assert clopper_pearson_lower(1, 1, 0.05) == pytest.approx(0.05)
    assert clopper_pearson_lower(5, 10, 0.05) == pytest.approx(0.2224, abs=1e-4)  # 90% two-sided CI
    assert clopper_pearson_lower(0, 10, 0.05) == 0.0
    assert clopper_pearson_lower(0, 0, 0.05) == 0.0
    with pytest.raises(ValueError):
        clopper_pearson_lower(3, 2, 0.05)


@pytest.mark.parametrize("n", [5, 20, 60])
@pytest.mark.parametrize("rate", [0.3, 0.8, 0.95])
def test_clopper_pearson_bound_lies_above_the_true_rate_at_most_alpha_of_the_time(n: int, rate: float) -> None:
    alpha = 0.05
    too_high = sum(binom.pmf(k, n, rate) for k in range(n + 1) if clopper_pearson_lower(k, n, alpha) > rate)
    assert too_high <= alpha


def test_the_walk_down_stops_at_the_first_threshold_that_fails() -> None:
    # 60 right at 0.95 (bound 0.05**(1/60) = 0.951), then 10 wrong at 0.90 (60/70 fails), then 200
    # right at 0.85 (260/270 would pass again): fixed-sequence testing must not skip over the failure.
    confidence = [0.95] * 60 + [0.90] * 10 + [0.85] * 200
    correct = [1] * 60 + [0] * 10 + [1] * 200
    choice = choose_threshold(confidence, correct, target_precision=0.9, alpha=0.05, grid=0, start=0)
    assert choice.threshold == 0.95
    assert (choice.sent, choice.correct, choice.precision) == (60, 60, 1.0)
    assert choice.lower_bound == pytest.approx(0.05 ** (1 / 60))
    assert choice.coverage == pytest.approx(60 / 270)
    assert clopper_pearson_lower(260, 270, 0.05) >= 0.9  # the skipped cut would have passed


def test_nothing_is_sent_when_no_threshold_reaches_the_target() -> None:
    choice = choose_threshold([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0], target_precision=0.9, grid=0, start=0)
    assert choice.threshold > 0.9
    assert (choice.sent, choice.correct, choice.coverage, choice.lower_bound) == (0, 0, 0.0, 0.0)
    assert math.isnan(choice.precision)
    assert precision_coverage_at([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.6], choice.threshold).sent == 0
    empty = choose_threshold([], [], target_precision=0.9, grid=0, start=0)
    assert empty.sent == 0 and empty.threshold > 1.0


def test_twenty_nine_perfect_replies_are_the_least_evidence_for_ninety_percent_at_alpha_five_percent() -> None:
    # 0.05 ** (1/28) = 0.899 < 0.9 <= 0.05 ** (1/29) = 0.902
    assert choose_threshold([0.99] * 28, [1] * 28, target_precision=0.9, grid=0, start=0).sent == 0
    assert choose_threshold([0.99] * 29, [1] * 29, target_precision=0.9, grid=0, start=0).sent == 29


def test_everything_is_sent_when_every_cut_passes() -> None:
    confidence = np.linspace(0.5, 1.0, 100)
    choice = choose_threshold(confidence, np.ones(100), target_precision=0.9, grid=0, start=0)
    assert choice.threshold == 0.5 and choice.sent == 100 and choice.coverage == 1.0


def test_cuts_sending_too_few_replies_to_ever_pass_do_not_end_the_walk() -> None:
    # Distinct confidences: the top cut sends one reply, whose bound is at most alpha. Walking
    # from there would stop at once; the walk starts at the 29th reply instead.
    confidence = np.linspace(1.0, 0.01, 100)
    correct = np.r_[np.ones(60), np.zeros(40)]
    choice = choose_threshold(confidence, correct, target_precision=0.9, alpha=0.05, grid=0, start=0)
    assert 29 <= choice.sent < 100 and choice.precision >= 0.9
    assert choice.sent == max(n for n in range(29, 101) if clopper_pearson_lower(min(n, 60), n, 0.05) >= 0.9)
    # one wrong reply among the first 29 tested ones ends the walk there
    correct[10] = 0
    assert choose_threshold(confidence, correct, target_precision=0.9, alpha=0.05, grid=0, start=0).sent == 0


def test_min_sent_moves_the_start_of_the_walk_down() -> None:
    confidence = np.linspace(1.0, 0.01, 100)
    correct = np.ones(100)
    correct[10] = 0  # fails the cut at 29 (28/29 right), but 49/50 passes
    assert choose_threshold(confidence, correct, target_precision=0.9, grid=0, start=0).sent == 0
    assert choose_threshold(confidence, correct, target_precision=0.9, min_sent=50, grid=0, start=0).sent == 100


def test_answerable_coverage_is_the_share_of_answerable_questions_sent_and_answered_right() -> None:
    confidence = [0.99] * 40 + [0.2, 0.2, 0.2, 0.2]
    correct = [1] * 39 + [0] + [0, 0, 0, 0]
    answerable = [True] * 38 + [False, True] + [True, True, False, False]
    choice = choose_threshold(confidence, correct, target_precision=0.8, answerable=answerable, grid=0, start=0)
    assert choice.sent == 40  # 39/40 passes (bound 0.887); 39/44 fails (bound 0.78)
    # answerable: 38 + 1 + 2 = 41; of them sent and correct: the 38 answerable correct ones at 0.99
    assert choice.answerable_coverage == pytest.approx(38 / 41)
    assert choose_threshold(confidence, correct, target_precision=0.8, grid=0, start=0).answerable_coverage is None


def test_the_choice_reports_what_precision_coverage_at_measures_at_its_threshold() -> None:
    rng = np.random.default_rng(3)
    confidence = rng.random(3000)
    correct = rng.random(3000) < confidence
    choice = choose_threshold(confidence, correct, target_precision=0.8, alpha=0.1, grid=0, start=0)
    point = precision_coverage_at(correct, confidence, choice.threshold)
    assert isinstance(choice, ThresholdChoice) and choice.sent > 0
    assert (choice.sent, choice.coverage) == (point.sent, point.coverage)
    assert choice.precision == pytest.approx(point.precision)
    assert choice.lower_bound == pytest.approx(clopper_pearson_lower(choice.correct, choice.sent, 0.1))
    assert choice.lower_bound >= 0.8


def _calibrated_sample(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Confidence ~ Uniform(0, 1), correct ~ Bernoulli(confidence): precision at t is (1 + t) / 2."""
    confidence = rng.random(n)
    return confidence, rng.random(n) < confidence


def test_chosen_threshold_meets_the_target_on_fresh_samples() -> None:
    target, alpha = 0.9, 0.05  # the best threshold is 0.8, sending 20% of replies
    rng = np.random.default_rng(20240601)
    confidence, correct = _calibrated_sample(rng, 5000)
    choice = choose_threshold(confidence, correct, target_precision=target, alpha=alpha, grid=0, start=0)
    fresh_confidence, fresh_correct = _calibrated_sample(rng, 200_000)
    fresh = precision_coverage_at(fresh_correct, fresh_confidence, choice.threshold)
    assert fresh.precision >= target - 0.005
    assert 0.1 < fresh.coverage <= 0.2 + 0.01  # useful, and no more than the best threshold sends

    # Over repeated calibration samples, the chosen threshold misses the target (exact population
    # precision (1 + t) / 2 < target) at most about alpha of the time, while trusting the
    # empirical precision alone misses it about half the time.
    repeats, misses, naive_misses, coverage = 200, 0, 0, []
    for _ in range(repeats):
        confidence, correct = _calibrated_sample(rng, 2000)
        chosen = choose_threshold(confidence, correct, target_precision=target, alpha=alpha, grid=0, start=0)
        misses += chosen.sent > 0 and (1 + chosen.threshold) / 2 < target
        coverage.append(chosen.coverage)
        curve = risk_coverage(correct, confidence)
        reaching = curve.threshold[curve.precision >= target]
        naive_misses += reaching.size > 0 and (1 + reaching.min()) / 2 < target
    assert misses / repeats <= alpha + 0.02
    assert naive_misses / repeats >= 0.3
    assert np.mean(coverage) >= 0.05  # the guarantee is not bought by sending nothing


# ------------------------------------------------------------------------------------------ plots


def _is_png(path: Path) -> bool:
    return path.exists() and path.stat().st_size > 1000 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_reliability_diagram_writes_a_png_also_for_empty_and_single_class_input(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    probs = rng.random(300)
    labels = rng.random(300) < probs
    assert _is_png(reliability_diagram(labels, probs, tmp_path / "reliability.png", "dev"))
    assert _is_png(reliability_diagram([], [], tmp_path / "empty.png", "empty"))
    assert _is_png(reliability_diagram([1, 1, 1], [0.7, 0.8, 0.9], tmp_path / "one-class.png", "one class"))


def test_risk_coverage_plot_writes_a_png_with_target_and_chosen_point_also_for_empty_curves(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    confidence = rng.random(300)
    correct = rng.random(300) < confidence
    curve = risk_coverage(correct, confidence)
    choice = choose_threshold(confidence, correct, target_precision=0.8, grid=0, start=0)
    path = risk_coverage_plot(
        {"confidence": (curve.coverage, curve.precision), "random": ([0.5, 1.0], [0.5, 0.5])},
        tmp_path / "plots" / "risk.png",
        "dev",
        target=0.8,
        chosen=(choice.coverage, choice.precision),
    )
    assert _is_png(path)
    empty = risk_coverage([], [])
    assert _is_png(
        risk_coverage_plot({"none": (empty.coverage, empty.precision)}, tmp_path / "empty.png", "empty", target=0.9)
    )
    assert _is_png(risk_coverage_plot({}, tmp_path / "none.png", "none", chosen=(0.0, float("nan"))))


def test_a_coarse_grid_from_a_tenth_of_the_replies_is_not_stopped_by_one_early_mistake() -> None:
    confidence = np.linspace(1.0, 0.01, 1000)
    correct = np.r_[np.ones(800), np.zeros(200)]
    correct[3] = 0  # one wrong reply among the most confident
    assert choose_threshold(confidence, correct, target_precision=0.9, grid=0, start=0).sent == 0
    choice = choose_threshold(confidence, correct, target_precision=0.9)  # 5% grid, from 10% sent
    assert choice.sent % 50 == 0 and choice.sent >= 800 and choice.lower_bound >= 0.9
