"""widgets.layers_and_two_layer_net: the explorer builds without a browser, redraws on every control, and its
default settings show the notebook's claim: 2 hidden units cannot separate the circles, 3 can."""

import matplotlib

matplotlib.use("Agg")
import ipywidgets as widgets
import numpy as np
import pytest
from viz_layout import assert_png_unclipped

import course_utils as cu
from course_utils.widgets.layers_and_two_layer_net import (
    TOY_DATASETS,
    TOY_TRAINING,
    TOY_WEIGHT_SCALE,
    classifier_explorer,
)


def _controls(box):
    return {c.description: c for c in box.children if not isinstance(c, widgets.Image)}


def test_builds_headless_and_draws(capsys):
    box = classifier_explorer()
    assert isinstance(box, widgets.VBox)
    assert set(_controls(box)) == {"data set", "hidden units", "regularization", "seed"}
    assert any(isinstance(c, widgets.Image) and bytes(c.value).startswith(b"\x89PNG") for c in box.children)
    assert set(box.state) == {"model", "history", "train_acc"}


def test_two_versus_three_hidden_units_on_circles():
    box = classifier_explorer(dataset="circles", hidden_size=2)
    two = box.state["train_acc"]
    _controls(box)["hidden units"].value = 3
    three = box.state["train_acc"]
    assert box.state["model"].params["W1"].shape == (2, 3)
    assert two < 0.9, f"2 hidden units reached {two:.1%} on the circles"
    assert three == 1.0, f"3 hidden units reached only {three:.1%} on the circles"


def test_two_units_never_separate_the_circles_whatever_the_seed():
    X, y = TOY_DATASETS["circles"]()
    accs = []
    for seed in range(5):
        net = cu.models.FullyConnectedNet([2], 2, 2, reg=1e-3, weight_scale=TOY_WEIGHT_SCALE, seed=seed)
        cu.train.train(net, X, y, rng=np.random.default_rng(seed), verbose=False, **TOY_TRAINING)
        accs.append(cu.models.accuracy(net, X, y))
    assert max(accs) < 0.9


def test_every_control_redraws():
    box = classifier_explorer()
    c = _controls(box)
    c["data set"].value = "spiral"
    assert box.state["model"].params["W2"].shape == (3, 3)
    c["hidden units"].value = 50
    assert box.state["train_acc"] > 0.95
    model = box.state["model"]
    c["regularization"].value = 1e-2
    assert box.state["model"] is not model and box.state["model"].reg == pytest.approx(1e-2)
    c["seed"].value = 4
    assert box.state["model"].seed == 4


def test_same_settings_same_result():
    a = classifier_explorer(hidden_size=4, seed=2)
    b = classifier_explorer(hidden_size=4, seed=2)
    for k in a.state["model"].params:
        assert np.array_equal(a.state["model"].params[k], b.state["model"].params[k])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(dataset="moons"), "dataset must be one of"),
        (dict(hidden_size=7), "hidden_size must be one of"),
        (dict(reg=0.0), r"reg must be in \[1e-5, 1\]"),
    ],
)
def test_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        classifier_explorer(**kwargs)


def test_the_toy_recipe_is_plain_sgd_from_small_weights():
    """Notebook 03 comes before momentum (notebook 08) and weight scales (notebook 05)."""
    assert TOY_TRAINING["rule"] is cu.optim.sgd and set(TOY_TRAINING["hyper"]) == {"lr"}
    assert TOY_WEIGHT_SCALE == 0.01


def test_seed_3_with_three_units_misses_as_the_notebook_says():
    box = classifier_explorer(dataset="circles", hidden_size=3, seed=3)
    assert box.state["train_acc"] < 0.9


@pytest.mark.parametrize("dataset", ["circles", "spiral"])
def test_the_picture_holds_the_whole_figure(dataset):
    box = classifier_explorer(dataset=dataset)
    (image,) = [c for c in box.children if isinstance(c, widgets.Image)]
    assert_png_unclipped(bytes(image.value))
    _controls(box)["data set"].value = "spiral" if dataset == "circles" else "circles"  # laid out for the first
    assert_png_unclipped(bytes(image.value))
