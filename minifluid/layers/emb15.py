"""Embedding and normalization layers with fluid 1.8 signatures (issue 15)."""
from __future__ import annotations

import math

from ..checks import (check_bool, check_dtype, check_float, check_int, check_ints, check_str,
                      check_var_dtype)
from ..framework import Variable
from ..initializer import Constant
from ..param_attr import ParamAttr
from .helper import LayerHelper, activate, building, check_act, check_name
from .norm15 import _channels

__all__ = ["embedding", "layer_norm", "batch_norm"]


def _embedding(where, op_type, input, size, is_sparse, is_distributed, padding_idx, param_attr,
               dtype) -> Variable:
    check_var_dtype(where, "input", input, ("int64",))
    size = check_ints(where, "size", size, lo=1, what="a list of 2 ints >= 1 [rows, width]")
    if len(size) != 2:
        raise ValueError(f"{where}: argument 'size' must be a list of 2 ints >= 1 [rows, "
                         f"width], got {size}")
    is_sparse = check_bool(where, "is_sparse", is_sparse)
    is_distributed = check_bool(where, "is_distributed", is_distributed)
    padding_idx = check_int(where, "padding_idx", padding_idx, lo=-size[0], hi=size[0] - 1,
                            none=True)
    attr = ParamAttr.to_attr(param_attr, "param_attr", where)
    if attr is False:
        raise ValueError(f"{where}: argument 'param_attr' cannot be False: the table is a "
                         f"parameter")
    dtype = check_dtype(where, "dtype", dtype, ("float16", "float32", "float64"))
    if op_type == "lookup_table" and input.shape and input.shape[-1] not in (1, -1):
        raise ValueError(f"{where}: input '{input.name}' must end in a dimension of 1 (ids "
                         f"[..., 1]), got shape {list(input.shape)}; fluid.embedding takes "
                         f"ids without it")
    # fluid 1.8: -1 means no padding; a negative index counts from the end of the table
    pad = -1 if padding_idx is None else padding_idx if padding_idx >= 0 else size[0] + padding_idx
    with building():
        helper = LayerHelper("embedding")
        w = helper.create_parameter(attr, size, dtype)
        out = helper.tmp()
        helper.append_op(op_type, {"Ids": input, "W": w}, {"Out": out},
                         {"is_sparse": is_sparse, "is_distributed": is_distributed,
                          "remote_prefetch": is_sparse and not is_distributed,
                          "padding_idx": pad})
        return out


def embedding(input, size, is_sparse=False, is_distributed=False, padding_idx=None,
              param_attr=None, dtype="float32") -> Variable:
    """Rows of a [rows, width] parameter table picked by int64 ids of shape [..., 1]; the
    result has shape [..., width] (fluid.layers.embedding, op lookup_table).

    Rows at `padding_idx` (negative: counted from the end) read as zeros and get no gradient.
    With `is_sparse` the table's gradient is the rows looked up only (a SelectedRows), and
    sgd, momentum and adam update those rows. A table is shared by giving its ParamAttr name.

    Example:
        ids = fluid.data("ids", [None, 1], "int64")
        emb = fluid.layers.embedding(ids, size=[1000, 32], is_sparse=True)   # [N, 32]
    """
    return _embedding("fluid.layers.embedding", "lookup_table", input, size, is_sparse,
                      is_distributed, padding_idx, param_attr, dtype)


def embedding_v2(input, size, is_sparse=False, is_distributed=False, padding_idx=None,
                 param_attr=None, dtype="float32") -> Variable:
    """fluid.embedding (op lookup_table_v2): as fluid.layers.embedding, but ids of any shape
    [...] give [..., width] (no trailing dimension of 1).

    Example:
        ids = fluid.data("ids", [None, 5], "int64")
        emb = fluid.embedding(ids, size=[1000, 32])   # [N, 5, 32]
    """
    return _embedding("fluid.embedding", "lookup_table_v2", input, size, is_sparse,
                      is_distributed, padding_idx, param_attr, dtype)


def layer_norm(input, scale=True, shift=True, begin_norm_axis=1, epsilon=1e-05, param_attr=None,
               bias_attr=None, act=None, name=None) -> Variable:
    """Each sample (input flattened to 2-D at `begin_norm_axis`) normalised to mean 0 and
    variance 1, times a learned scale (initialised to 1) plus a learned shift (0), both of
    the flattened width; then `act`.

    Example:
        y = fluid.layers.layer_norm(x, begin_norm_axis=1)
    """
    where = "layer_norm"
    check_var_dtype(where, "input", input, ("float16", "float32", "float64"))
    scale, shift = check_bool(where, "scale", scale), check_bool(where, "shift", shift)
    rank = len(input.shape)
    axis = check_int(where, "begin_norm_axis", begin_norm_axis, lo=0)
    if axis >= rank:
        raise ValueError(f"{where}: argument 'begin_norm_axis' ({axis}) must be less than the "
                         f"rank of input '{input.name}' of shape {list(input.shape)}")
    epsilon = check_float(where, "epsilon", epsilon, lo=0)
    w_attr = ParamAttr.to_attr(param_attr, "param_attr", where)
    b_attr = ParamAttr.to_attr(bias_attr, "bias_attr", where)
    check_act(where, act)
    check_name(where, name)
    if -1 in input.shape[axis:]:
        raise ValueError(f"{where}: the dimensions of '{input.name}' from begin_norm_axis "
                         f"({axis}) must be known, got shape {list(input.shape)}")
    width = math.prod(input.shape[axis:])
    with building():
        helper = LayerHelper(where, name)
        inputs = {"X": input}
        if scale and w_attr is not False:
            inputs["Scale"] = helper.create_parameter(w_attr, [width], input.dtype,
                                                      default_initializer=Constant(1.0))
        if shift and b_attr is not False:
            inputs["Bias"] = helper.create_parameter(b_attr, [width], input.dtype, is_bias=True)
        y, mean, var = helper.tmp(), helper.tmp(), helper.tmp()
        mean.stop_gradient = var.stop_gradient = True
        helper.append_op("layer_norm", inputs, {"Y": y, "Mean": mean, "Variance": var},
                         {"epsilon": epsilon, "begin_norm_axis": axis})
        return activate(y, act, helper)


