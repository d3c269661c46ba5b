"""regions: threshold units give half-planes, polygons and unions; affine layers without a
nonlinearity are one affine layer; a ReLU net's boundary pieces are found exactly."""

import numpy as np
import pytest

import course_utils as cu
from course_utils import regions


def _hexagon(radius=1.0):
    angles = np.linspace(0, 2 * np.pi, 7)[:-1]
    return radius * np.column_stack([np.cos(angles), np.sin(angles)])


def test_threshold_layer_is_a_strict_step_per_unit():
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [0.5, 0.0]])
    W, b = np.array([[1.0, -1.0], [0.0, 0.0]]), np.array([-0.5, 0.0])
    out = regions.threshold_layer(X, W, b)
    assert out.dtype == np.float64
    assert out.tolist() == [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]  # exactly on the line: off
    with pytest.raises(ValueError, match="threshold_layer"):
        regions.threshold_layer(X, W, np.zeros(3))


def test_polygon_units_are_on_inside_each_edge_and_the_and_unit_gives_the_polygon():
    V = _hexagon(0.8)
    W, b = regions.polygon_units(V)
    assert W.shape == (2, 6) and b.shape == (6,)
    assert np.allclose(np.linalg.norm(W, axis=0), 1.0)
    # each unit's line runs through its two corners
    for k in range(6):
        assert abs(V[k] @ W[:, k] + b[k]) < 1e-12 and abs(V[(k + 1) % 6] @ W[:, k] + b[k]) < 1e-12
    rng = np.random.default_rng(0)
    P = rng.uniform(-1.2, 1.2, (2000, 2))
    inside = regions.threshold_net(P, [(W, b), regions.and_unit(6)])[:, 0]
    r = np.linalg.norm(P, axis=1)
    assert np.all(inside[r < 0.8 * np.sqrt(3) / 2 - 1e-9] == 1)  # within the inscribed circle
    assert np.all(inside[r > 0.8] == 0)  # beyond the corners
    # the same points, decided directly: inside every edge
    assert np.array_equal(inside, np.all(P @ W + b > 0, axis=1).astype(float))


def test_polygon_units_refuse_clockwise_or_non_convex_corners():
    with pytest.raises(ValueError, match="counter-clockwise"):
        regions.polygon_units(_hexagon()[::-1])
    with pytest.raises(ValueError, match="counter-clockwise"):
        regions.polygon_units(np.array([[0, 0], [2, 0], [1, 0.2], [2, 2], [0, 2]], float))
    with pytest.raises(ValueError, match="K >= 3"):
        regions.polygon_units(np.zeros((2, 2)))


def test_and_and_or_units_on_all_inputs():
    inputs = np.array([[a, b_, c] for a in (0, 1) for b_ in (0, 1) for c in (0, 1)], float)
    assert regions.threshold_layer(inputs, *regions.and_unit(3))[:, 0].tolist() == [0] * 7 + [1]
    assert regions.threshold_layer(inputs, *regions.or_unit(3))[:, 0].tolist() == [0] + [1] * 7


def test_union_units_give_a_ring_with_a_hole():
    inner, outer = _hexagon(0.8), _hexagon(1.4)
    pieces = [np.array([inner[k], outer[k], outer[(k + 1) % 6], inner[(k + 1) % 6]]) for k in range(6)]
    layers = regions.union_units(pieces)
    assert [W.shape for W, _ in layers] == [(2, 24), (24, 6), (6, 1)]
    assert np.array_equal(layers[1][0].sum(axis=0), np.full(6, 4.0))  # each AND sees its own 4 edges
    angles = np.linspace(0.1, 2 * np.pi, 50)
    ring_points = 1.1 * np.column_stack([np.cos(angles), np.sin(angles)])
    assert np.all(regions.threshold_net(ring_points, layers) == 1)
    assert np.all(regions.threshold_net(0.5 * ring_points, layers) == 0)  # the hole
    assert np.all(regions.threshold_net(1.6 * ring_points, layers) == 0)  # outside
    with pytest.raises(ValueError, match="union_units"):
        regions.union_units([])
    with pytest.raises(ValueError, match="threshold_net"):
        regions.threshold_net(ring_points, [])


def test_linear_net_starts_like_the_fully_connected_net_and_is_one_affine_layer():
    lin = regions.LinearNet([7, 5], 4, 3, reg=0.1, weight_scale=0.5, seed=3)
    fc = cu.models.FullyConnectedNet([7, 5], 4, 3, reg=0.1, weight_scale=0.5, seed=3)
    assert lin.params.keys() == fc.params.keys()
    assert all(np.array_equal(lin.params[k], fc.params[k]) for k in fc.params)
    rng = np.random.default_rng(0)
    for k in lin.params:  # non-zero biases, so the collapse of the biases is tested too
        lin.params[k] = lin.params[k] + 0.3 * rng.standard_normal(lin.params[k].shape)
    X = rng.standard_normal((6, 4))
    W, b = lin.collapsed()
    assert W.shape == (4, 3) and b.shape == (3,)
    assert np.allclose(lin.scores(X), X @ W + b)
    assert np.array_equal(lin.loss(X), lin.scores(X))
    assert np.array_equal(lin.predict(X), np.argmax(X @ W + b, axis=1))


