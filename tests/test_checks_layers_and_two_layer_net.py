"""The notebook 03 checks: pass on correct layers, fail with the right hint on typical slips."""

import numpy as np
import pytest

import course_utils as cu
from course_utils import layers as ref
from course_utils.checks import REGISTRY, CheckFailure, run_student, verify

checks = cu.checks


# ---- reference-like student code, with switches for the usual mistakes ----


def affine_forward(x, w, b, *, reshape=True, bias=True, pair=True):
    xf = x.reshape(x.shape[0], -1) if reshape else x
    out = xf @ w + (b if bias else 0)
    return (out, (x, w, b)) if pair else out


def affine_backward(
    dout,
    cache,
    *,
    reshape_dx=True,
    sum_db=True,
    mean_db=False,
    transpose_dw=False,
    dx_no_transpose=False,
    reshape_x=True,
):
    x, w, b = cache
    xf = x.reshape(x.shape[0], -1) if reshape_x else x
    dx = dout @ (w if dx_no_transpose else w.T)
    dx = dx.reshape(x.shape) if reshape_dx else dx
    dw = dout.T @ xf if transpose_dw else xf.T @ dout
    db = dout.mean(axis=0) if mean_db else (dout.sum(axis=0) if sum_db else dout)
    return dx, dw, db


def relu_forward(x):
    return np.maximum(x, 0), x


def relu_backward(dout, x):
    return dout * (x > 0)


def two_layer_loss(params, X, y, reg, *, relu_mask=True, reg_loss=1.0, reg_grad=1.0, reg_bias=False, drop_key=None):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    a = X @ W1 + b1
    h = np.maximum(a, 0)
    scores = h @ W2 + b2
    loss, dscores = cu.losses.softmax_loss(scores, y)
    reg_names = ["W1", "W2"] + (["b1", "b2"] if reg_bias else [])
    loss += reg_loss * 0.5 * reg * sum(np.sum(params[k] ** 2) for k in reg_names)
    grads = {"W2": h.T @ dscores, "b2": dscores.sum(axis=0)}
    dh = dscores @ W2.T
    da = dh * (a > 0) if relu_mask else dh
    grads["W1"], grads["b1"] = X.T @ da, da.sum(axis=0)
    for k in reg_names:
        grads[k] = grads[k] + reg_grad * reg * params[k]
    if drop_key:
        del grads[drop_key]
    return loss, grads


def with_(f, **options):
    return lambda *args: f(*args, **options)


def fails(check, match, **student):
    with pytest.raises(CheckFailure, match="(?s)" + match):
        check(**student, verbose=False)


# ---- passing ----


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correct_implementations_pass(seed, capsys):
    checks.check_affine_forward(affine_forward=affine_forward, seed=seed)
    checks.check_affine_backward(affine_forward=affine_forward, affine_backward=affine_backward, seed=seed)
    checks.check_relu_forward(relu_forward=relu_forward, seed=seed)
    checks.check_relu_backward(relu_forward=relu_forward, relu_backward=relu_backward, seed=seed)
    checks.check_two_layer_loss(two_layer_loss=two_layer_loss, seed=seed)
    out = capsys.readouterr().out
    for name in ("affine_forward", "affine_backward", "relu_forward", "relu_backward", "two_layer_loss"):
        assert f"\u2713 {name}" in out
    assert "FAIL" not in out


def test_reference_layers_pass():
    checks.check_affine_forward(affine_forward=ref.affine_forward, verbose=False)
    checks.check_affine_backward(affine_forward=ref.affine_forward, affine_backward=ref.affine_backward, verbose=False)
    checks.check_relu_forward(relu_forward=ref.relu_forward, verbose=False)
    checks.check_relu_backward(relu_forward=ref.relu_forward, relu_backward=ref.relu_backward, verbose=False)


def test_registered_with_args():
    assert REGISTRY["check_affine_backward"].args == ("affine_forward", "affine_backward")
    assert REGISTRY["check_two_layer_loss"].args == ("two_layer_loss",)
    for name in ("check_affine_forward", "check_relu_forward", "check_relu_backward"):
        assert name in REGISTRY and name in cu.checks.__all__


