"""Comparison, logical and more math layers, fluid 1.8's signatures (its layers/control_flow.py,
nn.py, tensor.py and ops.py); the formulas are in the ops' files: ops/compare.py,
ops/logical.py, ops/elementwise_math.py, ops/isfinite.py, ops/clip.py, ops/cumsum.py and
ops/where_index.py.

Example:
    mask = fluid.layers.less_than(x, y)                  # bool, x's shape
    both = fluid.layers.logical_and(mask, fluid.layers.greater_equal(x, z))
"""
from __future__ import annotations

from ..checks import check_bool, check_float, check_int, check_name, check_var_dtype, check_variable
from ..framework import default_main_program
from .helper import append_layer_op, building
from .nn import _elementwise

COMPARED = ("float32", "float64", "int32", "int64")
__all__ = ["less_than", "less_equal", "greater_than", "greater_equal", "equal", "not_equal",
           "elementwise_equal", "logical_and", "logical_or", "logical_xor", "logical_not",
           "elementwise_max", "elementwise_min", "elementwise_pow", "elementwise_mod",
           "elementwise_floordiv", "has_inf", "has_nan", "isfinite",
           "clip", "clip_by_norm", "cumsum", "where"]


def _into(op_type: str, inputs: dict, attrs: dict, out, out_arg: str, name=None):
    """Append op_type; its Out is `out` when given (a bool Variable of this program), else new.
    The result is stop_gradient, as fluid's bool results are."""
    check_name(op_type, name)
    if out is None:
        result = append_layer_op(op_type, inputs, attrs, name)
    else:
        # bool only: a program's variable has one dtype, and the op makes it bool
        check_var_dtype(op_type, out_arg, out, ("bool",))
        with building():
            default_main_program().current_block().append_op(
                op_type, {s: v for s, (_, v) in inputs.items()}, {"Out": out}, attrs)
        result = out
    result.stop_gradient = True
    return result


def _compare(op_type, x, y, cond, force_cpu=None):
    check_var_dtype(op_type, "x", x, COMPARED)
    check_var_dtype(op_type, "y", y, COMPARED)
    attrs = {} if force_cpu is None else {"force_cpu": check_bool(op_type, "force_cpu",
                                                                   force_cpu)}
    return _into(op_type, {"X": ("x", x), "Y": ("y", y)}, attrs, cond, "cond")


def less_than(x, y, force_cpu=None, cond=None):
    """x < y elementwise, a bool Variable of x's shape (y broadcasts to x). Given `cond`,
    the result is written there and `cond` returned."""
    return _compare("less_than", x, y, cond, force_cpu)


def less_equal(x, y, cond=None):
    """x <= y elementwise (see less_than)."""
    return _compare("less_equal", x, y, cond)


def greater_than(x, y, cond=None):
    """x > y elementwise (see less_than)."""
    return _compare("greater_than", x, y, cond)


def greater_equal(x, y, cond=None):
    """x >= y elementwise (see less_than)."""
    return _compare("greater_equal", x, y, cond)


def equal(x, y, cond=None):
    """x == y elementwise (see less_than)."""
    return _compare("equal", x, y, cond)


def not_equal(x, y, cond=None):
    """x != y elementwise (see less_than)."""
    return _compare("not_equal", x, y, cond)


def elementwise_equal(x, y, name=None):
    """x == y elementwise, an `equal` op (fluid 1.8's elementwise_equal)."""
    check_var_dtype("elementwise_equal", "x", x, COMPARED)
    check_var_dtype("elementwise_equal", "y", y, COMPARED)
    check_name("elementwise_equal", name)
    out = append_layer_op("equal", {"X": ("x", x), "Y": ("y", y)}, {"force_cpu": False}, name)
    out.stop_gradient = True
    return out


def _logical(op_type, x, y, out, name):
    check_var_dtype(op_type, "x", x, ("bool",))
    inputs = {"X": ("x", x)}
    if op_type != "logical_not":
        check_var_dtype(op_type, "y", y, ("bool",))
        inputs["Y"] = ("y", y)
    return _into(op_type, inputs, {}, out, "out", name)


def logical_and(x, y, out=None, name=None):
    """x AND y elementwise; x and y are bool Variables of as many elements. Given `out`, the
    result is written there and `out` returned."""
    return _logical("logical_and", x, y, out, name)


def logical_or(x, y, out=None, name=None):
    """x OR y elementwise (see logical_and)."""
    return _logical("logical_or", x, y, out, name)


def logical_xor(x, y, out=None, name=None):
    """x XOR y elementwise (see logical_and)."""
    return _logical("logical_xor", x, y, out, name)


def logical_not(x, out=None, name=None):
    """NOT x elementwise, x a bool Variable (see logical_and)."""
    return _logical("logical_not", x, None, out, name)