def test_linear_net_gradients_match_numerical_ones():
    rng = np.random.default_rng(1)
    lin = regions.LinearNet([5], 3, 4, reg=0.7, weight_scale=0.8, seed=1)
    for k in lin.params:
        lin.params[k] = lin.params[k] + 0.2 * rng.standard_normal(lin.params[k].shape)
    X, y = rng.standard_normal((7, 3)), rng.integers(0, 4, 7)
    loss, grads = lin.loss(X, y)
    W1, W2 = lin.params["W1"], lin.params["W2"]
    scores = (X @ W1 + lin.params["b1"]) @ W2 + lin.params["b2"]
    expected = cu.losses.softmax_loss(scores, y)[0] + 0.35 * (np.sum(W1**2) + np.sum(W2**2))
    assert loss == pytest.approx(expected, rel=1e-12)
    for name in lin.params:
        numeric = cu.gradcheck.numerical_gradient(lambda _: lin.loss(X, y)[0], lin.params[name])
        assert cu.gradcheck.rel_error(grads[name], numeric) < 1e-7, name


def test_linear_net_stays_linear_on_the_spiral_where_the_relu_net_does_not():
    X, y = cu.data.make_spiral(n_per_class=100, n_classes=3, seed=0)
    recipe = dict(rule=cu.optim.sgd, hyper=dict(lr=2.0), num_epochs=100, batch_size=100, verbose=False)
    lin = regions.LinearNet([100], 2, 3, reg=1e-3, seed=0)
    net = cu.models.FullyConnectedNet([100], 2, 3, reg=1e-3, seed=0)
    cu.train.train(lin, X, y, rng=np.random.default_rng(0), **recipe)
    cu.train.train(net, X, y, rng=np.random.default_rng(0), **recipe)
    assert cu.models.accuracy(lin, X, y) < 0.6 < 0.8 < cu.models.accuracy(net, X, y)


def _hexagon_net():
    """3 hidden ReLUs whose lines cross near the origin, and an output that is positive near the
    middle and negative far out: its boundary is a hexagon."""
    angles = np.array([0.0, 2 * np.pi / 3, 4 * np.pi / 3])
    net = cu.models.FullyConnectedNet([3], 2, 2, seed=0)
    net.params["W1"] = np.vstack([np.cos(angles), np.sin(angles)])
    net.params["b1"] = np.array([0.05, 0.05, 0.05])  # a small triangle of all-on units in the middle
    net.params["W2"] = np.column_stack([np.zeros(3), -np.ones(3)])
    net.params["b2"] = np.array([0.0, 0.5])
    return net


def test_boundary_segments_of_a_hand_built_hexagon():
    net = _hexagon_net()
    segments = regions.boundary_segments(net, (-2, 2, -2, 2))
    assert len(segments) == 6
    assert {s.on for s in segments} == {(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (1, 0, 1), (0, 1, 1)}
    W1, b1 = net.params["W1"], net.params["b1"]
    for s in segments:
        for t in (0.0, 0.3, 1.0):
            p = (1 - t) * s.start + t * s.end
            scores = net.scores(p[None])[0]
            assert abs(scores[1] - scores[0]) < 1e-9  # on the boundary
        mid = (s.start + s.end) / 2
        assert tuple(int(v) for v in (mid @ W1 + b1 > 0)) == s.on  # in its own cell
    # the ends meet: six corners, each shared by two pieces, each on a unit's line
    ends = np.array([p for s in segments for p in (s.start, s.end)])
    corners = np.unique(np.round(ends, 9), axis=0)
    assert len(corners) == 6
    assert all(np.min(np.abs(c @ W1 + b1)) < 1e-9 for c in corners)


def test_boundary_segments_agree_with_the_pixels_of_a_trained_net():
    X, y = cu.data.make_circles(n=200, noise=0.05, factor=0.5, seed=0)
    net = cu.models.FullyConnectedNet([3], 2, 2, reg=1e-3, seed=0)
    cu.train.train(
        net,
        X,
        y,
        rule=cu.optim.sgd,
        hyper=dict(lr=2.0),
        num_epochs=300,
        batch_size=100,
        rng=np.random.default_rng(0),
        verbose=False,
    )
    box = regions.data_box(X)
    segments = regions.boundary_segments(net, box)
    # pixels where the predicted class changes lie close to one of the segments
    g0, g1 = np.meshgrid(np.linspace(box[0], box[1], 200), np.linspace(box[2], box[3], 200))
    labels = net.predict(np.column_stack([g0.ravel(), g1.ravel()])).reshape(g0.shape)
    change = np.argwhere(labels[:, 1:] != labels[:, :-1])
    pts = np.column_stack([g0[change[:, 0], change[:, 1]], g1[change[:, 0], change[:, 1]]])
    assert len(pts) > 50

    def distance(p, s):
        d = s.end - s.start
        t = np.clip((p - s.start) @ d / (d @ d), 0, 1)
        return np.linalg.norm(p - (s.start + t[:, None] * d), axis=1)

    nearest = np.min([distance(pts, s) for s in segments], axis=0)
    assert nearest.max() < 2 * (box[1] - box[0]) / 199


def test_boundary_segments_refuse_other_nets():
    with pytest.raises(ValueError, match="one hidden ReLU layer"):
        regions.boundary_segments(cu.models.FullyConnectedNet([3], 2, 3), (-1, 1, -1, 1))
    with pytest.raises(ValueError, match="one hidden ReLU layer"):
        regions.boundary_segments(cu.models.FullyConnectedNet([3, 3], 2, 2), (-1, 1, -1, 1))
    with pytest.raises(ValueError, match="one hidden ReLU layer"):
        regions.boundary_segments(cu.models.FullyConnectedNet([3], 2, 2, activation="tanh"), (-1, 1, -1, 1))
    with pytest.raises(ValueError, match="at most 12"):
        regions.boundary_segments(cu.models.FullyConnectedNet([13], 2, 2), (-1, 1, -1, 1))


def test_data_box_pads_the_range():
    X = np.array([[0.0, -1.0], [2.0, 3.0]])
    assert regions.data_box(X) == pytest.approx((-0.2, 2.2, -1.4, 3.4))
    assert regions.data_box(X, padding=0) == pytest.approx((0, 2, -1, 3))
