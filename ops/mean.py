"""mean: the mean of all elements of X, as a tensor of shape [1].

    Out    = sum(X) / numel(X)
    X@GRAD = dOut / numel(X), everywhere
"""
from minifluid.place import get_array_module
from minifluid.kernels import via_float32
from minifluid.registry import register_op

op = register_op("mean", inputs=["X"], outputs=["Out"], doc=__doc__)


@op.shape_rule
def _(op):
    x = op.in_var("X")
    if x.dtype.kind != "f":
        raise TypeError(f"X ('{x.name}') must be a float tensor, got {x.dtype}")
    out = op.out_var("Out")
    out.shape, out.dtype = (1,), x.dtype


op.default_grad()


@op.kernel(("cpu", "cuda"), "float32", "float64")
def mean(x):
    xp = get_array_module(x)
    if x.size == 0:
        return xp.full((1,), xp.nan, x.dtype)
    return xp.reshape(x.mean(), (1,))


grad = register_op("mean_grad", inputs=["X", "Out@GRAD"], outputs=["X@GRAD?"])


@grad.kernel(("cpu", "cuda"), "float32", "float64")
def mean_grad(x, dout):
    dout = dout.reshape(()) / dout.dtype.type(max(x.size, 1))
    return get_array_module(x).broadcast_to(dout, x.shape)  # a view, as reduce_mean_grad


# float16: computed in float32, returned as float16
op.kernel(("cpu", "cuda"), "float16")(via_float32(mean))
grad.kernel(("cpu", "cuda"), "float16")(via_float32(mean_grad))
