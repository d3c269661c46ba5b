"""One example's scores under the two losses: hinge margins and softmax probabilities.

Introduced in notebook 02 (linear classifiers).
"""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["plot_score_losses"]


def plot_score_losses(scores: Sequence[float], y: int, *, class_names: Sequence[str] | None = None):
    """Draw one example's class scores as the SVM sees them and as softmax sees them.

    Inputs:
    - scores: (C,) class scores of one example; y: index of the correct class.
    - class_names: C labels for the x axis (default "class 0", "class 1", ...).
    Returns: the matplotlib Figure (left: scores with the margin line s_y - 1 and each class's
    hinge term, a red span from the line to the score, its value in a row above the bars;
    right: softmax probabilities with the cross-entropy -log p_y).

    Notes: the two losses read the same scores differently. The hinge loss is zero as soon as
    every wrong score sits at least 1 below the correct one and ignores how far below; the
    cross-entropy always wants the correct probability higher, so it is never exactly zero.
    """
    s = np.asarray(scores, dtype=np.float64).ravel()
    C = s.size
    if not 0 <= int(y) < C:
        raise ValueError(f"plot_score_losses: y={y} is not a class index in 0..{C - 1}")
    names = list(class_names) if class_names is not None else [f"class {j}" for j in range(C)]
    margins = np.maximum(0.0, s - s[y] + 1.0)
    margins[y] = 0.0
    shifted = s - s.max()
    probs = np.exp(shifted) / np.exp(shifted).sum()
    colors = ["C2" if j == y else "C0" for j in range(C)]

    fig, (ax_s, ax_p) = plt.subplots(1, 2, figsize=(9, 3.6))
    _draw_hinge(ax_s, s, y, margins, names, colors)
    ax_p.bar(names, probs, color=colors)
    ax_p.set(title=f"softmax: cross-entropy {-np.log(probs[y]):.2f}", ylabel="probability", ylim=(0, 1))
    ax_p.set_xlabel("class (green: correct)")
    for ax in (ax_s, ax_p):
        ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return fig


def _draw_hinge(ax, s: np.ndarray, y: int, margins: np.ndarray, names: list[str], colors: list[str]) -> None:
    """The scores as bars, the margin line, and each hinge term as a red span with its value.

    The values sit in a row of their own above everything else in the axes (bars, zero line,
    margin line), with the y limits widened to make room: wherever the sliders put the scores,
    a label neither leaves the axes nor covers a bar.
    """
    line = s[y] - 1.0
    lo, hi = min(0.0, float(s.min()), line), max(0.0, float(s.max()), line)
    span = hi - lo
    label_y = hi + 0.05 * span
    ax.bar(names, s, color=colors)
    ax.axhline(line, color="C3", ls="--", lw=1.2)
    for j in range(len(s)):
        if margins[j] > 0:  # the hinge term is the height of s_j above the margin line
            ax.plot([j, j], [line, s[j]], color="C3", lw=3, solid_capstyle="butt")
            ax.text(j, label_y, f"+{margins[j]:.2f}", ha="center", va="bottom", color="C3", fontsize=9)
    ax.set_ylim(lo - 0.06 * span, hi + 0.2 * span)
    ax.set(title=f"SVM: hinge loss {margins.sum():.2f}", ylabel="score")
    ax.set_xlabel("class (green: correct; red dashes: margin line $s_y - 1$)", fontsize=9)
