"""Images: a grid of sample digits, and a linear classifier's weights shown as images.

Introduced in notebook 02 (linear classifiers on digits); notebook 09 shows first-layer
weights the same way.
"""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["plot_digits", "plot_weight_images"]


def plot_digits(X: np.ndarray, y: np.ndarray, *, num_per_class: int = 8, shape: tuple[int, int] = (8, 8),
                title: str = "Sample digits"):
    """The first ``num_per_class`` images of every class, one row per class.

    Inputs:
    - X: (N, H * W) images, row-major; y: (N,) int labels.
    - num_per_class: images per row; shape: (H, W) of one image; title: the figure's title.
    Returns: the matplotlib Figure.
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != shape[0] * shape[1] or len(y) != len(X):
        raise ValueError(f"plot_digits: X must be (N, {shape[0] * shape[1]}) and y (N,), got {X.shape} and {y.shape}")
    classes = np.unique(y)
    fig, axes = plt.subplots(len(classes), num_per_class, squeeze=False,
                             figsize=(0.55 * num_per_class + 0.6, 0.55 * len(classes) + 0.6))
    vmin, vmax = float(X.min()), float(X.max())
    for r, c in enumerate(classes):
        examples = X[y == c][:num_per_class]
        for k, ax in enumerate(axes[r]):
            if k < len(examples):
                ax.imshow(examples[k].reshape(shape), cmap="gray_r", vmin=vmin, vmax=vmax)
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
        axes[r, 0].set_ylabel(str(c), rotation=0, ha="right", va="center")
    fig.suptitle(title)
    fig.supylabel("class")
    fig.tight_layout()
    return fig


def plot_weight_images(W: np.ndarray, *, shape: tuple[int, int] = (8, 8),
                       class_names: Sequence[str] | None = None,
                       title: str = "Weights of each class as an image"):
    """Each column of W, reshaped to an image: what a linear classifier looks for in each class.

    Inputs:
    - W: (H * W_img, C) weights, one column per class (without a bias row).
    - shape: (H, W_img) of one image; class_names: C labels (default 0..C-1); title: figure title.
    Returns: the matplotlib Figure.

    Notes: the score of class c is the dot product of the image with column c, so a column is a
    template: red pixels add to the score where there is ink, blue ones subtract. Each panel has
    its own symmetric colour scale around 0, so the colour shows the sign and relative size of a
    weight, not its size compared with other classes.
    """
    W = np.asarray(W)
    if W.ndim != 2 or W.shape[0] != shape[0] * shape[1]:
        raise ValueError(f"plot_weight_images: W must be ({shape[0] * shape[1]}, C), got {W.shape}")
    C = W.shape[1]
    names = [str(c) for c in range(C)] if class_names is None else list(class_names)
    cols = min(C, 5)
    rows = -(-C // cols)
    fig, axes = plt.subplots(rows, cols, squeeze=False, figsize=(1.6 * cols, 1.75 * rows + 0.5))
    for c, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if c >= C:
            ax.set_visible(False)
            continue
        scale = float(np.abs(W[:, c]).max()) or 1.0
        ax.imshow(W[:, c].reshape(shape), cmap="RdBu_r", vmin=-scale, vmax=scale)
        ax.set_title(names[c])
    fig.suptitle(title)
    fig.tight_layout()
    return fig
