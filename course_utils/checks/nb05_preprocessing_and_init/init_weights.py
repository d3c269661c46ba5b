"""Checks for notebook 05: weight initializers and the per-layer statistics of a deep net.

``init_weights`` is judged on the weights it draws from a generator the check hands it (a
fresh copy for the student and for the reference), so the student must draw exactly as the
contract says: ``rng.standard_normal((fan_in, fan_out)) * scale``, layer after layer. Its
output is every layer's weights flattened into one vector, so a scale that is wrong by a
factor depending on fan_in (1/fan_in, fan_out in place of fan_in) is not mistaken for a
plain constant factor. ``layer_stats`` is judged on the (L, 2) table of (mean, std) per layer.
Every case has distinct sizes (see ``CASE_SIZES``).
"""

from __future__ import annotations

import copy

import numpy as np

from ... import layers as ref
from .._core import CheckFailure, Spec
from .._hints import Hint
from .._registry import register

__all__ = ["check_init_weights", "check_layer_stats"]  # and ROUNDED, a hint the preprocess check shares

INITS = ("xavier", "he", "small", "large")

# tried last: an answer right to float32's precision, not to float64's, went through float32 somewhere
ROUNDED = Hint(
    "float32_rounding",
    lambda got, exp, case: bool(np.allclose(got, exp, rtol=1e-5, atol=1e-7)),
    "right to about 6 digits but not to 15: something was rounded to float32 on the way; keep float64 "
    "throughout (no .astype(np.float32), no dtype=np.float32 arrays).",
)


def _draw(case: dict, std: dict) -> np.ndarray:
    """Every init's weights, every layer flattened and joined, drawn from copies of the case's rngs."""
    dims, parts = case["dims"], []
    for init, rng in zip(case["inits"], copy.deepcopy(case["rngs"])):
        parts += [(rng.standard_normal((a, b)) * std[init](a, b)).ravel() for a, b in zip(dims[:-1], dims[1:])]
    return np.concatenate(parts)


def _init_sizes(case: dict) -> dict[str, int]:
    return {f"D{i}": d for i, d in enumerate(case["dims"])}


def _init_cases(seed: int) -> list[dict]:
    dims = [11 + 3 * seed, 7 + seed, 4, 5 if seed % 2 else 3]  # distinct fan-ins: fan-in mistakes differ per layer
    return [dict(dims=dims, inits=list(INITS), rngs=[np.random.default_rng(500 + 10 * seed + i) for i in range(4)])]


def _call_init_weights(student, case):
    dims, out = case["dims"], []
    for init, rng in zip(case["inits"], case["rngs"]):
        weights = student["init_weights"](dims=list(dims), init=init, rng=rng)
        if weights is None:
            raise CheckFailure("init_weights returned None: return the list of weight matrices.", cause="returned_none")
        weights = list(weights)
        if len(weights) != len(dims) - 1:
            raise CheckFailure(
                f"init_weights(dims={dims}) returned {len(weights)} matrices, expected "
                f"{len(dims) - 1}: one per pair of consecutive sizes (fan_in, fan_out) in dims.",
                cause="wrong_number_of_matrices",
            )
        for i, (w, a, b) in enumerate(zip(weights, dims[:-1], dims[1:]), 1):
            if np.shape(w) != (a, b):
                raise CheckFailure(
                    f"init_weights(dims={dims}, init={init!r}): matrix {i} has shape {np.shape(w)}, "
                    f"expected ({a}, {b}) = (fan_in, fan_out) = (dims[{i - 1}], dims[{i}]). Draw "
                    "rng.standard_normal((fan_in, fan_out)): rows are the layer's inputs.",
                    cause="matrix_wrong_shape",
                )
        out += [np.asarray(w, dtype=np.float64).ravel() for w in weights]
    return {"W (xavier, he, small, large)": np.concatenate(out)}


def _expected_init_weights(case):
    return {"W (xavier, he, small, large)": _draw(case, STD)}


STD = {
    "small": lambda a, b: 0.01,
    "large": lambda a, b: 1.0,
    "xavier": lambda a, b: 1 / np.sqrt(a),
    "he": lambda a, b: np.sqrt(2 / a),
}


def _like(init, std):
    def test(got, exp, case):
        return got.shape == exp.shape and np.allclose(got, _draw(case, {**STD, init: std}), rtol=1e-6, atol=1e-12)

    return test


def _like_all(**stds):
    def test(got, exp, case):
        return got.shape == exp.shape and np.allclose(got, _draw(case, {**STD, **stds}), rtol=1e-6, atol=1e-12)

    return test


def _wrong(init):
    def test(got, exp, case):
        right = _draw(case, {k: (lambda a, b: np.nan) if k == init else v for k, v in STD.items()})
        keep = ~np.isnan(right)
        return np.allclose(got[keep], exp[keep]) and not np.allclose(got[~keep], exp[~keep])

    return test


