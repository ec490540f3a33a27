"""Indexing and value layers with fluid 1.8's signatures: gather, one_hot (and fluid.one_hot,
fluid_one_hot here), assign, create_tensor, argmax, argmin, topk, zeros, ones, zeros_like,
ones_like, reverse (shape15.py has the shape layers).
"""
from __future__ import annotations

import numpy as np

from ..checks import (check_bool, check_dtype, check_int, check_ints, check_var_dtype,
                      check_variable, is_int)
from ..framework import Variable, default_main_program, unique_name
from .helper import LayerHelper, building, check_name
from .shape15 import _append, _int_tensor

__all__ = ["gather", "one_hot", "assign", "create_tensor", "argmax", "argmin", "topk", "zeros",
           "ones", "zeros_like", "ones_like", "reverse"]


def gather(input, index, overwrite=True) -> Variable:
    """The rows of `input` that `index` (a 1-D int32/int64 Variable) names: input[index].
    With `overwrite` (fluid's default) the gradient of a row named twice is the last of its
    output rows' gradients; overwrite=False sums them (the true gradient).

    Example:
        rows = fluid.layers.gather(table, ids)    # [len(ids)] + table.shape[1:]
    """
    check_var_dtype("gather", "input", input, ("float16", "float32", "float64", "int32",
                                                "int64", "bool", "uint8", "int8"))
    check_var_dtype("gather", "index", index, ("int32", "int64"))
    if not (len(index.shape) == 1 or len(index.shape) == 2 and index.shape[1] in (1, -1)):
        raise ValueError(f"gather: argument 'index' must be 1-D (or [N, 1]), got '{index.name}' "
                         f"of shape {list(index.shape)}")
    check_bool("gather", "overwrite", overwrite)
    return _append("gather", {"X": input, "Index": index}, {"overwrite": overwrite}, None)


def _one_hot(layer, op_type, input, depth, allow_out_of_range):
    check_var_dtype(layer, "input", input, ("int32", "int64"))
    check_bool(layer, "allow_out_of_range", allow_out_of_range)
    inputs, attrs = {"X": input}, {"allow_out_of_range": allow_out_of_range}
    if isinstance(depth, Variable):
        inputs["depth_tensor"] = _int_tensor(layer, "depth", depth, one=True)
    else:
        attrs["depth"] = check_int(layer, "depth", depth, lo=1)
    if op_type == "one_hot" and (not input.shape or input.shape[-1] not in (1, -1)):
        raise ValueError(f"{layer}: argument 'input' must have a last dimension of 1, got "
                         f"'{input.name}' of shape {list(input.shape)}")
    return _append(op_type, inputs, attrs, None)


def one_hot(input, depth, allow_out_of_range=False) -> Variable:
    """Class ids `input` (int32/int64, last dimension 1) as float32 one-hot rows of length
    `depth` (an int, or a 1-element int Variable read when the program runs): shape
    input.shape[:-1] + [depth]. An id outside [0, depth) fails when the program runs, or
    with allow_out_of_range gets a row of zeros.

    Example:
        label = fluid.layers.data("label", [1], "int64")
        onehot = fluid.layers.one_hot(label, depth=10)    # [N, 10]
    """
    return _one_hot("one_hot", "one_hot", input, depth, allow_out_of_range)


def fluid_one_hot(input, depth, allow_out_of_range=False) -> Variable:
    """fluid.one_hot: like layers.one_hot, for ids of any shape: input.shape + [depth]
    (the one_hot_v2 op).

    Example:
        onehot = fluid.one_hot(ids, depth=10)    # ids [N, 4] -> [N, 4, 10]
    """
    return _one_hot("one_hot", "one_hot_v2", input, depth, allow_out_of_range)


_ASSIGN_VALUES = {"float32": "fp32_values", "int32": "int32_values", "int64": "int64_values",
                  "bool": "bool_values"}


def assign(input, output=None) -> Variable:
    """A copy of `input` (a Variable, or a numpy array of float32, int32, int64 or bool with
    at most 1024 * 1024 elements, stored in the program) in `output`, or in a new Variable.

    Example:
        w0 = fluid.layers.assign(np.zeros([3, 2], "float32"))
        fluid.layers.assign(x, output=y)    # y = x when the program runs
    """
    check_variable("assign", "output", output, none=True)
    if isinstance(input, Variable):
        check_var_dtype("assign", "input", input, ("float16", "float32", "float64", "int32",
                                                    "int64", "bool"))
        op_type, inputs, attrs = "assign", {"X": input}, {}
    elif isinstance(input, np.ndarray):
        name = input.dtype.name
        if name not in _ASSIGN_VALUES:
            raise TypeError(f"assign: argument 'input' as a numpy array must be of "
                            f"{', '.join(_ASSIGN_VALUES)}, got {name}")
        if input.size > 1024 * 1024:
            raise ValueError(f"assign: argument 'input' has {input.size} elements; at most "
                             f"{1024 * 1024} go into a program (feed larger arrays instead)")
        cast = bool if name == "bool" else float if name == "float32" else int
        op_type, inputs = "assign_value", {}
        attrs = {"shape": list(input.shape), "dtype": name,
                 _ASSIGN_VALUES[name]: [cast(v) for v in input.flat]}
    else:
        raise TypeError(f"assign: argument 'input' must be a Variable or a numpy array, got "
                        f"{type(input).__name__}")
    if output is None:
        return _append(op_type, inputs, attrs, None)
    with building():
        LayerHelper(op_type).append_op(op_type, inputs, {"Out": output}, attrs)
    return output


