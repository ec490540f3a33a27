"""Normalization and similarity layers with fluid 1.8 signatures (issue 15): cos_sim,
l2_normalize, instance_norm, group_norm, prelu, maxout, bilinear_tensor_product."""
from __future__ import annotations


from ..checks import check_bool, check_float, check_int, check_str, check_var_dtype
from ..framework import Variable
from ..initializer import Constant
from ..param_attr import ParamAttr
from .helper import LayerHelper, activate, building, check_act, check_name

__all__ = ["cos_sim", "l2_normalize", "instance_norm", "group_norm", "prelu", "maxout",
           "bilinear_tensor_product", "data_norm"]

FLOATS = ("float16", "float32", "float64")


def cos_sim(X, Y) -> Variable:
    """The cosine similarity of each row of X (flattened from dimension 1) with the matching
    row of Y, or with Y's one row when Y's batch is 1: shape [N, 1]. A zero row gives NaN.

    Example:
        x = fluid.data("x", [None, 7], "float32")
        y = fluid.data("y", [1, 7], "float32")
        out = fluid.layers.cos_sim(x, y)          # [N, 1]
    """
    where = "cos_sim"
    check_var_dtype(where, "X", X, FLOATS)
    check_var_dtype(where, "Y", Y, FLOATS)
    with building():
        helper = LayerHelper(where)
        out, xnorm, ynorm = helper.tmp(), helper.tmp(), helper.tmp()
        helper.append_op(where, {"X": X, "Y": Y}, {"Out": out, "XNorm": xnorm, "YNorm": ynorm})
        return out


def l2_normalize(x, axis, epsilon=1e-12, name=None) -> Variable:
    """x divided by sqrt(sum(x^2) + epsilon) along `axis` (negative: counted from the end;
    0 for 1-D x, as in fluid); op norm.

    Example:
        y = fluid.layers.l2_normalize(x, axis=1)
    """
    where = "l2_normalize"
    check_var_dtype(where, "x", x, FLOATS)
    rank = len(x.shape)
    if rank == 1:  # fluid 1.8 ignores axis for 1-D x
        axis = 0
    axis = 1 if axis is None else check_int(where, "axis", axis, lo=-rank, hi=rank - 1)
    if axis >= rank:
        raise ValueError(f"{where}: argument 'axis' (1, the default for None) is out of range "
                         f"for x '{x.name}' of shape {list(x.shape)}")
    epsilon = check_float(where, "epsilon", epsilon, lo=0)
    check_name(where, name)
    with building():
        helper = LayerHelper(where, name)
        out, norm = helper.tmp(name), helper.tmp()
        helper.append_op("norm", {"X": x}, {"Out": out, "Norm": norm},
                         {"axis": axis, "epsilon": epsilon})
        return out


def _channels(where, input, layout="NCHW"):
    if not 2 <= len(input.shape) <= 5:
        raise ValueError(f"{where}: input '{input.name}' must have 2 to 5 dimensions, got "
                         f"shape {list(input.shape)}")
    c = input.shape[1 if layout == "NCHW" else -1]
    if c < 0:
        raise ValueError(f"{where}: the channel dimension of input '{input.name}' (shape "
                         f"{list(input.shape)}, {layout}) must be known")
    return c


def _scale_and_bias(helper, where, param_attr, bias_attr, c, dtype, optional):
    """The per-channel scale (initialised to 1) and shift (0) parameters as op inputs; an
    attr of False leaves one out where `optional`, else is refused."""
    inputs = {}
    for arg, attr, slot in (("param_attr", param_attr, "Scale"), ("bias_attr", bias_attr, "Bias")):
        attr = ParamAttr.to_attr(attr, arg, where)
        if attr is False:
            if not optional:
                raise ValueError(f"{where}: argument '{arg}' cannot be False: {where} needs "
                                 f"its scale and bias")
            continue
        inputs[slot] = attr
    return {slot: helper.create_parameter(attr, [c], dtype, is_bias=slot == "Bias",
                                          default_initializer=Constant(float(slot == "Scale")))
            for slot, attr in inputs.items()}