def _one_for_all(got, exp, case):
    return any(
        got.shape == exp.shape and np.allclose(got, _draw(case, dict.fromkeys(STD, std)), rtol=1e-6, atol=1e-12)
        for std in STD.values()
    )


def _same_spread_other_numbers(got, exp, case):
    return got.shape == exp.shape and 0.7 < got.std() / exp.std() < 1.4 and not np.allclose(got, exp)


@register(
    Spec(
        name="init_weights",
        args=("init_weights",),
        cases=_init_cases,
        call=_call_init_weights,
        expected=_expected_init_weights,
        reference=("course_utils.init.init_weights",),
        tol=1e-9,  # float32 weights (rounding ~3e-8) must fail
        hints=(
            Hint(
                "glorot_xavier",
                _like("xavier", lambda a, b: np.sqrt(2 / (a + b))),
                "your 'xavier' std is Glorot and Bengio's sqrt(2 / (fan_in + fan_out)); this course's 'xavier' is the "
                "lecture's 1/sqrt(fan_in) (LeCun's form), with fan_in alone. The two agree only when fan_in == fan_out.",
            ),
            Hint(
                "glorot_he",
                _like("he", lambda a, b: np.sqrt(4 / (a + b))),
                "your 'he' std averages fan_in and fan_out, sqrt(4 / (fan_in + fan_out)), as Glorot's does: He's is "
                "sqrt(2 / fan_in), with fan_in alone.",
            ),
            Hint(
                "fan_out_xavier",
                _like("xavier", lambda a, b: 1 / np.sqrt(b)),
                "the std uses fan_out (the layer's outputs, dims[i + 1]); Xavier and He scale by fan_in, the number of "
                "inputs summed into each unit.",
            ),
            Hint(
                "fan_out_he",
                _like("he", lambda a, b: np.sqrt(2 / b)),
                "the std uses fan_out (the layer's outputs, dims[i + 1]); He scales by fan_in, the number of inputs "
                "summed into each unit: sqrt(2 / fan_in).",
            ),
            Hint(
                "xavier_variance_as_std",
                _like("xavier", lambda a, b: 1 / a),
                "Xavier's std is 1/sqrt(fan_in), not 1/fan_in: the variance (not the std) is 1/fan_in.",
            ),
            Hint(
                "he_missing_factor_2",
                _like("he", lambda a, b: 1 / np.sqrt(a)),
                "He's std is sqrt(2 / fan_in): the factor 2 is missing (a ReLU zeroes half its inputs, and the 2 puts "
                "that variance back).",
            ),
            Hint(
                "he_missing_sqrt",
                _like("he", lambda a, b: 2 / a),
                "He's std is sqrt(2 / fan_in): the square root is missing (2/fan_in is the variance).",
            ),
            Hint(
                "xavier_he_swapped",
                _like_all(xavier=STD["he"], he=STD["xavier"]),
                "the 'xavier' and 'he' stds are swapped: 'xavier' is 1/sqrt(fan_in), 'he' sqrt(2/fan_in), the larger one "
                "(a ReLU halves the variance).",
            ),
            *(
                Hint(f"only_{init}_wrong", _wrong(init), f"only the {init!r} weights are wrong: their std is {text}.")
                for init, text in [
                    ("xavier", "1/sqrt(fan_in)"),
                    ("he", "sqrt(2/fan_in)"),
                    ("small", "0.01"),
                    ("large", "1.0"),
                ]
            ),
            Hint(
                "same_std_for_all",
                _one_for_all,
                "every init gets the same std: choose the std by the init argument ('small', 'large', "
                "'xavier' or 'he'), not a fixed one.",
            ),
            Hint(
                "other_random_numbers",
                _same_spread_other_numbers,
                "the spread is right but the numbers differ: draw from the rng you are given, layer after layer, exactly "
                "as rng.standard_normal((fan_in, fan_out)) * std (not np.random, not a new generator, not "
                "(fan_out, fan_in).T).",
            ),
        ),
    )
)
def check_init_weights(init_weights):
    """Check init_weights(dims, init, rng) for 'small', 'large', 'xavier' and 'he' (notebook 05)."""


def _stats_sizes(case: dict) -> dict[str, int]:
    return {
        "N": case["X"].shape[0],
        **{f"H{i}": w.shape[1] for i, w in enumerate(case["weights"])},
        "D": case["X"].shape[1],
    }


def _stats_cases(seed: int) -> list[dict]:
    rng = np.random.default_rng(550 + seed)
    cases = []
    for activation, dims in [("tanh", [9 + seed, 12, 8, 6]), ("relu", [7, 10 + 2 * seed, 13, 5])]:
        X = rng.standard_normal((17 + 2 * seed, dims[0])) + 0.3
        weights = [rng.standard_normal((a, b)) * np.sqrt(2 / a) for a, b in zip(dims[:-1], dims[1:])]
        cases.append(dict(X=X, weights=weights, activation=activation))
    return cases


