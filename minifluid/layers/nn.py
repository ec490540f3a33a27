"""Neural-network layers with fluid 1.x signatures."""
from __future__ import annotations

import math

from ..checks import (VARTYPES, FluidAssertionError, check_bool, check_dtype, check_float,
                      check_int, check_ints, check_str, check_var_dtype, is_int)
from ..framework import Variable
from ..param_attr import ParamAttr
from ..vartype import VarType
from .helper import (LayerHelper, activate, append_layer_op, building, check_act, check_name,
                     check_variable, generate_layer)
from .tensor import _shape_inputs

__all__ = [
    "sigmoid_cross_entropy_with_logits", "mean", "reduce_sum", "reduce_mean", "reduce_max",
    "reduce_min", "reduce_prod", "reduce_all", "reduce_any", "fc", "sigmoid",
    "relu", "tanh", "softmax", "elementwise_add", "elementwise_sub", "elementwise_mul",
    "elementwise_div", "matmul", "mul", "reshape", "concat", "cast", "scale", "dropout",
    "uniform_random", "gaussian_random", "uniform_random_batch_size_like",
    "gaussian_random_batch_size_like",
]

sigmoid_cross_entropy_with_logits = generate_layer(
    "sigmoid_cross_entropy_with_logits", "x, label, ignore_index, name, normalize")
mean = generate_layer("mean", "x, name")
sigmoid = generate_layer("sigmoid", "x, name")
relu = generate_layer("relu", "x, name")
tanh = generate_layer("tanh", "x, name")
mul = generate_layer("mul", "x, y, x_num_col_dims, y_num_col_dims, name")


_REDUCE_INPUT = {"reduce_mean": ("f", "a float"), "reduce_all": ("b", "a bool"),
                 "reduce_any": ("b", "a bool")}
# reduce_sum, max, min and prod: fluid 1.8's dtypes, the ones the ops have kernels for
# (uint8 and int8 are TypeErrors, as in fluid)
_REDUCE_NUMERIC = ("float16", "float32", "float64", "int32", "int64")


def _reduce(op_type, input, dim, keep_dim, name):
    check_variable(op_type, "input", input)
    if op_type not in _REDUCE_INPUT:
        check_var_dtype(op_type, "input", input, _REDUCE_NUMERIC)
    kinds, what = _REDUCE_INPUT.get(op_type, ("fi", "a numeric"))
    if input.dtype.kind not in kinds:
        raise TypeError(f"{op_type}: argument 'input' must be {what} Variable, got "
                        f"'{input.name}' of {input.dtype}")
    what = "None, an int or a list of ints"
    dims = [] if dim is None else [dim] if is_int(dim) else check_ints(op_type, "dim", dim,
                                                                       what=what)
    rank = len(input.shape)
    for d in dims:
        if not -rank <= d < max(rank, 1):
            raise ValueError(f"{op_type}: argument 'dim' holds {d}, out of range for "
                             f"'{input.name}' of shape {list(input.shape)}")
    reduce_all = not dims or len({d % max(rank, 1) for d in dims}) == rank
    # fluid 1.8 writes dim [0] (the op's default) when it reduces everything
    attrs = dict(dim=[int(d) % max(rank, 1) for d in dims] or [0],
                 keep_dim=check_bool(op_type, "keep_dim", keep_dim), reduce_all=reduce_all)
    return append_layer_op(op_type, {"X": ("input", input)}, attrs, name)


def _reducer(op_type, what, example):
    def layer(input, dim=None, keep_dim=False, name=None):
        return _reduce(op_type, input, dim, keep_dim, name)
    layer.__name__ = layer.__qualname__ = op_type
    layer.__doc__ = (f"{what} of `input` over `dim` (an int, a list, or None for all "
                     f"dimensions).\n\n    With `dim=None` and `keep_dim=False` the result has "
                     f"shape [1], as in fluid 1.x.\n\n    Example:\n        {example}\n")
    return layer