def instance_norm(input, epsilon=1e-05, param_attr=None, bias_attr=None, name=None) -> Variable:
    """Each channel of each sample (NCHW, 2 to 5 dimensions) normalised to mean 0 and
    variance 1 over its other dimensions, times a learned per-channel scale (initialised to
    1) plus a learned shift (0).

    Example:
        y = fluid.layers.instance_norm(conv)     # conv: [N, C, H, W]
    """
    where = "instance_norm"
    check_var_dtype(where, "input", input, ("float32", "float64"))
    epsilon = check_float(where, "epsilon", epsilon, lo=0, hi=1e-3)
    check_name(where, name)
    c = _channels(where, input)
    with building():
        helper = LayerHelper(where, name)
        inputs = {"X": input, **_scale_and_bias(helper, where, param_attr, bias_attr, c,
                                                input.dtype, optional=False)}
        y, mean, var = helper.tmp(), helper.tmp(), helper.tmp()
        mean.stop_gradient = var.stop_gradient = True
        helper.append_op(where, inputs, {"Y": y, "SavedMean": mean, "SavedVariance": var},
                         {"epsilon": epsilon})
        return y


def group_norm(input, groups, epsilon=1e-05, param_attr=None, bias_attr=None, act=None,
               data_layout="NCHW", name=None) -> Variable:
    """Each sample's channels split into `groups` groups (of ceil(C / groups) channels, in
    order), each normalised to mean 0 and variance 1, times a learned per-channel scale
    (initialised to 1) plus a shift (0), each left out when its attr is False; then `act`.

    Example:
        y = fluid.layers.group_norm(conv, groups=4, act="relu")
    """
    where = "group_norm"
    check_var_dtype(where, "input", input, ("float32", "float64"))
    data_layout = check_str(where, "data_layout", data_layout, ("NCHW", "NHWC"))
    c = _channels(where, input, data_layout)
    groups = check_int(where, "groups", groups, lo=1, hi=c)
    epsilon = check_float(where, "epsilon", epsilon, lo=0, hi=1)
    check_act(where, act)
    check_name(where, name)
    with building():
        helper = LayerHelper(where, name)
        inputs = {"X": input, **_scale_and_bias(helper, where, param_attr, bias_attr, c,
                                                input.dtype, optional=True)}
        y, mean, var = helper.tmp(), helper.tmp(), helper.tmp()
        mean.stop_gradient = var.stop_gradient = True
        helper.append_op(where, inputs, {"Y": y, "Mean": mean, "Variance": var},
                         {"epsilon": epsilon, "groups": groups, "data_layout": data_layout})
        return activate(y, act, helper)


def prelu(x, mode, param_attr=None, name=None) -> Variable:
    """A leaky ReLU whose negative slope is a learned parameter (initialised to 0.25): one
    slope (mode 'all', shape [1]), one per channel of axis 1 ('channel', shape [1, C, 1, 1]
    as fluid 1.8 saves it) or one per element of a sample ('element', [1] + x.shape[1:]).
    Its dtype is x's (float32 for float16 x).

    Example:
        y = fluid.layers.prelu(x, mode="channel", param_attr=fluid.ParamAttr(name="alpha"))
    """
    where = "prelu"
    check_var_dtype(where, "x", x, FLOATS)
    mode = check_str(where, "mode", mode, ("all", "channel", "element"))
    attr = ParamAttr.to_attr(param_attr, "param_attr", where)
    if attr is False:
        raise ValueError(f"{where}: argument 'param_attr' cannot be False: the slope is a "
                         f"parameter")
    check_name(where, name)
    if mode == "all":
        shape = [1]
    else:
        if len(x.shape) < 2:
            raise ValueError(f"{where}: mode {mode!r} needs x of rank 2 or more, got "
                             f"'{x.name}' of shape {list(x.shape)}")
        shape = [1, x.shape[1], 1, 1] if mode == "channel" else [1] + list(x.shape[1:])
        if any(d < 0 for d in shape):
            raise ValueError(f"{where}: the dimensions of x '{x.name}' after the first must be "
                             f"known for mode {mode!r}, got shape {list(x.shape)}")
    dtype = "float32" if x.dtype.name == "float16" else x.dtype.name
    with building():
        helper = LayerHelper(where, name)
        alpha = helper.create_parameter(attr, shape, dtype, default_initializer=Constant(0.25))
        out = helper.tmp(name)
        helper.append_op(where, {"X": x, "Alpha": alpha}, {"Out": out}, {"mode": mode})
        return out


