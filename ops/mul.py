"""mul: a matrix product after flattening X into 2-D at x_num_col_dims and Y at
y_num_col_dims (what fc uses).

    X2 = X as [prod(X.shape[:xn]), prod(X.shape[xn:])], Y2 likewise at yn
    Out    = X2 @ Y2, shaped X.shape[:xn] + Y.shape[yn:]
    X@GRAD = dOut2 @ Y2^T,  Y@GRAD = X2^T @ dOut2   (reshaped back)
"""
import math

from minifluid.registry import grad_name, register_op

from .rules import float_input, like, x_and_y

ATTRS = {"x_num_col_dims": 1, "y_num_col_dims": 1}
op = register_op("mul", inputs=["X", "Y"], outputs=["Out"], attrs=ATTRS, doc=__doc__)


def _prod(dims):
    return -1 if -1 in dims else math.prod(dims)


@op.shape_rule
def _(op):
    x, y = x_and_y(op)
    float_input(op, "X")  # as fluid 1.8: a matrix product of floats only
    xn, yn = op.attr("x_num_col_dims"), op.attr("y_num_col_dims")
    if not (0 < xn < len(x.shape) and 0 < yn < len(y.shape)):
        raise ValueError(f"x_num_col_dims={xn} / y_num_col_dims={yn} do not fit X "
                         f"{list(x.shape)} and Y {list(y.shape)}")
    k1, k2 = _prod(x.shape[xn:]), _prod(y.shape[:yn])
    if -1 not in (k1, k2) and k1 != k2:
        raise ValueError(f"X ('{x.name}') of shape {list(x.shape)} flattens to width {k1} "
                         f"but Y ('{y.name}') of shape {list(y.shape)} to height {k2}")
    return like(x, shape=tuple(x.shape[:xn]) + tuple(y.shape[yn:]))  # fluid's ShareLoD


def _flat(a, n):
    return a.reshape(math.prod(a.shape[:n]), -1) if a.size else a.reshape(
        math.prod(a.shape[:n]), math.prod(a.shape[n:]))


@op.kernel("float32", "float64")
def mul(x, y, *, x_num_col_dims, y_num_col_dims):
    out = _flat(x, x_num_col_dims) @ _flat(y, y_num_col_dims)
    return out.reshape(x.shape[:x_num_col_dims] + y.shape[y_num_col_dims:])


op.default_grad(inputs=("X", "Y"), grads=("X", "Y"))


grad = register_op("mul_grad", inputs=["X", "Y", grad_name("Out")],
                   outputs=[grad_name("X") + "?", grad_name("Y") + "?"],
                   attrs=ATTRS, wants_outputs=True)


@grad.kernel("float32", "float64")
def mul_grad(x, y, dout, *, x_num_col_dims, y_num_col_dims, wanted=(True, True)):
    x2, y2 = _flat(x, x_num_col_dims), _flat(y, y_num_col_dims)
    d2 = dout.reshape(x2.shape[0], y2.shape[1])
    return ((d2 @ y2.T).reshape(x.shape) if wanted[0] else None,
            (x2.T @ d2).reshape(y.shape) if wanted[1] else None)