reduce_sum = _reducer("reduce_sum", "Sum", "total = fluid.layers.reduce_sum(loss)  # [1]")
reduce_mean = _reducer("reduce_mean", "Mean", "rows = fluid.layers.reduce_mean(x, dim=1)")
reduce_max = _reducer("reduce_max", "Maximum", "top = fluid.layers.reduce_max(x, dim=-1)")
reduce_min = _reducer("reduce_min", "Minimum", "low = fluid.layers.reduce_min(x, dim=[1, 2])")
reduce_prod = _reducer("reduce_prod", "Product", "p = fluid.layers.reduce_prod(x, dim=0)")
reduce_all = _reducer("reduce_all", "Logical and (bool input)",
                      "ok = fluid.layers.reduce_all(mask, dim=1)")
reduce_any = _reducer("reduce_any", "Logical or (bool input)",
                      "hit = fluid.layers.reduce_any(mask)")


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
    if not inputs:
        raise ValueError("fc: argument 'input' must be a Variable or a non-empty list of "
                         "Variables, got []")
    for x in inputs:
        check_variable("fc", "input", x)
    size = check_int("fc", "size", size, lo=1)
    num_flatten_dims = check_int("fc", "num_flatten_dims", num_flatten_dims, lo=1)
    for x in inputs:
        if not num_flatten_dims < len(x.shape):
            raise ValueError(f"fc: argument 'num_flatten_dims' ({num_flatten_dims}) does not "
                             f"fit input '{x.name}' of shape {list(x.shape)}")
        if -1 in x.shape[num_flatten_dims:]:
            raise ValueError(f"fc: the dimensions of '{x.name}' after num_flatten_dims must be "
                             f"known, got shape {list(x.shape)}")
    many = isinstance(param_attr, (list, tuple))
    attrs = [ParamAttr.to_attr(a, "param_attr", "fc")
             for a in (param_attr if many else [param_attr] * len(inputs))]
    if len(attrs) != len(inputs):
        raise ValueError(f"fc: {len(inputs)} inputs but {len(attrs)} param_attrs (argument "
                         f"'param_attr')")
    if any(a is False for a in attrs):
        raise ValueError("fc: argument 'param_attr' cannot be False: fc needs its weights "
                         "(only bias_attr may be False)")
    bias_attr = ParamAttr.to_attr(bias_attr, "bias_attr", "fc")
    check_act("fc", act)
    check_name("fc", name)
    with building():
        return _fc(inputs, size, num_flatten_dims, attrs, bias_attr, act, name)


def _fc(inputs, size, num_flatten_dims, attrs, bias_attr, act, name):
    helper = LayerHelper("fc", name)
    parts = []
    for x, attr in zip(inputs, attrs):
        w = helper.create_parameter(attr, [math.prod(x.shape[num_flatten_dims:]), size],
                                    x.dtype)
        out = helper.tmp()
        helper.append_op("mul", {"X": x, "Y": w}, {"Out": out},
                         {"x_num_col_dims": num_flatten_dims, "y_num_col_dims": 1})
        parts.append(out)
    pre_bias = parts[0]
    if len(parts) > 1:
        pre_bias = helper.tmp()
        helper.append_op("sum", {"X": parts}, {"Out": pre_bias})
    if bias_attr is not False:
        b = helper.create_parameter(bias_attr, [size], pre_bias.dtype, is_bias=True)
        out = helper.tmp()
        helper.append_op("elementwise_add", {"X": pre_bias, "Y": b}, {"Out": out},
                         {"axis": num_flatten_dims})
        pre_bias = out
    return activate(pre_bias, act, helper)


def softmax(input, use_cudnn=False, name=None, axis=-1):
    """exp(input) normalised along `axis`."""
    check_variable("softmax", "input", input)
    check_bool("softmax", "use_cudnn", use_cudnn)
    rank = len(input.shape)
    axis = check_int("softmax", "axis", axis, lo=-rank, hi=rank - 1)
    return append_layer_op("softmax", {"X": ("input", input)}, {"axis": axis}, name)


