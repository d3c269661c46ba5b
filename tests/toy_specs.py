"""Small checks of the course's own kind, for the tests of the check machinery and the grader's verdict."""

import numpy as np

from course_utils.checks import Spec


def _cases(seed):
    rng = np.random.default_rng(seed)
    return [dict(x=rng.standard_normal((4, 5)), w=rng.standard_normal((5, 3)), dout=rng.standard_normal((4, 3)))]


def _call(student, case):
    dx, dw = student["matmul_backward"](case["dout"], case["x"], case["w"])
    return dict(dx=dx, dw=dw)


def _expected(case):
    return dict(dx=case["dout"] @ case["w"].T, dw=case["x"].T @ case["dout"])


SPEC = Spec(
    name="matmul_backward",
    args=("matmul_backward",),
    cases=_cases,
    call=_call,
    expected=_expected,
    like={"dx": "x", "dw": "w"},
    batch="x",
)

BIAS_SPEC = Spec(
    name="bias_backward",
    args=("bias_backward",),
    cases=lambda seed: [dict(dout=np.random.default_rng(seed).standard_normal((6, 3)))],
    call=lambda s, c: dict(db=s["bias_backward"](c["dout"])),
    expected=lambda c: dict(db=c["dout"].sum(axis=0)),
    like={"db": "b"},
    batch="dout",
)
