"""Neural-network layers with fluid 1.x signatures."""
from __future__ import annotations

import math

import numpy as np

from ..framework import Variable, is_int
from ..param_attr import ParamAttr
from .helper import LayerHelper, activate, append_layer_op, check_variable, generate_layer

__all__ = [
    "sigmoid_cross_entropy_with_logits", "mean", "reduce_sum", "reduce_mean", "fc", "sigmoid",
    "relu", "tanh", "softmax", "elementwise_add", "elementwise_sub", "elementwise_mul",
    "elementwise_div", "matmul", "mul", "reshape", "concat", "cast", "scale", "dropout",
]

sigmoid_cross_entropy_with_logits = generate_layer(
    "sigmoid_cross_entropy_with_logits", "x, label, ignore_index, name, normalize")
mean = generate_layer("mean", "x, name")
sigmoid = generate_layer("sigmoid", "x, name")
relu = generate_layer("relu", "x, name")
tanh = generate_layer("tanh", "x, name")
mul = generate_layer("mul", "x, y, x_num_col_dims, y_num_col_dims, name")


def _reduce(op_type, input, dim, keep_dim, name):
    check_variable(op_type, "input", input)
    if dim is None:
        dims = []
    elif is_int(dim):
        dims = [int(dim)]
    elif isinstance(dim, (list, tuple)) and all(is_int(d) for d in dim):
        dims = [int(d) for d in dim]
    else:
        raise TypeError(f"{op_type}: dim must be None, an int or a list of ints, got {dim!r}")
    rank = len(input.shape)
    for d in dims:
        if not -rank <= d < rank:
            raise ValueError(f"{op_type}: dim {d} is out of range for '{input.name}' of shape "
                             f"{list(input.shape)}")
    reduce_all = not dims or len({d % rank for d in dims}) == rank
    attrs = dict(dim=[d % rank for d in dims], keep_dim=bool(keep_dim), reduce_all=reduce_all)
    return append_layer_op(op_type, {"X": ("input", input)}, attrs, name)


def reduce_sum(input, dim=None, keep_dim=False, name=None):
    """Sum of `input` over `dim` (an int, a list, or None for all dimensions).

    With `dim=None` and `keep_dim=False` the result has shape [1], as in fluid 1.x.

    Example:
        total = fluid.layers.reduce_sum(loss)            # shape [1]
        rows = fluid.layers.reduce_sum(loss, dim=1)      # shape [-1]
    """
    return _reduce("reduce_sum", input, dim, keep_dim, name)


def reduce_mean(input, dim=None, keep_dim=False, name=None):
    """Mean of `input` over `dim`; shapes as `reduce_sum`."""
    return _reduce("reduce_mean", input, dim, keep_dim, name)


def fc(input, size: int, num_flatten_dims: int = 1, param_attr=None, bias_attr=None, act=None,
       name=None) -> Variable:
    """A fully connected layer: act(sum_i flatten(input_i) @ W_i + b).

    Each input is flattened to 2-D at `num_flatten_dims`; W_i (named 'fc_0.w_0', ...) is
    initialised with Xavier unless `param_attr` says otherwise; `bias_attr=False` drops b.
    `act` is an activation name ('relu', 'sigmoid', 'tanh', 'softmax') or None.

    Example:
        hidden = fluid.layers.fc(input=x, size=64, act="relu")
    """
    inputs = input if isinstance(input, (list, tuple)) else [input]
    for x in inputs:
        check_variable("fc", "input", x)
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
        raise ValueError(f"fc: size must be a positive int, got {size!r}")
    helper = LayerHelper("fc", name)
    attrs = [ParamAttr.to_attr(a) for a in (param_attr if isinstance(param_attr, (list, tuple))
                                            else [param_attr] * len(inputs))]
    if len(attrs) != len(inputs):
        raise ValueError(f"fc: {len(inputs)} inputs but {len(attrs)} param_attrs")
    parts = []
    for x, attr in zip(inputs, attrs):
        if not 0 < num_flatten_dims < len(x.shape):
            raise ValueError(f"fc: num_flatten_dims={num_flatten_dims} does not fit input "
                             f"'{x.name}' of shape {list(x.shape)}")
        width = x.shape[num_flatten_dims:]
        if -1 in width:
            raise ValueError(f"fc: the dimensions of '{x.name}' after num_flatten_dims must be "
                             f"known, got shape {list(x.shape)}")
        w = helper.create_parameter(attr, [math.prod(width), size], x.dtype)
        out = helper.tmp()
        helper.append_op("mul", {"X": x, "Y": w}, {"Out": out},
                         {"x_num_col_dims": num_flatten_dims, "y_num_col_dims": 1})
        parts.append(out)
    pre_bias = parts[0]
    if len(parts) > 1:
        pre_bias = helper.tmp()
        helper.append_op("sum", {"X": parts}, {"Out": pre_bias})
    bias_attr = ParamAttr.to_attr(bias_attr, "bias_attr")
    if bias_attr is not False:
        b = helper.create_parameter(bias_attr, [size], pre_bias.dtype, is_bias=True)
        out = helper.tmp()
        helper.append_op("elementwise_add", {"X": pre_bias, "Y": b}, {"Out": out},
                         {"axis": num_flatten_dims})
        pre_bias = out
    return activate(pre_bias, act, helper)


