"""The notebook 06 checks: correct batchnorm passes however written, typical slips fail with the right hint."""

from collections import namedtuple

import numpy as np
import pytest

import course_utils as cu
from course_utils.checks import CheckFailure
from course_utils.checks._hints import diagnose

checks = cu.checks
SEEDS = pytest.mark.parametrize("seed", [0, 1, 2])  # the visible test and both hidden ones
Stats = namedtuple("Stats", "mean var")
Cache = cu.layers.BatchnormCache
OwnCache = namedtuple("OwnCache", "x x_hat mu var gamma eps train")  # the same contract, the student's own type
Shuffled = namedtuple("Shuffled", "x_hat x mu var gamma eps train")  # the right names in the wrong places


def make_forward(
    *,
    ddof=0,
    eps_outside=False,
    swap_momentum=False,
    test_batch_stats=False,
    in_place=False,
    sum_over_n=False,
    eps_fixed=None,
    momentum_fixed=None,
    axis=0,
    keepdims=False,
    swapped=False,
    no_update=False,
    update_in_test=False,
    running_ddof=0,
    no_affine=False,
    float32=False,
    float32_out=False,
    in_place_running=False,
    cache=None,
    own_cache=False,
    cache_keepdims=False,
    var_by_squares=False,
):
    """batchnorm_forward with one slip switched on (none: a correct answer written by hand)."""

    def batchnorm_forward(x, gamma, beta, running, train=True, momentum=0.9, eps=1e-5):
        eps = eps if eps_fixed is None else eps_fixed
        momentum = momentum if momentum_fixed is None else momentum_fixed
        if float32:
            x = x.astype(np.float32)
        N = x.shape[0]
        batch_branch = (not train) if swapped else (train or test_batch_stats)
        new = running
        if batch_branch:
            mu = x.sum(axis=0) / N if sum_over_n else np.mean(x, axis=axis, keepdims=keepdims or cache_keepdims)
            var = ((x - mu) ** 2).sum(axis=0 if axis == 0 else axis, keepdims=keepdims or cache_keepdims) / (
                N - ddof if axis == 0 else x[0].size if axis == 1 else x.size
            )
            if var_by_squares:  # E[x²] - E[x]²: valid, with some cancellation where the variance is tiny
                var = (x**2).mean(axis=0) - mu**2
        else:
            mu, var = running.mean, running.var
        if (train and not no_update) or update_in_test:
            keep = 1 - momentum if swap_momentum else momentum
            bmu, bvar = x.mean(axis=0), x.var(axis=0, ddof=running_ddof)
            if in_place_running:
                mean = running.mean
                mean *= keep
                mean += (1 - keep) * bmu
                new = Stats(mean, keep * running.var + (1 - keep) * bvar)
            else:
                new = Stats(keep * running.mean + (1 - keep) * bmu, keep * running.var + (1 - keep) * bvar)
        if in_place:
            x -= mu
            xc = x
        else:
            xc = x - mu
        x_hat = xc / (np.sqrt(var) + eps) if eps_outside else xc * (var + eps) ** -0.5
        out = x_hat if no_affine else gamma * x_hat + beta
        if float32_out:
            out = out.astype(np.float32)
        if cache is not None:
            made = cache(x=x, x_hat=x_hat, mu=mu, var=var, gamma=gamma, eps=eps, train=train, out=out, new=new)
        else:
            made = (OwnCache if own_cache else Cache)(x.copy(), x_hat, mu, var, gamma, eps, train)
        return out, made, new

    return batchnorm_forward


def backward_graph(dout, cache):
    x, x_hat, mu, var, gamma, eps, _ = cache
    N = dout.shape[0]
    inv = 1 / np.sqrt(var + eps)
    dx_hat = dout * gamma
    xmu = x - mu
    dvar = np.sum(dx_hat * xmu, axis=0) * -0.5 * inv**3
    dxmu = dx_hat * inv + 2 * dvar * xmu / N
    dx = dxmu - dxmu.sum(axis=0) / N
    return dx, np.sum(dout * x_hat, axis=0), dout.sum(axis=0)


