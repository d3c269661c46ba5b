"""Checks for notebook 03: affine and ReLU layers, and the two-layer net's loss.

Each check calls only the student's code in ``_call_*`` and computes the expected values with
the reference layers in :mod:`course_utils.layers` in ``_expected_*``. Forward checks use
fixed linspace inputs for the visible test and random ones for the hidden tests; backward
checks use random, non-trivial inputs (no zeros, ReLU inputs on both sides of 0). Every case
has distinct sizes (N, d1, ..., D, M all different; see ``CASE_SIZES``), so a transposed
result never has the right shape by chance and numpy's shape errors name their dimensions.

Notes: a forward pass is checked together with its cache: the course's own backward pass is
run on the cache the student's forward returns (``dx via cache``), since a cache holding the
flattened x, or the wrong arrays, passes a check of ``out`` alone and then gets the correct
backward pass blamed. The backward checks run the student's own forward pass, and say so when
the cache, not the backward pass, makes the difference.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .. import layers as ref
from ..losses import softmax_loss
from ._core import CheckFailure, Spec, pair
from ._hints import Hint
from ._registry import register
from ._shapes import named, product, raised, says

__all__ = [
    "check_affine_forward",
    "check_affine_backward",
    "check_relu_forward",
    "check_relu_backward",
    "check_two_layer_loss",
]

_AFFINE_FIX = (
    "cache the original inputs, in this order: cache = AffineCache(x, w, b) (the plain tuple "
    "(x, w, b) works too), with x in its original shape (N, d1, ..., dk), not the flattened copy."
)
_RELU_FIX = "cache the input: cache = ReluCache(x) (relu_backward needs the sign of each entry of x)."


def _same(a: dict, b: dict) -> bool:
    """Did the student's code return the same arrays both times (shapes and values)?"""
    return a.keys() == b.keys() and all(
        np.shape(a[k]) == np.shape(b[k])
        and np.array_equal(np.asarray(a[k], dtype=float), np.asarray(b[k], dtype=float), equal_nan=True)
        for k in a
    )


def _kind(value) -> str:
    if isinstance(value, tuple):
        return f"a tuple of {len(value)}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__}"


def _backward_on(run, cache, clean, problem: str | None, *, layer: str, clean_name: str, fix: str) -> dict:
    """The student's backward pass, ``run(cache)``, on the cache of the student's own forward pass.

    When that cache is odd (``problem`` says how) and the backward pass fails or does
    differently with the cache the exercise asks for (``clean``), the forward pass is at fault:
    a CheckFailure says so. Otherwise the backward pass is judged on its own outputs.
    """
    if problem is None:
        return run(cache)
    try:
        with_clean = run(clean)
    except Exception:
        with_clean = None
    try:
        outputs = run(cache)
    except Exception:
        if with_clean is None:
            raise
        outputs = None
    if with_clean is not None and (outputs is None or not _same(outputs, with_clean)):
        what = "fails" if outputs is None else "gives other results"
        raise CheckFailure(
            f"{layer}_backward {what} with the cache your {layer}_forward returns, but not with the cache "
            f"{clean_name}: {layer}_forward is the one to fix: {problem}.\n  Hint: {fix}",
            cause="cache_breaks_backward",
        )
    return outputs


# ---- affine ----


def _affine_sizes(case: Mapping[str, Any]) -> dict[str, int]:
    x, w = case["x"], case["w"]
    return {"N": x.shape[0], **{f"d{i}": d for i, d in enumerate(x.shape[1:], 1)}, "D": w.shape[0], "M": w.shape[1]}


def _affine_cases(seed: int, *, forward: bool) -> list[dict]:
    if forward and seed == 0:
        # the visible forward test: fixed inputs, x of shape (2, 4, 5, 6) flattened to D = 120
        N, dims, M = 2, (4, 5, 6), 3
        D = int(np.prod(dims))
        x = np.linspace(-0.1, 0.5, N * D).reshape(N, *dims)
        w = np.linspace(-0.2, 0.3, D * M).reshape(D, M)
        b = np.linspace(-0.3, 0.1, M)
        dout = np.linspace(0.7, -0.45, N * M).reshape(N, M)  # for the cache: the backward pass on it
        return [dict(x=x, w=w, b=b, dout=dout)]
    rng = np.random.default_rng(seed + 300)
    N = 4 + 2 * seed  # 4, 6, 8: never one of the other sizes
    cases = []
    shapes: list[tuple[tuple[int, ...], int]] = [((3, 5), 7), ((2, 3, 9), 5)]
    for sample_dims, M in shapes:
        D = int(np.prod(sample_dims))
        cases.append(
            dict(
                x=rng.standard_normal((N, *sample_dims)),
                w=rng.standard_normal((D, M)),
                b=rng.standard_normal(M),
                dout=rng.standard_normal((N, M)),
            )
        )
    return cases