def maxout(x, groups, name=None, axis=1) -> Variable:
    """The maximum of each run of `groups` consecutive channels: axis 1 (NCHW) or 3 / -1
    (NHWC, 4-D x), which must be divisible by groups (> 1).

    Example:
        y = fluid.layers.maxout(conv, groups=2)     # [N, C, H, W] -> [N, C / 2, H, W]
    """
    where = "maxout"
    check_var_dtype(where, "x", x, FLOATS)
    groups = check_int(where, "groups", groups, lo=2)
    check_name(where, name)
    axis = check_int(where, "axis", axis)
    if axis not in (1, -1, 3):
        raise ValueError(f"{where}: argument 'axis' must be 1 (NCHW), or 3 or -1 (NHWC), got "
                         f"{axis}")
    axis = 3 if axis == -1 else axis
    if axis >= len(x.shape):
        raise ValueError(f"{where}: argument 'axis' ({axis}) needs x of rank {axis + 1} or "
                         f"more, got '{x.name}' of shape {list(x.shape)}")
    c = x.shape[axis]
    if c >= 0 and c % groups:
        raise ValueError(f"{where}: argument 'groups' ({groups}) must divide the {c} channels "
                         f"of x '{x.name}' (shape {list(x.shape)}, axis {axis})")
    with building():
        helper = LayerHelper(where, name)
        out = helper.tmp(name)
        helper.append_op(where, {"X": x}, {"Out": out}, {"groups": groups, "axis": axis})
        return out


def bilinear_tensor_product(x, y, size, act=None, name=None, param_attr=None,
                            bias_attr=None) -> Variable:
    """out[n, k] = x[n] W[k] y[n]^T + b[k] for k < size: a learned bilinear form of each pair
    of rows of x [N, M] and y [N, P] (weight [size, M, P], bias [1, size] unless bias_attr
    is False), then `act`.

    Example:
        out = fluid.layers.bilinear_tensor_product(a, b, size=1000)    # [N, 1000]
    """
    where = "bilinear_tensor_product"
    check_var_dtype(where, "x", x, ("float32", "float64"))
    check_var_dtype(where, "y", y, ("float32", "float64"))
    if y.dtype != x.dtype:
        raise TypeError(f"{where}: argument 'y' must have x's dtype {x.dtype}, got '{y.name}' "
                        f"of {y.dtype}")
    size = check_int(where, "size", size, lo=1)
    check_act(where, act)
    check_name(where, name)
    w_attr = ParamAttr.to_attr(param_attr, "param_attr", where)
    b_attr = ParamAttr.to_attr(bias_attr, "bias_attr", where)
    if w_attr is False:
        raise ValueError(f"{where}: argument 'param_attr' cannot be False: the weight is a "
                         f"parameter")
    for arg, v in (("x", x), ("y", y)):
        if len(v.shape) != 2 or v.shape[1] < 0:
            raise ValueError(f"{where}: argument '{arg}' must be 2-D [batch, width] with a "
                             f"known width, got '{v.name}' of shape {list(v.shape)}")
    with building():
        helper = LayerHelper(where, name)
        inputs = {"X": x, "Y": y, "Weight": helper.create_parameter(
            w_attr, [size, x.shape[1], y.shape[1]], x.dtype)}
        if b_attr is not False:
            inputs["Bias"] = helper.create_parameter(b_attr, [1, size], x.dtype, is_bias=True)
        out = helper.tmp(name if act is None else None)
        helper.append_op(where, inputs, {"Out": out})
        return activate(out, act, helper)


DATA_NORM_DEFAULTS = {"batch_size": 1e4, "batch_sum": 0.0, "batch_square": 1e4, "scale_w": 1.0,
                      "bias": 0.0}


