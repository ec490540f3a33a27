"""expand and expand_as: X tiled times[i] times along each dimension i (numpy's tile).

    expand:     Out = tile(X, expand_times)                  (len(expand_times) == rank(X))
    expand_as:  Out = tile(X, target_tensor.shape / X.shape) (each dimension must divide)
    X@GRAD = dOut viewed as [t_0, x_0, t_1, x_1, ...], summed over the t_i

expand's times may come when the op runs, first found first: ExpandTimes (a 1-D tensor of
rank(X) values) or expand_times_tensor (1-element tensors), else the `expand_times` attr, in
which -1 marks a time given by the tensor list. At build time a dimension they decide is -1.
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import like

DTYPES = ("float16", "float32", "float64", "int32", "int64", "bool")
MAX_RANK = 6  # fluid 1.8's limit


def _rank(x):
    if not 1 <= len(x.shape) <= MAX_RANK:
        raise ValueError(f"X ('{x.name}') must have rank 1 to {MAX_RANK}, got shape "
                         f"{list(x.shape)}")
    return len(x.shape)


def _tiled(shape, times):
    return tuple(-1 if d == -1 or t == -1 else d * t for d, t in zip(shape, times))


op = register_op("expand", inputs=["X", "ExpandTimes?", "expand_times_tensor*?"],
                 outputs=["Out"], attrs={"expand_times": []}, doc=__doc__)


@op.shape_rule
def _(op):
    x, rank = op.in_var("X"), _rank(op.in_var("X"))
    t, ts = op.in_var("ExpandTimes"), op.input("expand_times_tensor")
    times = list(op.attr("expand_times"))
    if t is not None:
        if len(t.shape) != 1 or t.dtype.name not in ("int32", "int64") or \
                t.shape[0] not in (rank, -1):
            raise TypeError(f"ExpandTimes ('{t.name}') must be a 1-D int32/int64 tensor of "
                            f"{rank} values (the rank of X), got {t.dtype}{list(t.shape)}")
        times = [-1] * rank
    elif ts:
        for i, name in enumerate(ts):
            v = op.block.var(name)
            if v.dtype.name not in ("int32", "int64") or any(d not in (1, -1) for d in v.shape):
                raise TypeError(f"expand_times_tensor[{i}] ('{name}') must be a 1-element "
                                f"int32/int64 tensor, got {v.dtype}{list(v.shape)}")
        if len(ts) != rank:
            raise ValueError(f"expand_times_tensor holds {len(ts)} tensors; X ('{x.name}') "
                             f"has rank {rank}")
        # the layer writes the list's ints in the attr too (-1 for its Variables)
        times = times if len(times) == rank else [-1] * rank
    if len(times) != rank:
        raise ValueError(f"expand_times {times} must have one value per dimension of X "
                         f"('{x.name}', shape {list(x.shape)})")
    if any(t_ < 1 and t_ != -1 for t_ in times):
        raise ValueError(f"expand_times {times} must hold ints >= 1")
    return like(x, shape=_tiled(x.shape, times))


def _run_times(t, ts, attr, rank):
    if t is not None:
        times = [int(v) for v in t.reshape(-1).tolist()]  # a read of the device on GPU
    elif ts:
        times = [int(v.reshape(-1).tolist()[0]) for v in ts]
    else:
        times = list(attr)
    if len(times) != rank or any(v < 1 for v in times):
        raise ValueError(f"expand: the expand times {times} must be {rank} ints >= 1 (one per "
                         f"dimension of X)")
    return times


def _sum_tiles(dout, x_shape, times):
    """dOut summed over the tiles: the gradient of tile(X, times)."""
    split = [n for pair in zip(times, x_shape) for n in pair]
    return dout.reshape(split).sum(axis=tuple(range(0, 2 * len(times), 2)))


@op.kernel(*DTYPES)
def expand(x, t, ts, *, expand_times):
    return get_array_module(x).tile(x, _run_times(t, ts, expand_times, x.ndim))


op.default_grad(inputs=("X", "ExpandTimes", "expand_times_tensor"))
grad = register_op("expand_grad", inputs=["X", "ExpandTimes?", "expand_times_tensor*?",
                                          grad_name("Out")],
                   outputs=[grad_name("X") + "?"], attrs={"expand_times": []})


@grad.kernel("float32", "float64")
def expand_grad(x, t, ts, dout, *, expand_times):
    return _sum_tiles(dout, x.shape, _run_times(t, ts, expand_times, x.ndim))


as_op = register_op("expand_as", inputs=["X", "target_tensor"], outputs=["Out"], doc=__doc__)


@as_op.shape_rule
def _(op):
    x, target = op.in_var("X"), op.in_var("target_tensor")
    rank = _rank(x)
    if len(target.shape) != rank:
        raise ValueError(f"target_tensor ('{target.name}', shape {list(target.shape)}) must "
                         f"have the rank of X ('{x.name}', shape {list(x.shape)})")
    for d, n in zip(x.shape, target.shape):
        if d == 0 or (d > 0 and n > 0 and n % d):
            raise ValueError(f"each dimension of target_tensor ('{target.name}', shape "
                             f"{list(target.shape)}) must be a multiple of X's ('{x.name}', "
                             f"shape {list(x.shape)})")
    return like(x, shape=target.shape)  # a valid target's dimensions are Out's


def _as_times(x, target):
    if any(d == 0 or n % d for d, n in zip(x.shape, target.shape)):
        raise ValueError(f"expand_as: each dimension of target_tensor (shape "
                         f"{list(target.shape)}) must be a multiple of X's "
                         f"(shape {list(x.shape)})")
    return [n // d for d, n in zip(x.shape, target.shape)]


@as_op.kernel(*DTYPES)
def expand_as(x, target):
    return get_array_module(x).tile(x, _as_times(x, target))


as_op.default_grad(inputs=("X", "target_tensor"))
as_grad = register_op("expand_as_grad", inputs=["X", "target_tensor", grad_name("Out")],
                      outputs=[grad_name("X") + "?"])


@as_grad.kernel("float32", "float64")
def expand_as_grad(x, target, dout):
    return _sum_tiles(dout, x.shape, _as_times(x, target))
