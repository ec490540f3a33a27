"""Shape layers with fluid 1.8's signatures: shape, squeeze, unsqueeze, transpose, t,
flatten, slice, split, stack, unstack (shape15_values.py has issue 15's other layers).
Each builds the op fluid 1.8's layer builds (the *2 ops, with XShape).
"""
from __future__ import annotations

from ..checks import check_instance, check_int, check_ints, check_var_dtype, check_variable, is_int
from ..framework import Variable
from .helper import LayerHelper, building, check_name

__all__ = ["shape", "squeeze", "unsqueeze", "transpose", "t", "flatten", "slice", "split",
           "stack", "unstack"]

_ALL = ("float16", "float32", "float64", "int8", "int32", "int64", "bool", "uint8")


def _append(op_type, inputs, attrs, name, x_shape=False, slot="Out"):
    """Append `op_type`; its output `slot` is named `name` when given. With x_shape the op
    also gets an XShape output (the *2 ops)."""
    with building():
        helper = LayerHelper(op_type, name)
        out = helper.tmp(name)
        outs = {slot: out, "XShape": helper.tmp()} if x_shape else {slot: out}
        helper.append_op(op_type, inputs, outs, attrs)
        return out


def shape(input) -> Variable:
    """The shape of `input` as a 1-D int32 tensor, read when the program runs (so -1
    dimensions come out as the fed sizes).

    Example:
        n = fluid.layers.shape(x)    # [rank] int32
    """
    check_var_dtype("shape", "input", input, _ALL)
    return _append("shape", {"Input": input}, {}, None)


def squeeze(input, axes, name=None) -> Variable:
    """`input` without the dimensions `axes` (each of size 1); with axes=[] without every
    dimension of size 1. Builds squeeze2.

    Example:
        y = fluid.layers.squeeze(x, axes=[1])    # [N, 1, 10] -> [N, 10]
    """
    check_var_dtype("squeeze", "input", input, ("float32", "float64", "int8", "int32", "int64"))
    axes = check_ints("squeeze", "axes", axes)
    check_name("squeeze", name)
    return _append("squeeze2", {"X": input}, {"axes": axes}, name, x_shape=True)


def unsqueeze(input, axes, name=None) -> Variable:
    """`input` with a dimension of size 1 inserted at each of `axes`, in order. `axes` is an
    int, a list of ints and 1-element int Variables, or a 1-D int Variable (read when the
    program runs). Builds unsqueeze2.

    Example:
        y = fluid.layers.unsqueeze(x, axes=[0])    # [3, 4] -> [1, 3, 4]
    """
    check_var_dtype("unsqueeze", "input", input, ("float32", "float64", "int8", "int32",
                                                   "int64"))
    check_name("unsqueeze", name)
    what = "an int, a list of ints and 1-element int Variables, or a 1-D int Variable"
    inputs, attrs = {"X": input}, {}
    if isinstance(axes, Variable):
        _int_tensor("unsqueeze", "axes", axes)
        inputs["AxesTensor"] = axes
    elif is_int(axes):
        attrs["axes"] = [int(axes)]
    elif isinstance(axes, (list, tuple)) and any(isinstance(a, Variable) for a in axes):
        with building():
            inputs["AxesTensorList"] = [
                _int_tensor("unsqueeze", "axes", a, one=True) if isinstance(a, Variable)
                else _constant("unsqueeze", "axes", a, what) for a in axes]
            return _append("unsqueeze2", inputs, attrs, name, x_shape=True)
    else:
        attrs["axes"] = check_ints("unsqueeze", "axes", axes, what=what)
    return _append("unsqueeze2", inputs, attrs, name, x_shape=True)


def _int_tensor(where, arg, v, one=False):
    check_variable(where, arg, v)
    # a 1-element one may have a batch dimension: layers.data(shape=[1]) is [-1, 1]
    if v.dtype.name not in ("int32", "int64") or (
            any(d not in (1, -1) for d in v.shape) if one else len(v.shape) != 1):
        want = "a 1-element" if one else "a 1-D"
        raise TypeError(f"{where}: argument '{arg}' must hold {want} int32/int64 Variable, got "
                        f"'{v.name}' of {v.dtype}{list(v.shape)}")
    return v