def _affine_cache_problem(cache, case: dict) -> str | None:
    """What keeps the course's affine_backward from using this cache (None: nothing)."""
    x, w = case["x"], case["w"]
    sizes = _affine_sizes(case)
    if not isinstance(cache, (tuple, list)) or len(cache) != 3:
        return f"its cache is {_kind(cache)}, not the three inputs (x, w, b)"
    for name, held, want in (("x", cache[0], x), ("w", cache[1], w)):
        if not isinstance(held, np.ndarray):
            return f"its cache holds {_kind(held)} where {name} belongs"
        if held.shape == want.shape:
            continue
        if name == "x" and held.shape == (x.shape[0], w.shape[0]):
            return (
                f"its cache holds x flattened to {held.shape} {named(held.shape, sizes)}, but affine_backward "
                f"needs x in its original shape {x.shape} {named(x.shape, sizes)} to give dx that shape; "
                "keep the flattened copy in a variable of its own (x2 = x.reshape(x.shape[0], -1))"
            )
        for other, arr in (("x", x), ("w", w), ("out", np.empty((x.shape[0], w.shape[1]))), ("b", case["b"])):
            if other != name and held.shape == arr.shape:
                return f"its cache holds {other} (shape {held.shape}) where {name} belongs"
        return f"its cache holds an array of shape {held.shape} where {name}, of shape {want.shape}, belongs"
    return None


def _forward_sizes(case: dict) -> dict[str, int]:
    return {**_affine_sizes(case), "N*D": case["x"].size}


def _last(case: dict) -> str:
    return f"d{case['x'].ndim - 1}"


_AFFINE_FORWARD_ERRORS = (
    raised(
        "x_not_flattened",
        _forward_sizes,
        product(_last, "D"),
        lambda s, case: (
            f"x has shape {case['x'].shape} {named(case['x'].shape, _affine_sizes(case))}: flatten it to (N, D) "
            "before the product, x2 = x.reshape(x.shape[0], -1), then out = x2 @ w + b."
        ),
    ),
    raised(
        "x_flattened_whole",
        _forward_sizes,
        product("N*D", "D"),
        "x.flatten() (or np.ravel) makes one vector of all N*D numbers; keep one row per example: "
        "x2 = x.reshape(x.shape[0], -1) is (N, D).",
    ),
    raised(
        "w_transposed",
        _forward_sizes,
        product("D", "M"),
        "w is already (D, M): multiply by w itself, out = x2 @ w + b, not by w.T.",
    ),
    raised(
        "x2_transposed",
        _forward_sizes,
        product("N", None),
        "a factor ends in the batch size N: x2 must be (N, D), x2 = x.reshape(x.shape[0], -1) (not x2.T, "
        "not x.reshape(D, -1)), and it goes first: out = x2 @ w + b.",
    ),
    raised(
        "product_mismatch",
        _forward_sizes,
        says("product"),
        lambda s, case: (
            f"a product of (..., {s.left}) @ ({s.right}, ...) does not fit: out = x2 @ w is (N, D) @ (D, M), "
            "with x2 = x.reshape(x.shape[0], -1)."
        ),
    ),
    raised(
        "elementwise_product",
        _forward_sizes,
        says("broadcast", lambda s, case: "(D, M)" in s.shapes),
        "* multiplies entry by entry: use the matrix product, out = x2 @ w + b.",
    ),
    raised(
        "bias_does_not_broadcast",
        _forward_sizes,
        says("broadcast"),
        lambda s, case: (
            f"shapes {' and '.join(s.shapes)} do not broadcast: b has shape (M,); add it as it is, "
            "out = x2 @ w + b, and numpy repeats it over the N rows."
        ),
    ),
    raised(
        "reshape_size",
        _forward_sizes,
        says("reshape"),
        "x.reshape(x.shape[0], -1) keeps the N examples as rows and lets numpy work out D = d1 * ... * dk (the -1).",
    ),
)


def _call_affine_forward(student, case):
    out, cache = pair("affine_forward", student["affine_forward"](case["x"], case["w"], case["b"]))
    problem = _affine_cache_problem(cache, case)
    if problem:
        raise CheckFailure(f"affine_forward: {problem}.\n  Hint: {_AFFINE_FIX}", cause="cache_not_x_and_w")
    return {"out": out, "cache x": cache[0], "cache w": cache[1]}


