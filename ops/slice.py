"""slice: Input[starts[i]:ends[i]] along each of `axes`; the other dimensions whole.

    Out = Input[..., starts[i]:ends[i] at axes[i], ...]   (Python's slice rules: a negative
          bound counts from the end, bounds are clipped to [0, dim])
    Input@GRAD = zeros like Input, with dOut in the sliced place

The dimensions in `decrease_axis` (each of size 1 after slicing) are then dropped; dropping
them all leaves shape [1], as in fluid 1.8. Unlike fluid 1.8, an empty slice is allowed (it
gives a dimension of 0, as numpy does) rather than refused.

The bounds may come when the op runs, first found first: StartsTensor (a 1-D int tensor of
len(axes)) or StartsTensorList (1-element int tensors), else the `starts` attr; the same for
ends. At build time a dimension they decide is -1 (also where infer_flags[i] is -1).
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import int_tensor, like

DTYPES = ("float16", "float32", "float64", "int32", "int64", "bool", "uint8", "int8")
INPUTS = ["Input", "StartsTensor?", "EndsTensor?", "StartsTensorList*?", "EndsTensorList*?"]
ATTRS = {"axes": [], "starts": [], "ends": [], "infer_flags": [], "decrease_axis": []}


def _bounds(t, ts, attr):
    if t is not None:
        return [int(v) for v in t.reshape(-1).tolist()]  # a read of the device
    if ts:
        return [int(v.reshape(-1).tolist()[0]) for v in ts]
    return list(attr)


def _decreased(shape, decrease_axis):
    for a in decrease_axis:
        if not 0 <= a < len(shape) or shape[a] not in (1, -1):
            raise ValueError(f"decrease_axis {list(decrease_axis)}: dimension {a} of the "
                             f"slice (shape {list(shape)}) must exist and be 1")
    out = tuple(d for i, d in enumerate(shape) if i not in set(decrease_axis))
    return out or (1,)


op = register_op("slice", inputs=INPUTS, outputs=["Out"], attrs=ATTRS, doc=__doc__)


@op.shape_rule
def _(op):
    x, axes = op.in_var("Input"), list(op.attr("axes"))
    starts, ends, flags = op.attr("starts"), op.attr("ends"), op.attr("infer_flags")
    rank = len(x.shape)
    if len(set(axes)) != len(axes) or not all(0 <= a < rank for a in axes):
        raise ValueError(f"axes {axes} must be distinct dimensions of Input ('{x.name}', "
                         f"shape {list(x.shape)}), in [0, {rank - 1}]")
    run_time = False
    for which, attr in (("Starts", starts), ("Ends", ends)):
        t, ts = op.in_var(f"{which}Tensor"), [op.block.var(n) for n in
                                               op.input(f"{which}TensorList")]
        if t is not None:
            n = int_tensor(t, f"{which}Tensor").shape[0]
            run_time = True
        elif ts:
            n = len([int_tensor(v, f"{which}TensorList", one=True) for v in ts])
        else:
            n = len(attr)
        if n not in (len(axes), -1):
            raise ValueError(f"{which.lower()} ({n} values) must have one value per axis of "
                             f"axes {axes}")
    shape = list(x.shape)
    for i, a in enumerate(axes):
        if run_time or shape[a] == -1 or (i < len(flags) and flags[i] == -1) or \
                i >= len(starts) or i >= len(ends):
            shape[a] = -1
        else:
            shape[a] = len(range(*slice(starts[i], ends[i]).indices(shape[a])))
    return like(x, shape=_decreased(tuple(shape), op.attr("decrease_axis")))


def _index(ndim, axes, starts, ends):
    index = [slice(None)] * ndim
    for a, s, e in zip(axes, starts, ends):
        index[a] = slice(s, e)
    return tuple(index)


def _out_shape(sliced, decrease_axis):
    out = [d for i, d in enumerate(sliced) if i not in set(decrease_axis)]
    return out or [1]


@op.kernel(*DTYPES)
def slice_(x, starts_t, ends_t, starts_ts, ends_ts, *, axes, starts, ends, infer_flags,
           decrease_axis):
    out = x[_index(x.ndim, axes, _bounds(starts_t, starts_ts, starts),
                   _bounds(ends_t, ends_ts, ends))]
    if decrease_axis and any(out.shape[a] != 1 for a in decrease_axis):
        raise ValueError(f"slice: decrease_axis {list(decrease_axis)} names a dimension of the "
                         f"slice (shape {list(out.shape)}) that is not 1")
    return out.reshape(_out_shape(out.shape, decrease_axis)).copy()


op.default_grad(inputs=("Input", "StartsTensor", "EndsTensor", "StartsTensorList",
                        "EndsTensorList"), grads=("Input",))
grad = register_op("slice_grad", inputs=["Input"] + INPUTS[1:] + [grad_name("Out")],
                   outputs=[grad_name("Input") + "?"], attrs=ATTRS)


@grad.kernel("float16", "float32", "float64")
def slice_grad(x, starts_t, ends_t, starts_ts, ends_ts, dout, *, axes, starts, ends,
               infer_flags, decrease_axis):
    dx = get_array_module(dout).zeros(x.shape, dout.dtype)
    index = _index(x.ndim, axes, _bounds(starts_t, starts_ts, starts),
                   _bounds(ends_t, ends_ts, ends))
    dx[index] = dout.reshape(dx[index].shape)
    return dx