def _constant(where, arg, value, what=""):
    """A 1-element int32 constant: an int of a list that also holds Variables."""
    from .tensor import fill_constant
    if not is_int(value):
        raise TypeError(f"{where}: argument '{arg}' must be {what}, got {value!r} in the list")
    return fill_constant([1], "int32", int(value))


def transpose(x, perm, name=None) -> Variable:
    """`x` with its dimensions permuted: dimension i of the result is dimension perm[i] of
    x. Builds transpose2.

    Example:
        y = fluid.layers.transpose(x, perm=[1, 0, 2])    # [2, 3, 4] -> [3, 2, 4]
    """
    check_var_dtype("transpose", "x", x, ("float16", "float32", "float64", "int32", "int64"))
    perm = check_ints("transpose", "perm", perm)
    if len(perm) != len(x.shape):
        raise ValueError(f"transpose: argument 'perm' must have one entry per dimension of "
                         f"argument 'x' ('{x.name}', rank {len(x.shape)}), got {perm}")
    if sorted(perm) != list(range(len(x.shape))):
        raise ValueError(f"transpose: argument 'perm' must be a permutation of "
                         f"{list(range(len(x.shape)))}, got {perm}")
    check_name("transpose", name)
    return _append("transpose2", {"X": x}, {"axis": perm}, name, x_shape=True)


def t(input, name=None) -> Variable:
    """The transpose of a matrix (`input` of rank 2); a rank-0 or rank-1 input is returned
    as it is, as in fluid 1.8.

    Example:
        yt = fluid.layers.t(y)    # [3, 4] -> [4, 3]
    """
    check_var_dtype("t", "input", input, ("float16", "float32", "float64", "int32", "int64"))
    if len(input.shape) > 2:
        raise ValueError(f"t: argument 'input' must have rank <= 2, got '{input.name}' of "
                         f"shape {list(input.shape)}; use transpose for more dimensions")
    check_name("t", name)
    if len(input.shape) < 2:
        return input
    return _append("transpose2", {"X": input}, {"axis": [1, 0]}, name, x_shape=True)


def flatten(x, axis=1, name=None) -> Variable:
    """`x` as a matrix: [prod(x.shape[:axis]), prod(x.shape[axis:])] (axis in [0, rank]).
    Builds flatten2.

    Example:
        y = fluid.layers.flatten(x, axis=2)    # [2, 3, 4, 5] -> [6, 20]
    """
    check_var_dtype("flatten", "x", x, ("float32", "float64", "int8", "int32", "int64"))
    axis = check_int("flatten", "axis", axis, lo=0)
    if axis > len(x.shape):
        raise ValueError(f"flatten: argument 'axis' must be in [0, {len(x.shape)}] (the rank of "
                         f"'{x.name}'), got {axis}")
    check_name("flatten", name)
    return _append("flatten2", {"X": x}, {"axis": axis}, name, x_shape=True)


def slice(input, axes, starts, ends) -> Variable:  # noqa: A001 -- fluid's name
    """input[starts[i]:ends[i]] along each dimension axes[i] (Python's slice rules: negative
    bounds count from the end, bounds past the end are clipped). `starts` and `ends` are
    lists of ints and 1-element int Variables, or 1-D int Variables; Variables are read when
    the program runs.

    Example:
        y = fluid.layers.slice(x, axes=[1], starts=[0], ends=[-1])    # x[:, :-1]
    """
    check_var_dtype("slice", "input", input, ("float16", "float32", "float64", "int32",
                                               "int64", "bool"))
    axes = check_ints("slice", "axes", axes, lo=0)
    if len(set(axes)) != len(axes) or any(a >= len(input.shape) for a in axes):
        raise ValueError(f"slice: argument 'axes' must be distinct dimensions of argument "
                         f"'input' ('{input.name}', rank {len(input.shape)}), got {axes}")
    return _strided("slice", input, axes, {"starts": starts, "ends": ends}, [], "slice")


