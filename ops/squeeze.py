"""squeeze, unsqueeze, flatten and their *2 forms: X's values under a shape computed from X's.

    squeeze:    drop the listed dimensions of size 1 (all of them when `axes` is empty)
    unsqueeze:  insert a 1 at each of `axes`, in order (a negative axis counts from the end
                of the shape built so far, plus one)
    flatten:    [prod(X.shape[:axis]), prod(X.shape[axis:])]
    Out = X.reshape(new_shape);  X@GRAD = dOut.reshape(X.shape)

unsqueeze2 may take its axes when it runs: AxesTensor (a 1-D int tensor) or AxesTensorList
(1-element int tensors); Out's rank is then known at build time, its dimensions are not.
The *2 forms also give XShape ([0] + X.shape, no elements), which carries X's shape to the
grad op so that X need not be kept alive (as reshape2 does). Out is a copy, not a view.
"""
import math

from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import like

DTYPES = ("float16", "float32", "float64", "int8", "int32", "int64", "bool", "uint8")
GRAD_DTYPES = ("float16", "float32", "float64")


def squeezed(shape, axes):
    rank = len(shape)
    if not axes:
        return tuple(d for d in shape if d != 1)
    drop = set()
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(f"axes {list(axes)}: axis {a} is out of range for X of shape "
                             f"{list(shape)} (expected [{-rank}, {rank - 1}])")
        if shape[a % rank] not in (1, -1):
            raise ValueError(f"axes {list(axes)}: dimension {a % rank} of X (shape "
                             f"{list(shape)}) is {shape[a % rank]}, not 1")
        drop.add(a % rank)
    return tuple(d for i, d in enumerate(shape) if i not in drop)


def unsqueezed(shape, axes):
    out = list(shape)
    for a in axes:
        rank = len(out) + 1
        if not -rank <= a < rank:
            raise ValueError(f"axes {list(axes)}: axis {a} is out of range for a shape of "
                             f"rank {rank - 1} (expected [{-rank}, {rank - 1}])")
        out.insert(a % rank, 1)
    return tuple(out)


def flattened(shape, axis):
    if not 0 <= axis <= len(shape):
        raise ValueError(f"axis {axis} is out of range for X of shape {list(shape)} "
                         f"(expected [0, {len(shape)}])")
    outer, inner = shape[:axis], shape[axis:]
    return tuple(-1 if -1 in part else math.prod(part) for part in (outer, inner))


def _axes_from(axes_t, axes_list, axes):
    if axes_t is not None:
        return [int(a) for a in axes_t.reshape(-1).tolist()]  # a read of the device
    if axes_list:
        return [int(a.reshape(-1).tolist()[0]) for a in axes_list]
    return list(axes)


def _family(type, attrs, new_shape, inputs=("X",)):
    """Register `type` and `type`2 (with XShape), their grad ops and kernels; new_shape(
    x_shape, attr values..., axes tensors...) is the output shape."""
    names = list(attrs)

    def rule(op):
        x = op.in_var("X")
        extra = [op.in_var(s) for s in inputs[1:2]] + [[op.block.var(n) for n in op.input(s)]
                                                        for s in inputs[2:]]
        shape = new_shape(x.shape, *[op.attr(a) for a in names], *extra)
        return {"Out": like(x, shape=shape), "XShape": ((0,) + tuple(x.shape), x.dtype)}

    def forward(x, *tensors, **kw):
        shape = new_shape(x.shape, *[kw[a] for a in names], *tensors, run=True)
        if -1 in shape or math.prod(shape) != x.size:
            raise ValueError(f"{type}: X of shape {list(x.shape)} cannot become {list(shape)}")
        return x.reshape(shape).copy()

    one = register_op(type, inputs=["X"] + [s + "?" for s in inputs[1:]], outputs=["Out"],
                      attrs=attrs, doc=__doc__)
    two = register_op(type + "2", inputs=["X"] + [s + "?" for s in inputs[1:]],
                      outputs=["Out", "XShape?"], attrs=attrs, doc=__doc__)
    for op in (one, two):
        op.shape_rule(rule)
    one.kernel(*DTYPES)(forward)

    @two.kernel(*DTYPES)
    def _(x, *tensors, **kw):
        return forward(x, *tensors, **kw), get_array_module(x).empty((0,) + x.shape, x.dtype)

    one.default_grad()
    grad = register_op(type + "_grad", inputs=["X", grad_name("Out")],
                       outputs=[grad_name("X") + "?"], attrs=attrs)
    grad.kernel(*GRAD_DTYPES)(lambda x, dout, **kw: dout.reshape(x.shape))

    @two.grad_maker
    def _(op):
        return [dict(type=type + "2_grad", inputs={"XShape": op.output("XShape"),
                                                   grad_name("Out"): [grad_name(op.output(
                                                       "Out")[0])]},
                     outputs={grad_name("X"): [grad_name(op.input("X")[0])]})]

    grad2 = register_op(type + "2_grad", inputs=["XShape", grad_name("Out")],
                        outputs=[grad_name("X") + "?"])
    grad2.shape_rule(lambda op: like(op.in_var("XShape"),
                                     shape=op.in_var("XShape").shape[1:]))
    grad2.kernel(*GRAD_DTYPES)(lambda xshape, dout: dout.reshape(xshape.shape[1:]))
    return one, two


def _squeeze(shape, axes, run=False):
    return squeezed(shape, axes)


def _unsqueeze(shape, axes, axes_t=None, axes_list=(), run=False):
    if run:
        return unsqueezed(shape, _axes_from(axes_t, axes_list, axes))
    if axes_t is None and not axes_list:
        return unsqueezed(shape, axes)
    for v in [axes_t] * (axes_t is not None) + list(axes_list):
        if v.dtype.name not in ("int32", "int64") or len(v.shape) > 1:
            raise TypeError(f"the axes tensor '{v.name}' must be a 1-D int32/int64 tensor, got "
                            f"{v.dtype}{list(v.shape)}")
    n = len(axes_list) if axes_list else axes_t.shape[0]
    if n < 0:
        raise ValueError(f"AxesTensor ('{axes_t.name}') has an unknown length: Out's rank "
                         f"cannot be known")
    return (-1,) * (len(shape) + n)


def _flatten(shape, axis, run=False):
    return flattened(shape, axis)


squeeze, squeeze2 = _family("squeeze", {"axes": []}, _squeeze)
unsqueeze, unsqueeze2 = _family("unsqueeze", {"axes": []}, _unsqueeze,
                                inputs=("X", "AxesTensor", "AxesTensorList"))
flatten, flatten2 = _family("flatten", {"axis": 1}, _flatten)
for _op in (unsqueeze, unsqueeze2):
    _op.optional.add("AxesTensorList")
    _op.duplicable.add("AxesTensorList")
