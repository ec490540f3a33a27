"""reduce_sum: the sum of X over the dimensions `dim` (all of them when reduce_all).

    Out    = sum(X, axis=dim, keepdims=keep_dim); shape [1] when every dimension is reduced
             (reduce_all, or dim empty or listing all) and not keep_dim
    X@GRAD = dOut broadcast back over the reduced dimensions

reduce_mean (ops/reduce_mean.py) shares the shape rule and grad maker below.
"""
from minifluid.place import get_array_module
from minifluid.kernels import via_float32
from minifluid.registry import register_op

ATTRS = {"dim": [], "keep_dim": False, "reduce_all": False}


def axes(ndim, dim, reduce_all):
    """The reduced axes, or None when all of them are (the result then has shape [1])."""
    if reduce_all or not dim or not ndim:
        return None
    ax = tuple(sorted({d % ndim for d in dim}))
    return None if len(ax) == ndim else ax


def reduced_shape(shape, dim, keep_dim, reduce_all):
    ax = axes(len(shape), dim, reduce_all)
    if ax is None:
        return (1,) * len(shape) if keep_dim else (1,)
    return tuple(1 if i in ax else d for i, d in enumerate(shape) if keep_dim or i not in ax)


def shape_rule(op):
    x, dim = op.in_var("X"), op.attr("dim")
    if x.dtype.kind not in "fiu":
        raise TypeError(f"X ('{x.name}') must be a numeric tensor, got {x.dtype}")
    if not all(isinstance(d, int) and -len(x.shape) <= d < len(x.shape) for d in dim):
        raise ValueError(f"dim {dim} is out of range for X ('{x.name}') of shape "
                         f"{list(x.shape)}")
    out = op.out_var("Out")
    out.dtype = x.dtype
    out.shape = reduced_shape(x.shape, dim, op.attr("keep_dim"), op.attr("reduce_all"))


def broadcast_back(x, dout, dim, reduce_all, scale=1):
    """dOut reshaped to keep the reduced dimensions and broadcast to X's shape: a read-only
    view, not an array the size of X (the executor copies it if it is fetched)."""
    ax = axes(x.ndim, dim, reduce_all)
    dout = dout.reshape([1 if ax is None or i in ax else d for i, d in enumerate(x.shape)])
    if scale != 1:
        dout = dout * dout.dtype.type(scale)
    return get_array_module(x).broadcast_to(dout, x.shape)


op = register_op("reduce_sum", inputs=["X"], outputs=["Out"], attrs=ATTRS, doc=__doc__)
op.shape_rule(shape_rule)
op.default_grad()


@op.kernel(("cpu", "cuda"), "float32", "float64", "int32", "int64")
def reduce_sum(x, *, dim, keep_dim, reduce_all):
    ax = axes(x.ndim, dim, reduce_all)
    out = x.sum(axis=ax, keepdims=keep_dim, dtype=x.dtype)
    return out.reshape(1) if ax is None and not keep_dim else out


grad = register_op("reduce_sum_grad", inputs=["X", "Out@GRAD"], outputs=["X@GRAD?"],
                   attrs=ATTRS)


@grad.kernel(("cpu", "cuda"), "float32", "float64")
def reduce_sum_grad(x, dout, *, dim, keep_dim, reduce_all):
    return broadcast_back(x, dout, dim, reduce_all)


# float16: computed in float32, returned as float16
op.kernel(("cpu", "cuda"), "float16")(via_float32(reduce_sum))
grad.kernel(("cpu", "cuda"), "float16")(via_float32(reduce_sum_grad))
