"""Images: a grid of sample digits, and a linear classifier's weights shown as images.

Shared, so named after its concept: notebook 02 shows digits and a linear classifier's weights;
notebooks 03, 05 and 09 show first-layer weights the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ._axes import margins_in_inches, subplots, tick_labels_width

__all__ = ["plot_digits", "plot_weight_images"]


def plot_digits(
    X: np.ndarray,
    y: np.ndarray,
    *,
    num_per_class: int = 8,
    shape: tuple[int, int] = (8, 8),
    title: str = "Sample digits",
) -> Figure:
    """The first ``num_per_class`` images of every class, one row per class.

    Inputs:
    - X: (N, H * W) images, row-major; y: (N,) int labels.
    - num_per_class: images per row; shape: (H, W) of one image; title: the figure's title.
    Returns: the matplotlib Figure (one axes holding the whole grid).

    Notes: the grid is drawn as one mosaic image with a blank pixel between the digits, which
    is much faster than one subplot per digit; all digits share one grey scale.
    """
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
    H, W = shape
    if X.ndim != 2 or X.shape[1] != H * W or len(y) != len(X):
        raise ValueError(f"plot_digits: X must be (N, {H * W}) and y (N,), got {X.shape} and {y.shape}")
    classes = np.unique(y)
    mosaic = np.full((len(classes) * (H + 1) - 1, num_per_class * (W + 1) - 1), np.nan)
    for r, c in enumerate(classes):
        for k, image in enumerate(X[y == c][:num_per_class]):
            mosaic[r * (H + 1) : r * (H + 1) + H, k * (W + 1) : k * (W + 1) + W] = image.reshape(H, W)
    cmap = plt.get_cmap("gray_r").with_extremes(bad="white")
    fig, ax = subplots(figsize=(0.5 * num_per_class + 1.0, 0.5 * len(classes) + 0.8))
    ax.imshow(mosaic, cmap=cmap, vmin=float(X.min()), vmax=float(X.max()))
    ax.set_yticks(np.arange(len(classes)) * (H + 1) + (H - 1) / 2, [str(c) for c in classes])
    ax.set_xticks([])
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set(ylabel="class", title=title)
    # tight_layout's margins, laid out once: the class labels and 0.37 inches for the y label at the left, a
    # line of title above; the mosaic keeps its aspect in the middle of what is left (what a cell shows is cropped to it)
    margins_in_inches(fig, left=tick_labels_width(ax) + 0.37, right=0.15, bottom=0.15, top=0.36)
    return fig


def plot_weight_images(
    W: np.ndarray,
    *,
    shape: tuple[int, int] = (8, 8),
    class_names: Sequence[str] | None = None,
    title: str = "Weights of each class as an image",
) -> Figure:
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
    fig, axes = subplots(rows, cols, squeeze=False, figsize=(1.6 * cols, 1.75 * rows + 0.5))
    for c, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if c >= C:
            ax.set_visible(False)
            continue
        scale = float(np.abs(W[:, c]).max()) or 1.0
        ax.imshow(W[:, c].reshape(shape), cmap="RdBu_r", vmin=-scale, vmax=scale)
        ax.set_title(names[c])
    suptitle = fig.suptitle(title)
    # a title wider than the panels widens the figure, the panels centred under it: nothing lies past
    # the figure's edge (which the notebooks' figures are cropped to)
    panels, height = fig.get_size_inches()
    title_width = suptitle.get_window_extent(fig.canvas.get_renderer()).width / fig.dpi
    width = max(panels, title_width + 0.3)
    fig.set_figwidth(width)
    # tight_layout's margins, laid out once: the images fill their panels' width, 0.15 inches apart and
    # from the edges; above the first row the suptitle (matplotlib puts it 2% of the height down) and a
    # line of titles, 0.28 inches between rows for a row's titles; below, what the images leave
    image = (panels - 0.3 - 0.15 * (cols - 1)) / cols * shape[0] / shape[1]  # an image's height, in inches
    top = 0.02 * height + 0.555
    bottom = max(0.15, height - top - rows * image - 0.28 * (rows - 1))
    side = 0.15 + (width - panels) / 2
    margins_in_inches(fig, left=side, right=side, bottom=bottom, top=top, gap_w=0.15, gap_h=0.28)
    return fig
