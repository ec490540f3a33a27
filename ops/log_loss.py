"""log_loss: the negative log likelihood of probabilities Predicted for 0/1 Labels, with
`epsilon` inside the logs so that a probability of exactly 0 or 1 gives a finite loss:

    Loss = -Labels log(Predicted + eps) - (1 - Labels) log(1 - Predicted + eps)
    Predicted@GRAD = dLoss (-Labels / (Predicted + eps) + (1 - Labels) / (1 - Predicted + eps))
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import float_input, like

op = register_op("log_loss", inputs=["Predicted", "Labels"], outputs=["Loss"],
                 attrs={"epsilon": 1e-4}, doc=__doc__)


@op.shape_rule
def _(op):
    p, label = float_input(op, "Predicted"), float_input(op, "Labels")
    if len(p.shape) != 2 or p.shape[1] not in (1, -1) or tuple(label.shape) != tuple(p.shape) \
            or label.dtype != p.dtype:
        raise ValueError(f"Predicted ('{p.name}') and Labels ('{label.name}') must both be "
                         f"[N, 1] of one dtype, got {p.dtype}{list(p.shape)} and "
                         f"{label.dtype}{list(label.shape)}")
    return like(p)


op.default_grad(inputs=("Predicted", "Labels"), grads=("Predicted",), dout="Loss")


@op.kernel("float32", "float64")
def log_loss(p, label, *, epsilon):
    xp = get_array_module(p)
    eps = p.dtype.type(epsilon)
    with np.errstate(divide="ignore", invalid="ignore"):  # eps = 0 and p = 0 or 1: inf, the math
        return -label * xp.log(p + eps) - (1 - label) * xp.log(1 - p + eps)


grad = register_op("log_loss_grad", inputs=["Predicted", "Labels", grad_name("Loss")],
                   outputs=[grad_name("Predicted") + "?"], attrs={"epsilon": 1e-4})


@grad.kernel("float32", "float64")
def log_loss_grad(p, label, dloss, *, epsilon):
    eps = p.dtype.type(epsilon)
    with np.errstate(divide="ignore", invalid="ignore"):
        return dloss * (-label / (p + eps) + (1 - label) / (1 - p + eps))
