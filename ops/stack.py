"""stack, unstack: tensors of one shape joined along a new dimension, and the reverse.

    stack:    Y = stack(X, axis)          X@GRAD[i] = dY taken at index i of axis
    unstack:  Y[i] = X taken at index i of axis (num outputs)    X@GRAD = stack(dY, axis)

A negative axis counts from the end: of Y's rank for stack, of X's for unstack. An unstack
output nobody used contributes zeros to X@GRAD.
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import like

DTYPES = ("float16", "float32", "float64", "int32", "int64", "bool", "uint8", "int8")


def _axis(axis, rank):
    if not -rank <= axis < rank:
        raise ValueError(f"axis {axis} is out of range [{-rank}, {rank - 1}]")
    return axis % rank


stack = register_op("stack", inputs=["X*"], outputs=["Y"], attrs={"axis": 0}, doc=__doc__)


@stack.shape_rule
def _(op):
    xs = [op.block.var(n) for n in op.input("X")]
    for v in xs[1:]:
        if v.dtype != xs[0].dtype or len(v.shape) != len(xs[0].shape) or any(
                a != b and -1 not in (a, b) for a, b in zip(v.shape, xs[0].shape)):
            raise ValueError(f"X: '{v.name}' ({v.dtype}{list(v.shape)}) cannot be stacked with "
                             f"'{xs[0].name}' ({xs[0].dtype}{list(xs[0].shape)}): stack takes "
                             f"tensors of one shape and dtype")
    axis = _axis(op.attr("axis"), len(xs[0].shape) + 1)
    return like(xs[0], shape=xs[0].shape[:axis] + (len(xs),) + xs[0].shape[axis:])


@stack.kernel(*DTYPES)
def stack_(xs, *, axis):
    return get_array_module(xs[0]).stack(xs, axis=axis)


@stack.grad_maker
def _(op):
    return [dict(type="stack_grad", inputs={grad_name("Y"): [grad_name(op.output("Y")[0])]},
                 outputs={grad_name("X"): [grad_name(n) for n in op.input("X")]},
                 attrs={"axis": op.attr("axis")})]


stack_grad = register_op("stack_grad", inputs=[grad_name("Y")], outputs=[grad_name("X") + "*"],
                         attrs={"axis": 0})


@stack_grad.shape_rule
def _(op):
    g = op.in_var(grad_name("Y"))
    axis = _axis(op.attr("axis"), len(g.shape))
    n = len(op.output(grad_name("X")))
    return {grad_name("X"): [(g.shape[:axis] + g.shape[axis + 1:], g.dtype)] * n}


def _unstacked(y, axis):
    axis %= y.ndim
    return [y[(slice(None),) * axis + (i,)].copy() for i in range(y.shape[axis])]


@stack_grad.kernel("float16", "float32", "float64")
def _(dy, *, axis):
    return _unstacked(dy, axis)


unstack = register_op("unstack", inputs=["X"], outputs=["Y*"], attrs={"axis": 0, "num": 0},
                      doc=__doc__)
unstack.zero_missing_grads = True


@unstack.shape_rule
def _(op):
    x = op.in_var("X")
    axis, n = _axis(op.attr("axis"), len(x.shape)), len(op.output("Y"))
    if x.shape[axis] not in (-1, n):
        raise ValueError(f"X ('{x.name}', shape {list(x.shape)}) has {x.shape[axis]} entries "
                         f"along axis {axis}, but there are {n} outputs (num "
                         f"{op.attr('num')})")
    return {"Y": [like(x, shape=x.shape[:axis] + x.shape[axis + 1:])] * n}


@unstack.kernel(*DTYPES)
def unstack_(x, *, axis, num):
    return _unstacked(x, axis)


@unstack.grad_maker
def _(op):
    return [dict(type="unstack_grad", inputs={grad_name("Y"): [grad_name(n) for n in
                                                               op.output("Y")]},
                 outputs={grad_name("X"): [grad_name(op.input("X")[0])]},
                 attrs={"axis": op.attr("axis"), "num": op.attr("num")})]


unstack_grad = register_op("unstack_grad", inputs=[grad_name("Y") + "*"],
                           outputs=[grad_name("X")], attrs={"axis": 0, "num": 0})


@unstack_grad.shape_rule
def _(op):
    gs = [op.block.var(n) for n in op.input(grad_name("Y"))]
    axis = _axis(op.attr("axis"), len(gs[0].shape) + 1)
    return gs[0].shape[:axis] + (len(gs),) + gs[0].shape[axis:], gs[0].dtype


@unstack_grad.kernel("float16", "float32", "float64")
def _(dys, *, axis, num):
    return get_array_module(dys[0]).stack(dys, axis=axis)
