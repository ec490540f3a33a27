"""sigmoid, relu, tanh: elementwise activations; each gradient is written with Out.

    sigmoid: Out = 1 / (1 + exp(-X)) = (1 + tanh(X/2)) / 2   X@GRAD = dOut Out (1 - Out)
    relu:    Out = max(X, 0)                                   X@GRAD = dOut [Out > 0]
    tanh:    Out = tanh(X)                                     X@GRAD = dOut (1 - Out^2)

sigmoid is 1 / (1 + exp(-X)): a small one keeps its relative accuracy, which (1 +
tanh(X/2)) / 2 loses (its absolute error is ~ulp(1)). exp(-X) = inf for X << 0 gives the
right 0, and is not reported.
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import register_op

from .rules import same_as_x


def _sigmoid(x):
    xp = get_array_module(x)
    out = xp.empty_like(x)  # an array also for a 0-d X, where a ufunc returns a scalar
    with np.errstate(over="ignore"):
        xp.exp(-x, out=out)
    out += 1
    return xp.divide(1, out, out=out)


ACTIVATIONS = {
    "sigmoid": (_sigmoid, lambda out, d: d * out * (1 - out)),
    "relu": (lambda x: get_array_module(x).maximum(x, x.dtype.type(0)),
             lambda out, d: d * (out > 0)),
    "tanh": (lambda x: get_array_module(x).tanh(x), lambda out, d: d * (1 - out * out)),
}


def _make(type, forward, backward):
    op = register_op(type, inputs=["X"], outputs=["Out"], doc=__doc__)
    op.shape_rule(same_as_x)
    op.kernel(("cpu", "cuda"), "float32", "float64")(forward)

    op.default_grad(inputs=(), outputs=("Out",))

    grad = register_op(type + "_grad", inputs=["Out", "Out@GRAD"], outputs=["X@GRAD?"])

    @grad.shape_rule
    def _(op):
        out, dx = op.in_var("Out"), op.out_var("X@GRAD")
        dx.shape, dx.dtype = out.shape, out.dtype

    grad.kernel(("cpu", "cuda"), "float32", "float64")(backward)


for _type, (_f, _b) in ACTIVATIONS.items():
    _make(_type, _f, _b)
