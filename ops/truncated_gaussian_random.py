"""truncated_gaussian_random: a new tensor of N(mean, std^2) values truncated to
[mean - 2 std, mean + 2 std] (the TruncatedNormal initializer of the startup program uses it).

    u   ~ U[FLT_MIN, 1)
    p   = Phi(-2) + (Phi(2) - Phi(-2)) * u          (Phi: the standard normal cdf)
    Out = sqrt(2) * erfinv(2 p - 1) * std + mean

A seed of 0 draws fresh entropy on every run; another seed gives the same values on every
run. The values are fluid 1.8's own on the CPU: u comes from std::minstd_rand through
libstdc++'s uniform_real_distribution (ops/random.py's canonical), and erfinv is the rational
approximation (AS241's central one, see A) that fluid's kernel evaluates, with the roundings
its C++ makes (the op's dtype, except where a double literal widens a step; see _erfinv).
fluid 1.8 registers float32 only; float64 is computed the same way in double, float16 in
float32. The values are drawn on the host for either place.
"""
import math

import numpy as np

from minifluid.checks import dtype_name
from minifluid.registry import register_op

from .random import KEYS, NO_GRAD, canonical
from .rules import dtype_of

FLT_MIN = float(np.finfo(np.float32).tiny)
# The central rational approximation of Wichura's AS241 (PPND16), lowest order first:
# x A(r) / B(r) with r = 0.180625 - x^2 / 4, meant for |x| <= 0.85. fluid 1.8's Erfinv
# switches to tail formulas beyond that by `abs(x)`, but unqualified in its C++ that is C's
# int abs(int) (GCC 4.8, which builds fluid 1.8's wheels, puts no float overload there): it
# gives 0 for every |x| < 1, so every value takes the central formula: Out is the exact
# quantile to double precision for |2 p - 1| <= 0.85, and within 2.1e-6 std of it up to
# 0.9545, the most 2 p - 1 reaches here.
A = (1.1975323115670912564578e0, 4.7072688112383978012285e1, 6.9706266534389598238465e2,
     4.8548868893843886794648e3, 1.6235862515167575384252e4, 2.3782041382114385731252e4,
     1.1819493347062294404278e4, 8.8709406962545514830200e2)
B = (1.0, 4.2313330701600911252e1, 6.8718700749205790830e2, 5.3941960214247511077e3,
     2.1213794301586595867e4, 3.9307895800092710610e4, 2.8729085735721942674e4,
     5.2264952788528545610e3)


def _horner(coeffs, r, t):
    """sum c_k r^k by Horner's rule, every step rounded to t (the C++ is all in T)."""
    acc = np.full_like(r, t(coeffs[-1]))
    for c in coeffs[-2::-1]:
        acc = acc * r + t(c)
    return acc


def _erfinv(x, t):
    """fluid's Erfinv<T> for |x| < 1: T arithmetic, but r is computed in double (0.25 is a
    double literal) and rounded to T, as C++'s promotions do."""
    xd = x.astype(np.float64)
    r = (0.180625 - 0.25 * xd * xd).astype(t)
    return x * _horner(A, r, t) / _horner(B, r, t)


def _cdf(v, t):
    return t((1.0 + math.erf(float(t(v)) / math.sqrt(2.0))) / 2.0)


def draw(seed, n, dtype, mean, std):
    """n values as fluid 1.8's CPU kernel makes them for `seed`, in dtype (float32/64)."""
    t = dtype.type
    u = canonical(seed, n, dtype) * (t(1.0) - t(FLT_MIN)) + t(FLT_MIN)
    lo, hi = _cdf(-2.0, t), _cdf(2.0, t)
    p = lo + (hi - lo) * u
    z = _erfinv(t(2) * p - t(1), t)
    # sqrt(2.0) is a double: the last steps are in double, then stored as T
    out = math.sqrt(2.0) * z.astype(np.float64) * float(t(np.float32(std))) \
        + float(t(np.float32(mean)))
    return out.astype(dtype)


op = register_op("truncated_gaussian_random", inputs=[], outputs=["Out"],
                 attrs={"shape": [], "mean": 0.0, "std": 1.0, "seed": 0, "dtype": "float32"},
                 doc=__doc__, no_grad=NO_GRAD, needs_xp=True)


@op.shape_rule
def _(op):
    shape, dtype = list(op.attr("shape")), dtype_of(op.attr("dtype"))
    if not shape or any(not isinstance(d, (int, np.integer)) or d < 0 for d in shape):
        raise ValueError(f"shape must be a non-empty list of ints >= 0, got {shape}")
    if dtype.kind != "f":
        raise TypeError(f"dtype must be float16, float32 or float64, got {dtype.name}")
    mean, std = op.attr("mean"), op.attr("std")
    if not (math.isfinite(mean) and math.isfinite(std) and std >= 0):
        raise ValueError(f"mean ({mean}) must be finite and std ({std}) finite and >= 0")
    if op.attr("seed") < 0:
        raise ValueError(f"seed must be >= 0 (0: fresh entropy), got {op.attr('seed')}")
    return shape, dtype


@op.kernel(*KEYS)
def _(*, xp, shape, mean, std, seed, dtype):
    dtype = np.dtype(dtype_name(dtype))  # a name, or a VarType number
    compute = np.dtype(np.float32) if dtype == np.float16 else dtype
    seed = seed or int(np.random.SeedSequence().generate_state(1)[0])
    out = draw(seed, math.prod(shape), compute, mean, std)
    return xp.asarray(out.reshape(shape).astype(dtype, copy=False))
