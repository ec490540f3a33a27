"""elementwise_max, elementwise_min, elementwise_pow, elementwise_mod, elementwise_floordiv:
Out = X op Y with the elementwise family's broadcasting (ops/elementwise.py: Y lined up with X
from `axis`, or X with Y when Y has more dimensions), as fluid 1.8 computes them:

    max       X > Y ? X : Y          dX = dOut [X > Y],  dY = dOut [X <= Y]
    min       X < Y ? X : Y          dX = dOut [X < Y],  dY = dOut [X >= Y]
    pow       X ^ Y                  dX = dOut Y X^(Y-1),  dY = dOut log(X) X^Y
    mod       ints: X % Y as C's (the sign of X);  floats: fmod(Y + fmod(X, Y), Y)
    floordiv  ints only: X / Y truncated toward zero, as C's (fluid 1.8's kernel, its name
              notwithstanding: -7 // 2 is -3)

max and min pick as the ternary does, so a nan in X gives Y (and one in Y gives nan). Integer
pow is computed in float64 and rounded to the nearest integer (fluid's llrint), so 2 ^ -1 is
0; its gradients too, truncated to the integer dtype. An integer mod or floordiv by zero is a
ValueError naming the op. mod and floordiv have no gradient: fluid 1.8 registers none.
`use_mkldnn` is accepted and ignored.
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import aligned, broadcast, broadcast_grads

DTYPES = ("float32", "float64", "int32", "int64")
ATTRS = {"axis": -1, "use_mkldnn": False}


def _nonzero(type, y):
    if (y == 0).any():  # on a GPU this waits for the result; integer division is rare
        raise ValueError(f"{type}: integer division by zero ({int((y == 0).sum())} of Y's "
                         f"{y.size} elements are 0)")


def _pow(x, y):
    xp = get_array_module(x)
    if x.dtype.kind == "f":
        with np.errstate(all="ignore"):  # a negative base to a fractional power is nan
            return xp.power(x, y)
    return xp.rint(xp.power(x.astype(np.float64), y)).astype(x.dtype)


def _mod(x, y):
    xp = get_array_module(x)
    if x.dtype.kind == "f":
        with np.errstate(all="ignore"):  # fmod by 0 is nan, as in C
            return xp.fmod(y + xp.fmod(x, y), y)
    _nonzero("elementwise_mod", y)
    return xp.fmod(x, y)


def _floordiv(x, y):
    _nonzero("elementwise_floordiv", y)
    xp = get_array_module(x)
    return (x - xp.fmod(x, y)) // y  # exact: x - fmod(x, y) is a multiple of y


def _pow_grads(d, x, y):
    xp = get_array_module(x)
    return (lambda: d * y * x ** (y - 1), lambda: d * xp.log(x) * x ** y)


FORWARD = {
    "elementwise_max": lambda x, y: get_array_module(x).where(x > y, x, y),
    "elementwise_min": lambda x, y: get_array_module(x).where(x < y, x, y),
    "elementwise_pow": _pow, "elementwise_mod": _mod, "elementwise_floordiv": _floordiv}
GRADS = {  # (dOut, X', Y') -> thunks of (dX', dY') in the broadcast shape
    "elementwise_max": lambda d, x, y: (lambda: d * (x > y), lambda: d * (x <= y)),
    "elementwise_min": lambda d, x, y: (lambda: d * (x < y), lambda: d * (x >= y)),
    "elementwise_pow": _pow_grads}


def int_broadcast(op):
    """elementwise_floordiv's Out: fluid 1.8 has int32 and int64 kernels only."""
    x = op.in_var("X")
    if x.dtype.kind != "i":
        raise TypeError(f"X ('{x.name}') must be int32 or int64 (fluid 1.8's floordiv has no "
                        f"float kernel), got {x.dtype}")
    return broadcast(op)


def _make(type):
    no_grad = "" if type in GRADS else "fluid 1.8 registers no gradient for it"
    op = register_op(type, inputs=["X", "Y"], outputs=["Out"], attrs=ATTRS, doc=__doc__,
                     no_grad=no_grad)
    op.shape_rule(int_broadcast if type == "elementwise_floordiv" else broadcast)

    @op.kernel(*(DTYPES[2:] if type == "elementwise_floordiv" else DTYPES))
    def forward(x, y, *, axis, use_mkldnn=False):
        xs, ys = aligned(x.shape, y.shape, axis)
        return get_array_module(x).asarray(FORWARD[type](x.reshape(xs), y.reshape(ys)))

    if not no_grad:
        op.default_grad(inputs=("X", "Y"), grads=("X", "Y"))
        grad = register_op(type + "_grad", inputs=["X", "Y", grad_name("Out")],
                           outputs=[grad_name("X") + "?", grad_name("Y") + "?"], attrs=ATTRS,
                           wants_outputs=True)

        @grad.kernel(*(DTYPES if type == "elementwise_pow" else DTYPES[:2]))
        def backward(x, y, dout, *, axis, use_mkldnn=False, wanted=(True, True)):
            xs, ys, dtype = *aligned(x.shape, y.shape, axis), dout.dtype
            if x.dtype.kind != "f":  # integer pow: in float64, truncated as C's conversion
                x, y, dout = (a.astype(np.float64) for a in (x, y, dout))
            with np.errstate(all="ignore"):  # log(0) is -inf and 0 * inf nan, as in fluid
                dx, dy = broadcast_grads(GRADS[type](dout, x.reshape(xs), y.reshape(ys)),
                                         (xs, ys), (x.shape, y.shape), wanted)
            return tuple(g if g is None else g.astype(dtype, copy=False) for g in (dx, dy))


for _type in FORWARD:
    _make(_type)
