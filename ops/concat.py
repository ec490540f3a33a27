"""concat: the tensors in X joined along `axis` (negative: counted from the end).

    Out = concatenate(X, axis);  X@GRAD[i] = the slice of dOut that X[i] filled

An AxisTensor input (a 1-element int tensor) gives the axis when the op runs, and then wins
over the attr; Out's dimensions are unknown (-1) at build time, as in Paddle.
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import like

op = register_op("concat", inputs=["X*", "AxisTensor?"], outputs=["Out"], attrs={"axis": 0},
                 doc=__doc__)


def _axis(axis_t, axis, rank):
    a = int(axis_t.reshape(-1)[0]) if axis_t is not None else axis  # a read of the device
    if not -rank <= a < rank:
        raise ValueError(f"concat: axis {a} is out of range for rank {rank}")
    return a % rank


@op.shape_rule
def _(op):
    xs = [op.block.var(n) for n in op.input("X")]
    rank, axis, axis_t = len(xs[0].shape), op.attr("axis"), op.in_var("AxisTensor")
    if axis_t is not None:
        if axis_t.dtype.kind not in "iu" or axis_t.shape not in ((1,), (-1,)):
            raise TypeError(f"AxisTensor ('{axis_t.name}') must be a 1-element int tensor, "
                            f"got {axis_t.dtype}{list(axis_t.shape)}")
        axis = None
    elif not -rank <= axis < rank:
        raise ValueError(f"axis {axis} is out of range for rank {rank}")
    for v in xs[1:]:
        if v.dtype != xs[0].dtype or len(v.shape) != rank or axis is not None and any(
                a != b and -1 not in (a, b) and i != axis % rank
                for i, (a, b) in enumerate(zip(v.shape, xs[0].shape))):
            raise ValueError(f"'{v.name}' ({v.dtype}{list(v.shape)}) cannot be joined to "
                             f"'{xs[0].name}' ({xs[0].dtype}{list(xs[0].shape)}) along axis "
                             f"{'AxisTensor' if axis is None else axis}")
    if axis is None:
        return (-1,) * rank, xs[0].dtype
    axis %= rank
    sizes = [v.shape[axis] for v in xs]
    return like(xs[0], shape=xs[0].shape[:axis] + (-1 if -1 in sizes else sum(sizes),) +
                xs[0].shape[axis + 1:])


@op.kernel("float16", "float32", "float64", "int32", "int64")
def concat(xs, axis_t, *, axis):
    return get_array_module(xs[0]).concatenate(xs, axis=_axis(axis_t, axis, xs[0].ndim))


op.default_grad(inputs=("X", "AxisTensor"))


grad = register_op("concat_grad", inputs=["X*", "AxisTensor?", grad_name("Out")],
                   outputs=[grad_name("X") + "*"], attrs={"axis": 0})


@grad.kernel("float16", "float32", "float64")
def concat_grad(xs, axis_t, dout, *, axis):
    xp, axis = get_array_module(dout), _axis(axis_t, axis, dout.ndim)
    cuts, at = [], 0
    for x in xs[:-1]:
        at += x.shape[axis]
        cuts.append(at)
    return [xp.ascontiguousarray(p) for p in xp.split(dout, cuts, axis=axis)]
