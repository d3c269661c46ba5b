"""An explorer for batchnorm's batch statistics (notebook 06): how noisy they are for each batch size.

In train mode batchnorm normalizes with the mean and standard deviation of the current batch,
not of the whole data set. Pick a batch size: 400 batches are drawn from one feature, and the
histograms show how far their means and standard deviations stray from the whole-set values.
"""

from __future__ import annotations

import time

import ipywidgets as widgets
import numpy as np

from ..viz.batchnorm import plot_batch_statistics, update_batch_statistics
from ._render import FigureImage

__all__ = ["batch_statistics", "batch_stats_explorer"]


def batch_statistics(
    values: np.ndarray, batch_size: int, *, num_batches: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Means and (biased) standard deviations of random batches of one feature.

    Inputs: values: (M,) the feature over a data set; batch_size: N, examples per batch (drawn
    without replacement within a batch); num_batches: B; rng: the generator.
    Returns: means (B,), stds (B,).

    Notes: these are exactly the statistics batchnorm divides by in train mode; their spread
    falls like 1/sqrt(N), which is the noise that gives batchnorm its mild regularizing effect
    and that makes very small batches a poor estimate.
    """
    values = np.asarray(values, dtype=np.float64)
    if not 1 <= batch_size <= len(values):
        raise ValueError(f"batch_statistics: batch_size must be in [1, {len(values)}], got {batch_size}")
    # each batch: the batch_size examples with the smallest random keys, in the order of their keys
    # (what argsort(keys)[:, :batch_size] gives, without sorting the whole row)
    keys = rng.random((num_batches, len(values)))
    smallest = np.argpartition(keys, batch_size - 1, axis=1)[:, :batch_size]
    idx = np.take_along_axis(smallest, np.argsort(np.take_along_axis(keys, smallest, axis=1), axis=1), axis=1)
    batches = values[idx]
    return batches.mean(axis=1), batches.std(axis=1)


def batch_stats_explorer(
    values: np.ndarray, *, batch_size: int = 16, num_batches: int = 400, seed: int = 0
) -> widgets.VBox:
    """A batch-size slider (2 to 256) over histograms of batch means and stds of ``values``.

    Inputs: values: (M,) one feature over a data set, M >= 256; batch_size: the initial N;
    num_batches: batches per redraw; seed: each redraw uses ``default_rng(seed)``.
    Returns: the widget; its ``state`` dict holds the last redraw's ``batch_size``, ``means``,
    ``stds``, ``figure`` and ``seconds``.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or len(values) < 256:
        raise ValueError(f"batch_stats_explorer: values must be (M,) with M >= 256, got shape {values.shape}")
    true_mean, true_std = float(values.mean()), float(values.std())
    low = batch_statistics(values, 2, num_batches=num_batches, rng=np.random.default_rng(seed))
    limits = ((float(low[0].min()), float(low[0].max())), (0.0, float(low[1].max())))
    slider = widgets.SelectionSlider(
        options=[2, 4, 8, 16, 32, 64, 128, 256],
        value=batch_size,
        description="batch size N",
        continuous_update=False,
        style={"description_width": "100px"},
        layout=widgets.Layout(width="420px"),
    )
    image = FigureImage()
    box = widgets.VBox([slider, image.widget])
    box.state = {}

    def redraw(batch_size: int) -> None:
        start = time.perf_counter()
        means, stds = batch_statistics(values, batch_size, num_batches=num_batches, rng=np.random.default_rng(seed))
        if image.figure is None:
            fig = plot_batch_statistics(means, stds, true_mean, true_std, batch_size=batch_size, limits=limits)
        else:  # the same figure, refilled: no new axes, no new layout
            fig = update_batch_statistics(image.figure, means, stds, batch_size=batch_size, limits=limits)
        image.show(fig)
        box.state.update(batch_size=batch_size, means=means, stds=stds, figure=fig, seconds=time.perf_counter() - start)

    slider.observe(lambda change: redraw(change["new"]), names="value")
    redraw(batch_size)
    return box