def backward_closed(dout, cache):
    x_hat, gamma, var, eps = cache.x_hat, cache.gamma, cache.var, cache.eps
    N = dout.shape[0]
    dgamma, dbeta = (dout * x_hat).sum(axis=0), dout.sum(axis=0)
    return gamma / (N * np.sqrt(var + eps)) * (N * dout - dbeta - x_hat * dgamma), dgamma, dbeta


def backward_loops(dout, cache):
    """The closed form, one feature and one example at a time."""
    N, D = dout.shape
    dx, dgamma, dbeta = np.zeros((N, D)), np.zeros(D), np.zeros(D)
    for j in range(D):
        for i in range(N):
            dbeta[j] += dout[i, j]
            dgamma[j] += dout[i, j] * cache.x_hat[i, j]
        for i in range(N):
            dx[i, j] = (
                cache.gamma[j]
                / (N * np.sqrt(cache.var[j] + cache.eps))
                * (N * dout[i, j] - dbeta[j] - cache.x_hat[i, j] * dgamma[j])
            )
    return dx, dgamma, dbeta


def graph_with(
    *,
    no_dmu=False,
    no_dmu_over_n=False,
    no_dvar=False,
    dvar_sign=1,
    no_gamma=False,
    eps=None,
    dgamma=None,
    dbeta=None,
    sign=1,
    dtype=None,
):
    """The graph backward pass with one slip."""

    def backward(dout, cache):
        x, x_hat, mu, var, gamma, e, _ = cache
        e = e if eps is None else eps
        N = dout.shape[0]
        inv = 1 / np.sqrt(var + e)
        dx_hat = dout if no_gamma else dout * gamma
        xmu = x - mu
        dvar = dvar_sign * np.sum(dx_hat * xmu, axis=0) * -0.5 * inv**3
        dxmu = dx_hat * inv + (0 if no_dvar else 2 * dvar * xmu / N)
        dmu = -dxmu.sum(axis=0)
        dx = dxmu if no_dmu else dxmu + dmu if no_dmu_over_n else dxmu + dmu / N
        dg = (dout * x_hat).sum(axis=0) if dgamma is None else dgamma(dout, cache)
        db = dout.sum(axis=0) if dbeta is None else dbeta(dout, cache, dx)
        dx = sign * dx
        return (dx.astype(dtype), dg, db) if dtype else (dx, dg, db)

    return backward


def closed_with(*, no_dbeta=False, no_dgamma_term=False, no_n=False):
    def backward(dout, cache):
        x_hat, gamma, var, eps = cache.x_hat, cache.gamma, cache.var, cache.eps
        N = dout.shape[0]
        dgamma, dbeta = (dout * x_hat).sum(axis=0), dout.sum(axis=0)
        inside = N * dout - (0 if no_dbeta else dbeta) - (0 if no_dgamma_term else x_hat * dgamma)
        return gamma / ((1 if no_n else N) * np.sqrt(var + eps)) * inside, dgamma, dbeta

    return backward


def backward_in_place(dout, cache):
    dx, dgamma, dbeta = backward_closed(dout, cache)
    dout[0, 0] += 1.0
    return dx, dgamma, dbeta


def fails(check, *args, match, seed=0):
    with pytest.raises(CheckFailure, match=f"(?s){match}") as info:
        check(*args, seed=seed, verbose=False)
    assert "by hand" not in str(info.value) and "constant factor" not in str(info.value)
    return str(info.value)