_ELEMENTWISE = ("float16", "float32", "float64", "int32", "int64")  # fluid 1.8's


def _elementwise(op_type):
    def layer(x, y, axis=-1, act=None, name=None):
        check_var_dtype(op_type, "x", x, _ELEMENTWISE)
        check_var_dtype(op_type, "y", y, _ELEMENTWISE)
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
    """alpha * x @ y, transposing the last two dimensions of x or y when asked.

    A 1-D x is a row ([K] as [1, K]; a column with transpose_x), a 1-D y a column (a row
    with transpose_y); the output drops the dimension of 1 they bring, as fluid 1.8 does.
    """
    for arg, v in (("x", x), ("y", y)):
        check_variable("matmul", arg, v)
        if v.dtype.kind != "f":  # fluid 1.8: float16, float32, float64
            raise TypeError(f"matmul: argument '{arg}' must be a float Variable, got "
                            f"'{v.name}' of {v.dtype}")
    return append_layer_op("matmul", {"X": ("x", x), "Y": ("y", y)},
                           {"transpose_X": check_bool("matmul", "transpose_x", transpose_x),
                            "transpose_Y": check_bool("matmul", "transpose_y", transpose_y),
                            "alpha": check_float("matmul", "alpha", alpha)}, name)


def reshape(x, shape, actual_shape=None, act=None, inplace=False, name=None):
    """x with a new shape: 0 copies x's dimension at that position, one -1 is inferred.
    Builds reshape2, as fluid 1.8 does.

    `shape` is a list of ints and 1-element int Variables (read when the program runs), or a
    1-D int Variable; `actual_shape`, a 1-D int Variable, overrides a list `shape` of ints
    when the program runs. `inplace` is accepted; the output is always a new variable.

    Example:
        flat = fluid.layers.reshape(img, shape=[0, -1])   # [N, C*H*W]
    """
    check_var_dtype("reshape", "x", x, ("float16", "float32", "float64", "int32", "int64"))
    check_variable("reshape", "actual_shape", actual_shape, none=True)
    check_bool("reshape", "inplace", inplace)
    inputs = {"X": x}
    what = "a list of ints and 1-element int Variables, or a 1-D int Variable"
    if isinstance(shape, Variable):
        check_variable("reshape", "shape", shape)
        _int_vector("shape", shape)
        inputs["Shape"], attrs = shape, {}
    else:
        if not isinstance(shape, (list, tuple)):
            raise TypeError(f"reshape: argument 'shape' must be {what}, got "
                            f"{type(shape).__name__} {shape!r:.40}")
        if not shape:  # the faults of a list of ints fluid 1.8 asserted: AssertionErrors too
            raise FluidAssertionError(f"reshape: argument 'shape' must be {what}, got []")
        tensors = [d for d in shape if isinstance(d, Variable)]
        ints = check_ints("reshape", "shape", [-1 if isinstance(d, Variable) else d
                                               for d in shape], what=what)
        if any(d < -1 for d in ints):
            raise FluidAssertionError(f"reshape: argument 'shape' must hold ints >= -1 (-1: "
                                      f"inferred, 0: copied), got {ints}")
        if tensors:
            for d in tensors:
                check_variable("reshape", "shape", d)
                _int_vector("shape", d, one=True)
            inputs["ShapeTensor"] = [d if isinstance(d, Variable) else None for d in shape]
        elif actual_shape is not None:
            _int_vector("actual_shape", actual_shape)
            inputs["Shape"] = actual_shape
        if ints.count(-1) > 1 + len(tensors):  # a Variable stands as -1 in the attr
            raise FluidAssertionError(f"reshape: argument 'shape' may hold only one -1, got "
                                      f"{ints}")
        for i, d in enumerate(shape):
            if not isinstance(d, Variable) and d == 0 and i >= len(x.shape):
                raise FluidAssertionError(
                    f"reshape: argument 'shape' has a 0 at position {i}, which copies a "
                    f"dimension '{x.name}' of shape {list(x.shape)} does not have")
        attrs = {"shape": ints}
    check_act("reshape", act)
    check_name("reshape", name)
    with building():
        helper = LayerHelper("reshape2", name)
        if "ShapeTensor" in inputs:  # the ints become tensors too, as fluid's layer does
            inputs["ShapeTensor"] = [
                v if v is not None else _int_constant(helper, d)
                for v, d in zip(inputs["ShapeTensor"], attrs["shape"])]
        out, xshape = helper.tmp(name if act is None else None), helper.tmp()
        helper.append_op("reshape2", inputs, {"Out": out, "XShape": xshape}, attrs)
        return activate(out, act, helper)


