"""surfaces: analytic gradients and optimizer paths in 2-D (notebook 08)."""

import numpy as np
import pytest

from course_utils import optim, surfaces
from course_utils.gradcheck import numerical_gradient, rel_error


@pytest.mark.parametrize("name", list(surfaces.SURFACES))
def test_gradients_match_numerical(name):
    f = surfaces.SURFACES[name]
    for p in ([-7.0, 2.0], [0.3, -1.2], [1.5, 0.7]):
        p = np.array(p)
        num = numerical_gradient(lambda q: f(q)[0], p.copy())
        assert rel_error(f(p)[1], num) < 1e-7


def test_run_2d_paths():
    path = surfaces.run_2d(optim.sgd, surfaces.bowl, (-7, 2), 30, lr=0.95)
    assert path.shape == (31, 2)
    np.testing.assert_array_equal(path[0], [-7, 2])
    assert np.all(np.sign(path[1:, 1]) == -np.sign(path[:-1, 1]))  # jitters across y (y <- -0.9 y)
    assert np.all(np.diff(path[:, 0]) > 0) and path[-1, 0] < 0  # creeps along x, never past 0
    mom = surfaces.run_2d(optim.sgd_momentum, surfaces.bowl, (-7, 2), 30, lr=0.1, momentum=0.9)
    assert mom[:, 0].max() > 0.5  # momentum overshoots the minimum along x
    blow = surfaces.run_2d(optim.sgd, surfaces.saddle, (0.1, 0.1), 2000, lr=0.6)
    assert np.all(np.isfinite(blow)) and blow.shape == (2001, 2)