def _derive_affine_forward(case, outputs):
    """What the course's backward pass gets from the student's cache (in the grader, when grading). The
    cache is checked again here, before any arithmetic: what the kernel sent back is not trusted."""
    cache = ref.AffineCache(outputs.pop("cache x", None), outputs.pop("cache w", None), case["b"])
    problem = _affine_cache_problem(tuple(cache), case)
    if problem:
        raise CheckFailure(f"affine_forward: {problem}.\n  Hint: {_AFFINE_FIX}", cause="cache_not_x_and_w")
    dx, dw, _ = ref.affine_backward(case["dout"], cache)
    return {**outputs, "dx via cache": dx, "dw via cache": dw}


def _expected_affine_forward(case):
    out, cache = ref.affine_forward(case["x"], case["w"], case["b"])
    dx, dw, _ = ref.affine_backward(case["dout"], cache)
    return {"out": out, "dx via cache": dx, "dw via cache": dw}


def _bias_summed(got, exp, case):
    return got.shape == exp.shape and np.allclose(got, exp - case["b"] + case["b"].sum())


def _no_bias(got, exp, case):
    return got.shape == exp.shape == (case["x"].shape[0], case["w"].shape[1]) and np.allclose(got, exp - case["b"])


def _wrong_cache_values(got, exp, case):
    return got.shape != (case["x"].shape[0], case["w"].shape[1])  # dx or dw via the cache, not out


@register(
    Spec(
        name="affine_forward",
        args=("affine_forward",),
        cases=lambda seed: _affine_cases(seed, forward=True),
        call=_call_affine_forward,
        derive=_derive_affine_forward,
        expected=_expected_affine_forward,
        like={"dx via cache": "x", "dw via cache": "w"},
        batch="x",
        reference=("course_utils.layers.affine_forward",),
        hints=_AFFINE_FORWARD_ERRORS
        + (
            Hint(
                "bias_summed",
                _bias_summed,
                "b.sum() adds one number to every entry; add b itself, of shape (M,): out = x2 @ w + b.",
            ),
            Hint(
                "missing_bias",
                _no_bias,
                "out equals x2 @ w without the bias: add b, out = x2 @ w + b (b of shape (M,) is repeated "
                "over the N rows).",
            ),
            Hint(
                "cache_wrong",
                _wrong_cache_values,
                "the course's affine_backward, run on the cache your affine_forward returns, gives "
                "wrong gradients: the cache must hold x and w unchanged (not a modified copy). " + _AFFINE_FIX,
            ),
        ),
    )
)
def check_affine_forward(affine_forward):
    """Check affine_forward's out, and its cache, on x of shape (N, d1, ..., dk) (notebook 03)."""


def _backward_sizes(case: dict) -> dict[str, int]:
    return {**_affine_sizes(case), "N*D": case["x"].size, "N*M": case["dout"].size}


_PRODUCTS = (
    "dx = dout @ w.T is (N, M) @ (M, D), reshaped to x's shape; dw = x2.T @ dout is (D, N) @ (N, M), "
    "with x2 = x.reshape(x.shape[0], -1)"
)
_AFFINE_BACKWARD_ERRORS = (
    raised(
        "w_not_transposed",
        _backward_sizes,
        product("M", "D"),
        "dx = dout @ w.T: dout is (N, M) and w is (D, M), so w must be transposed, (N, M) @ (M, D) "
        "gives (N, D); then reshape it to x's shape.",
    ),
    raised(
        "x2_not_transposed",
        _backward_sizes,
        product("D", "N"),
        "a factor ending in D met one starting with the batch size N: the batch axis is summed in "
        "dw = x2.T @ dout, (D, N) @ (N, M), with x2 transposed; and dx = dout @ w.T, (N, M) @ (M, D).",
    ),
    raised(
        "x_not_flattened",
        _backward_sizes,
        product(_last, "N"),
        "flatten x in the backward pass too: x2 = x.reshape(x.shape[0], -1), then dw = x2.T @ dout, (D, N) @ (N, M).",
    ),
    raised(
        "dout_transposed",
        _backward_sizes,
        product("N", "M"),
        "dout is already (N, M): dw = x2.T @ dout, (D, N) @ (N, M), without transposing dout.",
    ),
    raised("factors_swapped", _backward_sizes, product("M", "N"), f"check the order of the factors: {_PRODUCTS}."),
    raised(
        "product_mismatch",
        _backward_sizes,
        says("product"),
        lambda s, case: f"a product of (..., {s.left}) @ ({s.right}, ...) does not fit: {_PRODUCTS}.",
    ),
    raised(
        "dout_reshaped",
        _backward_sizes,
        says("reshape", lambda s, case: s.size == "N*M"),
        "only dx goes back to x's shape, and dx = dout @ w.T has N*D entries; dout itself (N*M entries) "
        "cannot take x's shape.",
    ),
    raised(
        "reshape_size",
        _backward_sizes,
        says("reshape"),
        f"reshape dx = dout @ w.T, (N, D), to x's shape with .reshape(x.shape); {_PRODUCTS}.",
    ),
    raised(
        "elementwise_product",
        _backward_sizes,
        says("broadcast"),
        lambda s, case: (
            f"shapes {' and '.join(s.shapes)} do not broadcast: the gradients are matrix products, not "
            f"elementwise ones: {_PRODUCTS}; db = dout.sum(axis=0)."
        ),
    ),
)


