"""reduce_mean: the mean of X over the dimensions `dim` (all of them when reduce_all).

    Out    = sum(X, axis=dim) / n, n = number of elements reduced into each output
    X@GRAD = dOut / n broadcast back over the reduced dimensions

Shapes and attrs as reduce_sum.
"""
from minifluid.place import get_array_module
from minifluid.kernels import via_float32
from minifluid.registry import register_op

from .reduce_sum import ATTRS, axes, broadcast_back, reduce_sum, shape_rule

op = register_op("reduce_mean", inputs=["X"], outputs=["Out"], attrs=ATTRS, doc=__doc__)


@op.shape_rule
def _(op):
    x = op.in_var("X")
    if x.dtype.kind != "f":  # a mean of integers would need a rounding rule
        raise TypeError(f"X ('{x.name}') must be a float tensor, got {x.dtype}")
    shape_rule(op)


op.default_grad()


def _count(x, dim, reduce_all):
    ax = axes(x.ndim, dim, reduce_all)
    n = 1
    for a in range(x.ndim) if ax is None else ax:
        n *= x.shape[a]
    return n


@op.kernel(("cpu", "cuda"), "float32", "float64")
def reduce_mean(x, *, dim, keep_dim, reduce_all):
    out = reduce_sum(x, dim=dim, keep_dim=keep_dim, reduce_all=reduce_all)
    n = _count(x, dim, reduce_all)
    return out / out.dtype.type(n) if n else get_array_module(x).full_like(out, float("nan"))


grad = register_op("reduce_mean_grad", inputs=["X", "Out@GRAD"], outputs=["X@GRAD?"],
                   attrs=ATTRS)


@grad.kernel(("cpu", "cuda"), "float32", "float64")
def reduce_mean_grad(x, dout, *, dim, keep_dim, reduce_all):
    return broadcast_back(x, dout, dim, reduce_all, 1 / max(_count(x, dim, reduce_all), 1))


# float16: computed in float32, returned as float16
op.kernel(("cpu", "cuda"), "float16")(via_float32(reduce_mean))
grad.kernel(("cpu", "cuda"), "float16")(via_float32(reduce_mean_grad))