def _strided(where, input, axes, parts, decrease_axis, op_type="strided_slice"):
    """Append `op_type` (strided_slice, or slice without strides) for the parts {'starts':
    ..., 'ends': ..., 'strides': ...}, each a list of ints and 1-element int Variables or a
    1-D int Variable."""
    inputs, attrs = {"Input": input}, {"axes": axes, "decrease_axis": decrease_axis}
    flags, lists = [1] * len(axes), {}
    what = "a list of ints and 1-element int Variables, or a 1-D int Variable"
    for arg, values in parts.items():
        slot = arg.capitalize()
        if isinstance(values, Variable):
            _int_tensor(where, arg, values)
            if values.shape[0] not in (len(axes), -1):
                raise ValueError(f"{where}: argument '{arg}' must hold one value per axis of "
                                 f"argument 'axes' ({axes}), got '{values.name}' of shape "
                                 f"{list(values.shape)}")
            values.stop_gradient = True
            inputs[f"{slot}Tensor"], flags = values, [-1] * len(axes)
            continue
        if not isinstance(values, (list, tuple)):
            raise TypeError(f"{where}: argument '{arg}' must be {what}, got "
                            f"{type(values).__name__} {values!r:.40}")
        if len(values) != len(axes):
            raise ValueError(f"{where}: argument '{arg}' must hold one value per axis of "
                             f"argument 'axes' ({axes}), got {len(values)}")
        ints = check_ints(where, arg, [-1 if isinstance(v, Variable) else v for v in values],
                          what=what)
        if any(not -2 ** 31 <= v < 2 ** 31 for v in ints):
            raise ValueError(f"{where}: argument '{arg}' must hold int32 values, got {ints}")
        if arg == "strides" and 0 in ints:
            raise ValueError(f"{where}: argument 'strides' must not hold 0, got {ints}")
        attrs[arg] = ints
        if any(isinstance(v, Variable) for v in values):
            for i, v in enumerate(values):
                if isinstance(v, Variable):
                    _int_tensor(where, arg, v, one=True).stop_gradient = True
                    flags[i] = -1
            lists[f"{slot}TensorList"] = (arg, values)
    attrs["infer_flags"] = flags
    with building():
        for slot, (arg, values) in lists.items():  # the ints become tensors too, as in fluid
            inputs[slot] = [v if isinstance(v, Variable) else _constant(where, arg, v, what)
                            for v in values]
        return _append(op_type, inputs, attrs, None)


def _outputs(op_type, inputs, attrs, name, slot, n):
    """Append `op_type` with `n` outputs in list slot `slot` ('<name>.tmp_<i>')."""
    with building():
        helper = LayerHelper(op_type, name)
        outs = [helper.tmp() for _ in range(n)]
        helper.append_op(op_type, inputs, {slot: outs}, attrs)
        return outs


