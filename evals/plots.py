"""Figures for the answers eval: a reliability diagram and precision-coverage curves, as PNG files.

Both accept empty or single-class inputs and then draw an empty frame with a note, never raise.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from numpy.typing import ArrayLike  # noqa: E402

from evals.metrics import expected_calibration_error, reliability_bins  # noqa: E402

DPI = 120


def _save(fig: Figure, path: Path | str) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        fig.savefig(out, dpi=DPI, bbox_inches="tight")
    finally:
        plt.close(fig)
    return out


def _note(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="0.4")


def reliability_diagram(
    labels: ArrayLike, probs: ArrayLike, path: Path | str, title: str, bins: int = 10
) -> Path:
    """Accuracy per equal-width confidence bin against the diagonal, bin counts on the bars, ECE in the title.

    A hatched bar per bin spans the gap from its accuracy to its mean confidence.
    """
    table = reliability_bins(labels, probs, bins)
    n = sum(b.count for b in table)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="0.5", label="perfect calibration")
    if n:
        ece = expected_calibration_error(labels, probs, bins)
        filled = [b for b in table if b.count]
        ax.bar(
            [(b.lower + b.upper) / 2 for b in filled],
            [b.accuracy for b in filled],
            width=1 / bins,
            edgecolor="black",
            alpha=0.75,
            label="accuracy",
        )
        ax.bar(
            [(b.lower + b.upper) / 2 for b in filled],
            [b.mean_confidence - b.accuracy for b in filled],
            bottom=[b.accuracy for b in filled],
            width=1 / bins,
            color="C3",
            alpha=0.3,
            hatch="//",
            label="gap to mean confidence",
        )
        for b in filled:
            ax.annotate(
                str(b.count),
                ((b.lower + b.upper) / 2, max(b.accuracy, b.mean_confidence)),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                fontsize=8,
            )
        ax.set_title(f"{title}\nECE = {ece:.3f}, n = {n}")
        ax.legend(loc="upper left", fontsize=8)
    else:
        ax.set_title(f"{title}\nno data")
        _note(ax, "no items to plot")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.08)
    ax.set_xlabel("confidence")
    ax.set_ylabel("fraction correct")
    return _save(fig, path)


def risk_coverage_plot(
    curves: Mapping[str, tuple[ArrayLike, ArrayLike]],
    path: Path | str,
    title: str,
    target: float | None = None,
    chosen: tuple[float, float] | None = None,
) -> Path:
    """Precision of sent replies against coverage, one line per named (coverage, precision) curve.

    ``target`` draws a horizontal line at the target precision; ``chosen`` = (coverage, precision)
    marks the operating point that the chosen threshold gives.
    """
    fig, ax = plt.subplots(figsize=(6, 4.5))
    drawn = 0
    for name, (coverage, precision) in curves.items():
        x, y = np.asarray(coverage, dtype=float), np.asarray(precision, dtype=float)
        if x.size and x.shape == y.shape:
            ax.plot(x, y, label=name)
            drawn += 1
    if target is not None:
        ax.axhline(target, color="0.4", linestyle="--", label=f"target {target:.2f}")
    if chosen is not None and all(np.isfinite(chosen)):
        label = f"chosen: coverage {chosen[0]:.2f}, precision {chosen[1]:.2f}"
        ax.plot(*chosen, marker="*", markersize=14, color="C3", linestyle="none", label=label)
    if not drawn:
        _note(ax, "no items to plot")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower left", fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("coverage (fraction of replies sent)")
    ax.set_ylabel("precision of sent replies")
    ax.set_title(title)
    return _save(fig, path)
