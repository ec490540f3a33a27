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
run (fluid 1.8 seeds its engine afresh each time the op runs). The values are drawn with
numpy on the host for either place, so a GPU run starts from the same parameters as a CPU
run.
"""
import math

import numpy as np

from minifluid.checks import dtype_name
from minifluid.registry import register_op

from .rules import dtype_of, run_shape, tensor_shape

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


def _like_shape(op):
    x, shape = op.in_var("Input"), list(op.attr("shape"))
    i, o = op.attr("input_dim_idx"), op.attr("output_dim_idx")
    if not 0 <= o < len(shape):
        raise ValueError(f"output_dim_idx {o} is out of range for shape {shape}")
    if not 0 <= i < len(x.shape):
        raise ValueError(f"input_dim_idx {i} is out of range for Input ('{x.name}') of shape "
                         f"{list(x.shape)}")
    if any(d < 0 for k, d in enumerate(shape) if k != o):
        raise ValueError(f"shape must hold ints >= 0 (any int at output_dim_idx {o}), got "
                         f"{shape}")
    shape[o] = x.shape[i]
    return tuple(shape)


def _uniform(rng, shape, dtype, a):
    out = rng.uniform(a["min"], a["max"], shape).astype(dtype)
    lo, hi = dtype.type(a["min"]), dtype.type(a["max"])
    if lo < hi:  # rounding to float32 can reach max: keep the interval half-open
        np.minimum(out, np.nextafter(hi, lo), out=out)
    if a["diag_num"] > 0:
        _diag_fits(out.size, a["diag_num"], a["diag_step"])  # a run-time shape
        out.reshape(-1)[np.arange(a["diag_num"]) * (a["diag_step"] + 1)] = a["diag_val"]
    return out


def _gaussian(rng, shape, dtype, a):
    return rng.normal(a["mean"], a["std"], shape).astype(dtype)


def _draw(draw, xp, shape, a):
    dtype = np.dtype(dtype_name(a["dtype"]))  # a name, or a VarType number
    return xp.asarray(draw(np.random.default_rng(a["seed"] or None), shape, dtype, a))


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
        return _spec(op, _like_shape(op), check)

    @like.kernel(*KEYS)
    def _(x, *, xp, shape, input_dim_idx, output_dim_idx, **a):
        shape = list(shape)
        shape[output_dim_idx] = x.shape[input_dim_idx]
        return _draw(draw, xp, shape, a)


_declare("uniform_random", UNIFORM, _uniform, _check_uniform)
_declare("gaussian_random", GAUSSIAN, _gaussian, _check_gaussian)