def split(input, num_or_sections, dim=-1, name=None) -> list:
    """`input` cut along dimension `dim` into `num_or_sections` equal parts (an int), or parts
    of the listed sizes (ints, one of which may be -1 for the rest, and 1-element int
    Variables). `dim` may be a 1-element int Variable; Variables are read when the program
    runs.

    Example:
        a, b, c = fluid.layers.split(x, num_or_sections=3, dim=1)       # x: [N, 9]
        a, b = fluid.layers.split(x, num_or_sections=[2, -1], dim=1)
    """
    check_var_dtype("split", "input", input, ("float16", "float32", "float64", "int32",
                                               "int64", "bool"))
    check_name("split", name)
    rank, inputs, attrs = len(input.shape), {"X": input}, {}
    what = "an int >= 1, or a list of ints and 1-element int Variables"
    if not is_int(num_or_sections):  # the kinds first, as fluid 1.8 checks them
        check_instance("split", "num_or_sections", num_or_sections, (list, tuple), what)
    if not isinstance(dim, Variable):
        check_int("split", "dim", dim)
    if isinstance(dim, Variable):
        inputs["AxisTensor"] = _int_tensor("split", "dim", dim, one=True)
        known = -1
    else:
        dim = check_int("split", "dim", dim, lo=-rank, hi=rank - 1)
        attrs["axis"] = dim = dim % rank
        known = input.shape[dim]
    if is_int(num_or_sections):
        num = check_int("split", "num_or_sections", num_or_sections, lo=1)
        if known != -1 and known % num:
            raise ValueError(f"split: argument 'num_or_sections' ({num}) must divide dimension "
                             f"{dim} of argument 'input' ('{input.name}', shape "
                             f"{list(input.shape)})")
        attrs["num"] = num
        return _outputs("split", inputs, attrs, name, "Out", num)
    sections = list(num_or_sections)
    ints = check_ints("split", "num_or_sections", [-1 if isinstance(s, Variable) else s
                                                   for s in sections], lo=-1, what=what)
    tensors = [s for s in sections if isinstance(s, Variable)]
    if not sections or sum(d == -1 for d in ints) > 1 + len(tensors) or (
            not tensors and ints.count(-1) > 1):
        raise ValueError(f"split: argument 'num_or_sections' must be {what}, with at most one "
                         f"-1, got {ints}")
    if known != -1 and not tensors and (sum(ints) != known if -1 not in ints
                                        else sum(d for d in ints if d != -1) > known):
        raise ValueError(f"split: argument 'num_or_sections' ({ints}) does not fit dimension "
                         f"{dim} ({known}) of argument 'input' ('{input.name}')")
    attrs["sections"] = ints
    with building():
        if tensors:  # the ints become tensors too, as in fluid 1.8
            inputs["SectionsTensorList"] = [
                _int_tensor("split", "num_or_sections", s, one=True) if isinstance(s, Variable)
                else _constant("split", "num_or_sections", s, what) for s in sections]
        return _outputs("split", inputs, attrs, name, "Out", len(sections))


def stack(x, axis=0) -> Variable:
    """The tensors `x` (a list of Variables of one shape and dtype, or one Variable) joined
    along a new dimension `axis` (in [-rank - 1, rank]).

    Example:
        y = fluid.layers.stack([a, b, c], axis=1)    # 3 x [N, 4] -> [N, 3, 4]
    """
    xs = [x] if isinstance(x, Variable) else x
    check_instance("stack", "x", xs, (list, tuple), "a Variable or a list of Variables")
    if not xs:
        raise ValueError("stack: argument 'x' must hold at least one Variable, got []")
    for v in xs:
        check_var_dtype("stack", "x", v, _ALL)
    rank = len(xs[0].shape)
    axis = check_int("stack", "axis", axis, lo=-rank - 1, hi=rank)
    return _append("stack", {"X": list(xs)}, {"axis": axis}, None, slot="Y")


def unstack(x, axis=0, num=None) -> list:
    """The slices of `x` along dimension `axis`, as a list of num = x.shape[axis] Variables
    (`num` must be given where that dimension is not known at build time).

    Example:
        a, b, c = fluid.layers.unstack(y, axis=1)    # [N, 3, 4] -> 3 x [N, 4]
    """
    check_var_dtype("unstack", "x", x, _ALL)
    rank = len(x.shape)
    axis = check_int("unstack", "axis", axis, lo=-rank, hi=rank - 1)
    dim = x.shape[axis % rank]
    num = check_int("unstack", "num", num, lo=0, none=True)
    if num is None:
        if dim == -1:
            raise ValueError(f"unstack: argument 'num' must be given: dimension {axis} of "
                             f"argument 'x' ('{x.name}') is not known at build time")
        num = dim
    elif dim not in (-1, num):
        raise ValueError(f"unstack: argument 'num' ({num}) must be dimension {axis} of "
                         f"argument 'x' ('{x.name}', shape {list(x.shape)})")
    return _outputs("unstack", {"X": x}, {"axis": axis, "num": num}, None, "Y", num)