def create_tensor(dtype, name=None, persistable=False) -> Variable:
    """A new Variable of `dtype` and no shape yet, for an op to write (assign's `output`):
    the op's shape rule gives it its shape.

    Example:
        y = fluid.layers.create_tensor("float32")
        fluid.layers.assign(x, output=y)
    """
    dtype = check_dtype("create_tensor", "dtype", dtype)
    check_name("create_tensor", name)
    check_bool("create_tensor", "persistable", persistable)
    block = default_main_program().current_block()
    name = name or unique_name.generate("create_tensor")
    if block.has_var(name):
        raise ValueError(f"create_tensor: argument 'name': the program already has a variable "
                         f"'{name}'")
    return block.create_var(name, (), dtype, persistable=persistable)


def _arg(layer, op_type, x, axis):
    check_var_dtype(layer, "x", x, ("float32", "float64", "int8", "int32", "int64", "uint8",
                                    "float16"))
    rank = len(x.shape)
    axis = check_int(layer, "axis", axis, lo=-rank, hi=max(rank - 1, 0))
    return _append(op_type, {"X": x}, {"axis": axis}, None)


def argmax(x, axis=0) -> Variable:
    """The int64 index of the largest entry of `x` along `axis` (the first where several
    tie); that dimension is dropped.

    Example:
        pred = fluid.layers.argmax(logits, axis=1)    # [N, C] -> [N]
    """
    return _arg("argmax", "arg_max", x, axis)


def argmin(x, axis=0) -> Variable:
    """The int64 index of the smallest entry of `x` along `axis` (the first where several
    tie); that dimension is dropped.

    Example:
        nearest = fluid.layers.argmin(dist, axis=1)    # [N, M] -> [N]
    """
    return _arg("argmin", "arg_min", x, axis)


def topk(input, k, name=None):
    """The `k` largest entries of `input` along its last dimension, largest first, and
    their int64 indices: (values, indices). `k` is an int or a 1-element int Variable (read
    when the program runs).

    Example:
        values, indices = fluid.layers.topk(probs, k=5)    # [N, C] -> [N, 5] twice
    """
    check_var_dtype("topk", "input", input, ("float16", "float32", "float64", "int32", "int64"))
    check_name("topk", name)
    inputs, attrs = {"X": input}, {}
    if isinstance(k, Variable):
        inputs["K"] = _int_tensor("topk", "k", k, one=True)
    else:
        attrs["k"] = k = check_int("topk", "k", k, lo=1)
        last = input.shape[-1] if input.shape else 0
        if last != -1 and k > last:
            raise ValueError(f"topk: argument 'k' ({k}) must be at most the last dimension "
                             f"of argument 'input' ('{input.name}', shape {list(input.shape)})")
    with building():
        helper = LayerHelper("top_k", name)
        values, indices = helper.tmp(name), helper.tmp()
        helper.append_op("top_k", inputs, {"Out": values, "Indices": indices}, attrs)
        return values, indices


def _filled(layer, shape, dtype, value, force_cpu):
    """fill_constant's layer, its errors naming `layer`."""
    from .tensor import fill_constant
    try:
        return fill_constant(shape, dtype, value, force_cpu=force_cpu)
    except (TypeError, ValueError) as e:
        if not str(e).startswith("fill_constant:"):
            raise
        raise type(e)(layer + str(e)[len("fill_constant"):]) from None


def zeros(shape, dtype, force_cpu=False) -> Variable:
    """A tensor of `shape` (a list of ints) and `dtype` filled with 0 (fill_constant).

    Example:
        z = fluid.layers.zeros([2, 3], "float32")
    """
    return _filled("zeros", shape, dtype, 0.0, force_cpu)


def ones(shape, dtype, force_cpu=False) -> Variable:
    """A tensor of `shape` (a list of ints) and `dtype` filled with 1 (fill_constant).

    Example:
        o = fluid.layers.ones([2, 3], "float32")
    """
    return _filled("ones", shape, dtype, 1.0, force_cpu)


def _like(layer, op_type, x, out, attrs):
    check_var_dtype(layer, "x", x, ("float16", "float32", "float64", "int32", "int64", "bool"))
    check_variable(layer, "out", out, none=True)
    if out is None:
        return _append(op_type, {"X": x}, attrs, None)
    with building():
        LayerHelper(op_type).append_op(op_type, {"X": x}, {"Out": out}, attrs)
    return out


def zeros_like(x, out=None) -> Variable:
    """Zeros of x's shape and dtype, in `out` or a new Variable (fill_zeros_like).

    Example:
        z = fluid.layers.zeros_like(x)
    """
    return _like("zeros_like", "fill_zeros_like", x, out, {})


def ones_like(x, out=None) -> Variable:
    """Ones of x's shape and dtype, in `out` or a new Variable (fill_any_like).

    Example:
        o = fluid.layers.ones_like(x)
    """
    return _like("ones_like", "fill_any_like", x, out, {"value": 1.0})


def reverse(x, axis) -> Variable:
    """`x` with its entries in reverse order along `axis` (an int or a list of ints).

    Example:
        y = fluid.layers.reverse(x, axis=[0, 1])    # x[::-1, ::-1]
    """
    check_var_dtype("reverse", "x", x, ("float32", "float64", "int32", "int64", "uint8", "bool",
                                        "float16", "int8"))
    rank = len(x.shape)
    if is_int(axis):
        axis = [axis]
    axis = check_ints("reverse", "axis", axis, what="an int or a list of ints")
    if not axis or any(not -rank <= a < rank for a in axis):
        raise ValueError(f"reverse: argument 'axis' must name dimensions of argument 'x' "
                         f"('{x.name}', rank {rank}), in [{-rank}, {rank - 1}], got {axis}")
    return _append("reverse", {"X": x}, {"axis": axis}, None)