def _affine_backward_outputs(student, case, cache) -> dict:
    back = student["affine_backward"](case["dout"], cache)
    if not isinstance(back, (tuple, list)) or len(back) != 3:
        raise CheckFailure(
            f"affine_backward must return the triple (dx, dw, db), got {_kind(back)}.", cause="not_a_triple"
        )
    dx, dw, db = back
    if np.ndim(dw) > 2:
        raise CheckFailure(
            f"affine_backward: dw has shape {np.shape(dw)}, expected {case['w'].shape} like w.\n"
            "  Hint: flatten x to (N, D) in the backward pass too, x2 = x.reshape(x.shape[0], -1), and "
            "compute dw = x2.T @ dout.",
            cause="x_not_flattened",
        )
    N, D = case["x"].shape[0], case["w"].shape[0]
    if np.shape(dx) == (N, D) and case["x"].ndim > 2:
        raise CheckFailure(
            f"affine_backward: dx has shape {np.shape(dx)}, expected {case['x'].shape} like x.\n"
            "  Hint: give dx the shape of x, dx = (dout @ w.T).reshape(x.shape), so that the layer below gets "
            "a gradient shaped like its output.",
            cause="dx_not_reshaped",
        )
    if np.shape(dw) == case["w"].shape[::-1]:
        raise CheckFailure(
            f"affine_backward: dw has shape {np.shape(dw)}, expected {case['w'].shape} like w.\n"
            "  Hint: dw = x2.T @ dout, (D, N) @ (N, M), with x2 = x.reshape(x.shape[0], -1); dout.T @ x2 is its "
            "transpose.",
            cause="dw_transposed",
        )
    if np.shape(db) == (N,):
        raise CheckFailure(
            f"affine_backward: db has shape {np.shape(db)}, expected {case['b'].shape} like b.\n"
            "  Hint: sum dout over the batch axis, db = dout.sum(axis=0); axis=1 sums over the M outputs instead.",
            cause="db_summed_over_axis_1",
        )
    return dict(dx=dx, dw=dw, db=db)


def _call_affine_backward(student, case):
    _, cache = pair("affine_forward", student["affine_forward"](case["x"], case["w"], case["b"]))
    problem = _affine_cache_problem(cache, case)
    if problem is None and not (np.array_equal(cache[0], case["x"]) and np.array_equal(cache[1], case["w"])):
        problem = "its cache holds x and w with other values than the inputs"
    clean = ref.AffineCache(case["x"].copy(), case["w"].copy(), case["b"].copy())
    return _backward_on(
        lambda c: _affine_backward_outputs(student, case, c),
        cache,
        clean,
        problem,
        layer="affine",
        clean_name="AffineCache(x, w, b)",
        fix=_AFFINE_FIX,
    )


def _expected_affine_backward(case):
    dx, dw, db = ref.affine_backward(case["dout"], ref.affine_forward(case["x"], case["w"], case["b"])[1])
    return dict(dx=dx, dw=dw, db=db)


@register(
    Spec(
        name="affine_backward",
        args=("affine_forward", "affine_backward"),
        cases=lambda seed: _affine_cases(seed, forward=False),
        call=_call_affine_backward,
        expected=_expected_affine_backward,
        like={"dx": "x", "dw": "w", "db": "b"},
        batch="x",
        hints=_AFFINE_BACKWARD_ERRORS,
        reference=("course_utils.layers.affine_forward", "course_utils.layers.affine_backward"),
    )
)
def check_affine_backward(affine_forward, affine_backward):
    """Check affine_backward's dx, dw, db against the reference on random inputs (notebook 03)."""


# ---- ReLU ----


def _relu_sizes(case: dict) -> dict[str, int]:
    shape = case["x"].shape
    return {"N": shape[0], **{f"d{i}": d for i, d in enumerate(shape[1:], 1)}}


