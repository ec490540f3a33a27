"""truncated_gaussian_random (ops/truncated_gaussian_random.py) and the TruncatedNormal
initializer that puts it in the startup program.

The references are written here: a scalar re-run of fluid 1.8's CPU kernel (Python ints for
std::minstd_rand, numpy float32 scalars for every step the C++ does in float, float64 where a
double literal widens it), the float64 values checked against the exact quantile (Newton's
method on math.erf, which also checks the rational approximation's coefficients), and facts
about N(0, 1) truncated to [-2, 2]: variance 1 - 4 phi(2) / (Phi(2) - Phi(-2)) = 0.7737, share
within one std (Phi(1) - Phi(-1)) / 0.9545.
"""
import math

import numpy as np
import pytest

import minifluid as fluid
from minifluid.ops import truncated_gaussian_random as tgr
from minifluid.testing import run_op

F32 = np.float32
N = 100_000
SQRT2 = math.sqrt(2.0)


def _phi(x):
    return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def _cdf(x):
    return (1 + math.erf(x / SQRT2)) / 2


MASS = _cdf(2) - _cdf(-2)
VAR = 1 - 4 * _phi(2) / MASS          # of N(0, 1) truncated to [-2, 2]
INSIDE = (_cdf(1) - _cdf(-1)) / MASS  # share within one std of the mean


def _draw(n, seed=3, **attrs):
    return run_op("truncated_gaussian_random", {}, dict(shape=[n], seed=seed, **attrs))["Out"]


# --- a scalar re-run of fluid 1.8's float32 kernel

def _minstd(seed, n):
    x = seed % (2 ** 31 - 1) or 1
    for _ in range(n):
        x = x * 48271 % (2 ** 31 - 1)
        yield x


def _poly(coeffs, r):
    acc = F32(coeffs[-1])
    for c in reversed(coeffs[:-1]):
        acc = F32(acc * r + F32(c))
    return acc


def _erfinv32(x):
    # fluid's kernel picks its branch by C's int abs(x): 0 here, so always the central one
    r = F32(0.180625 - 0.25 * float(x) * float(x))
    return F32(x * _poly(tgr.A, r) / _poly(tgr.B, r))


def _erfinv(y):
    """erfinv by Newton's method on math.erf, to double precision."""
    z = 0.0
    for _ in range(60):
        step = (math.erf(z) - y) / (2 / math.sqrt(math.pi) * math.exp(-z * z))
        z -= step
        if abs(step) < 1e-17:
            break
    return z


def _reference32(seed, n, mean, std):
    lo = F32((1 + math.erf(-2 / SQRT2)) / 2)
    hi = F32((1 + math.erf(2 / SQRT2)) / 2)
    out = []
    for x in _minstd(seed, n):
        u = F32(x - 1) / F32(2.0 ** 31)   # libstdc++'s generate_canonical<float>
        if u >= 1:
            u = np.nextafter(F32(1), F32(0))
        u = F32(u * F32(1) + F32(np.finfo(F32).tiny))  # U[FLT_MIN, 1): 1 - FLT_MIN is 1
        p = F32(lo + F32(hi - lo) * u)
        z = _erfinv32(F32(F32(2) * p - F32(1)))
        out.append(F32(SQRT2 * float(z) * float(F32(std)) + float(F32(mean))))
    return np.array(out, F32)


@pytest.mark.parametrize("seed", [10, 1, 2 ** 31 - 2, 987654])
def test_a_seed_gives_the_values_of_fluid_1_8s_float32_kernel_bit_for_bit(seed):
    want = _reference32(seed, 2000, 0.5, 3.0)
    got = _draw(2000, seed, mean=0.5, std=3.0)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want)
    assert (np.abs(got - 0.5) > 3.0 * 1.44).any()  # beyond |2p - 1| = 0.85 too


def test_float64_is_the_truncated_normal_quantile_of_its_uniform_draw():
    n, seed = 3000, 11
    z = _draw(n, seed, dtype="float64")
    xs = list(_minstd(seed, 2 * n))
    r = 2.0 ** 31 - 2  # minstd's range: libstdc++'s canonical double takes two draws
    lo = _cdf(-2)
    exact, central = [], []
    for i in range(n):
        u = ((xs[2 * i] - 1) + (xs[2 * i + 1] - 1) * r) / (r * r) + float(np.finfo(F32).tiny)
        y = 2 * (lo + MASS * u) - 1
        exact.append(SQRT2 * _erfinv(y))
        central.append(abs(y) <= 0.85)
    err, central = np.abs(z - exact), np.array(central)
    assert err[central].max() < 1e-14   # the central formula, where it is meant for
    assert err.max() < 5e-6             # beyond, where fluid's kernel still uses it
    assert (~central).sum() > 100 and z.min() >= -2 and z.max() <= 2


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_moments_and_bounds_of_a_standard_draw(dtype):
    x = _draw(N, 7, dtype=dtype).astype(np.float64)
    assert x.min() >= -2 and x.max() <= 2
    assert abs(x.mean()) < 5 * math.sqrt(VAR / N)
    assert abs(x.var() - VAR) < 5 * VAR * math.sqrt(2 / N)  # loose: kurtosis below 3
    assert abs(np.mean(np.abs(x) < 1) - INSIDE) < 5 * math.sqrt(INSIDE * (1 - INSIDE) / N)