def test_grader_split_call_then_verify():
    """The autograder runs call() with the student's code and verify() elsewhere."""
    spec = REGISTRY["check_affine_backward"]
    student = dict(affine_forward=affine_forward, affine_backward=with_(affine_backward, sum_db=False))
    case = spec.cases(1)[0]
    outputs, modified = run_student(spec, student, case)
    with pytest.raises(CheckFailure, match="sum over the batch"):
        verify(spec, case, outputs, spec.expected(case), modified)


def test_unwritten_exercise_raises_not_implemented():
    def blank(*args):
        raise NotImplementedError()

    for check, kw in [
        (checks.check_affine_forward, dict(affine_forward=blank)),
        (checks.check_relu_backward, dict(relu_forward=relu_forward, relu_backward=blank)),
        (checks.check_two_layer_loss, dict(two_layer_loss=blank)),
    ]:
        with pytest.raises(NotImplementedError):
            check(**kw, verbose=False)


# ---- affine_forward ----


def test_affine_forward_without_reshape():
    fails(
        checks.check_affine_forward,
        r"raised ValueError.*flatten it to \(N, D\) before the product",
        affine_forward=with_(affine_forward, reshape=False),
    )


def test_affine_forward_without_bias():
    fails(checks.check_affine_forward, r"add b, out = x2 @ w \+ b", affine_forward=with_(affine_forward, bias=False))


def test_affine_forward_returning_only_out():
    fails(
        checks.check_affine_forward,
        r"must return the pair \(out, cache\)",
        affine_forward=with_(affine_forward, pair=False),
    )


def test_affine_forward_modifying_x():
    def f(x, w, b):
        x *= 1.0
        x += 1.0
        return affine_forward(x, w, b)

    fails(checks.check_affine_forward, "modified its input `x` in place", affine_forward=f)


# ---- affine_backward ----


@pytest.mark.parametrize(
    "mistake, match",
    [
        (dict(sum_db=False), r"db has shape \(6, 7\), expected \(7,\) like b.*sum over the batch"),
        (dict(mean_db=True), "factor of 1/N"),
        (
            dict(reshape_dx=False),
            r"dx has shape \(6, 15\), expected \(6, 3, 5\) like x.*dx = \(dout @ w.T\).reshape\(x.shape\)",
        ),
        (dict(transpose_dw=True), r"dw has shape \(7, 15\), expected \(15, 7\) like w.*dout.T @ x2 is its transpose"),
        (
            dict(dx_no_transpose=True),
            r"raised ValueError.*dx = dout @ w.T: dout is \(N, M\) and w is \(D, M\), so w must "
            r"be transposed",
        ),
        (dict(reshape_x=False), r"dw has shape \(5, 3, 7\).*flatten x to \(N, D\) in the backward pass too"),
    ],
)
def test_affine_backward_mistakes(mistake, match):
    fails(
        checks.check_affine_backward,
        match,
        affine_forward=affine_forward,
        affine_backward=with_(affine_backward, **mistake),
        seed=1,
    )


def test_affine_backward_modifying_dout():
    def f(dout, cache):
        dout /= 1.0
        dout *= 2.0
        return affine_backward(dout / 2.0, cache)

    fails(checks.check_affine_backward, "modified its input `dout`", affine_forward=affine_forward, affine_backward=f)


# ---- relu_forward ----


def test_relu_forward_with_np_max():
    fails(checks.check_relu_forward, r"np.maximum\(x, 0\)", relu_forward=lambda x: (np.max(x, 0), x))


def test_relu_forward_with_abs():
    fails(
        checks.check_relu_forward,
        r"np.abs\(x\) turns negative inputs positive.*np.maximum\(x, 0\)",
        relu_forward=lambda x: (np.abs(x), x),
    )


def test_relu_forward_keeping_negative_part():
    fails(checks.check_relu_forward, "keeps the negative part", relu_forward=lambda x: (np.minimum(x, 0), x))


def test_relu_forward_in_place():
    def f(x):
        x[x < 0] = 0
        return x, x

    fails(checks.check_relu_forward, "modified its input `x` in place", relu_forward=f)