def _relu_cases(seed: int, *, forward: bool) -> list[dict]:
    rng = np.random.default_rng(seed + 400)
    if forward and seed == 0:
        # 12 points from -0.5 to 0.5: half negative, half positive, none exactly 0
        x = np.linspace(-0.5, 0.5, 12).reshape(3, 4)
        return [dict(x=x, dout=rng.standard_normal(x.shape))]
    cases = []
    for shape in [(5 + 3 * seed, 7), (3, 2, 4 + 2 * seed)]:  # every size distinct within a case
        x = rng.standard_normal(shape)
        x[np.abs(x) < 1e-3] = 0.5  # keep clear of the kink at 0
        cases.append(dict(x=x, dout=rng.standard_normal(shape)))
    return cases


def _relu_cache_x(cache):
    """The array a ReLU cache holds: ReluCache(x), (x,) or x itself (None for anything else)."""
    held = getattr(cache, "x", None)
    if held is None and isinstance(cache, (tuple, list)) and len(cache) == 1:
        held = cache[0]
    if held is None and isinstance(cache, np.ndarray):
        held = cache
    return held if isinstance(held, np.ndarray) else None


def _relu_cache_problem(cache, case: dict) -> str | None:
    held = _relu_cache_x(cache)
    if held is None:
        return f"its cache is {_kind(cache)}, not ReluCache(x)"
    if held.shape != case["x"].shape:
        return f"its cache holds an array of shape {held.shape} where x, of shape {case['x'].shape}, belongs"
    return None


_RELU_ERRORS = (
    raised(
        "not_elementwise",
        _relu_sizes,
        says("broadcast"),
        "the ReLU works entry by entry: out = np.maximum(x, 0) has x's shape; no sums, no products.",
    ),
)


def _call_relu_forward(student, case):
    out, cache = pair("relu_forward", student["relu_forward"](case["x"]))
    if np.shape(out) != case["x"].shape and np.size(out) != case["x"].size:
        raise CheckFailure(
            f"relu_forward: out has shape {np.shape(out)}, expected {case['x'].shape} like x.\n"
            "  Hint: np.max(x, 0) takes the maximum *along axis 0*; the elementwise max(0, x) is "
            "np.maximum(x, 0).",
            cause="max_not_maximum",
        )
    problem = _relu_cache_problem(cache, case)
    if problem:
        raise CheckFailure(f"relu_forward: {problem}.\n  Hint: {_RELU_FIX}", cause="cache_not_x")
    return {"out": out, "cache x": _relu_cache_x(cache)}


def _derive_relu_forward(case, outputs):
    """The course's backward pass on the student's cache (in the grader, when grading), checked again here."""
    x = outputs.pop("cache x", None)
    problem = _relu_cache_problem(x, case)
    if problem:
        raise CheckFailure(f"relu_forward: {problem}.\n  Hint: {_RELU_FIX}", cause="cache_not_x")
    return {**outputs, "dx via cache": ref.relu_backward(case["dout"], ref.ReluCache(x))}


def _expected_relu_forward(case):
    out, cache = ref.relu_forward(case["x"])
    return {"out": out, "dx via cache": ref.relu_backward(case["dout"], cache)}


def _is_out(got, exp, case):  # for out only: dx via cache is compared after it
    return np.allclose(exp, np.maximum(case["x"], 0)) and not np.allclose(got, exp)


@register(
    Spec(
        name="relu_forward",
        args=("relu_forward",),
        cases=lambda seed: _relu_cases(seed, forward=True),
        call=_call_relu_forward,
        derive=_derive_relu_forward,
        expected=_expected_relu_forward,
        like={"out": "x", "dx via cache": "x"},
        reference=("course_utils.layers.relu_forward",),
        hints=_RELU_ERRORS
        + (
            Hint(
                "abs_not_relu",
                lambda got, exp, case: _is_out(got, exp, case) and np.allclose(got, np.abs(case["x"])),
                "out = np.abs(x) turns negative inputs positive; they must become 0: out = np.maximum(x, 0).",
            ),
            Hint(
                "minimum_not_maximum",
                lambda got, exp, case: _is_out(got, exp, case) and np.allclose(got, np.minimum(case["x"], 0)),
                "out = np.minimum(x, 0) keeps the negative part; the ReLU keeps the positive part: out = np.maximum(x, 0).",
            ),
            Hint(
                "not_clipped",
                lambda got, exp, case: _is_out(got, exp, case) and np.allclose(got, case["x"]),
                "out equals x: the negative entries must become 0, out = np.maximum(x, 0) (a new array; never write "
                "into x).",
            ),
            Hint(
                "cache_wrong",
                lambda got, exp, case: not _is_out(got, exp, case),
                "the course's relu_backward, run on the cache your relu_forward returns, gives a wrong dx: "
                + _RELU_FIX,
            ),
        ),
    )
)
def check_relu_forward(relu_forward):
    """Check relu_forward against max(0, x), and its cache (notebook 03)."""