def softmax(input, use_cudnn=False, name=None, axis=-1):
    """exp(input) normalised along `axis`."""
    return append_layer_op("softmax", {"X": ("input", input)}, {"axis": axis}, name)


def _elementwise(op_type):
    def layer(x, y, axis=-1, act=None, name=None):
        return append_layer_op(op_type, {"X": ("x", x), "Y": ("y", y)}, {"axis": axis},
                               name, act=act)
    layer.__name__ = layer.__qualname__ = op_type
    layer.__doc__ = (f"{op_type}(x, y, axis=-1, act=None, name=None): x {op_type[12:]} y, "
                     f"y lined up with x from dimension `axis` (-1: the last ones) and "
                     f"broadcast.")
    return layer


elementwise_add = _elementwise("elementwise_add")
elementwise_sub = _elementwise("elementwise_sub")
elementwise_mul = _elementwise("elementwise_mul")
elementwise_div = _elementwise("elementwise_div")


def matmul(x, y, transpose_x=False, transpose_y=False, alpha=1.0, name=None):
    """alpha * x @ y, transposing the last two dimensions of x or y when asked."""
    return append_layer_op("matmul", {"X": ("x", x), "Y": ("y", y)},
                           {"transpose_X": bool(transpose_x), "transpose_Y": bool(transpose_y),
                            "alpha": float(alpha)}, name)


def reshape(x, shape, actual_shape=None, act=None, inplace=False, name=None):
    """x with a new shape: 0 copies x's dimension at that position, one -1 is inferred.

    Example:
        flat = fluid.layers.reshape(img, shape=[0, -1])   # [N, C*H*W]
    """
    if actual_shape is not None:
        raise NotImplementedError("reshape: actual_shape is not supported; give `shape`")
    if not isinstance(shape, (list, tuple)):
        raise TypeError(f"reshape: shape must be a list or tuple, got {type(shape).__name__}")
    return append_layer_op("reshape", {"X": ("x", x)}, {"shape": list(shape)}, name, act=act)


def concat(input, axis=0, name=None):
    """The variables in `input` joined along `axis`."""
    if not isinstance(input, (list, tuple)) or not input:
        raise TypeError("concat: input must be a non-empty list of Variables")
    return append_layer_op("concat", {"X": ("input", list(input))}, {"axis": axis}, name)


def cast(x, dtype):
    """x converted to `dtype`."""
    return append_layer_op("cast", {"X": ("x", x)}, {"out_dtype": np.dtype(dtype).name})


def scale(x, scale=1.0, bias=0.0, bias_after_scale=True, act=None, name=None):
    """scale * x + bias (or scale * (x + bias) with bias_after_scale=False)."""
    return append_layer_op("scale", {"X": ("x", x)},
                           {"scale": float(scale), "bias": float(bias),
                            "bias_after_scale": bool(bias_after_scale)}, name, act=act)


def dropout(x, dropout_prob, is_test=False, seed=None, name=None,
            dropout_implementation="downgrade_in_infer"):
    """Zero elements of x with probability `dropout_prob` while training.

    With fluid 1.x's default 'downgrade_in_infer', training keeps the survivors as they are
    and testing (is_test, or a program cloned with for_test=True) scales x by 1 - p;
    'upscale_in_train' divides the survivors by 1 - p and leaves x alone in testing.
    """
    check_variable("dropout", "x", x)
    helper = LayerHelper("dropout", name)
    if not seed:
        base = helper.main.random_seed
        seed = base + len(helper.block.ops) if base else 0
    out, mask = helper.tmp(name), helper.tmp()
    helper.append_op("dropout", {"X": x}, {"Out": out, "Mask": mask},
                     {"dropout_prob": float(dropout_prob), "is_test": bool(is_test),
                      "seed": int(seed), "dropout_implementation": dropout_implementation})
    return out