# ---- relu_backward ----


@pytest.mark.parametrize(
    "wrong, match",
    [
        (lambda dout, x: dout, r"blocked \(0\) where x <= 0"),
        (lambda dout, x: dout * (x < 0), "mask is inverted"),
        (lambda dout, x: dout * np.maximum(x, 0), "multiplied dout by the ReLU's output"),
        (lambda dout, x: (x > 0).astype(float), "multiply it by the upstream gradient"),
    ],
)
def test_relu_backward_mistakes(wrong, match):
    fails(checks.check_relu_backward, match, relu_forward=relu_forward, relu_backward=wrong)


def test_relu_backward_in_place():
    def f(dout, x):
        dout[x <= 0] = 0
        return dout

    fails(checks.check_relu_backward, "modified its input `dout`", relu_forward=relu_forward, relu_backward=f)


# ---- two_layer_loss ----


@pytest.mark.parametrize(
    "mistake, match",
    [
        (dict(relu_mask=False), "skipped the ReLU"),
        (dict(reg_loss=2.0, reg_grad=2.0), r"dW1.*not 2 \* reg \* W.*"),
        (dict(reg_grad=0.5), "dW1.*the 0.5 cancels the 2"),
        (dict(reg_grad=2.0), r"not 2 \* reg \* W"),
        (dict(reg_grad=0.0), r"add the gradient of the penalty, reg \* W"),
        (dict(reg_bias=True), "db1.*biases are not regularized"),
        (dict(drop_key="b2"), "grads has no b2"),
    ],
)
def test_two_layer_loss_mistakes(mistake, match):
    fails(checks.check_two_layer_loss, match, two_layer_loss=with_(two_layer_loss, **mistake))


def test_two_layer_loss_returning_only_loss():
    fails(
        checks.check_two_layer_loss,
        r"must return the pair \(loss, grads\)",
        two_layer_loss=lambda *args: two_layer_loss(*args)[0],
    )


def test_two_layer_loss_modifying_params():
    def f(params, X, y, reg):
        loss, grads = two_layer_loss(params, X, y, reg)
        params["W1"] -= 0.1 * grads["W1"]
        return loss, grads

    fails(checks.check_two_layer_loss, "modified its input `W1`", two_layer_loss=f)


@pytest.mark.parametrize(
    "mistake, match",
    [
        (dict(reg_loss=2.0), r"loss is wrong.*you dropped the 0.5"),
        (dict(reg_loss=0.0), r"loss is wrong.*add the penalty 0.5 \* reg"),
    ],
)
def test_two_layer_loss_penalty_mistakes(mistake, match):
    """Only the scalar loss is wrong: the message names it and gives the exercise's hint."""
    fails(checks.check_two_layer_loss, match, two_layer_loss=with_(two_layer_loss, **mistake))


# ---- distinct sizes ----

# ---- the forward checks check the cache ----


def affine_forward_caching(what):
    def f(x, w, b):
        x2 = x.reshape(x.shape[0], -1)
        out = x2 @ w + b
        return out, {
            "flat": (x2, w, b),
            "pair": (x, w),
            "out": (out, w, b),
            "swapped": (w, x, b),
            "centered": (x - x.mean(), w, b),
            "dict": {"x": x, "w": w, "b": b},
            "tuple": (x, w, b),
            "list": [x, w, b],
            "named": ref.AffineCache(x, w, b),
            "no b": (x, w, None),
        }[what]

    return f


@pytest.mark.parametrize(
    "what, match",
    [
        (
            "flat",
            r"cache holds x flattened to \(2, 120\).*original shape \(2, 4, 5, 6\).*Hint: cache the original inputs",
        ),
        (
            "pair",
            r"its cache is a tuple of 2, not the three inputs \(x, w, b\).*Hint: cache the original inputs, in this "
            r"order: cache = AffineCache\(x, w, b\)",
        ),
        ("out", r"its cache holds out \(shape \(2, 3\)\) where x belongs"),
        ("swapped", r"its cache holds w \(shape \(120, 3\)\) where x belongs"),
        ("dict", r"its cache is a dict"),
        ("centered", r"affine_forward: dw via cache.* is wrong.*the cache must hold x and w unchanged"),
    ],
)
def test_affine_forward_with_a_wrong_cache_fails(what, match):
    fails(checks.check_affine_forward, match, affine_forward=affine_forward_caching(what))


