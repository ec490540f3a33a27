"""huber_loss: quadratic near 0, linear beyond `delta`, of the residual Y - X:

    Residual = Y - X
    Out      = Residual^2 / 2                   where |Residual| <= delta
               delta (|Residual| - delta / 2)   elsewhere
    Y@GRAD   = dOut clip(Residual, -delta, delta);   X@GRAD = -Y@GRAD
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import grads_like, like, x_and_y

op = register_op("huber_loss", inputs=["X", "Y"], outputs=["Out", "Residual"],
                 attrs={"delta": 1.0}, doc=__doc__)


@op.shape_rule
def _(op):
    x, y = x_and_y(op)
    if x.dtype.kind != "f":
        raise TypeError(f"X ('{x.name}') must be a float tensor, got {x.dtype}")
    if tuple(x.shape) != tuple(y.shape):
        raise ValueError(f"X ('{x.name}') and Y ('{y.name}') must have one shape, got "
                         f"{list(x.shape)} and {list(y.shape)}")
    return {"Out": like(x), "Residual": like(x)}


op.default_grad(inputs=(), grads=("X", "Y"), outputs=("Residual",))


def _delta(delta, dtype):
    return dtype.type(min(delta, float(np.finfo(dtype).max)))  # no overflow in the cast


@op.kernel("float32", "float64")
def huber_loss(x, y, *, delta):
    xp = get_array_module(x)
    r = y - x
    d = _delta(delta, x.dtype)
    rc = xp.clip(r, -d, d)  # squaring only the clipped part: a huge residual cannot overflow
    return rc * rc / 2 + d * (xp.abs(r) - xp.abs(rc)), r


grad = register_op("huber_loss_grad", inputs=["Residual", grad_name("Out")],
                   outputs=[grad_name("X") + "?", grad_name("Y") + "?"], attrs={"delta": 1.0},
                   wants_outputs=True)


grad.shape_rule(grads_like("Residual", "X", "Y"))


@grad.kernel("float32", "float64")
def huber_loss_grad(r, dout, *, delta, wanted=(True, True)):
    d = _delta(delta, r.dtype)
    dy = dout * get_array_module(r).clip(r, -d, d)
    return (-dy if wanted[0] else None), (dy if wanted[1] else None)
