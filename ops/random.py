"""uniform_random, gaussian_random and their *_batch_size_like forms: new tensors of random
values (the Uniform, Normal, Xavier and MSRA initialisers of the startup program use them).

    uniform_random:  Out ~ U[min, max), then Out.flat[i * (diag_step + 1)] = diag_val for
                     i < diag_num: fluid 1.8's "diagonal" (element (i, i) of a matrix whose
                     rows are diag_step long)
    gaussian_random: Out ~ N(mean, std^2)
    <op>_batch_size_like: the same, of shape `shape` with shape[output_dim_idx] replaced by
                     Input's dimension input_dim_idx (fluid 1.8's BatchSizeLikeOp)

The shape may be given when the op runs, as fill_constant's is: ShapeTensor (a 1-D
int32/int64 tensor), else ShapeTensorList (1-element int32/int64 tensors), wins over the
`shape` attr (ops/rules.py, tensor_shape).

A seed of 0 draws fresh entropy on every run; another seed gives the same values on every
run (fluid 1.8 seeds its engine afresh each time the op runs). The values are fluid 1.8's
own on the CPU: its kernels draw from C++'s std::minstd_rand through libstdc++'s
uniform_real_distribution and normal_distribution (the polar method), and so does this file,
in numpy (uniform bit for bit; normal to the last bit of log and sqrt). So a script with a
fixed seed (Program.random_seed) starts from the parameters fluid 1.8 gave it. The values
are drawn on the host for either place, so a GPU run starts from those same parameters.
"""
import math

import numpy as np

from minifluid.checks import dtype_name
from minifluid.registry import register_op

from .rules import batch_size_like, dtype_of, run_shape, tensor_shape

# The kernel is looked up by the first input's dtype (ShapeTensor's, Input's), or else by
# Out's; what it makes is always `dtype`.
KEYS = ("float16", "float32", "float64", "int32", "int64")
UNIFORM = {"min": -1.0, "max": 1.0, "seed": 0, "diag_num": 0, "diag_step": 0, "diag_val": 1.0}
GAUSSIAN = {"mean": 0.0, "std": 1.0, "seed": 0}
LIKE = {"input_dim_idx": 0, "output_dim_idx": 0}
NO_GRAD = "a random draw: its inputs give only a shape"


def _diag_fits(size, n, step):
    if n > 0 and size <= (n - 1) * (step + 1):
        raise ValueError(f"diag_num {n} with diag_step {step} puts a diagonal element at "
                         f"flat index {(n - 1) * (step + 1)}, outside the {size} elements of "
                         f"the output")


def _check_uniform(op, shape):
    lo, hi, n, step = (op.attr(k) for k in ("min", "max", "diag_num", "diag_step"))
    if not (math.isfinite(hi - lo) and lo <= hi):
        raise ValueError(f"min ({lo}) and max ({hi}) must be finite, with min <= max")
    if n < 0 or step < 0:
        raise ValueError(f"diag_num and diag_step must be >= 0, got {n} and {step}")
    if all(d >= 0 for d in shape):
        _diag_fits(math.prod(shape), n, step)


def _check_gaussian(op, shape):
    mean, std = op.attr("mean"), op.attr("std")
    if not (math.isfinite(mean) and math.isfinite(std) and std >= 0):
        raise ValueError(f"mean ({mean}) must be finite and std ({std}) finite and >= 0")


def _spec(op, shape, check):
    dtype = dtype_of(op.attr("dtype"))
    if dtype.kind != "f":
        raise TypeError(f"dtype must be float16, float32 or float64, got {dtype.name}")
    if op.attr("seed") < 0:
        raise ValueError(f"seed must be >= 0 (0: fresh entropy), got {op.attr('seed')}")
    check(op, shape)
    return shape, dtype


_A, _M = 48271, 2 ** 31 - 1  # std::minstd_rand: x = 48271 x mod (2^31 - 1)


def _powers(base, n):
    """base^1 .. base^n mod _M (int64: a product of two stays below 2^62)."""
    p = np.empty(n, np.int64)
    p[0], k = base % _M, 1
    while k < n:  # doubling: p[k + j] = p[j] * base^k
        m = min(k, n - k)
        p[k:k + m] = p[:m] * p[k - 1] % _M
        k += m
    return p