@pytest.mark.parametrize("what", ["tuple", "list", "named", "no b"])
@pytest.mark.parametrize("seed", [0, 1])
def test_affine_forward_caches_that_the_backward_pass_can_use_pass(what, seed):
    checks.check_affine_forward(affine_forward=affine_forward_caching(what), seed=seed, verbose=False)


def test_affine_forward_table_shows_the_cache(capsys):
    checks.check_affine_forward(affine_forward=affine_forward)
    out = capsys.readouterr().out
    assert "dx via cache" in out and "dw via cache" in out and "FAIL" not in out


@pytest.mark.parametrize(
    "cache, match",
    [
        (lambda x: {"x": x}, "its cache is a dict, not ReluCache"),
        (lambda x: x.ravel(), r"its cache holds an array of shape \(12,\) where x, of shape \(3, 4\), belongs"),
        (lambda x: -x, r"relu_forward: dx via cache.*is wrong.*Hint: the course's relu_backward, run on the cache"),
    ],
)
def test_relu_forward_with_a_wrong_cache_fails(cache, match):
    fails(checks.check_relu_forward, match, relu_forward=lambda x: (np.maximum(x, 0), cache(x)))


@pytest.mark.parametrize(
    "cache", [lambda x: ref.ReluCache(x), lambda x: (x,), lambda x: x, lambda x: ref.ReluCache(np.maximum(x, 0))]
)  # the output has the same mask
def test_relu_forward_caches_that_the_backward_pass_can_use_pass(cache):
    for seed in (0, 1):
        checks.check_relu_forward(relu_forward=lambda x: (np.maximum(x, 0), cache(x)), seed=seed, verbose=False)