_RELU_DX = "dx = dout * (x > 0)"


def _relu_backward_outputs(student, case, cache) -> dict:
    return dict(dx=student["relu_backward"](case["dout"], cache))


def _call_relu_backward(student, case):
    _, cache = pair("relu_forward", student["relu_forward"](case["x"]))
    held = _relu_cache_x(cache)
    problem = _relu_cache_problem(cache, case)
    if problem is None and not np.array_equal(held, case["x"]):
        problem = "its cache holds another array than x"
    clean = ref.ReluCache(case["x"].copy())
    return _backward_on(
        lambda c: _relu_backward_outputs(student, case, c),
        cache,
        clean,
        problem,
        layer="relu",
        clean_name="ReluCache(x)",
        fix=_RELU_FIX,
    )


def _expected_relu_backward(case):
    _, cache = ref.relu_forward(case["x"])
    return dict(dx=ref.relu_backward(case["dout"], cache))


@register(
    Spec(
        name="relu_backward",
        args=("relu_forward", "relu_backward"),
        cases=lambda seed: _relu_cases(seed, forward=False),
        call=_call_relu_backward,
        expected=_expected_relu_backward,
        like={"dx": "x"},
        reference=("course_utils.layers.relu_forward", "course_utils.layers.relu_backward"),
        hints=_RELU_ERRORS
        + (
            Hint(
                "not_blocked",
                lambda got, exp, case: np.allclose(got, case["dout"]),
                f"dx equals dout everywhere: the gradient must be blocked (0) where x <= 0: {_RELU_DX}.",
            ),
            Hint(
                "mask_inverted",
                lambda got, exp, case: np.allclose(got, case["dout"] * (case["x"] < 0)),
                f"the mask is inverted: you passed the gradient where x < 0 and blocked it where x > 0: {_RELU_DX}.",
            ),
            Hint(
                "multiplied_by_output",
                lambda got, exp, case: np.allclose(got, case["dout"] * np.maximum(case["x"], 0)),
                f"you multiplied dout by the ReLU's output; the local gradient is the 0/1 mask (x > 0): {_RELU_DX}.",
            ),
            Hint(
                "forgot_dout",
                lambda got, exp, case: np.allclose(got, (case["x"] > 0).astype(float)),
                f"dx is the 0/1 mask alone: multiply it by the upstream gradient dout (chain rule): {_RELU_DX}.",
            ),
        ),
    )
)
def check_relu_backward(relu_forward, relu_backward):
    """Check relu_backward on random inputs of both signs, with the student's own relu_forward (notebook 03)."""


# ---- the two-layer net ----

_TWO_LAYER_SHAPES = dict(D=4, H=6, C=3)  # and N = 7, 9, 11 for seeds 0, 1, 2: all four sizes distinct


def _two_layer_sizes(case: dict) -> dict[str, int]:
    (N, D), (H, C) = case["X"].shape, case["W2"].shape
    return dict(N=N, D=D, H=H, C=C)


def _two_layer_cases(seed: int) -> list[dict]:
    rng = np.random.default_rng(seed + 500)
    D, H, C = (_TWO_LAYER_SHAPES[k] for k in "DHC")
    N = 7 + 2 * seed
    cases = []
    for reg in (0.0, 0.7 + 0.1 * seed):
        cases.append(
            dict(
                X=rng.standard_normal((N, D)),
                y=rng.permutation(np.arange(N) % C),  # every class appears
                W1=0.8 * rng.standard_normal((D, H)),
                b1=0.3 * rng.standard_normal(H),
                W2=0.8 * rng.standard_normal((H, C)),
                b2=0.3 * rng.standard_normal(C),
                reg=reg,
            )
        )
    return cases


_NET_SHAPES = (
    "X (N, D), W1 (D, H), a and h (N, H), W2 (H, C), scores and dscores (N, C); forward a = X @ W1 + b1, "
    "scores = h @ W2 + b2; backward dW2 = h.T @ dscores, dh = dscores @ W2.T, dW1 = X.T @ da"
)


