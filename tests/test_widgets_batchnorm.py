"""widgets.batchnorm: batch statistics are right, the explorer builds headless and redraws fast."""

import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from viz_layout import assert_inside, assert_png_unclipped

from course_utils.viz.batchnorm import plot_batch_statistics
from course_utils.widgets.batchnorm import batch_statistics, batch_stats_explorer


def test_batch_statistics_are_those_of_distinct_examples():
    values = np.arange(10.0)
    means, stds = batch_statistics(values, 10, num_batches=3, rng=np.random.default_rng(0))
    np.testing.assert_allclose(means, 4.5)
    np.testing.assert_allclose(stds, values.std())


@pytest.mark.parametrize("batch_size", [1, 2, 16, 255, 300])
def test_batches_are_the_examples_of_the_smallest_keys_in_key_order(batch_size):
    values = np.random.default_rng(4).standard_normal(300)
    keys = np.random.default_rng(5).random((40, 300))
    batches = values[np.argsort(keys, axis=1)[:, :batch_size]]
    means, stds = batch_statistics(values, batch_size, num_batches=40, rng=np.random.default_rng(5))
    assert np.array_equal(means, batches.mean(axis=1)) and np.array_equal(stds, batches.std(axis=1))


def test_spread_falls_like_one_over_sqrt_n():
    values = np.random.default_rng(1).standard_normal(5000)
    spread = [batch_statistics(values, n, num_batches=2000, rng=np.random.default_rng(2))[0].std() for n in (4, 64)]
    assert spread[0] / spread[1] == pytest.approx(4, rel=0.15)


def test_rejects_a_batch_larger_than_the_set():
    with pytest.raises(ValueError, match="batch_size"):
        batch_statistics(np.ones(5), 6, num_batches=2, rng=np.random.default_rng(0))


def test_explorer_redraws_fast_and_narrows_with_n():
    values = np.random.default_rng(3).exponential(size=1000)
    box = batch_stats_explorer(values, batch_size=4)
    slider = box.children[0]
    wide = box.state["means"].std()
    times = []
    for n in (16, 64, 256, 8):
        start = time.process_time()
        slider.value = n
        times.append(time.process_time() - start)
        assert box.state["batch_size"] == n and len(box.state["means"]) == 400
    slider.value = 256
    assert box.state["means"].std() < wide / 4
    assert_inside(box.state["figure"])  # laid out once, at N=4: the counts of N=256 still fit
    assert_png_unclipped(bytes(box.children[1].value))
    assert np.median(times) < 0.5, times  # CPU seconds: a loaded machine stretches only the wall clock


def test_a_refilled_figure_shows_what_a_new_one_shows():
    values = np.random.default_rng(3).exponential(size=1000)
    box = batch_stats_explorer(values, batch_size=4)
    box.children[0].value = 64
    refilled = box.state["figure"]
    fresh = plot_batch_statistics(
        box.state["means"],
        box.state["stds"],
        values.mean(),
        values.std(),
        batch_size=64,
        limits=[ax.get_xlim() for ax in refilled.axes],
    )
    for a, b in zip(refilled.axes, fresh.axes):
        assert a.get_title() == b.get_title() and "N=64" in a.get_title()
        assert np.allclose(a.get_xlim(), b.get_xlim()) and np.allclose(a.get_ylim(), b.get_ylim())
        np.testing.assert_array_equal(a.patches[0].get_data().values, b.patches[0].get_data().values)
        assert [t.get_text() for t in a.get_legend().get_texts()] == [t.get_text() for t in b.get_legend().get_texts()]
    plt.close(fresh)
