"""The activation layers, fluid 1.8's signatures (its layers/ops.py and nn.py): each is one op,
generated from the op's declaration in ops/activation*.py, where the formulas are.

A layer whose fluid signature has None defaults (selu, softshrink, hard_shrink,
thresholded_relu) leaves out what is None, so the op's default applies, as fluid's did.

Example:
    y = fluid.layers.leaky_relu(x, alpha=0.1)
    z = fluid.layers.gelu(y, approximate=True)
"""
from __future__ import annotations

import math

from ..checks import check_float, check_var_dtype, check_variable
from ..framework import Variable, default_main_program, same_shape
from .helper import append_layer_op, building, check_name, generate_layer

NO_ATTRS = ("exp", "log", "sqrt", "rsqrt", "abs", "ceil", "floor", "round",
            "reciprocal", "square", "sin", "cos", "asin", "acos", "atan", "softplus",
            "softsign", "logsigmoid", "tanh_shrink")
__all__ = list(NO_ATTRS) + [
    "log1p", "pow", "soft_relu", "leaky_relu", "elu", "relu6", "brelu", "stanh", "hard_sigmoid",
    "swish", "hard_swish", "gelu", "erf", "sign", "selu", "softshrink", "hard_shrink",
    "thresholded_relu"]

for _op in NO_ATTRS:
    globals()[_op] = generate_layer(_op, "x, name")
soft_relu = generate_layer("soft_relu", "x, threshold, name")
leaky_relu = generate_layer("leaky_relu", "x, alpha, name")
elu = generate_layer("elu", "x, alpha, name")
relu6 = generate_layer("relu6", "x, threshold, name")
brelu = generate_layer("brelu", "x, t_min, t_max, name")
stanh = generate_layer("stanh", "x, scale_a, scale_b, name")
hard_sigmoid = generate_layer("hard_sigmoid", "x, slope, offset, name")
swish = generate_layer("swish", "x, beta, name")
hard_swish = generate_layer("hard_swish", "x, threshold, scale, offset, name")
gelu = generate_layer("gelu", "x, approximate")
erf = generate_layer("erf", "x")
sign = generate_layer("sign", "x")


def _with_optional_attrs(op_type: str, x, name, **attrs):
    """Append `op_type` with the attrs that are not None (each a finite number)."""
    check_name(op_type, name)
    given = {}
    for arg, (attr, value) in attrs.items():
        if value is not None:
            given[attr] = check_float(op_type, arg, value)
    return append_layer_op(op_type, {"X": ("x", x)}, given, name)


def selu(x, scale=None, alpha=None, name=None):
    """scale * (x if x > 0 else alpha * (exp(x) - 1)); None keeps the self-normalising
    constants (scale 1.0507..., alpha 1.6732...)."""
    return _with_optional_attrs("selu", x, name, scale=("scale", scale), alpha=("alpha", alpha))


def softshrink(x, alpha=None):
    """x - alpha where x > alpha, x + alpha where x < -alpha, else 0 (alpha >= 0; None:
    0.5). The op's attr is named 'lambda'."""
    check_float("softshrink", "alpha", alpha, lo=0, none=True)
    return _with_optional_attrs("softshrink", x, None, alpha=("lambda", alpha))


def hard_shrink(x, threshold=None):
    """x where |x| > threshold, else 0 (None: 0.5)."""
    return _with_optional_attrs("hard_shrink", x, None, threshold=("threshold", threshold))


def thresholded_relu(x, threshold=None):
    """x where x > threshold, else 0 (None: 1.0)."""
    return _with_optional_attrs("thresholded_relu", x, None,
                                threshold=("threshold", threshold))


def log1p(x, out=None, name=None):
    """log(1 + x), elementwise; x is float32 or float64. Given `out`, a Variable of x's
    dtype and shape, the result is written to it and `out` is returned (fluid 1.8's
    log1p(x, out=None, name=None)).

    Example:
        y = fluid.layers.log1p(x)
    """
    if out is None:
        return append_layer_op("log1p", {"X": ("x", x)}, {}, name)
    check_variable("log1p", "x", x)
    check_var_dtype("log1p", "out", out, (x.dtype.name,))
    check_name("log1p", name)
    if not same_shape(out.shape, x.shape):
        raise ValueError(f"log1p: argument 'out' ('{out.name}') must have x's shape "
                         f"{list(x.shape)}, got {list(out.shape)}")
    with building():
        default_main_program().current_block().append_op("log1p", {"X": x}, {"Out": out})
    return out


def pow(x, factor=1.0, name=None):
    """x ** factor; `factor` is a number or a float32 Variable of one element (fluid 1.8's
    FactorTensor), read when the program runs.

    Example:
        y = fluid.layers.pow(x, factor=2.0)
    """
    if not isinstance(factor, Variable):
        return append_layer_op("pow", {"X": ("x", x)}, {"factor": factor}, name)
    check_variable("pow", "factor", factor)
    if factor.dtype != "float32" or math.prod(factor.shape) not in (1, -1):
        raise TypeError(f"pow: argument 'factor' must be a number or a float32 Variable of "
                        f"one element, got '{factor.name}' of {factor.dtype}"
                        f"{list(factor.shape)}")
    return append_layer_op("pow", {"X": ("x", x), "FactorTensor": ("factor", factor)}, {},
                           name)