def test_mean_and_std_shift_and_scale_within_two_std():
    x = _draw(N, 8, mean=-3.0, std=0.25).astype(np.float64)
    assert x.min() >= -3.5 and x.max() <= -2.5
    assert abs(x.mean() + 3.0) < 5 * 0.25 * math.sqrt(VAR / N)
    z = _draw(N, 8)  # the same u: the same standard values, scaled
    np.testing.assert_allclose(x, -3.0 + 0.25 * z.astype(np.float64), atol=2e-6)


def test_extremes_stay_finite_and_in_bounds():
    # std 0: the mean exactly
    np.testing.assert_array_equal(_draw(100, 5, mean=2.0, std=0.0), np.full(100, 2.0, F32))
    big = _draw(1000, 5, mean=1e30, std=1e30)
    assert np.isfinite(big).all() and (big >= -1e30).all() and (big <= 3e30).all()
    # the smallest u is FLT_MIN (not 0): the lowest value is Phi^-1(Phi(-2)), finite
    assert np.isfinite(tgr.draw(1, 1, np.dtype(np.float64), 0.0, 1.0)).all()


def test_float16_is_computed_in_float32_and_shapes_may_be_empty():
    h = run_op("truncated_gaussian_random", {}, dict(shape=[40, 5], seed=4,
                                                    dtype="float16"))["Out"]
    f = run_op("truncated_gaussian_random", {}, dict(shape=[40, 5], seed=4))["Out"]
    assert h.dtype == np.float16 and h.shape == (40, 5)
    np.testing.assert_array_equal(h, f.astype(np.float16))
    e = run_op("truncated_gaussian_random", {}, dict(shape=[0, 3], seed=4))["Out"]
    assert e.shape == (0, 3) and e.dtype == np.float32


def test_a_seed_repeats_every_run_zero_draws_fresh():
    np.testing.assert_array_equal(_draw(50, 9), _draw(50, 9))
    assert not np.array_equal(_draw(50, 0), _draw(50, 0))


def test_a_seed_gives_the_same_draw_on_every_place():
    draws = [run_op("truncated_gaussian_random", {}, dict(shape=[64], seed=12), place=p)["Out"]
             for p in fluid.testing.available_places()]
    for d in draws[1:]:
        np.testing.assert_array_equal(d, draws[0])


@pytest.mark.parametrize("attrs,err,match", [
    (dict(shape=[]), ValueError, r"shape must be a non-empty list"),
    (dict(shape=[3, -1]), ValueError, r"shape must be a non-empty list of ints >= 0"),
    (dict(shape=[3], std=-1.0), ValueError, r"std \(-1.0\) finite and >= 0"),
    (dict(shape=[3], mean=float("nan")), ValueError, r"mean \(nan\) must be finite"),
    (dict(shape=[3], dtype="int64"), TypeError, r"dtype must be float16, float32 or float64"),
    (dict(shape=[3], seed=-2), ValueError, r"seed must be >= 0"),
])
def test_op_attr_errors_are_build_errors(attrs, err, match):
    with pytest.raises(err, match=match) as e:
        fluid.testing.build_op("truncated_gaussian_random", {}, attrs)
    assert "truncated_gaussian_random" in str(e.value)


# --- the initializer

def test_truncated_normal_initializer_builds_fluids_op_in_the_startup_program(fresh):
    x = fluid.data("x", [None, 16], "float32")
    init = fluid.initializer.TruncatedNormal(loc=0.5, scale=0.25, seed=21)
    fluid.layers.fc(x, 300, param_attr=fluid.ParamAttr(name="w", initializer=init))
    startup = fluid.default_startup_program()
    op, = [o for o in startup.global_block().ops if o.output("Out") == ["w"]]
    assert op.type == "truncated_gaussian_random"
    assert {k: op.attr(k) for k in ("shape", "mean", "std", "seed")} == \
        {"shape": [16, 300], "mean": 0.5, "std": 0.25, "seed": 21}
    scope = fluid.Scope()
    fluid.Executor(fluid.CPUPlace()).run(startup, scope=scope)
    w = np.array(scope.find_var("w").get_tensor())
    assert w.shape == (16, 300) and w.min() >= 0.0 and w.max() <= 1.0
    np.testing.assert_array_equal(w.ravel(), _reference32(21, 16 * 300, 0.5, 0.25))
    assert fluid.initializer.TruncatedNormalInitializer is fluid.initializer.TruncatedNormal


def test_seed_zero_takes_the_programs_random_seed(fresh):
    fluid.default_startup_program().random_seed = 90
    x = fluid.data("x", [None, 4], "float32")
    fluid.layers.fc(x, 3, param_attr=fluid.ParamAttr(
        name="w", initializer=fluid.initializer.TruncatedNormal()))
    op, = [o for o in fluid.default_startup_program().global_block().ops
           if o.output("Out") == ["w"]]
    assert op.attr("seed") != 0


@pytest.mark.parametrize("kwargs,err,match", [
    (dict(scale=-1.0), ValueError, r"TruncatedNormal: argument 'scale'"),
    (dict(loc="0"), TypeError, r"TruncatedNormal: argument 'loc'"),
    (dict(seed=-1), ValueError, r"TruncatedNormal: argument 'seed'"),
])
def test_initializer_argument_errors(kwargs, err, match):
    with pytest.raises(err, match=match):
        fluid.initializer.TruncatedNormal(**kwargs)