# correct answers, written differently


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    "forward",
    [
        make_forward(),
        make_forward(sum_over_n=True),
        make_forward(var_by_squares=True),
        make_forward(own_cache=True),
        make_forward(cache_keepdims=True),
        make_forward(cache=lambda **k: Cache(k["x"], k["x_hat"], k["mu"], k["var"], k["gamma"], k["eps"], k["train"])),
        cu.layers.batchnorm_forward,
    ],
    ids=[
        "by-hand",
        "sum-over-n",
        "mean-of-squares",
        "own-namedtuple",
        "keepdims-in-cache",
        "x-itself-in-cache",
        "reference",
    ],
)
def test_correct_forward_passes(forward, seed):
    checks.check_batchnorm_forward(forward, seed=seed, verbose=False)
    checks.check_batchnorm_forward_test(forward, seed=seed, verbose=False)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    "backward",
    [backward_graph, backward_closed, backward_loops, cu.layers.batchnorm_backward, cu.layers.batchnorm_backward_alt],
)
def test_correct_backward_passes_either_way(backward, seed):
    checks.check_batchnorm_backward(backward, seed=seed, verbose=False)
    checks.check_batchnorm_backward_alt(backward, seed=seed, verbose=False)


def test_every_test_passes_keywords_other_than_the_defaults():
    for name in ("check_batchnorm_forward", "check_batchnorm_forward_test", "check_batchnorm_backward"):
        for seed in (0, 1, 2):
            for case in checks.REGISTRY[name].cases(seed):
                assert case["eps"] != 1e-5 and case.get("momentum", 0.5) != 0.9


# the forward pass, train mode


@pytest.mark.parametrize(
    "slip, match",
    [
        (dict(ddof=1), "biased.*N - 1"),
        (dict(eps_outside=True), "eps goes inside the square root"),
        (dict(eps_fixed=1e-5), "not the default 1e-5"),
        (dict(momentum_fixed=0.9), "not the default 0.9"),
        (dict(swap_momentum=True), "momentum weighs the OLD"),
        (dict(axis=1, keepdims=True), r"has shape \(\d+, 1\).*one entry per example"),
        (dict(axis=1), r"\(N,\).*axis=1.*per feature"),
        (dict(axis=None), "one number where an array is expected"),
        (dict(swapped=True), "branches of `if train:` swapped"),
        (dict(no_update=True), "NEW running averages"),
        (dict(running_ddof=1), "PyTorch"),
        (dict(no_affine=True), "gamma and shift beta are missing"),
        (dict(float32=True), "computed in float32"),
        (dict(float32_out=True), "low precision"),
        (dict(in_place=True), "modified its input `x`.*x - mu rather than x -= mu"),
        (dict(in_place_running=True), "modified its input `running_mean`.*on running.mean and running.var"),
    ],
    ids=lambda v: "-".join(f"{k}={x}" for k, x in v.items()) if isinstance(v, dict) else None,
)
@SEEDS
def test_forward_slips_fail_with_their_hint(slip, match, seed):
    fails(checks.check_batchnorm_forward, make_forward(**slip), match=match, seed=seed)


@pytest.mark.parametrize(
    "slip, match",
    [
        (dict(test_batch_stats=True), "running averages you were given.*missing"),
        (dict(swapped=True), "running averages you were given.*swapped"),
        (dict(update_in_test=True), "test mode leaves the running averages"),
        (dict(eps_fixed=1e-5), "not the default 1e-5"),
        (dict(eps_outside=True), "eps goes inside"),
    ],
    ids=str,
)
@SEEDS
def test_test_mode_slips_fail_with_their_hint(slip, match, seed):
    fails(checks.check_batchnorm_forward_test, make_forward(**slip), match=match, seed=seed)


# the cache: the contract the backward passes read, checked where the forward pass is graded


def _with(**fields):
    def cache(**k):
        values = {name: k[name] for name in OwnCache._fields}
        values.update({name: f(k) for name, f in fields.items()})
        return Cache(*(values[name] for name in OwnCache._fields))

    return cache