def test_affine_backward_blames_the_forward_cache_not_a_correct_backward():
    def forward_flat(x, w, b):
        x = x.reshape(x.shape[0], -1)  # the flattened x ends up in the cache
        return x @ w + b, ref.AffineCache(x, w, b)

    def backward(dout, cache):
        x, w, b = cache
        return (dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, dout.sum(axis=0)

    fails(
        checks.check_affine_backward,
        r"affine_backward (fails|gives other results) with the cache your "
        r"affine_forward returns.*affine_forward is the one to fix: its cache holds x flattened",
        affine_forward=forward_flat,
        affine_backward=backward,
    )


def test_affine_backward_on_an_odd_cache_that_it_cannot_read():
    def forward_dict(x, w, b):
        return x.reshape(x.shape[0], -1) @ w + b, {"x": x, "w": w}

    fails(
        checks.check_affine_backward,
        r"affine_backward fails with the cache your affine_forward returns.*"
        r"its cache is a dict",
        affine_forward=forward_dict,
        affine_backward=affine_backward,
    )


def test_a_wrong_backward_on_an_odd_cache_hears_about_the_cache_first():
    def forward_flat(x, w, b):
        x = x.reshape(x.shape[0], -1)
        return x @ w + b, (x, w, b)

    bad_backward = with_(affine_backward, mean_db=True)
    fails(
        checks.check_affine_backward,
        "affine_forward is the one to fix",
        affine_forward=forward_flat,
        affine_backward=bad_backward,
    )
    fails(checks.check_affine_backward, "factor of 1/N", affine_forward=affine_forward, affine_backward=bad_backward)


def test_an_odd_but_consistent_affine_pair_passes_the_backward_check():
    """The forward check rejects this cache; the backward check judges the backward pass."""

    def forward(x, w, b):
        return x.reshape(x.shape[0], -1) @ w + b, (x.reshape(x.shape[0], -1), w, b, x.shape)

    def backward(dout, cache):
        x2, w, b, shape = cache
        return (dout @ w.T).reshape(shape), x2.T @ dout, dout.sum(axis=0)

    checks.check_affine_backward(affine_forward=forward, affine_backward=backward, verbose=False)
    fails(checks.check_affine_forward, "a tuple of 4", affine_forward=forward)


def test_relu_pair_caching_the_output_passes_both_checks():
    def forward(x):
        out = np.maximum(x, 0)
        return out, ref.ReluCache(out)

    def backward(dout, cache):
        return dout * (cache.x > 0)

    checks.check_relu_forward(relu_forward=forward, verbose=False)
    checks.check_relu_backward(relu_forward=forward, relu_backward=backward, verbose=False)


def test_relu_backward_blames_a_flattened_cache():
    def forward(x):
        return np.maximum(x, 0), ref.ReluCache(x.ravel())

    def backward(dout, cache):
        return dout * (cache.x > 0).reshape(dout.shape) if cache.x.shape == dout.shape else dout * (cache.x > 0)

    fails(checks.check_relu_backward, "relu_forward is the one to fix", relu_forward=forward, relu_backward=backward)


# ---- numpy's errors in the student's code: the hint names the product that failed ----


def affine_forward_wt(x, w, b):
    x2 = x.reshape(x.shape[0], -1)
    return x2 @ w.T + b, (x, w, b)


def affine_forward_ravel(x, w, b):
    return x.ravel() @ w + b, (x, w, b)


def affine_forward_elementwise(x, w, b):
    return x.reshape(x.shape[0], -1) * w + b, (x, w, b)


def affine_forward_bias_column(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b[:, None], (x, w, b)


@pytest.mark.parametrize(
    "f, match",
    [
        (
            affine_forward_wt,
            r"at affine_forward_wt, line \d+: `return x2 @ w.T \+ b, \(x, w, b\)`.*"
            r"w is already \(D, M\): multiply by w itself",
        ),
        (affine_forward_ravel, r"one vector of all N\*D numbers"),
        (affine_forward_elementwise, r"\* multiplies entry by entry: use the matrix product"),
        (affine_forward_bias_column, r"shapes \(M, 1\) and \(N, M\)|shapes \(N, M\) and \(M, 1\).*b has shape \(M,\)"),
        (with_(affine_forward, reshape=False), r"x has shape \(2, 4, 5, 6\) \(N, d1, d2, d3\): flatten it"),
    ],
)
def test_affine_forward_shape_errors_get_their_own_hint(f, match):
    fails(checks.check_affine_forward, match, affine_forward=f)


def test_affine_forward_shape_errors_on_the_hidden_cases_too():
    for seed in (1, 2):
        fails(checks.check_affine_forward, r"w is already \(D, M\)", affine_forward=affine_forward_wt, seed=seed)
        fails(
            checks.check_affine_forward,
            r"flatten it to \(N, D\)",
            affine_forward=with_(affine_forward, reshape=False),
            seed=seed,
        )


def backward_with(dx=None, dw=None, db=None):
    def f(dout, cache):
        x, w, b = cache
        x2 = x.reshape(x.shape[0], -1)
        rdx, rdw, rdb = affine_backward(dout, cache)
        return (dx(dout, x, x2, w) if dx else rdx), (dw(dout, x, x2, w) if dw else rdw), (db(dout) if db else rdb)

    return f


@pytest.mark.parametrize(
    "student, match",
    [
        (backward_with(dx=lambda dout, x, x2, w: (dout @ w).reshape(x.shape)), "so w must be transposed"),
        (
            backward_with(dx=lambda dout, x, x2, w: (w.T @ dout).reshape(x.shape)),
            r"the batch axis is summed in dw = x2.T @ dout.*dx = dout @ w.T",
        ),
        (
            backward_with(dw=lambda dout, x, x2, w: x2 @ dout),
            r"dw = x2.T @ dout, \(D, N\) @ \(N, M\), with x2 transposed",
        ),
        (backward_with(dw=lambda dout, x, x2, w: x @ dout), "flatten x in the backward pass too"),
        (backward_with(dw=lambda dout, x, x2, w: x2.T @ dout.T), r"dout is already \(N, M\)"),
        (backward_with(dx=lambda dout, x, x2, w: dout.reshape(x.shape)), r"dout itself \(N\*M entries\) cannot take"),
        (
            backward_with(db=lambda dout: dout.sum(axis=1)),
            r"db has shape \(6,\), expected \(7,\) like b.*axis=1 sums over",
        ),
    ],
)
def test_affine_backward_shape_errors_blame_the_likely_product(student, match):
    fails(checks.check_affine_backward, match, affine_forward=affine_forward, affine_backward=student, seed=1)


def test_a_size_one_leading_dimension_is_not_a_missing_batch_sum():
    with pytest.raises(CheckFailure) as info:
        checks.check_affine_backward(
            affine_forward=affine_forward,
            verbose=False,
            affine_backward=backward_with(db=lambda dout: dout.sum(axis=0, keepdims=True)),
        )
    assert "db has shape (1, 4), expected (4,)" in str(info.value) or "db has shape (1, 7)" in str(info.value)
    assert "keepdims" in str(info.value) and "sum over the batch" not in str(info.value)


def test_a_loss_of_shape_one_is_not_a_missing_batch_sum():
    def f(params, X, y, reg):
        loss, grads = two_layer_loss(params, X, y, reg)
        return np.array([loss]), grads

    with pytest.raises(CheckFailure) as info:
        checks.check_two_layer_loss(two_layer_loss=f, verbose=False)
    assert "loss has shape (1,)" in str(info.value) and "sum over the batch" not in str(info.value)


def two_layer_with(replace):
    """two_layer_loss written out, with one line replaced by a usual slip."""

    def f(params, X, y, reg):
        W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
        a = X @ (W1.T if replace == "W1.T" else W1) + b1
        h = np.maximum(a, 0)
        scores = h @ W2 + b2
        loss, dscores = cu.losses.softmax_loss(scores, y)
        dW2 = h @ dscores if replace == "h" else h.T @ dscores
        dh = dscores @ W2 if replace == "W2" else dscores @ W2.T
        da = dscores * (a > 0) if replace == "mask" else dh * (a > 0)
        dW1 = X @ da if replace == "X" else X.T @ da
        loss += 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        return loss, {"W1": dW1 + reg * W1, "b1": da.sum(axis=0), "W2": dW2 + reg * W2, "b2": dscores.sum(axis=0)}

    return f


@pytest.mark.parametrize(
    "replace, match",
    [
        ("W1.T", r"W1 is \(D, H\): a = X @ W1 \+ b1, without transposing W1"),
        ("h", r"dW2 = h.T @ dscores, \(H, N\) @ \(N, C\): transpose h"),
        ("W2", r"dh = dscores @ W2.T: dscores is \(N, C\) and W2 is \(H, C\)"),
        ("mask", r"da = dh \* \(a > 0\)"),
        ("X", r"dW1 = X.T @ da, \(D, N\) @ \(N, H\): transpose X"),
    ],
)
@pytest.mark.parametrize("seed", [0, 1])
def test_two_layer_shape_errors_name_the_product(replace, match, seed):
    fails(checks.check_two_layer_loss, match, two_layer_loss=two_layer_with(replace), seed=seed)


# ---- correct answers written differently pass ----


def affine_forward_dot(x, w, b):
    return np.dot(x.reshape(len(x), -1), w) + b[None, :], ref.AffineCache(x, w, b)


def affine_backward_einsum(dout, cache):
    x, w, _ = cache
    x2 = x.reshape(len(x), -1)
    dx = np.einsum("nm,dm->nd", dout, w).reshape(x.shape)
    dw = np.zeros_like(w)
    for n in range(len(x2)):  # one example at a time
        dw += np.outer(x2[n], dout[n])
    return dx, dw, np.ones(len(dout)) @ dout


def relu_backward_where(dout, cache):
    return np.where(cache.x > 0, dout, 0.0)


def two_layer_with_reference_pieces(params, X, y, reg):
    a, c1 = affine_forward_dot(X, params["W1"], params["b1"])
    h = a * (a > 0)
    scores, c2 = affine_forward_dot(h, params["W2"], params["b2"])
    loss, dscores = cu.losses.softmax_loss(scores, y)
    dh, dW2, db2 = affine_backward_einsum(dscores, c2)
    _, dW1, db1 = affine_backward_einsum(np.where(a > 0, dh, 0.0), c1)
    loss = loss + 0.5 * reg * sum(float(np.vdot(params[k], params[k])) for k in ("W1", "W2"))
    return loss, {"W1": dW1 + reg * params["W1"], "b1": db1, "W2": dW2 + reg * params["W2"], "b2": db2}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correct_answers_written_differently_pass(seed):
    checks.check_affine_forward(affine_forward=affine_forward_dot, seed=seed, verbose=False)
    checks.check_affine_backward(
        affine_forward=affine_forward_dot, affine_backward=affine_backward_einsum, seed=seed, verbose=False
    )
    checks.check_relu_forward(relu_forward=lambda x: (x * (x > 0), ref.ReluCache(x)), seed=seed, verbose=False)
    checks.check_relu_backward(
        relu_forward=lambda x: (np.where(x > 0, x, 0.0), ref.ReluCache(x)),
        relu_backward=relu_backward_where,
        seed=seed,
        verbose=False,
    )
    checks.check_two_layer_loss(two_layer_loss=two_layer_with_reference_pieces, seed=seed, verbose=False)


def test_affine_forward_reshaped_the_wrong_way_round():
    def f(x, w, b):
        return x.reshape(w.shape[0], -1) @ w + b, (x, w, b)

    fails(checks.check_affine_forward, r"x2 must be \(N, D\).*not x.reshape\(D, -1\)", affine_forward=f)


def two_layer_slip(slip):
    def f(params, X, y, reg):
        W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
        if slip == "no bias":
            b1, b2 = 0.0, 0.0
        a = X @ W1 + b1
        h = a if slip == "no relu" else np.maximum(a, 0)
        scores = h @ W2 + b2
        loss, dscores = cu.losses.softmax_loss(scores, y)
        dh = dscores @ W2.T
        da = dh if slip == "no relu" else dh * (a > 0)
        loss += 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        axis = 1 if slip == "db axis" else 0
        return loss, {
            "W1": X.T @ da + reg * W1,
            "b1": da.sum(axis=axis),
            "W2": h.T @ dscores + reg * W2,
            "b2": dscores.sum(axis=0),
        }

    return f


@pytest.mark.parametrize(
    "slip, match",
    [
        ("no relu", r"the scores skipped the ReLU: h = np.maximum\(a, 0\)"),
        ("no bias", r"the biases are missing from the forward pass: a = X @ W1 \+ b1"),
        ("db axis", r"grads\['b1'\] has shape \(7,\), expected \(6,\) like b1.*b1 gets da.sum\(axis=0\)"),
    ],
)
def test_two_layer_forward_slips(slip, match):
    fails(checks.check_two_layer_loss, match, two_layer_loss=two_layer_slip(slip))


def test_a_course_function_given_transposed_scores():
    def f(params, X, y, reg):
        h = np.maximum(X @ params["W1"] + params["b1"], 0)
        loss, dscores = cu.losses.softmax_loss((h @ params["W2"] + params["b2"]).T, y)
        return loss, {}

    fails(
        checks.check_two_layer_loss,
        r"softmax_loss: scores must be \(N, C\).*Hint: scores must be \(N, C\), one "
        r"row per example",
        two_layer_loss=f,
    )


def test_affine_forward_with_the_bias_summed():
    def f(x, w, b):
        return x.reshape(x.shape[0], -1) @ w + b.sum(), (x, w, b)

    fails(checks.check_affine_forward, r"b.sum\(\) adds one number to every entry", affine_forward=f)


def two_layer_backward_slip(slip):
    def f(params, X, y, reg):
        W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
        a = X @ W1 + b1
        h = np.maximum(a, 0)
        loss, dscores = cu.losses.softmax_loss(h @ W2 + b2, y)
        loss += 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        dh = dscores @ W2.T
        da = dh * h if slip == "mask h" else dh * (a > 0)
        dW2 = (a if slip == "dW2 from a" else h).T @ dscores
        return loss, {"W1": X.T @ da + reg * W1, "b1": da.sum(axis=0), "W2": dW2 + reg * W2, "b2": dscores.sum(axis=0)}

    return f


@pytest.mark.parametrize(
    "slip, match",
    [
        ("mask h", r"the ReLU's local gradient is the 0/1 mask \(a > 0\), not its output h"),
        ("dW2 from a", r"dW2.*dW2 = h.T @ dscores, with h = np.maximum\(a, 0\)"),
    ],
)
def test_two_layer_backward_slips(slip, match):
    fails(checks.check_two_layer_loss, match, two_layer_loss=two_layer_backward_slip(slip))


def test_lists_in_place_of_tuples_pass():
    checks.check_affine_backward(
        affine_forward=lambda x, w, b: list(affine_forward(x, w, b)),
        affine_backward=lambda dout, cache: list(affine_backward(dout, cache)),
        verbose=False,
    )


@pytest.mark.parametrize(
    "make, kind, facts",
    [
        (lambda: np.ones((4, 3, 5)) @ np.ones((15, 7)), "product", dict(left="d2", right="D")),
        (lambda: np.dot(np.ones((4, 3, 5)), np.ones((15, 7))), "product", dict(left="d2", right="D")),
        (lambda: np.ones((4, 15)) @ np.ones((7, 15)), "product", dict(left="D", right="M")),
        (lambda: np.ones((4, 7)) + np.ones((7, 1)), "broadcast", dict(shapes=("(N, M)", "(M, 1)"))),
        (lambda: np.ones(28).reshape(4, 3, 5), "reshape", dict(size="N*M", shapes=("(N, d1, d2)",))),
        (lambda: np.ones((4, 7))[:, 9], "index", dict(size="M", index=9)),
    ],
)
def test_numpy_messages_are_read_in_the_exercise_sizes(make, kind, facts):
    from course_utils.checks._shapes import read

    with pytest.raises((ValueError, IndexError)) as info:
        make()
    s = read(str(info.value), dict(N=4, d1=3, d2=5, D=15, M=7, **{"N*M": 28}))
    assert s.kind == kind and all(getattr(s, k) == v for k, v in facts.items()), s


@pytest.mark.parametrize(
    "check, student, code",
    [
        ("check_affine_forward", dict(affine_forward=with_(affine_forward, bias=False)), "affine_forward.missing_bias"),
        (
            "check_affine_forward",
            dict(affine_forward=with_(affine_forward, reshape=False)),
            "affine_forward.x_not_flattened",
        ),
        (
            "check_affine_backward",
            dict(affine_forward=affine_forward, affine_backward=with_(affine_backward, dx_no_transpose=True)),
            "affine_backward.w_not_transposed",
        ),
        (
            "check_affine_backward",
            dict(affine_forward=affine_forward, affine_backward=with_(affine_backward, mean_db=True)),
            "affine_backward.averaged_twice",
        ),
        ("check_relu_forward", dict(relu_forward=lambda x: (np.abs(x), x)), "relu_forward.abs_not_relu"),
        (
            "check_relu_backward",
            dict(relu_forward=relu_forward, relu_backward=lambda dout, x: dout * (x < 0)),
            "relu_backward.mask_inverted",
        ),
        (
            "check_two_layer_loss",
            dict(two_layer_loss=with_(two_layer_loss, relu_mask=False)),
            "two_layer_loss.gradient_skipped_relu",
        ),
        (
            "check_two_layer_loss",
            dict(two_layer_loss=with_(two_layer_loss, reg_bias=True)),
            "two_layer_loss.biases_regularized",
        ),
        (
            "check_two_layer_loss",
            dict(two_layer_loss=with_(two_layer_loss, drop_key="b2")),
            "two_layer_loss.missing_gradients",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_typical_slips_have_their_cause_codes(check, student, code):
    with pytest.raises(CheckFailure) as info:
        getattr(checks, check)(**student, seed=1, verbose=False)
    assert info.value.code == code
