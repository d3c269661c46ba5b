"""The "course's own" implementations behind the grading fixture's checks.

Stands in for ``course_utils.layers`` and friends: an answer that merely calls one of these
must get no points for the test that grades it.
"""

import numpy as np


def scale_reference(x, a):
    return a * x


def affine_reference(x, w, b):
    return x @ w + b


def softplus_reference(x):
    return np.logaddexp(0.0, x)
