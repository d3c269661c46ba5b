"""Check for notebook 08's L-BFGS exercise: the two-loop recursion ``lbfgs_direction(grad, S, Y)``.

The pairs come from a quadratic with a known positive definite Hessian A (y = A s, so every
s·y > 0, as after a line search on a convex loss), in sizes where m pairs of dimension D differ
(the loops' order and the newest pair matter), and one case has no pairs yet (S and Y of shape
(0, D)), where the direction is -grad. Hints name the usual slips: loops run the wrong way,
H0 not scaled or scaled from the oldest pair, rho from s·s, alpha and beta swapped.
"""

from __future__ import annotations

import numpy as np

from ... import second_order as ref
from .._core import Spec
from .._hints import Hint, matches
from .._registry import register

__all__ = ["check_lbfgs_direction"]

# (D, m) per seed: the number of pairs differs from the dimension, and from case to case
_SIZES = [(7, 3), (5, 4), (9, 2)]


def _cases(seed: int) -> list[dict]:
    rng = np.random.default_rng(8800 + seed)
    D, m = _SIZES[seed % 3]
    Q, _ = np.linalg.qr(rng.standard_normal((D, D)))
    A = Q @ np.diag(rng.uniform(0.5, 20.0, D)) @ Q.T
    S = rng.standard_normal((m, D)) * rng.uniform(0.2, 2.0, (m, 1))
    first = dict(grad=rng.standard_normal(D), S=S, Y=S @ A)
    empty = dict(grad=rng.standard_normal(D + 1), S=np.zeros((0, D + 1)), Y=np.zeros((0, D + 1)))
    return [first, empty]


def _two_loop(grad, S, Y, *, first_down=True, second_up=True, gamma="newest", rho_of="sy", swap=False):
    """The two-loop recursion with one slip, named by the keywords (the defaults give the right one)."""
    m = len(S)
    rho = [1.0 / float((Y[i] if rho_of == "sy" else S[i]) @ S[i]) for i in range(m)]
    first = list(reversed(range(m))) if first_down else list(range(m))
    q, alpha = np.array(grad, dtype=float), [0.0] * m
    for i in first:
        alpha[i] = rho[i] * float(S[i] @ q)
        q = q - alpha[i] * Y[i]
    if not m or gamma == "none":
        scale = 1.0
    else:
        k = -1 if gamma in ("newest", "inverted") else 0
        scale = float(S[k] @ Y[k]) / float(Y[k] @ Y[k])
        scale = 1 / scale if gamma == "inverted" else scale
    r = scale * q
    for i in range(m) if second_up else reversed(range(m)):
        beta = rho[i] * float(Y[i] @ r)
        r = r + ((beta - alpha[i]) if swap else (alpha[i] - beta)) * S[i]
    return -r


def _variant(**slip):
    return matches(lambda case: _two_loop(case["grad"], case["S"], case["Y"], **slip))


_HINTS = (
    Hint(
        "wrong_sign",
        matches(lambda case: -_two_loop(case["grad"], case["S"], case["Y"])),
        "the direction has the wrong sign: r approximates H^-1 grad, which points uphill; return -r.",
    ),
    Hint(
        "pairs_unused",
        matches(lambda case: -case["grad"]),
        "that is -grad, the plain gradient step: the pairs in S and Y are not used (the two loops run over them).",
    ),
    Hint(
        "loops_reversed",
        _variant(first_down=False, second_up=False),
        "the loops run the wrong way: the first goes from the NEWEST pair to the oldest (i = m-1 down to 0), the "
        "second back from the oldest to the newest.",
    ),
    Hint(
        "first_loop_reversed",
        _variant(first_down=False),
        "the first loop runs the wrong way: it goes from the NEWEST pair down to the oldest (i = m-1 down to 0); "
        "only the second goes up from the oldest.",
    ),
    Hint(
        "second_loop_reversed",
        _variant(second_up=False),
        "the second loop runs the wrong way: it goes back up from the OLDEST pair to the newest (i = 0 up to m-1).",
    ),
    Hint(
        "h0_not_scaled",
        _variant(gamma="none"),
        "H0 is not scaled: start the second loop from r = gamma * q with gamma = s·y / y·y of the newest pair.",
    ),
    Hint(
        "gamma_from_oldest",
        _variant(gamma="oldest"),
        "gamma comes from the NEWEST pair, S[-1] and Y[-1], not the oldest.",
    ),
    Hint("gamma_inverted", _variant(gamma="inverted"), "gamma is upside down: gamma = s·y / y·y (of the newest pair)."),
    Hint("rho_wrong", _variant(rho_of="ss"), "rho_i = 1 / (y_i·s_i), not 1 / (s_i·s_i)."),
    Hint(
        "second_loop_sign",
        _variant(swap=True),
        "the second loop adds (alpha_i - beta) * s_i, not (beta - alpha_i) * s_i.",
    ),
)


_NO_PAIRS = (
    "with no pairs yet (S and Y of shape (0, D)) there is no newest pair: take gamma = 1 then, so the "
    "direction is -grad."
)


SPEC = Spec(
    name="lbfgs_direction",
    args=("lbfgs_direction",),
    cases=_cases,
    call=lambda student, case: {"direction": student["lbfgs_direction"](case["grad"], case["S"], case["Y"])},
    expected=lambda case: {"direction": ref.lbfgs_direction(case["grad"], case["S"], case["Y"])},
    tol=1e-8,
    like={"direction": "grad"},
    hints=_HINTS + (Hint("no_pairs", lambda message, _, case: len(case["S"]) == 0, _NO_PAIRS, on="raised"),),
    hints_first=True,
    reference=("course_utils.second_order.lbfgs_direction",),
)


@register(SPEC)
def check_lbfgs_direction(lbfgs_direction):
    """Check lbfgs_direction(grad, S, Y), the two-loop recursion, with pairs and without (notebook 08)."""


# check -> the named sizes of a case (the tests assert that they are pairwise distinct)
CASE_SIZES = {
    "check_lbfgs_direction": lambda case: (
        {"D": case["S"].shape[1], "m": case["S"].shape[0]} if len(case["S"]) else {"D": case["S"].shape[1]}
    )
}
