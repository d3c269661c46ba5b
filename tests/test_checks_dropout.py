"""The notebook 07 checks: any right way of drawing the mask passes; the usual slips fail with their hint."""

import numpy as np
import pytest

import course_utils as cu

checks = cu.checks


def forward_ge(x, p_drop, train=True, rng=None):
    if not train:
        return x, None
    mask = (rng.random(x.shape) >= p_drop) / (1 - p_drop)
    return x * mask, mask


def forward_lt(x, p_drop, train=True, rng=None):
    if not train:
        return x.copy(), None
    keep = rng.random(x.shape) < 1 - p_drop
    return np.where(keep, x / (1 - p_drop), 0.0), keep / (1 - p_drop)


def forward_binomial(x, p_drop, train=True, rng=None):
    if train:
        mask = rng.binomial(1, 1 - p_drop, size=x.shape) / (1 - p_drop)
        return x * mask, (mask,)
    return x, (None,)


def forward_where_dict(x, p_drop, train=True, rng=None):
    if not train:
        return x * 1.0, {"mask": None}
    mask = np.where(rng.uniform(size=x.shape) < p_drop, 0.0, 1 / (1 - p_drop))
    return np.where(mask > 0, x * mask, 0.0), {"mask": mask}


def forward_named(x, p_drop, train=True, rng=None):
    if train:
        mask = (rng.random(size=x.shape) >= p_drop) / (1 - p_drop)
        return x * mask, cu.layers.DropoutCache(mask)
    return x.copy(), cu.layers.DropoutCache(None)


def backward(dout, cache):
    return dout * cache


def backward_tuple(dout, cache):
    return dout if cache[0] is None else dout * cache[0]


def make_forward(
    *,
    keep=lambda p: 1 - p,
    scale=lambda p: 1 / (1 - p),
    test=lambda x, p: x,
    draw=None,
    inplace=False,
    cache=lambda mask, p: mask,
    dtype=np.float64,
):
    def forward(x, p_drop, train=True, rng=None):
        if not train:
            return test(x, p_drop), None
        u = draw(x.shape) if draw else rng.random(x.shape)
        mask = ((u < keep(p_drop)) * scale(p_drop)).astype(dtype)
        if inplace:
            x *= mask
            return x, mask
        return x * mask, cache(mask, p_drop)

    return forward


def per_feature(shape):
    def draw(rng):
        return rng.random(shape[1])

    return draw


def forward_no_test_branch(x, p_drop, train=True, rng=None):
    mask = (rng.random(x.shape) >= p_drop) / (1 - p_drop)
    return x * mask, mask


def forward_own_generator(x, p_drop, train=True, rng=None):
    rng = rng or np.random.default_rng()  # no test-mode branch, and a generator of its own when given none
    mask = (rng.random(x.shape) >= p_drop) / (1 - p_drop)
    return x * mask, mask


def forward_per(axis):
    def forward(x, p_drop, train=True, rng=None):
        if not train:
            return x, None
        u = rng.random(x.shape[1]) if axis == "feature" else rng.random((x.shape[0], 1))
        mask = (u >= p_drop) / (1 - p_drop)
        return x * mask, mask

    return forward


def forward_hard_coded(x, p_drop, train=True, rng=None, scale_with_default=True):
    if not train:
        return x, None
    mask = (rng.random(x.shape) >= 0.5) / 0.5
    return x * mask, mask


def forward_hard_coded_fraction(x, p_drop, train=True, rng=None):
    if not train:
        return x, None
    mask = (rng.random(x.shape) >= 0.5) / (1 - p_drop)
    return x * mask, mask


