"""mean: the mean of all elements of X, as a tensor of shape [1].

    Out    = sum(X) / numel(X)
    X@GRAD = dOut / numel(X), everywhere
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import float_input

op = register_op("mean", inputs=["X"], outputs=["Out"], doc=__doc__)


@op.shape_rule
def _(op):
    return (1,), float_input(op).dtype


op.default_grad()


@op.kernel("float32", "float64")
def mean(x):
    xp = get_array_module(x)
    if x.size == 0:
        return xp.full((1,), xp.nan, x.dtype)
    return xp.reshape(x.mean(), (1,))


grad = register_op("mean_grad", inputs=["X", grad_name("Out")], outputs=[grad_name("X") + "?"])


@grad.kernel("float32", "float64")
def mean_grad(x, dout):
    dout = dout.reshape(()) / dout.dtype.type(max(x.size, 1))
    return get_array_module(x).broadcast_to(dout, x.shape)  # a view, as reduce_mean_grad