def _reference_stats(case, how=lambda h: (h.mean(), h.std()), pre=False):
    forward = ref.ACTIVATIONS[case["activation"]][0]
    h, stats = case["X"], []
    for W in case["weights"]:
        a = h @ W
        h = forward(a)[0]
        stats.append(how(a if pre else h))
    return np.array(stats, dtype=np.float64)


def _call_layer_stats(student, case):
    before = [w.copy() for w in case["weights"]]
    stats = student["layer_stats"](X=case["X"], weights=case["weights"], activation=case["activation"])
    for i, (w, old) in enumerate(zip(case["weights"], before), 1):
        if not np.array_equal(w, old):
            raise CheckFailure(
                f"layer_stats modified weights[{i - 1}] in place. Never write into an input: "
                "compute new arrays (a = h @ W, h = np.tanh(a)).",
                cause="in_place",
            )
    if stats is None:
        raise CheckFailure("layer_stats returned None: return one (mean, std) pair per layer.", cause="returned_none")
    try:
        table = np.array([tuple(float(v) for v in pair) for pair in stats], dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailure(
            "layer_stats must return a list of (mean, std) pairs of numbers, one per layer: "
            "take h.mean() and h.std() of the whole (N, H) activation array.",
            cause="not_pairs_of_numbers",
        ) from None
    return {"stats": table}


def _expected_layer_stats(case):
    return {"stats": _reference_stats(case)}


def _stats_like(**options):
    def test(got, exp, case):
        return got.shape == exp.shape and np.allclose(got, _reference_stats(case, **options), rtol=1e-6)

    return test


def _other_activation(got, exp, case):
    other = {"tanh": "relu", "relu": "tanh"}[case["activation"]]
    return got.shape == exp.shape and np.allclose(got, _reference_stats({**case, "activation": other}), rtol=1e-6)


def _fed_x_again(message, _, case) -> bool:
    """A layer fed X again (not the previous layer's h): its weights' rows do not fit X's D columns."""
    D = case["X"].shape[1]
    return "matmul" in message and any(
        f"size {w.shape[0]} is different from {D}" in message for w in case["weights"][1:]
    )


_FED_X_AGAIN = Hint(
    "layer_fed_x",
    _fed_x_again,
    "a layer after the first was given X, with its D columns, where its weights expect the previous "
    "layer's H units: each layer takes the previous layer's output, h = f(h @ W), starting from h = X.",
    on="raised",
)


@register(
    Spec(
        name="layer_stats",
        args=("layer_stats",),
        cases=_stats_cases,
        call=_call_layer_stats,
        expected=_expected_layer_stats,
        tol=1e-9,
        hints=(
            _FED_X_AGAIN,
            Hint(
                "std_per_unit",
                _stats_like(how=lambda h: (h.mean(axis=0).mean(), h.std(axis=0).mean())),
                "the std is taken per unit (axis=0) and then averaged: take one std over all N*H numbers of the layer, "
                "h.std() with no axis.",
            ),
            Hint(
                "std_per_example",
                _stats_like(how=lambda h: (h.mean(axis=1).mean(), h.std(axis=1).mean())),
                "the std is taken per example (axis=1) and then averaged: take one std over all N*H numbers of the "
                "layer, h.std() with no axis.",
            ),
            Hint(
                "sample_std",
                _stats_like(how=lambda h: (h.mean(), h.std(ddof=1))),
                "the std is the sample std (ddof=1, divides by N*H - 1): take h.std(), which divides by the number of "
                "values, as the statistics of a layer's activations here do.",
            ),
            Hint(
                "variance_not_std",
                _stats_like(how=lambda h: (h.mean(), h.var())),
                "the second number is the variance: take the standard deviation, h.std() (the square root of h.var()).",
            ),
            Hint(
                "pre_activation_stats",
                _stats_like(pre=True),
                "these are the statistics of the pre-activations a = h @ W: take them after the "
                "nonlinearity, of h = activation(a).",
            ),
            Hint(
                "other_nonlinearity",
                _other_activation,
                "these are the statistics of the other nonlinearity: apply the one the activation "
                "argument names ('tanh': np.tanh, 'relu': np.maximum(a, 0)), not a fixed one.",
            ),
            ROUNDED,
        ),
    )
)
def check_layer_stats(layer_stats):
    """Check layer_stats(X, weights, activation) -> one (mean, std) per layer, tanh and ReLU (notebook 05)."""


CASE_SIZES = {"check_init_weights": _init_sizes, "check_layer_stats": _stats_sizes}