@pytest.mark.parametrize(
    "forward, back",
    [
        (forward_ge, backward),
        (forward_lt, backward),
        (forward_binomial, backward_tuple),
        (forward_where_dict, lambda dout, cache: dout * cache["mask"]),
        (forward_named, cu.layers.dropout_backward),
    ],
    ids=["ge", "lt", "binomial", "where-dict", "named-tuple"],
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_right_answers_written_differently_pass(forward, back, seed):
    checks.check_dropout_forward(dropout_forward=forward, seed=seed, verbose=False)
    checks.check_dropout_backward(dropout_forward=forward, dropout_backward=back, seed=seed, verbose=False)


def test_the_course_reference_passes():
    checks.check_dropout_forward(dropout_forward=cu.layers.dropout_forward, verbose=False)
    checks.check_dropout_backward(
        dropout_forward=cu.layers.dropout_forward, dropout_backward=cu.layers.dropout_backward, verbose=False
    )


@pytest.mark.parametrize(
    "forward, hint",
    [
        (make_forward(keep=lambda p: p), "probability of \\*dropping\\*"),
        (make_forward(keep=lambda p: p, scale=lambda p: 1 / p), "probability of \\*dropping\\*"),
        (make_forward(scale=lambda p: 1.0, test=lambda x, p: x * (1 - p)), "are not scaled"),
        (make_forward(test=lambda x, p: x * (1 - p)), "vanilla dropout"),
        (make_forward(test=lambda x, p: x / (1 - p)), "test mode scales x by 1 / \\(1 - p_drop\\)"),
        (make_forward(scale=lambda p: 1 - p), "multiplied by 1 - p_drop"),
        (make_forward(draw=lambda shape: np.random.rand(*shape)), "global generator"),
        (make_forward(draw=lambda shape: np.random.default_rng().random(shape)), "seeded alike"),
        (make_forward(draw=lambda shape: np.random.default_rng(0).random(shape)), "ignores rng"),
        (make_forward(inplace=True), "modified its input `x` in place"),
        (forward_per("feature"), "drawn per feature"),
        (forward_per("example"), "drawn per example"),
        (make_forward(cache=lambda mask, p: mask > 0), "unscaled mask"),
        (make_forward(cache=lambda mask, p: (mask * (1 - p),)), "unscaled mask"),
        (forward_no_test_branch, "no test-mode branch"),
        (forward_own_generator, "no test-mode branch"),
        (forward_hard_coded, "a default such as 0.5"),
        (forward_hard_coded_fraction, "a default such as 0.5"),
        (make_forward(dtype=np.float32), "float32 rounding"),
        (
            lambda x, p, train=True, rng=None: make_forward(dtype=np.float32)(x.astype(np.float32), p, train, rng),
            "float32",
        ),
        (lambda x, p, train=True, rng=None: (x.copy(), None), "no unit is dropped"),
        (make_forward(keep=lambda p: 1.0), "no unit is dropped"),
        (make_forward(cache=lambda mask, p: mask == 0), "not the one x was multiplied by"),
        (make_forward(cache=lambda mask, p: None), "the cache holds no mask"),
        (make_forward(cache=lambda mask, p: mask[:, :5]), "the cache holds no mask"),
    ],
    ids=[
        "keep-swapped",
        "keep-swapped-scaled",
        "vanilla",
        "test-scaled",
        "test-divided",
        "times-keep",
        "np.random",
        "fresh-generator",
        "fixed-seed",
        "inplace",
        "per-feature",
        "per-example",
        "cache-unscaled-bool",
        "cache-unscaled-tuple",
        "no-test-branch",
        "no-test-branch-own-generator",
        "hard-coded-0.5",
        "hard-coded-fraction",
        "float32-mask",
        "float32",
        "no-mask",
        "never-drops",
        "cache-drop-mask",
        "cache-none",
        "cache-cut",
    ],
)
def test_wrong_forward_passes_fail_with_their_hint(forward, hint):
    with pytest.raises(AssertionError, match=hint):
        checks.check_dropout_forward(dropout_forward=forward, verbose=False)


def test_test_mode_that_drops_units_fails():
    def forward(x, p_drop, train=True, rng=None):
        return forward_ge(x, p_drop, True, np.random.default_rng(1) if rng is None else rng)

    with pytest.raises(AssertionError, match="test mode drops units"):
        checks.check_dropout_forward(dropout_forward=forward, verbose=False)


def test_test_mode_needs_no_generator():
    def forward(x, p_drop, train=True, rng=None):
        mask = (rng.random(x.shape) >= p_drop) / (1 - p_drop)
        return (x * mask if train else x), mask

    with pytest.raises(AssertionError, match="no test-mode branch"):
        checks.check_dropout_forward(dropout_forward=forward, verbose=False)


def test_new_mask_in_backward_fails_with_its_hint():
    rng = np.random.default_rng(5)

    def backward_new_mask(dout, cache):
        return dout * (rng.random(dout.shape) >= 0.5) / 0.5

    with pytest.raises(AssertionError, match="forward's mask"):
        checks.check_dropout_backward(dropout_forward=forward_ge, dropout_backward=backward_new_mask, verbose=False)


@pytest.mark.parametrize(
    "back, hint",
    [
        (lambda dout, cache: dout * (cache > 0), "misses the factor 1 / \\(1 - p_drop\\)"),
        (lambda dout, cache: dout * cache / (1 - 0.35), "twice"),
    ],
    ids=["unscaled", "scaled-twice"],
)
def test_wrong_backward_passes_fail_with_their_hint(back, hint):
    with pytest.raises(AssertionError, match=hint):
        checks.check_dropout_backward(dropout_forward=forward_ge, dropout_backward=back, verbose=False)


def test_backward_that_writes_into_dout_is_named():
    def back(dout, cache):
        dout *= cache
        return dout

    with pytest.raises(AssertionError, match="modified its input `dout` in place"):
        checks.check_dropout_backward(dropout_forward=forward_ge, dropout_backward=back, verbose=False)


def test_backward_check_needs_a_forward_drawn_from_rng():
    with pytest.raises(AssertionError, match="seeded alike"):
        checks.check_dropout_backward(
            dropout_forward=make_forward(draw=lambda s: np.random.rand(*s)), dropout_backward=backward, verbose=False
        )


def test_blank_answers_say_so():
    def blank(*args, **kwargs):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="not filled in yet"):
        checks.check_dropout_forward(dropout_forward=blank, verbose=False)
    with pytest.raises(AssertionError, match="not filled in yet"):
        checks.check_dropout_backward(dropout_forward=forward_ge, dropout_backward=blank, verbose=False)


