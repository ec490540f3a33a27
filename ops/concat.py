"""concat: the tensors in X joined along `axis`.

    Out = concatenate(X, axis);  X@GRAD[i] = the slice of dOut that X[i] filled
"""
from minifluid.framework import EMPTY
from minifluid.place import get_array_module
from minifluid.registry import register_op

op = register_op("concat", inputs=["X*"], outputs=["Out"], attrs={"axis": 0}, doc=__doc__)


@op.shape_rule
def _(op):
    xs = [op.block.var(n) for n in op.input("X")]
    rank, axis = len(xs[0].shape), op.attr("axis")
    if not -rank <= axis < rank:
        raise ValueError(f"axis {axis} is out of range for rank {rank}")
    axis %= rank
    for v in xs[1:]:
        if v.dtype != xs[0].dtype or len(v.shape) != rank or any(
                a != b and -1 not in (a, b) and i != axis
                for i, (a, b) in enumerate(zip(v.shape, xs[0].shape))):
            raise ValueError(f"'{v.name}' ({v.dtype}{list(v.shape)}) cannot be joined to "
                             f"'{xs[0].name}' ({xs[0].dtype}{list(xs[0].shape)}) along axis "
                             f"{axis}")
    sizes = [v.shape[axis] for v in xs]
    out = op.out_var("Out")
    out.shape = xs[0].shape[:axis] + (-1 if -1 in sizes else sum(sizes),) + xs[0].shape[axis + 1:]
    out.dtype = xs[0].dtype


@op.kernel(("cpu", "cuda"), "float32", "float64", "int32", "int64")
def concat(xs, *, axis):
    return get_array_module(xs[0]).concatenate(xs, axis=axis)


op.default_grad()


grad = register_op("concat_grad", inputs=["X*", "Out@GRAD"], outputs=["X@GRAD*"],
                   attrs={"axis": 0})


@grad.shape_rule
def _(op):
    for x, g in zip(op.input("X"), op.output("X@GRAD")):
        if g != EMPTY:
            src, dst = op.block.var(x), op.block.var(g)
            dst.shape, dst.dtype = src.shape, src.dtype


@grad.kernel(("cpu", "cuda"), "float32", "float64")
def concat_grad(xs, dout, *, axis):
    xp = get_array_module(dout)
    cuts, at = [], 0
    for x in xs[:-1]:
        at += x.shape[axis]
        cuts.append(at)
    return [xp.ascontiguousarray(p) for p in xp.split(dout, cuts, axis=axis)]
