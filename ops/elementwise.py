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
from minifluid.registry import grad_name, register_op

from .rules import aligned, broadcast, broadcast_grads


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


def _make(type):
    op = register_op(type, inputs=["X", "Y"], outputs=["Out"], attrs=ATTRS, doc=__doc__)

    op.shape_rule(broadcast)
    op.default_grad(inputs=("X", "Y"), grads=("X", "Y"))

    @op.kernel(*DTYPES)
    def forward(x, y, *, axis, use_mkldnn=False):
        xs, ys = aligned(x.shape, y.shape, axis)
        return FORWARD[type](x.reshape(xs), y.reshape(ys))

    grad = register_op(type + "_grad", inputs=["X", "Y", grad_name("Out")],
                       outputs=[grad_name("X") + "?", grad_name("Y") + "?"], attrs=ATTRS,
                       wants_outputs=True)

    @grad.kernel("float32", "float64")
    def backward(x, y, dout, *, axis, use_mkldnn=False, wanted=(True, True)):
        xs, ys = aligned(x.shape, y.shape, axis)
        return broadcast_grads(GRADS[type](dout, x.reshape(xs), y.reshape(ys)), (xs, ys),
                               (x.shape, y.shape), wanted)

for _type in FORWARD:
    _make(_type)