@pytest.mark.parametrize(
    "cache, match",
    [
        (lambda **k: (k["x_hat"], k["gamma"], k["var"], k["eps"]), "tuple of 4, not the seven fields"),
        (lambda **k: {"x_hat": k["x_hat"]}, "not the seven fields"),
        (lambda **k: tuple(k[n] for n in OwnCache._fields), "no field named x_hat"),
        (lambda **k: Shuffled(*(k[n] for n in Shuffled._fields)), "another order"),
        (_with(x_hat=lambda k: k["out"]), "you stored out"),
        (_with(x_hat=lambda k: k["x"] - k["mu"]), "divided by sqrt"),
        (_with(var=lambda k: np.sqrt(k["var"] + k["eps"])), "standard deviation"),
        (_with(var=lambda k: 1 / np.sqrt(k["var"] + k["eps"])), "not 1 / sqrt"),
        (_with(var=lambda k: k["var"] + k["eps"]), "without eps"),
        (_with(mu=lambda k: k["new"].mean), "not the updated running averages"),
        (_with(x=lambda k: k["x"] - k["mu"]), "the input x itself"),
        (_with(eps=lambda k: 1e-5), "cache.eps is the eps this call was given"),
        (
            lambda **k: Cache(k["x"], k["x_hat"], k["var"], k["mu"], k["gamma"], k["eps"], k["train"]),
            "cache.mu holds what belongs in cache.var",
        ),
    ],
    ids=range(13),
)
@SEEDS
def test_a_wrong_cache_fails_the_forward_check_with_a_hint_about_the_cache(cache, match, seed):
    message = fails(checks.check_batchnorm_forward, make_forward(cache=cache), match=match, seed=seed)
    assert "cache" in message


def test_a_wrong_cache_in_test_mode_fails_too():
    fails(
        checks.check_batchnorm_forward_test,
        make_forward(cache=_with(var=lambda k: np.sqrt(k["var"]))),
        match="standard deviation",
    )


# the backward passes


@pytest.mark.parametrize(
    "backward, match",
    [
        (graph_with(no_dmu=True), "path through the mean"),
        (graph_with(no_dmu_over_n=True), "path through the mean"),
        (graph_with(no_dvar=True), "path through the variance"),
        (graph_with(dvar_sign=-1), "path through the variance"),
        (graph_with(no_gamma=True), "lacks the factor gamma"),
        (graph_with(eps=1e-5), "use cache.eps"),
        (graph_with(eps=0.0), "add cache.eps"),
        (graph_with(sign=-1), "wrong sign"),
        (graph_with(dtype=np.float32), "low precision"),
        (graph_with(dgamma=lambda d, c: d.sum(axis=0)), "that is dbeta"),
        (graph_with(dgamma=lambda d, c: (d * c.x).sum(axis=0)), "not with x"),
        (graph_with(dgamma=lambda d, c: d * c.x_hat), "sum over the batch"),
        (graph_with(dbeta=lambda d, c, dx: dx.sum(axis=0)), r"\(nearly\) 0 everywhere"),
        (graph_with(dbeta=lambda d, c, dx: d.sum(axis=0) * c.gamma), "nothing multiplies dout"),
        (lambda d, c: (d * c.gamma / np.sqrt(c.var + c.eps), (d * c.x_hat).sum(0), d.sum(0)), "direct path"),
        (backward_in_place, "modified its input `dout`"),
    ],
    ids=range(16),
)
@SEEDS
def test_graph_backward_slips_fail_with_their_hint(backward, match, seed):
    fails(checks.check_batchnorm_backward, backward, match=match, seed=seed)


@pytest.mark.parametrize(
    "backward, match",
    [
        (closed_with(no_dbeta=True), "term - dbeta"),
        (closed_with(no_dgamma_term=True), r"term - x_hat \* dgamma"),
        (closed_with(no_dbeta=True, no_dgamma_term=True), "direct path"),
        (closed_with(no_n=True), "factor of N"),
        (graph_with(no_gamma=True), "lacks the factor gamma"),
    ],
    ids=range(5),
)
@SEEDS
def test_closed_form_slips_fail_with_their_hint(backward, match, seed):
    fails(checks.check_batchnorm_backward_alt, backward, match=match, seed=seed)


def test_both_facts_broken_says_so():
    def backward(dout, cache):
        dx, dgamma, dbeta = backward_closed(dout, cache)
        return dx + 0.3 * cache.x_hat**2, dgamma, dbeta

    fails(checks.check_batchnorm_backward, backward, match="neither fact holds.*mean and the variance")
    fails(checks.check_batchnorm_backward_alt, backward, match="neither fact holds.*- dbeta")


