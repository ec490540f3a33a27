"""strided_slice: Input[starts[i]:ends[i]:strides[i]] along each of `axes`; the other
dimensions whole.

    Out = Input[..., starts[i]:ends[i]:strides[i] at axes[i], ...]   (Python's slice rules:
          negative bounds count from the end, bounds are clipped; a stride may be negative)
    Input@GRAD = zeros like Input, with dOut in the sliced place

Two rules of fluid 1.8's op on top of Python's: with a negative stride, an end of -1 means
"through index 0" (Python's None stop: fluid has no other way to write it); and on an axis in
`decrease_axis`, a start of -1 with an end of 0 read from tensors means the last index (what
x[i] builds for a Variable i = -1: end = i + 1). A stride of 0 is refused. Unlike fluid 1.8
(as our slice op), an empty slice is allowed. The dimensions in `decrease_axis` (each of
size 1) are then dropped; dropping them all leaves shape [1].

The bounds and strides may come when the op runs, first found first: StartsTensor (a 1-D int
tensor of len(axes)) or StartsTensorList (1-element int tensors), else the attr; the same for
ends and strides. At build time a dimension they decide is -1 (also where infer_flags[i] is
-1).
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import int_tensor, like

DTYPES = ("float32", "float64", "int32", "int64")
PARTS = ("Starts", "Ends", "Strides")
INPUTS = ["Input"] + [f"{p}Tensor?" for p in PARTS] + [f"{p}TensorList*?" for p in PARTS]
ATTRS = {"axes": [], "starts": [], "ends": [], "strides": [], "infer_flags": [],
         "decrease_axis": []}
MAX_RANK = 6  # fluid 1.8's limit


def _slice(start, end, stride, decreased=False, run_time=False):
    """The Python slice of one axis, with fluid's two rules (see the module doc)."""
    if stride == 0:
        raise ValueError("strided_slice: a stride must not be 0")
    if stride < 0 and end == -1:
        end = None
    elif decreased and run_time and start == -1 and end == 0:
        end = None
    return slice(start, end, stride)


op = register_op("strided_slice", inputs=INPUTS, outputs=["Out"], attrs=ATTRS, doc=__doc__)


@op.shape_rule
def _(op):
    x, axes = op.in_var("Input"), list(op.attr("axes"))
    rank, flags, decrease = len(x.shape), op.attr("infer_flags"), op.attr("decrease_axis")
    if rank > MAX_RANK:
        raise ValueError(f"Input ('{x.name}') must have rank <= {MAX_RANK}, got shape "
                         f"{list(x.shape)}")
    if len(set(axes)) != len(axes) or not all(0 <= a < rank for a in axes):
        raise ValueError(f"axes {axes} must be distinct dimensions of Input ('{x.name}', "
                         f"shape {list(x.shape)}), in [0, {rank - 1}]")
    known = {}
    for part in PARTS:
        t, ts = op.in_var(f"{part}Tensor"), [op.block.var(n) for n in
                                             op.input(f"{part}TensorList")]
        if t is not None:
            n = int_tensor(t, f"{part}Tensor").shape[0]
        elif ts:
            n = len([int_tensor(v, f"{part}TensorList", one=True) for v in ts])
            if len(op.attr(part.lower())) == n:  # the layer's ints, with infer_flags -1
                known[part] = op.attr(part.lower())  # where a tensor gives the value
        else:
            n = len(op.attr(part.lower()))
            known[part] = op.attr(part.lower())
        if n not in (len(axes), -1):
            raise ValueError(f"{part.lower()} ({n} values) must have one value per axis of "
                             f"axes {axes}")
    if 0 in known.get("Strides", ()):
        raise ValueError(f"strides {known['Strides']} must not hold 0")
    shape = list(x.shape)
    for i, a in enumerate(axes):
        if len(known) < 3 or shape[a] == -1 or (i < len(flags) and flags[i] == -1):
            shape[a] = -1
        else:
            cut = _slice(known["Starts"][i], known["Ends"][i], known["Strides"][i])
            shape[a] = len(range(*cut.indices(shape[a])))
    for a in decrease:
        if not 0 <= a < rank or shape[a] not in (1, -1):
            raise ValueError(f"decrease_axis {list(decrease)}: dimension {a} of the slice "
                             f"(shape {shape}) must exist and be 1")
    out = tuple(d for i, d in enumerate(shape) if i not in set(decrease))
    return like(x, shape=out or (1,))


def _values(t, ts, attr):
    if t is not None:
        return [int(v) for v in t.reshape(-1).tolist()], True  # a read of the device
    if ts:
        return [int(v.reshape(-1).tolist()[0]) for v in ts], True
    return list(attr), False


def _index(ndim, tensors, axes, starts, ends, strides, decrease_axis):
    """The Python index of the slice, from the tensors (in INPUTS order) or the attrs."""
    (s, s_run), (e, e_run), (st, _) = (
        _values(tensors[k], tensors[k + 3], attr) for k, attr in enumerate((starts, ends,
                                                                             strides)))
    if not len(s) == len(e) == len(st) == len(axes):
        raise ValueError(f"strided_slice: starts {s}, ends {e} and strides {st} must each "
                         f"have one value per axis of axes {list(axes)}")
    index = [slice(None)] * ndim
    for i, a in enumerate(axes):
        index[a] = _slice(s[i], e[i], st[i], a in decrease_axis, s_run and e_run)
    return tuple(index)


def _out_shape(sliced, decrease_axis):
    if any(sliced[a] != 1 for a in decrease_axis):
        raise ValueError(f"strided_slice: decrease_axis {list(decrease_axis)} names a "
                         f"dimension of the slice (shape {list(sliced)}) that is not 1")
    return [d for i, d in enumerate(sliced) if i not in set(decrease_axis)] or [1]


@op.kernel(*DTYPES)
def strided_slice(x, *tensors, axes, starts, ends, strides, infer_flags, decrease_axis):
    out = x[_index(x.ndim, tensors, axes, starts, ends, strides, decrease_axis)]
    return out.reshape(_out_shape(out.shape, decrease_axis)).copy()


op.default_grad(inputs=tuple(s.rstrip("*?") for s in INPUTS), grads=("Input",))
grad = register_op("strided_slice_grad", inputs=INPUTS + [grad_name("Out")],
                   outputs=[grad_name("Input") + "?"], attrs=ATTRS)


@grad.kernel("float32", "float64")
def strided_slice_grad(x, *rest, axes, starts, ends, strides, infer_flags, decrease_axis):
    *tensors, dout = rest
    dx = get_array_module(dout).zeros(x.shape, dout.dtype)
    index = _index(x.ndim, tensors, axes, starts, ends, strides, decrease_axis)
    dx[index] = dout.reshape(dx[index].shape)
    return dx