def _int_vector(arg, v, one=False):
    if v.dtype.name not in ("int32", "int64") or len(v.shape) != 1 or (
            one and v.shape[0] not in (1, -1)):
        raise TypeError(f"reshape: argument '{arg}' must be a 1-D{' 1-element' if one else ''} "
                        f"int32 or int64 Variable, got '{v.name}' of {v.dtype}{list(v.shape)}")


def _int_constant(helper, value):
    out = helper.tmp()
    helper.append_op("fill_constant", {}, {"Out": out},
                     {"shape": [1], "dtype": "int32", "value": float(value)})
    out.stop_gradient = True
    return out


_CONCAT = ("float16", "float32", "float64", "int32", "int64")


def concat(input, axis=0, name=None):
    """The variables in `input` joined along `axis` (an int, negative from the end, or a
    1-element int Variable read when the program runs). `input` is a list of Variables of
    one dtype among float16/32/64, int32, int64; a single Variable stands for a list of
    one, as in fluid 1.8."""
    if isinstance(input, Variable):
        input = [input]
    if not isinstance(input, (list, tuple)) or not input:
        raise TypeError(f"concat: argument 'input' must be a non-empty list of Variables, got "
                        f"{type(input).__name__} {input!r:.40}")
    for i, v in enumerate(input):
        check_var_dtype("concat", f"input[{i}]", v, _CONCAT)
        if v.dtype != input[0].dtype:
            raise TypeError(f"concat: the Variables in 'input' must have one dtype, got "
                            f"'{input[0].name}' of {input[0].dtype} and '{v.name}' of {v.dtype}")
    if isinstance(axis, Variable):  # read when the program runs: fluid's AxisTensor
        if axis.dtype.kind not in "iu" or axis.shape not in ((1,), (-1,)):
            raise TypeError(f"concat: argument 'axis' must be an int or a 1-element int "
                            f"Variable, got '{axis.name}' of {axis.dtype}{list(axis.shape)}")
        return append_layer_op("concat", {"X": ("input", list(input)),
                                          "AxisTensor": ("axis", axis)}, {}, name)
    return append_layer_op("concat", {"X": ("input", list(input))},
                           {"axis": check_int("concat", "axis", axis)}, name)


# fluid 1.8's layers.cast: what x may be, and what it may become (int8 too)
_CAST_FROM = ("bool", "float16", "float32", "float64", "int32", "int64", "uint8")
_CAST_TO = _CAST_FROM + ("int8",)


def cast(x, dtype):
    """x converted to `dtype` (the op records x's dtype as in_dtype, as fluid 1.8 does).

    x is bool, float16/32/64, int32, int64 or uint8, and so is `dtype`, or int8; another
    dtype (int16) is a TypeError, as in fluid 1.8."""
    check_var_dtype("cast", "x", x, _CAST_FROM)
    return append_layer_op("cast", {"X": ("x", x)},
                           {"in_dtype": x.dtype.name,
                            "out_dtype": check_dtype("cast", "dtype", dtype, _CAST_TO)})