_TWO_LAYER_PRODUCTS = (
    ("D", "H", "w1_transposed", "W1 is (D, H): a = X @ W1 + b1, without transposing W1."),
    ("H", "C", "w2_transposed", "W2 is (H, C): scores = h @ W2 + b2, without transposing W2."),
    (
        "C",
        "H",
        "w2_not_transposed",
        "dh = dscores @ W2.T: dscores is (N, C) and W2 is (H, C), so W2 must be transposed.",
    ),
    ("H", "N", "h_not_transposed", "the batch axis N is summed in dW2 = h.T @ dscores, (H, N) @ (N, C): transpose h."),
    ("D", "N", "x_not_transposed", "the batch axis N is summed in dW1 = X.T @ da, (D, N) @ (N, H): transpose X."),
    ("C", "N", "dw2_factors_swapped", "dW2 = h.T @ dscores, with h.T first: (H, N) @ (N, C)."),
)
_TWO_LAYER_ERRORS = tuple(
    raised(code, _two_layer_sizes, product(left, right), text) for left, right, code, text in _TWO_LAYER_PRODUCTS
) + (
    raised(
        "product_mismatch",
        _two_layer_sizes,
        says("product"),
        lambda s, case: f"a product of (..., {s.left}) @ ({s.right}, ...) does not fit: {_NET_SHAPES}.",
    ),
    raised(
        "mask_at_scores",
        _two_layer_sizes,
        says("broadcast", lambda s, case: "(N, C)" in s.shapes and "(N, H)" in s.shapes),
        "the ReLU's mask (N, H) goes with the gradient at the hidden layer, dh = dscores @ W2.T (N, H): "
        "da = dh * (a > 0).",
    ),
    raised(
        "shapes_do_not_broadcast",
        _two_layer_sizes,
        says("broadcast"),
        lambda s, case: f"shapes {' and '.join(s.shapes)} do not broadcast: {_NET_SHAPES}.",
    ),
    raised(
        "labels_index_rows",
        _two_layer_sizes,
        says("index", lambda s, case: s.size == "C"),
        "labels index the classes: pick the correct scores with scores[np.arange(N), y].",
    ),
    raised(
        "scores_transposed",
        _two_layer_sizes,
        says("shapes", lambda s, case: "(C, N)" in s.shapes),
        "scores must be (N, C), one row per example: scores = h @ W2 + b2, not transposed.",
    ),
    raised(
        "shapes_in_sizes",
        _two_layer_sizes,
        says("shapes"),
        lambda s, case: f"in the exercise's sizes, the shapes here are {', '.join(s.shapes)}: {_NET_SHAPES}.",
    ),
)


def _call_two_layer(student, case):
    params = {k: case[k] for k in ("W1", "b1", "W2", "b2")}
    result = student["two_layer_loss"](params, case["X"], case["y"], case["reg"])
    loss, grads = pair("two_layer_loss", result, "(loss, grads)")
    if not isinstance(grads, dict):
        raise CheckFailure(
            f"two_layer_loss: grads must be a dict keyed like params, got a {type(grads).__name__}.",
            cause="grads_not_a_dict",
        )
    missing = [k for k in params if k not in grads]
    if missing:
        raise CheckFailure(
            f"two_layer_loss: grads has no {', '.join(missing)}; it needs W1, b1, W2, b2.", cause="missing_gradients"
        )
    N = case["X"].shape[0]
    for name, upstream in (("b1", "da"), ("b2", "dscores")):
        if np.shape(grads[name]) == (N,):
            raise CheckFailure(
                f"two_layer_loss: grads['{name}'] has shape {np.shape(grads[name])}, expected {case[name].shape} like "
                f"{name}.\n  Hint: sum over the batch axis, {name} gets {upstream}.sum(axis=0); axis=1 sums over "
                "the units instead.",
                cause="gradient_wrong_shape",
            )
    return dict(dW1=grads["W1"], db1=grads["b1"], dW2=grads["W2"], db2=grads["b2"], loss=loss)


def _two_layer_reference(
    case,
    *,
    relu_mask=True,
    reg_loss=1.0,
    reg_grad=1.0,
    reg_bias=False,
    relu=True,
    bias=True,
    mask_h=False,
    dW2_from_a=False,
):
    """The two-layer loss, or one of its usual wrong variants (for the hints)."""
    X, y, reg = case["X"], case["y"], case["reg"]
    b1, b2 = (case["b1"], case["b2"]) if bias else (0 * case["b1"], 0 * case["b2"])
    a, c1 = ref.affine_forward(X, case["W1"], b1)
    h, c2 = ref.relu_forward(a) if relu else (a, None)
    scores, c3 = ref.affine_forward(h, case["W2"], b2)
    data_loss, dscores = softmax_loss(scores, y)
    regularized = ["W1", "W2"] + (["b1", "b2"] if reg_bias else [])
    loss = data_loss + reg_loss * 0.5 * reg * sum(float(np.sum(case[k] ** 2)) for k in regularized)
    dh, dW2, db2 = ref.affine_backward(dscores, ref.AffineCache(a, case["W2"], b2) if dW2_from_a else c3)
    da = ref.relu_backward(dh, c2) if relu_mask and c2 is not None else dh  # c2: the ReLU's cache, if relu
    da = dh * h if mask_h else da
    _, dW1, db1 = ref.affine_backward(da, c1)
    grads = dict(dW1=dW1, db1=db1, dW2=dW2, db2=db2)
    for k in regularized:
        grads["d" + k] = grads["d" + k] + reg_grad * reg * case[k]
    # gradients first: the first wrong quantity is the one reported, and a wrong gradient
    # points at the mistake more precisely than a wrong scalar loss
    return dict(**grads, loss=loss)


