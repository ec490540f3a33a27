"""elementwise_add, elementwise_sub, elementwise_mul, elementwise_div: X op Y, with fluid's
broadcasting: Y's dimensions line up with X's starting at dimension `axis` (-1: at the end),
then broadcast as numpy does. When Y has more dimensions than X, X lines up with Y instead
(as Paddle 1.8 does), and Out has Y's rank.

    Out    = X' op Y'     (the smaller with size-1 dimensions added before and after)
    X@GRAD = sum over the broadcast dimensions of  dOut * dOp/dX', reshaped back to X
    Y@GRAD = the same for Y', reshaped back to Y

with dOp/dX, dOp/dY = (1, 1) for add, (1, -1) for sub, (Y, X) for mul, (1/Y, -X/Y^2) for div.
Integer division truncates toward zero, as Paddle's C++ `a / b` does: -7 / 2 = -3.
`use_mkldnn` is Paddle's attr, accepted and ignored (there is one CPU kernel).
"""
from minifluid.kernels import via_float32
from minifluid.place import get_array_module
from minifluid.registry import register_op


def _divide(x, y):
    if x.dtype.kind == "f":
        return x / y
    if (y == 0).any():  # on a GPU this waits for the result; integer division is rare
        raise ValueError(f"elementwise_div: integer division by zero ({int((y == 0).sum())} "
                         f"of Y's {y.size} elements are 0)")
    q = x // y  # floor; one more where the true quotient is negative and not whole
    q += (q < 0) & (q * y != x)
    return q


FORWARD = {"elementwise_add": lambda x, y: x + y, "elementwise_sub": lambda x, y: x - y,
           "elementwise_mul": lambda x, y: x * y, "elementwise_div": _divide}
GRADS = {  # (dOut, X, Y') -> (dX, dY') before reduction, each computed only when called
    "elementwise_add": lambda d, x, y: (lambda: d, lambda: d),
    "elementwise_sub": lambda d, x, y: (lambda: d, lambda: -d),
    "elementwise_mul": lambda d, x, y: (lambda: d * y, lambda: d * x),
    "elementwise_div": lambda d, x, y: (lambda: d / y, lambda: -d * x / (y * y)),
}
DTYPES = ("float32", "float64", "int32", "int64")
ATTRS = {"axis": -1, "use_mkldnn": False}


def aligned_shape(x_shape, y_shape, axis):
    """Y's shape padded with 1s so that it lines up with X from dimension `axis`."""
    if len(y_shape) > len(x_shape):
        raise ValueError(f"Y has more dimensions ({list(y_shape)}) than X ({list(x_shape)})")
    axis = len(x_shape) - len(y_shape) if axis == -1 else axis
    if not 0 <= axis <= len(x_shape) - len(y_shape):
        raise ValueError(f"axis {axis} does not fit Y of shape {list(y_shape)} into X of "
                         f"shape {list(x_shape)}")
    return (1,) * axis + tuple(y_shape) + (1,) * (len(x_shape) - axis - len(y_shape))


def aligned(x_shape, y_shape, axis):
    """X's and Y's shapes of one rank: the one with fewer dimensions lined up with the other
    from dimension `axis` (Paddle lets Y be the larger one)."""
    if len(y_shape) > len(x_shape):
        try:
            return aligned_shape(y_shape, x_shape, axis), tuple(y_shape)
        except ValueError:
            raise ValueError(f"axis {axis} does not fit X of shape {list(x_shape)} into Y of "
                             f"shape {list(y_shape)}") from None
    return tuple(x_shape), aligned_shape(x_shape, y_shape, axis)


def broadcast_shape(a, b):
    out = []
    for p, q in zip(a, b):
        if p == 1 or q == 1 or p == q or -1 in (p, q):
            out.append(q if p == 1 else p if q == 1 else max(p, q) if -1 not in (p, q)
                       else -1)
        else:
            raise ValueError(f"shapes {list(a)} and {list(b)} do not broadcast")
    return tuple(out)


def reduce_to(g, shape):
    """Sum g over the dimensions in which `shape` was broadcast."""
    axes = tuple(i for i, (n, s) in enumerate(zip(g.shape, shape)) if s == 1 and n != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


def x_and_y(op):
    """The X and Y inputs of a binary op, which must share a dtype."""
    x, y = op.in_var("X"), op.in_var("Y")
    if x.dtype != y.dtype:
        raise TypeError(f"X ('{x.name}', {x.dtype}) and Y ('{y.name}', {y.dtype}) must have "
                        f"one dtype")
    return x, y


def _make(type):
    op = register_op(type, inputs=["X", "Y"], outputs=["Out"], attrs=ATTRS, doc=__doc__)

    @op.shape_rule
    def _(op):
        x, y = x_and_y(op)
        out, axis = op.out_var("Out"), op.attr("axis")
        try:
            out.shape = broadcast_shape(*aligned(x.shape, y.shape, axis))
        except ValueError as e:
            raise ValueError(f"Y ('{y.name}') of shape {list(y.shape)} does not broadcast to X "
                             f"('{x.name}') of shape {list(x.shape)} with axis={axis}: "
                             f"{e}") from None
        out.dtype, out.lod_level = x.dtype, x.lod_level  # fluid's ShareLoD("X", "Out")

    op.default_grad(inputs=("X", "Y"), grads=("X", "Y"))

    @op.kernel(("cpu", "cuda"), *DTYPES)
    def forward(x, y, *, axis, use_mkldnn=False):
        xs, ys = aligned(x.shape, y.shape, axis)
        return FORWARD[type](x.reshape(xs), y.reshape(ys))

    op.kernel(("cpu", "cuda"), "float16")(via_float32(forward))

    grad = register_op(type + "_grad", inputs=["X", "Y", "Out@GRAD"],
                       outputs=["X@GRAD?", "Y@GRAD?"], attrs=ATTRS, wants_outputs=True)

    @grad.kernel(("cpu", "cuda"), "float32", "float64")
    def backward(x, y, dout, *, axis, use_mkldnn=False, wanted=(True, True)):
        xs, ys = aligned(x.shape, y.shape, axis)
        x2, y2 = x.reshape(xs), y.reshape(ys)
        xp = get_array_module(x)
        grads = []
        for g, shape, a, want in zip(GRADS[type](dout, x2, y2), (xs, ys), (x, y), wanted):
            # reshaped because ascontiguousarray makes a 0-d array 1-d
            grads.append(xp.ascontiguousarray(xp.broadcast_to(reduce_to(g(), shape), shape))
                         .reshape(a.shape) if want else None)
        return tuple(grads)

    grad.kernel(("cpu", "cuda"), "float16")(via_float32(backward))


for _type in FORWARD:
    _make(_type)
