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
    hinge term; right: softmax probabilities with the cross-entropy -log p_y).

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

    fig, (ax_s, ax_p) = plt.subplots(1, 2, figsize=(9, 3.4))
    ax_s.bar(names, s, color=colors)
    ax_s.axhline(s[y] - 1.0, color="C3", ls="--", label="margin line $s_y - 1$")
    for j in range(C):
        if margins[j] > 0:
            ax_s.annotate(f"+{margins[j]:.2f}", (j, s[j]), ha="center", va="bottom", color="C3")
    ax_s.set(title=f"SVM: hinge loss {margins.sum():.2f}", ylabel="score")
    ax_s.legend(loc="best", fontsize=8)
    ax_p.bar(names, probs, color=colors)
    ax_p.set(title=f"softmax: cross-entropy {-np.log(probs[y]):.2f}", ylabel="probability", ylim=(0, 1))
    for ax in (ax_s, ax_p):
        ax.set_xlabel("class (green: correct)")
        ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return fig