def scale(x, scale=1.0, bias=0.0, bias_after_scale=True, act=None, name=None):
    """scale * x + bias (or scale * (x + bias) with bias_after_scale=False).

    `scale` may be a 1-element float Variable (the op's ScaleTensor), as in fluid 1.8.
    """
    attrs = {"bias": check_float("scale", "bias", bias),
             "bias_after_scale": check_bool("scale", "bias_after_scale", bias_after_scale)}
    inputs = {"X": ("x", x)}
    if isinstance(scale, Variable):
        if scale.dtype.kind != "f" or any(d not in (1, -1) for d in scale.shape):
            raise TypeError(f"scale: argument 'scale' must be a number or a 1-element float "
                            f"Variable, got Variable '{scale.name}' of "
                            f"{scale.dtype}{list(scale.shape)}")
        inputs["ScaleTensor"] = ("scale", scale)
    else:
        attrs["scale"] = check_float("scale", "scale", scale)
    return append_layer_op("scale", inputs, attrs, name, act=act)


def dropout(x, dropout_prob, is_test=False, seed=None, name=None,
            dropout_implementation="downgrade_in_infer"):
    """Zero elements of x with probability `dropout_prob` while training.

    With fluid 1.x's default 'downgrade_in_infer', training keeps the survivors as they are
    and testing (is_test, or a program cloned with for_test=True) scales x by 1 - p;
    'upscale_in_train' divides the survivors by 1 - p and leaves x alone in testing.
    A `seed` (or the program's random_seed) sets the op's fix_seed, as fluid 1.8 does.
    """
    check_variable("dropout", "x", x)
    # The op's shape rule checks the range [0, 1].
    attrs = {"dropout_prob": check_float("dropout", "dropout_prob", dropout_prob, finite=False),
             "is_test": check_bool("dropout", "is_test", is_test),
             "dropout_implementation": check_str("dropout", "dropout_implementation",
                                                 dropout_implementation,
                                                 ("downgrade_in_infer", "upscale_in_train"))}
    seed = check_int("dropout", "seed", seed, lo=0, none=True)
    with building():
        helper = LayerHelper("dropout", name)
        if not seed:
            base = helper.main.random_seed
            seed = base + len(helper.block.ops) if base else 0
        out, mask = helper.tmp(name), helper.tmp()
        helper.append_op("dropout", {"X": x}, {"Out": out, "Mask": mask},
                         {**attrs, "fix_seed": bool(seed), "seed": seed})
        return out


# Random tensors (ops/random.py)

def uniform_random(shape, dtype="float32", min=-1.0, max=1.0, seed=0) -> Variable:
    """A tensor of `shape` drawn uniformly from [min, max); a `seed` other than 0 gives the
    same values on every run.

    `shape` is a list or tuple of ints and 1-element int32/int64 Variables, or a 1-D
    int32/int64 Variable holding the whole shape (read when the program runs), as in
    fluid 1.8.

    Example:
        noise = fluid.layers.uniform_random([8, 16], min=-0.1, max=0.1, seed=1)
    """
    where = "uniform_random"
    return _random(where, shape, _float_dtype(where, dtype), _uniform(where, min, max, seed))


def gaussian_random(shape, mean=0.0, std=1.0, seed=0, dtype="float32") -> Variable:
    """A tensor of `shape` drawn from N(mean, std^2); `shape` as in uniform_random.

    Example:
        noise = fluid.layers.gaussian_random([8, 16], std=0.01)
    """
    where = "gaussian_random"
    return _random(where, shape, _float_dtype(where, dtype), _gaussian(where, mean, std, seed))


