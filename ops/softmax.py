"""softmax: exp(X) normalised along `axis`, computed as exp(X - max(X)) so nothing overflows.

    Out    = exp(X - max X) / sum(exp(X - max X))
    X@GRAD = Out (dOut - sum(dOut Out))          (sums along `axis`)
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import same_as, same_as_x

op = register_op("softmax", inputs=["X"], outputs=["Out"], attrs={"axis": -1}, doc=__doc__)


@op.shape_rule
def _(op):
    rank, axis = len(op.in_var("X").shape), op.attr("axis")
    if not -rank <= axis < rank:
        raise ValueError(f"axis {axis} is out of range for X of rank {rank}")
    return same_as_x(op)


op.default_grad(inputs=(), outputs=("Out",))


@op.kernel("float32", "float64")
def softmax(x, *, axis):
    xp = get_array_module(x)
    if x.size == 0:  # max over a size-0 axis has no value; Paddle returns the empty tensor
        return xp.empty_like(x)
    e = xp.exp(x - x.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


grad = register_op("softmax_grad", inputs=["Out", grad_name("Out")],
                   outputs=[grad_name("X") + "?"], attrs={"axis": -1})
grad.shape_rule(same_as("Out"))


@grad.kernel("float32", "float64")
def softmax_grad(out, dout, *, axis):
    return out * (dout - (dout * out).sum(axis=axis, keepdims=True))