def test_the_verdict_prints_one_row_per_quantity(capsys):
    checks.check_dropout_forward(dropout_forward=forward_ge)
    out = capsys.readouterr().out
    for name in ("dropped fraction", "out / x, kept units", "mean(out) / mean(x)", "test-mode out - x"):
        assert name in out
    assert "\u2713 dropout_forward" in out


@pytest.mark.parametrize(
    "back, hint",
    [
        (lambda dout, cache: (dout * cache).astype(np.float32), "float32"),
        (lambda dout, cache: dout.copy(), "forward's mask"),
        (lambda dout, cache: cache.copy(), "does not depend on dout"),
    ],
    ids=["float32", "ignores-cache", "no-dout"],
)
def test_more_wrong_backward_passes_fail_with_their_hint(back, hint):
    with pytest.raises(AssertionError, match=hint):
        checks.check_dropout_backward(dropout_forward=forward_ge, dropout_backward=back, verbose=False)


def _through_the_grader(name, student, seed):
    """Run a check as the grader does: call in 'the kernel', outputs through the transport, judging outside."""
    from course_tools.grade import transport

    spec = checks.REGISTRY[name]
    for case in spec.cases(seed):
        raw, modified = checks.run_student(spec.__class__(**{**spec.__dict__, "derive": None}), student, case)
        arrays = {}
        descs = {k: transport.encode_output(v, arrays, f"out.{k}") for k, v in raw.items()}
        outputs = spec.derive(case, {k: transport.decode_output(d, arrays) for k, d in descs.items()})
        checks.verify(spec, case, outputs, spec.expected(case), modified)


@pytest.mark.parametrize(
    "forward",
    [
        forward_ge,
        forward_binomial,
        forward_per("feature"),
        forward_no_test_branch,
        forward_hard_coded,
        make_forward(cache=lambda mask, p: mask > 0),
        make_forward(draw=lambda shape: np.random.rand(*shape)),
    ],
    ids=["ge", "binomial", "per-feature", "no-test-branch", "hard-coded", "cache-unscaled", "np.random"],
)
def test_the_kernel_returns_raw_arrays_and_the_verdict_is_the_same_outside_it(forward):
    """The part that calls the student's code returns no judged quantity; judging its arrays elsewhere agrees."""
    spec = checks.REGISTRY["check_dropout_forward"]
    raw = spec.call({"dropout_forward": forward}, spec.cases(0)[0])
    assert not set(raw) & set(spec.expected(spec.cases(0)[0]))
    assert all(v is None or isinstance(v, (np.ndarray, float)) for v in raw.values())
    try:
        checks.check_dropout_forward(dropout_forward=forward, verbose=False)
        inside = None
    except AssertionError as e:
        inside = str(e)
    try:
        _through_the_grader("check_dropout_forward", {"dropout_forward": forward}, 0)
        outside = None
    except AssertionError as e:
        outside = str(e)
    assert inside == outside


def test_the_backward_kernel_part_returns_raw_arrays():
    spec = checks.REGISTRY["check_dropout_backward"]
    case = spec.cases(0)[0]
    raw = spec.call({"dropout_forward": forward_ge, "dropout_backward": backward}, case)
    assert not set(raw) & set(spec.expected(case))
    assert all(isinstance(v, np.ndarray) for v in raw.values())
    _through_the_grader("check_dropout_backward", {"dropout_forward": forward_ge, "dropout_backward": backward}, 1)


def _new_mask(dout, cache):
    return dout * (np.random.default_rng(5).random(dout.shape) >= 0.5) / 0.5


@pytest.mark.parametrize(
    "student, code",
    [
        (dict(dropout_forward=make_forward(keep=lambda p: p)), "dropout_forward.keep_drop_swapped"),
        (dict(dropout_forward=make_forward(test=lambda x, p: x * (1 - p))), "dropout_forward.vanilla_test_scaling"),
        (dict(dropout_forward=make_forward(draw=lambda shape: np.random.rand(*shape))), "dropout_forward.global_rng"),
        (dict(dropout_forward=forward_per("feature")), "dropout_forward.columns_dropped"),
        (dict(dropout_forward=make_forward(cache=lambda mask, p: mask > 0)), "dropout_forward.cache_unscaled_mask"),
        (
            dict(dropout_forward=forward_ge, dropout_backward=lambda dout, cache: dout * (cache > 0)),
            "dropout_backward.missing_scale",
        ),
        (dict(dropout_forward=forward_ge, dropout_backward=_new_mask), "dropout_backward.new_mask"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_typical_wrong_answers_have_their_cause_codes(student, code):
    check = checks.check_dropout_backward if "dropout_backward" in student else checks.check_dropout_forward
    with pytest.raises(checks.CheckFailure) as info:
        check(**student, verbose=False)
    assert info.value.code == code
