"""margin_rank_loss: the hinge loss of a pair of scores X1, X2 whose order Label gives
(+1: X1 ranks higher, -1: X2 does), with margin `margin`:

    Out       = max(0, -Label (X1 - X2) + margin)
    Activated = 1 where Out > 0, else 0
    X1@GRAD   = -dOut Activated Label;   X2@GRAD = -X1@GRAD
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import float_input, grads_like, like

op = register_op("margin_rank_loss", inputs=["X1", "X2", "Label"],
                 outputs=["Activated", "Out"], attrs={"margin": 0.0}, doc=__doc__)


@op.shape_rule
def _(op):
    x1, x2, label = (float_input(op, s) for s in ("X1", "X2", "Label"))
    shapes = {tuple(v.shape) for v in (x1, x2, label)}
    if len(shapes) != 1 or len(label.shape) != 2 or label.shape[1] not in (1, -1):
        raise ValueError(f"X1 ('{x1.name}'), X2 ('{x2.name}') and Label ('{label.name}') must "
                         f"all be [N, 1], got {list(x1.shape)}, {list(x2.shape)} and "
                         f"{list(label.shape)}")
    if len({x1.dtype, x2.dtype, label.dtype}) != 1:
        raise TypeError(f"X1, X2 and Label must have one dtype, got {x1.dtype}, {x2.dtype} "
                        f"and {label.dtype}")
    return {"Activated": like(label), "Out": like(label)}


op.default_grad(inputs=("Label",), grads=("X1", "X2"), outputs=("Activated",))


@op.kernel("float32", "float64")
def margin_rank_loss(x1, x2, label, *, margin):
    xp = get_array_module(x1)
    out = xp.maximum(-label * (x1 - x2) + x1.dtype.type(margin), 0)
    return (out > 0).astype(out.dtype), out


grad = register_op("margin_rank_loss_grad",
                   inputs=["Activated", "Label", grad_name("Out")],
                   outputs=[grad_name("X1") + "?", grad_name("X2") + "?"], attrs={"margin": 0.0},
                   wants_outputs=True)


grad.shape_rule(grads_like("Label", "X1", "X2"))


@grad.kernel("float32", "float64")
def margin_rank_loss_grad(act, label, dout, *, margin, wanted=(True, True)):
    dx2 = dout * act * label
    return (-dx2 if wanted[0] else None), (dx2 if wanted[1] else None)
