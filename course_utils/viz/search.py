"""Figures of notebook 09: update/weight ratios per layer, grid against random search, search trials."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["plot_update_ratios", "plot_grid_vs_random", "plot_search_trials"]


def plot_update_ratios(histories: Mapping[str, object], *, layers: Sequence[str] = ("W1", "W2"),
                       target: float = 1e-3, title: str = "Update/weight ratio per layer"):
    """||update|| / ||W|| per iteration on a log axis, one colour per run and one line style per layer.

    Inputs:
    - histories: label -> :class:`course_utils.train.History` (its ``update_ratio``).
    - layers: the parameters drawn; target: the rule of thumb, drawn as a grey line.
    Returns: the matplotlib Figure.

    Notes: a log axis, because the runs worth comparing differ by orders of magnitude.
    """
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    styles = ("-", "--", ":", "-.")
    for i, (label, h) in enumerate(histories.items()):
        for name, style in zip(layers, styles):
            ax.semilogy(h.update_ratio[name], style, color=f"C{i}", label=f"{label}, {name}")
    ax.axhline(target, color="gray", lw=0.8, label=f"{target:g}, rule of thumb")
    ax.set(xlabel="iteration", ylabel="||update|| / ||W||", title=title)
    ax.legend(fontsize=7, ncol=2, loc="center right")
    fig.tight_layout()
    return fig


def plot_grid_vs_random(grid: np.ndarray, rand: np.ndarray, profile: Callable[[np.ndarray], np.ndarray], *,
                        title: str = "Nine trials: grid against random"):
    """The trials of a grid and of a random search in the unit square, with the score's profile along a.

    Inputs:
    - grid, rand: (T, 2) points (a, b) in [0, 1]^2; a is the parameter that matters.
    - profile: a -> score along a, drawn scaled into the panel as a curve.
    Returns: the matplotlib Figure.
    """
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.6), sharey=True)
    a = np.linspace(0, 1, 200)
    p = profile(a)
    curve = 0.05 + 0.9 * (p - p.min()) / max(np.ptp(p), 1e-12)
    for ax, (name, pts) in zip(axes, (("Grid search", grid), ("Random search", rand))):
        ax.plot(pts[:, 0], pts[:, 1], "o", label="trials")
        ax.plot(a, curve, color="C1", label="score against a (scaled)")
        distinct = len(np.unique(np.round(pts[:, 0], 9)))
        ax.set(xlabel="a (important)", title=f"{name}: {distinct} values of a", xlim=(0, 1), ylim=(0, 1))
    axes[0].set_ylabel("b (unimportant)")
    axes[1].legend(loc="center left", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_search_trials(results: Mapping[str, np.ndarray], *,
                       title: str = "Validation accuracy of each trial (colour)"):
    """Each trial at its (lr, reg) on log axes, coloured by validation accuracy; one marker per stage.

    Inputs:
    - results: stage name (e.g. "coarse", "fine") -> (T, 3) rows of (lr, reg, val_acc).
    Returns: the matplotlib Figure.
    """
    fig, ax = plt.subplots(figsize=(6, 4.2))
    sc = None
    for (name, res), marker in zip(results.items(), ("o", "s", "^", "D")):
        res = np.asarray(res)
        sc = ax.scatter(res[:, 0], res[:, 1], c=res[:, 2], vmin=0, vmax=1, cmap="viridis", marker=marker,
                        edgecolors="k", label=name)
    ax.set(xscale="log", yscale="log", xlabel="learning rate", ylabel="reg", title=title)
    if sc is not None:
        fig.colorbar(sc, ax=ax, label="validation accuracy")
    ax.legend()
    fig.tight_layout()
    return fig
