"""The reduce family: X reduced over the dimensions `dim` (all of them when reduce_all).

    reduce_sum   Out = sum(X)        X@GRAD = dOut
    reduce_mean  Out = sum(X) / n    X@GRAD = dOut / n      (n elements reduced into each)
    reduce_max   Out = max(X)        X@GRAD = dOut where X == Out, else 0
    reduce_min   Out = min(X)        X@GRAD = dOut where X == Out, else 0
    reduce_prod  Out = prod(X)       X@GRAD = dOut * (the product of the other elements)
    reduce_all   Out = all(X)        bool X and Out; no gradient
    reduce_any   Out = any(X)        bool X and Out; no gradient

dOut is broadcast back over the reduced dimensions. As in Paddle, every element equal to
the max (min) gets the whole dOut. reduce_prod's gradient is computed without dividing by
X (Paddle's dOut * Out / X), so a zero in X gives the product of the others, not nan.

Attrs as Paddle 1.8 declares them: dim [0], keep_dim False, reduce_all False, in_dtype and
out_dtype -1 (X's dtype); out_dtype (a name or Paddle's VarType number) is Out's dtype, and
reduce_sum then accumulates in it. Out has shape [1] when every dimension is reduced
(reduce_all, dim listing all of them, or an empty dim) and not keep_dim. The max or min of
no elements is -inf or inf (the lowest or highest int), as Eigen's reducers start from.
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import axes, dtype_of, reduced

ATTRS = {"dim": [0], "keep_dim": False, "reduce_all": False, "in_dtype": -1, "out_dtype": -1}
FLOATS, INTS = ("float32", "float64"), ("int32", "int64")


def _shape_rule(kinds, what):
    def rule(op):
        x, dim = op.in_var("X"), op.attr("dim")
        if x.dtype.kind not in kinds:
            raise TypeError(f"X ('{x.name}') must be {what}, got {x.dtype}")
        if not all(isinstance(d, int) and -len(x.shape) <= d < max(len(x.shape), 1)
                   for d in dim):
            raise ValueError(f"dim {dim} is out of range for X ('{x.name}') of shape "
                             f"{list(x.shape)}")
        dtype = x.dtype if op.attr("out_dtype") == -1 else dtype_of(op.attr("out_dtype"))
        shape = reduced(x.shape, dim, op.attr("keep_dim"), op.attr("reduce_all"))
        return shape, dtype
    return rule


def broadcast_back(x, dout, dim, reduce_all, scale=1):
    """dOut reshaped to keep the reduced dimensions and broadcast to X's shape: a read-only
    view, not an array the size of X (the executor copies it if it is fetched)."""
    ax = axes(x.ndim, dim, reduce_all)
    dout = dout.reshape([1 if ax is None or i in ax else d for i, d in enumerate(x.shape)])
    if dout.dtype != x.dtype:
        dout = dout.astype(x.dtype)
    if scale != 1:
        dout = dout * dout.dtype.type(scale)
    return get_array_module(x).broadcast_to(dout, x.shape)


def _count(x, dim, reduce_all):
    ax = axes(x.ndim, dim, reduce_all)
    return int(np.prod([x.shape[a] for a in (range(x.ndim) if ax is None else ax)]))


def _extreme(name):
    def reduce(x, axis, keepdims, dtype):
        if x.size:
            return getattr(x, name)(axis=axis, keepdims=keepdims)
        xp = get_array_module(x)  # no elements: the reducer's starting value
        info = np.finfo(x.dtype) if x.dtype.kind == "f" else np.iinfo(x.dtype)
        start = (-np.inf if x.dtype.kind == "f" else info.min) if name == "max" else \
            (np.inf if x.dtype.kind == "f" else info.max)
        shape = np.sum(np.empty(x.shape, bool), axis=axis, keepdims=keepdims).shape
        return xp.full(shape, start, x.dtype)
    return reduce


def _mean(x, axis, keepdims, dtype):
    total = get_array_module(x).asarray(x.sum(axis=axis, keepdims=keepdims, dtype=dtype))
    n = x.size // total.size if total.size else 0
    return total / total.dtype.type(n) if n else get_array_module(x).full_like(total, np.nan)


FORWARD = {  # (x, axis, keepdims, dtype) -> the reduction, dtypes X may have, X's kinds
    "reduce_sum": (lambda x, axis, keepdims, dtype: x.sum(axis=axis, keepdims=keepdims,
                                                          dtype=dtype), FLOATS + INTS, "fiu"),
    "reduce_mean": (_mean, FLOATS, "f"),
    "reduce_max": (_extreme("max"), FLOATS + INTS, "fiu"),
    "reduce_min": (_extreme("min"), FLOATS + INTS, "fiu"),
    "reduce_prod": (lambda x, axis, keepdims, dtype: x.prod(axis=axis, keepdims=keepdims,
                                                            dtype=dtype), FLOATS + INTS, "fiu"),
    "reduce_all": (lambda x, axis, keepdims, dtype: x.all(axis=axis, keepdims=keepdims),
                   ("bool",), "b"),
    "reduce_any": (lambda x, axis, keepdims, dtype: x.any(axis=axis, keepdims=keepdims),
                   ("bool",), "b"),
}


def _prod_of_others(x, ax):
    """For each element, the product of the other elements of its reduced group: the
    products before it times those after it, so no division (and zeros are right)."""
    xp = get_array_module(x)
    ax = tuple(range(x.ndim)) if ax is None else ax
    rest = tuple(i for i in range(x.ndim) if i not in ax)
    t = x.astype(np.float64).transpose(rest + ax)  # float64: partial products stay finite
    g = t.reshape(t.shape[:len(rest)] + (int(np.prod(t.shape[len(rest):])),))
    ones = xp.ones(g.shape[:-1] + (1,), g.dtype)
    before = xp.concatenate([ones, xp.cumprod(g, axis=-1)[..., :-1]], axis=-1)
    after = xp.concatenate([xp.cumprod(g[..., ::-1], axis=-1)[..., :-1][..., ::-1], ones],
                           axis=-1)
    others = (before * after).reshape(t.shape).transpose(
        tuple(int(i) for i in np.argsort(rest + ax)))
    return others.astype(x.dtype)


GRADS = {  # (x, out kept-dims broadcast, dout broadcast, ax, n) -> X@GRAD
    "reduce_sum": lambda x, out, d, ax, n: d,
    "reduce_mean": lambda x, out, d, ax, n: d * d.dtype.type(1 / max(n, 1)),
    "reduce_max": lambda x, out, d, ax, n: d * (x == out),
    "reduce_min": lambda x, out, d, ax, n: d * (x == out),
    "reduce_prod": lambda x, out, d, ax, n: d * _prod_of_others(x, ax),
}


def _make(type, reduce, dtypes, kinds):
    op = register_op(type, inputs=["X"], outputs=["Out"], attrs=ATTRS, doc=__doc__,
                     no_grad="" if type in GRADS else "a bool result: not differentiable")
    op.shape_rule(_shape_rule(kinds, "a bool tensor" if kinds == "b" else
                              "a float tensor" if kinds == "f" else "a numeric tensor"))

    @op.kernel(*dtypes)
    def forward(x, *, dim, keep_dim, reduce_all, in_dtype, out_dtype):
        ax = axes(x.ndim, dim, reduce_all)
        dtype = x.dtype if out_dtype == -1 else dtype_of(out_dtype)
        out = reduce(x, ax, keep_dim, dtype)
        out = get_array_module(x).asarray(out).astype(dtype, copy=False)
        return out.reshape(1) if ax is None and not keep_dim else out

    if type not in GRADS:
        return
    needs_out = type in ("reduce_max", "reduce_min")
    op.default_grad(outputs=("Out",) if needs_out else ())
    grad = register_op(type + "_grad", inputs=["X"] + (["Out"] if needs_out else []) +
                       [grad_name("Out")], outputs=[grad_name("X") + "?"], attrs=ATTRS)

    @grad.kernel(*FLOATS)
    def backward(x, *rest, dim, keep_dim, reduce_all, in_dtype, out_dtype):
        out, dout = rest if needs_out else (None, rest[0])
        d = broadcast_back(x, dout, dim, reduce_all)
        ax = axes(x.ndim, dim, reduce_all)
        if out is not None:
            out = broadcast_back(x, out, dim, reduce_all)
        return GRADS[type](x, out, d, ax, _count(x, dim, reduce_all))


for _type, (_reduce, _dtypes, _kinds) in FORWARD.items():
    _make(_type, _reduce, _dtypes, _kinds)