def batch_norm(input, act=None, is_test=False, momentum=0.9, epsilon=1e-05, param_attr=None,
               bias_attr=None, data_layout="NCHW", in_place=False, name=None,
               moving_mean_name=None, moving_variance_name=None,
               do_model_average_for_mean_and_var=True, use_global_stats=False) -> Variable:
    """Batch normalization over the channels (axis 1 for NCHW, the last for NHWC): while
    training each channel is normalised with the batch's mean and variance and the moving
    statistics (persistables named `moving_mean_name` / `moving_variance_name`, initialised
    to 0 and 1) are updated with `momentum`; with `is_test` (also set by
    Program.clone(for_test=True)) or `use_global_stats` the moving statistics are used.
    Then a learned scale (1) and shift (0), then `act`. Parameters of float16 input are
    float32, as in fluid. `momentum` may be a 1-element float Variable. `in_place` is
    accepted and writes a new variable (the values are the same).

    Example:
        y = fluid.layers.batch_norm(conv, act="relu", moving_mean_name="bn_mean")
    """
    where = "batch_norm"
    check_var_dtype(where, "input", input, ("float16", "float32", "float64"))
    check_act(where, act)
    is_test = check_bool(where, "is_test", is_test)
    if isinstance(momentum, Variable):
        check_var_dtype(where, "momentum", momentum, ("float32", "float64"))
        if tuple(momentum.shape) not in ((1,), (-1,)):
            raise ValueError(f"{where}: argument 'momentum' must be a float or a 1-element "
                             f"Variable, got '{momentum.name}' of shape {list(momentum.shape)}")
    else:
        momentum = check_float(where, "momentum", momentum)
    epsilon = check_float(where, "epsilon", epsilon, lo=0, hi=1e-3)
    w_attr = ParamAttr.to_attr(param_attr, "param_attr", where)
    b_attr = ParamAttr.to_attr(bias_attr, "bias_attr", where)
    for arg, a in (("param_attr", w_attr), ("bias_attr", b_attr)):
        if a is False:
            raise ValueError(f"{where}: argument '{arg}' cannot be False: batch_norm needs its "
                             f"scale and bias")
    data_layout = check_str(where, "data_layout", data_layout, ("NCHW", "NHWC"))
    check_bool(where, "in_place", in_place)
    check_name(where, name)
    mean_name = check_str(where, "moving_mean_name", moving_mean_name, none=True)
    var_name = check_str(where, "moving_variance_name", moving_variance_name, none=True)
    average = check_bool(where, "do_model_average_for_mean_and_var",
                         do_model_average_for_mean_and_var)
    use_global_stats = check_bool(where, "use_global_stats", use_global_stats)
    c = _channels(where, input, data_layout)
    dtype = "float32" if input.dtype.name == "float16" else input.dtype.name
    with building():
        helper = LayerHelper(where, name)
        scale = helper.create_parameter(w_attr, [c], dtype, default_initializer=Constant(1.0))
        bias = helper.create_parameter(b_attr, [c], dtype, is_bias=True)
        stats = []
        for stat_name, init in ((mean_name, 0.0), (var_name, 1.0)):
            v = helper.create_parameter(ParamAttr(name=stat_name, initializer=Constant(init),
                                                  trainable=False, do_model_average=average),
                                        [c], dtype)
            v.stop_gradient = True
            stats.append(v)
        mean, variance = stats
        saved_mean, saved_var, y = helper.tmp(), helper.tmp(), helper.tmp()
        saved_mean.stop_gradient = saved_var.stop_gradient = True
        inputs = {"X": input, "Scale": scale, "Bias": bias, "Mean": mean, "Variance": variance}
        attrs = {"epsilon": epsilon, "is_test": is_test, "data_layout": data_layout,
                 "fuse_with_relu": False, "use_global_stats": use_global_stats}
        if isinstance(momentum, Variable):
            inputs["MomentumTensor"] = momentum
        else:
            attrs["momentum"] = momentum
        helper.append_op("batch_norm", inputs,
                         {"Y": y, "MeanOut": mean, "VarianceOut": variance,
                          "SavedMean": saved_mean, "SavedVariance": saved_var}, attrs)
        return activate(y, act, helper)