def minstd(seed, n):
    """The first n outputs of std::minstd_rand seeded with `seed` (in blocks of 4096:
    x[b * 4096 + j] = x[b * 4096] * a^(j + 1))."""
    x0, block = seed % _M or 1, min(max(n, 1), 4096)
    steps = _powers(_A, block)
    starts = [x0 * s % _M for s in _powers(int(steps[-1]), -(-n // block) - 1)] if n > block \
        else []
    return (np.array([x0] + starts, np.int64)[:, None] * steps % _M).reshape(-1)[:n]


def canonical(seed, n, dtype):
    """n values of libstdc++'s generate_canonical<dtype> over minstd_rand: one output each
    for float32 (x - 1) / 2^31 (the range 2^31 - 2 rounds to 2^31 in float), two for
    float64; a value that rounds to 1 becomes the float below it."""
    if dtype == np.float32:
        u = (minstd(seed, n) - 1).astype(np.float32) / np.float32(2.0 ** 31)
    else:
        r = float(_M - 1)
        x = (minstd(seed, 2 * n) - 1).astype(np.float64).reshape(n, 2)
        u = (x[:, 0] + x[:, 1] * r) / (r * r)
    one = dtype.type(1)
    return np.where(u >= one, np.nextafter(one, dtype.type(0)), u)


def _seed(a):
    """The op's seed, or (0) fresh entropy as std::random_device gives fluid."""
    return a["seed"] or int(np.random.SeedSequence().generate_state(1)[0])


def _compute(dtype):
    return np.dtype(np.float32) if dtype == np.float16 else dtype  # fluid has no float16 here


def _attr(t, a, name):
    """An attr as fluid's kernel reads it: a C++ float, then the op's dtype."""
    return t(np.float32(a[name]))


def _uniform(shape, dtype, a):
    c = _compute(dtype)
    lo, hi = _attr(c.type, a, "min"), _attr(c.type, a, "max")
    out = canonical(_seed(a), math.prod(shape), c) * (hi - lo) + lo
    out = out.reshape(shape).astype(dtype, copy=False)
    lo, hi = dtype.type(a["min"]), dtype.type(a["max"])
    if lo < hi:  # rounding (to float16, or of u * (max - min) + min) can reach max
        np.minimum(out, np.nextafter(hi, lo), out=out)
    if a["diag_num"] > 0:
        _diag_fits(out.size, a["diag_num"], a["diag_step"])  # a run-time shape
        out.reshape(-1)[np.arange(a["diag_num"]) * (a["diag_step"] + 1)] = a["diag_val"]
    return out


def _gaussian(shape, dtype, a):
    """libstdc++'s polar method: pairs (x, y) = 2 u - 1 until 0 < r2 = x^2 + y^2 <= 1, then
    y m and x m, in that order, with m = sqrt(-2 log(r2) / r2)."""
    c, n = _compute(dtype), math.prod(shape)
    t, seed, pairs = c.type, _seed(a), n // 2 + 8
    while True:  # the pairs accepted, in order: draw more until there are enough
        u = canonical(seed, 2 * (pairs * 4 // 3 + 16), c).reshape(-1, 2)
        x, y = t(2) * u[:, 0] - t(1), t(2) * u[:, 1] - t(1)
        r2 = x * x + y * y
        ok = (r2 <= 1) & (r2 != 0)
        if 2 * int(ok.sum()) >= n:
            break
        pairs *= 2
    x, y, r2 = x[ok], y[ok], r2[ok]
    m = np.sqrt(t(-2) * np.log(r2) / r2)
    out = np.stack([y * m, x * m], 1).reshape(-1)[:n] * _attr(t, a, "std") + _attr(t, a, "mean")
    return out.reshape(shape).astype(dtype, copy=False)


def _draw(draw, xp, shape, a):
    dtype = np.dtype(dtype_name(a["dtype"]))  # a name, or a VarType number
    return xp.asarray(draw(tuple(int(d) for d in shape), dtype, a))


def _declare(type, attrs, draw, check):
    op = register_op(type, inputs=["ShapeTensor?", "ShapeTensorList*?"], outputs=["Out"],
                     attrs={"shape": [], "dtype": "float32", **attrs}, doc=__doc__,
                     no_grad=NO_GRAD, needs_xp=True)

    @op.shape_rule
    def _(op):
        return _spec(op, tensor_shape(op), check)

    @op.kernel(*KEYS)
    def _(shape_t, shape_list, *, xp, shape, **a):
        return _draw(draw, xp, run_shape(type, shape_t, shape_list, shape), a)

    like = register_op(type + "_batch_size_like", inputs=["Input"], outputs=["Out"],
                       attrs={"shape": [], "dtype": "float32", **LIKE, **attrs}, doc=__doc__,
                       no_grad=NO_GRAD, needs_xp=True)

    @like.shape_rule
    def _(op):
        return _spec(op, batch_size_like(op), check)

    @like.kernel(*KEYS)
    def _(x, *, xp, shape, input_dim_idx, output_dim_idx, **a):
        shape = list(shape)
        shape[output_dim_idx] = x.shape[input_dim_idx]
        return _draw(draw, xp, shape, a)


_declare("uniform_random", UNIFORM, _uniform, _check_uniform)
_declare("gaussian_random", GAUSSIAN, _gaussian, _check_gaussian)