# fluid 1.8's elementwise_<op>(x, y, axis=-1, act=None, name=None), formulas in
# ops/elementwise_math.py
elementwise_max = _elementwise("elementwise_max")
elementwise_min = _elementwise("elementwise_min")
elementwise_pow = _elementwise("elementwise_pow")
elementwise_mod = _elementwise("elementwise_mod")
_floordiv = _elementwise("elementwise_floordiv")


def elementwise_floordiv(x, y, axis=-1, act=None, name=None):
    """Elementwise x / y of ints, truncated toward zero (fluid 1.8's kernel), y lined up with
    x from `axis`. `act` must be None: the activations take floats, the result is int."""
    if act is not None:
        raise TypeError(f"elementwise_floordiv: argument 'act' must be None (its int result "
                        f"takes no activation), got {act!r}")
    return _floordiv(x, y, axis, None, name)


elementwise_max.__doc__ = "Elementwise x > y ? x : y, y lined up with x from `axis`."
elementwise_min.__doc__ = "Elementwise x < y ? x : y, y lined up with x from `axis`."
elementwise_pow.__doc__ = "Elementwise x ** y, y lined up with x from `axis`."
elementwise_mod.__doc__ = ("Elementwise x % y (ints: the sign of x, as C's; floats: the sign "
                           "of y), y lined up with x from `axis`.")


def _flag(op_type, layer, x, dtypes=None):
    check_variable(layer, "x", x)
    if dtypes:
        check_var_dtype(layer, "x", x, dtypes)
    return append_layer_op(op_type, {"X": ("x", x)}, {})


def has_inf(x):
    """Whether x holds an inf: a [1] Variable of x's dtype, 1 or 0 (an 'isinf' op)."""
    return _flag("isinf", "has_inf", x)


def has_nan(x):
    """Whether x holds a nan: a [1] Variable of x's dtype, 1 or 0 (an 'isnan' op)."""
    return _flag("isnan", "has_nan", x)


def isfinite(x):
    """Whether every element of x (float32, float64, int32 or int64) is finite: a [1]
    Variable of x's dtype, 1 or 0, as fluid 1.8's kernel writes it (its layer declared bool).
    """
    return _flag("isfinite", "isfinite", x, COMPARED)


def clip(x, min, max, name=None):
    """x limited to [min, max] elementwise (min < max, finite numbers); x is float16, float32
    or float64.

    Example:
        y = fluid.layers.clip(x, min=-1.0, max=1.0)
    """
    check_var_dtype("clip", "x", x, ("float16", "float32", "float64"))
    lo, hi = check_float("clip", "min", min), check_float("clip", "max", max)
    if not lo < hi:
        raise ValueError(f"clip: argument 'min' must be less than 'max', got min={min}, "
                         f"max={max}")
    return append_layer_op("clip", {"X": ("x", x)}, {"min": lo, "max": hi}, name)


def clip_by_norm(x, max_norm, name=None):
    """x scaled down to L2 norm max_norm (> 0) where its norm is larger, else x; x is float32
    or float64.

    Example:
        g = fluid.layers.clip_by_norm(g, max_norm=5.0)
    """
    check_var_dtype("clip_by_norm", "x", x, ("float32", "float64"))
    max_norm = check_float("clip_by_norm", "max_norm", max_norm, lo=0, open_lo=True)
    return append_layer_op("clip_by_norm", {"X": ("x", x)}, {"max_norm": max_norm}, name)


def cumsum(x, axis=None, exclusive=None, reverse=None):
    """Running sums of x along `axis` (None: the last); `exclusive` starts each sum at 0,
    `reverse` sums from the end. None keeps the op's default, as fluid 1.8's layer did.

    Example:
        y = fluid.layers.cumsum(x, axis=0)
    """
    attrs = {}
    if axis is not None:
        attrs["axis"] = check_int("cumsum", "axis", axis)
    for arg, v in (("exclusive", exclusive), ("reverse", reverse)):
        if v is not None:
            attrs[arg] = check_bool("cumsum", arg, v)
    return append_layer_op("cumsum", {"X": ("x", x)}, attrs)


def where(condition):
    """The coordinates of condition's true elements: an int64 Variable [n, rank], one row
    per true element in row-major order (n is known when it runs; condition is a bool
    Variable of rank >= 1). fluid 1.8's where(condition), a 'where_index' op.

    Example:
        idx = fluid.layers.where(fluid.layers.greater_than(x, y))
    """
    check_var_dtype("where", "condition", condition, ("bool",))
    out = append_layer_op("where_index", {"Condition": ("condition", condition)}, {})
    out.stop_gradient = True
    return out