def test_hints_never_show_a_solution_line():
    import course_utils.checks._batchnorm_hints as hints

    text = repr(vars(hints))
    for line in (
        "x.var(axis=0)",
        "np.sqrt(var + eps)",
        "momentum * running",
        "(dout * x_hat).sum",
        "dout.sum(axis=0)",
        "BatchnormCache(x, x_hat",
    ):
        assert line not in text


def test_a_nearly_zero_answer_is_not_called_a_constant_factor():
    exp = np.arange(1.0, 7.0).reshape(2, 3)
    assert diagnose(4e-15 * exp, exp) is None


def test_wrong_return_shape_is_named():
    def forward(x, gamma, beta, running, train=True, momentum=0.9, eps=1e-5):
        out, cache, _ = make_forward()(x, gamma, beta, running, train=train, momentum=momentum, eps=eps)
        return out, cache

    fails(checks.check_batchnorm_forward, forward, match=r"\(out, cache, running\)")


def test_blank_exercise_says_so():
    def forward(x, gamma, beta, running, train=True, momentum=0.9, eps=1e-5):
        raise NotImplementedError()

    with pytest.raises(Exception, match="not filled in"):
        checks.check_batchnorm_forward(forward, verbose=False)


def code(check, *args, seed=0):
    with pytest.raises(CheckFailure) as info:
        check(*args, seed=seed, verbose=False)
    return info.value.code


@pytest.mark.parametrize(
    "check, answer, expected",
    [
        (checks.check_batchnorm_forward, make_forward(ddof=1), "batchnorm_forward.unbiased_variance"),
        (checks.check_batchnorm_forward, make_forward(eps_outside=True), "batchnorm_forward.eps_outside_sqrt"),
        (checks.check_batchnorm_forward, make_forward(swap_momentum=True), "batchnorm_forward.momentum_swapped"),
        (checks.check_batchnorm_forward, make_forward(axis=1), "batchnorm_forward.stat_over_axis_1"),
        (checks.check_batchnorm_forward, make_forward(in_place=True), "batchnorm_forward.in_place"),
        (
            checks.check_batchnorm_forward,
            make_forward(cache=_with(var=lambda k: np.sqrt(k["var"] + k["eps"]))),
            "batchnorm_forward.cache_var_is_std",
        ),
        (
            checks.check_batchnorm_forward,
            make_forward(cache=lambda **k: Shuffled(*(k[n] for n in Shuffled._fields))),
            "batchnorm_forward.cache_fields_out_of_order",
        ),
        (
            checks.check_batchnorm_forward,
            make_forward(cache=lambda **k: Cache(k["x"], k["x_hat"], k["var"], k["mu"], k["gamma"], k["eps"], True)),
            "batchnorm_forward.cache_fields_swapped",
        ),
        (
            checks.check_batchnorm_forward_test,
            make_forward(test_batch_stats=True),
            "batchnorm_forward.test_uses_batch_stats",
        ),
        (checks.check_batchnorm_backward, graph_with(no_dmu=True), "batchnorm_backward.missing_mean_term"),
        (checks.check_batchnorm_backward, graph_with(no_dvar=True), "batchnorm_backward.missing_var_term"),
        (checks.check_batchnorm_backward, graph_with(sign=-1), "batchnorm_backward.wrong_sign"),
        (
            checks.check_batchnorm_backward,
            graph_with(dgamma=lambda d, c: d.sum(axis=0)),
            "batchnorm_backward.dgamma_is_dbeta",
        ),
        (checks.check_batchnorm_backward_alt, closed_with(no_dbeta=True), "batchnorm_backward_alt.missing_mean_term"),
        (checks.check_batchnorm_backward_alt, closed_with(no_n=True), "batchnorm_backward_alt.not_divided_by_n"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_slips_have_their_cause_codes(check, answer, expected):
    assert code(check, answer) == expected