def data_norm(input, act=None, epsilon=1e-05, param_attr=None, data_layout="NCHW",
              in_place=False, name=None, moving_mean_name=None, moving_variance_name=None,
              do_model_average_for_mean_and_var=True, slot_dim=-1, sync_stats=False,
              summary_decay_rate=0.9999999, enable_scale_and_shift=False) -> Variable:
    """Each column of input [N, C] normalised with summary statistics kept as parameters
    '<name>.batch_size', '<name>.batch_sum', '<name>.batch_square_sum' (name defaults to
    'dn', as in fluid, so unnamed data_norm layers share them), initialised from
    `param_attr`, a dict with the keys batch_size (1e4), batch_sum (0), batch_square (1e4)
    and, with enable_scale_and_shift, scale_w (1) and bias (0) of the learned
    '<name>.scale_w' / '<name>.bias'. Then `act`.

    As in fluid, the statistics are trainable parameters whose "gradients" are the batch's
    summary increments (count, sum, sum of squared deviations), not derivatives: leave them
    out of the optimizer's parameter_list (fluid's CTR trainers add them with decay).
    moving_mean_name, moving_variance_name, do_model_average_for_mean_and_var, sync_stats
    (multi-GPU) and summary_decay_rate are accepted, as in fluid's CPU kernel, and unused;
    in_place writes a new variable (the values are the same).

    Example:
        y = fluid.layers.data_norm(x, param_attr={"batch_size": 1e3}, name="dn_x")
    """
    where = "data_norm"
    check_var_dtype(where, "input", input, ("float32", "float64"))
    check_act(where, act)
    epsilon = check_float(where, "epsilon", epsilon, lo=0)
    if param_attr is not None and not isinstance(param_attr, dict):
        raise TypeError(f"{where}: argument 'param_attr' must be None or a dict of initial "
                        f"values (keys {sorted(DATA_NORM_DEFAULTS)}), got "
                        f"{type(param_attr).__name__}")
    init = dict(DATA_NORM_DEFAULTS)
    for key, v in (param_attr or {}).items():
        if key not in init:
            raise ValueError(f"{where}: argument 'param_attr' has an unknown key {key!r}; the "
                             f"keys are {sorted(init)}")
        init[key] = check_float(where, f"param_attr[{key!r}]", v)
    data_layout = check_str(where, "data_layout", data_layout, ("NCHW", "NHWC"))
    check_bool(where, "in_place", in_place)
    check_name(where, name)
    check_str(where, "moving_mean_name", moving_mean_name, none=True)
    check_str(where, "moving_variance_name", moving_variance_name, none=True)
    check_bool(where, "do_model_average_for_mean_and_var", do_model_average_for_mean_and_var)
    slot_dim = check_int(where, "slot_dim", slot_dim)
    sync_stats = check_bool(where, "sync_stats", sync_stats)
    decay = check_float(where, "summary_decay_rate", summary_decay_rate, lo=0, hi=1)
    scaled = check_bool(where, "enable_scale_and_shift", enable_scale_and_shift)
    if len(input.shape) != 2 or input.shape[1] < 0:
        raise ValueError(f"{where}: input '{input.name}' must be 2-D [N, C] with C known, got "
                         f"shape {list(input.shape)}")
    c = input.shape[1]
    if slot_dim > 0 and c % slot_dim:
        raise ValueError(f"{where}: argument 'slot_dim' ({slot_dim}) must divide the {c} "
                         f"columns of input '{input.name}'")
    name = name or "dn"
    with building():
        helper = LayerHelper(where, name)

        def stat(suffix, value):
            return helper.create_parameter(ParamAttr(name=f"{name}.{suffix}",
                                                     initializer=Constant(value)),
                                           [c], input.dtype)
        inputs = {"X": input, "BatchSize": stat("batch_size", init["batch_size"]),
                  "BatchSum": stat("batch_sum", init["batch_sum"]),
                  "BatchSquareSum": stat("batch_square_sum", init["batch_square"])}
        if scaled:
            inputs["scale_w"] = stat("scale_w", init["scale_w"])
            inputs["bias"] = stat("bias", init["bias"])
        y, means, scales = helper.tmp(), helper.tmp(), helper.tmp()
        means.stop_gradient = scales.stop_gradient = True
        helper.append_op(where, inputs, {"Y": y, "Means": means, "Scales": scales},
                         {"epsilon": epsilon, "slot_dim": slot_dim, "sync_stats": sync_stats,
                          "summary_decay_rate": decay, "enable_scale_and_shift": scaled,
                          "data_layout": data_layout})
        return activate(y, act, helper)