def uniform_random_batch_size_like(input, shape, dtype="float32", input_dim_idx=0,
                                   output_dim_idx=0, min=-1.0, max=1.0, seed=0) -> Variable:
    """uniform_random of `shape` (a list of ints) whose dimension output_dim_idx is
    `input`'s dimension input_dim_idx (its batch size, by default), as fluid 1.8's.

    Example:
        noise = fluid.layers.uniform_random_batch_size_like(x, [-1, 16])
    """
    where = "uniform_random_batch_size_like"
    check_variable(where, "input", input)
    if input.dtype.name not in ("float32", "float64"):  # as fluid 1.8 checks it
        raise TypeError(f"{where}: argument 'input' must be a float32 or float64 Variable, "
                        f"got '{input.name}' of {input.dtype}")
    return _random_like(where, input, shape, input_dim_idx, output_dim_idx,
                        _float_dtype(where, dtype), _uniform(where, min, max, seed))


def gaussian_random_batch_size_like(input, shape, input_dim_idx=0, output_dim_idx=0, mean=0.0,
                                    std=1.0, seed=0, dtype="float32") -> Variable:
    """gaussian_random of `shape` whose dimension output_dim_idx is `input`'s dimension
    input_dim_idx, as fluid 1.8's.

    Example:
        noise = fluid.layers.gaussian_random_batch_size_like(x, [-1, 16], std=0.1)
    """
    where = "gaussian_random_batch_size_like"
    check_variable(where, "input", input)
    return _random_like(where, input, shape, input_dim_idx, output_dim_idx,
                        _float_dtype(where, dtype, ("float16", "float32", "float64")),
                        _gaussian(where, mean, std, seed))


def _float_dtype(where, dtype, floats=("float32", "float64")):
    if isinstance(dtype, VarType) and int(dtype) in VARTYPES:  # core.VarDesc.VarType.FP32
        dtype = VARTYPES[int(dtype)]
    name = check_dtype(where, "dtype", dtype)
    if name not in floats:  # a TypeError, as fluid 1.8's check_dtype raises
        raise TypeError(f"{where}: argument 'dtype' must be one of {list(floats)}, got {name}")
    return name


def _seed(where, seed):
    return check_int(where, "seed", seed, lo=0, hi=2 ** 31 - 1)  # fluid's seed attr is an int


def _uniform(where, min, max, seed):
    lo, hi = check_float(where, "min", min), check_float(where, "max", max)
    if lo > hi:
        raise ValueError(f"{where}: argument 'min' ({lo}) must not exceed 'max' ({hi})")
    return {"min": lo, "max": hi, "seed": _seed(where, seed)}


def _gaussian(where, mean, std, seed):
    return {"mean": check_float(where, "mean", mean),
            "std": check_float(where, "std", std, lo=0), "seed": _seed(where, seed)}


def _random(where, shape, dtype, attrs):
    with building():  # which also takes out the int tensors of a refused mixed shape list
        inputs, attrs["shape"] = _shape_inputs(where, shape)
        if not inputs and not attrs["shape"]:
            raise ValueError(f"{where}: argument 'shape' must not be empty")
        slots = {s: ("shape", v if s == "ShapeTensor" else list(v)) for s, v in inputs.items()}
        out = append_layer_op(where, slots, {**attrs, "dtype": dtype})
    out.stop_gradient = True
    return out


def _random_like(where, input, shape, input_dim_idx, output_dim_idx, dtype, attrs):
    shape = check_ints(where, "shape", shape, lo=-1, what="a non-empty list of ints")
    if not shape:
        raise ValueError(f"{where}: argument 'shape' must not be empty")
    attrs.update(shape=shape, dtype=dtype, output_dim_idx=check_int(
        where, "output_dim_idx", output_dim_idx, lo=0, hi=len(shape) - 1),
        input_dim_idx=check_int(where, "input_dim_idx", input_dim_idx, lo=0,
                                hi=max(len(input.shape) - 1, 0)))
    out = append_layer_op(where, {"Input": ("input", input)}, attrs)
    out.stop_gradient = True
    return out