def _is_variant(**wrong):
    """A hint test: does the wrong output equal this variant's (and differ from the right one)?"""

    def test(got, exp, case):
        variant = _two_layer_reference(case, **wrong)
        for value in variant.values():
            value = np.asarray(value)
            if (
                value.shape == got.shape == np.shape(exp)
                and not np.allclose(value, exp)
                and np.allclose(got, value, rtol=1e-6, atol=1e-10)
            ):
                return True
        return False

    return test


_PENALTY = "0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))"


@register(
    Spec(
        name="two_layer_loss",
        args=("two_layer_loss",),
        cases=_two_layer_cases,
        call=_call_two_layer,
        expected=_two_layer_reference,
        like={"dW1": "W1", "db1": "b1", "dW2": "W2", "db2": "b2"},
        batch="X",
        reference=("course_utils.models.FullyConnectedNet",),
        hints=_TWO_LAYER_ERRORS
        + (
            Hint(
                "skipped_relu",
                _is_variant(relu=False),
                "the scores skipped the ReLU: h = np.maximum(a, 0) between the two affine layers, scores = h @ W2 + b2, "
                "and da = dh * (a > 0) on the way back.",
            ),
            Hint(
                "missing_biases",
                _is_variant(bias=False),
                "the biases are missing from the forward pass: a = X @ W1 + b1 and scores = h @ W2 + b2.",
            ),
            Hint(
                "relu_gradient_is_output",
                _is_variant(mask_h=True),
                "the ReLU's local gradient is the 0/1 mask (a > 0), not its output h: da = dh * (a > 0).",
            ),
            Hint(
                "dw2_uses_a",
                _is_variant(dW2_from_a=True),
                "dW2 = h.T @ dscores, with h = np.maximum(a, 0), the ReLU's output that the second layer saw, not a.",
            ),
            Hint(
                "gradient_skipped_relu",
                _is_variant(relu_mask=False),
                "the gradient reaching W1 and b1 skipped the ReLU: pass dh through it first, da = relu_backward(dh, cache) "
                "(dh * (a > 0)), then affine_backward(da, ...).",
            ),
            Hint(
                "penalty_missing_half",
                _is_variant(reg_loss=2.0),
                f"the penalty in the loss is {_PENALTY}: you dropped the 0.5.",
            ),
            Hint(
                "reg_gradient_halved",
                _is_variant(reg_grad=0.5),
                "the gradient of 0.5 * reg * np.sum(W * W) is reg * W: the 0.5 cancels the 2, so add reg * W1 to dW1 and "
                "reg * W2 to dW2.",
            ),
            Hint(
                "reg_gradient_doubled",
                _is_variant(reg_grad=2.0),
                "the gradient of 0.5 * reg * np.sum(W * W) is reg * W, not 2 * reg * W: add reg * W1 to dW1 and reg * W2 "
                "to dW2.",
            ),
            Hint(
                "missing_reg_gradient",
                _is_variant(reg_grad=0.0),
                "add the gradient of the penalty, reg * W1 to dW1 and reg * W2 to dW2.",
            ),
            Hint("missing_reg_loss", _is_variant(reg_loss=0.0), f"add the penalty {_PENALTY} to the loss."),
            Hint(
                "biases_regularized",
                _is_variant(reg_bias=True),
                "biases are not regularized: leave b1 and b2 out of the penalty and its gradient.",
            ),
        ),
    )
)
def check_two_layer_loss(two_layer_loss):
    """Check two_layer_loss(params, X, y, reg) -> (loss, grads) against the reference (notebook 03)."""


# check -> the named sizes of a case (the tests assert that they are pairwise distinct)
CASE_SIZES = {
    "check_affine_forward": _affine_sizes,
    "check_affine_backward": _affine_sizes,
    "check_relu_forward": _relu_sizes,
    "check_relu_backward": _relu_sizes,
    "check_two_layer_loss": _two_layer_sizes,
}
