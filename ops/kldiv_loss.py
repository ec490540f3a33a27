"""kldiv_loss: the Kullback-Leibler divergence of Target from exp(X) (X holds
log-probabilities), elementwise, then reduced:

    l = Target (log Target - X)   where Target > 0;   0 elsewhere (0 log 0 is 0)
    Loss = l ('none'), sum(l) ('sum'), mean(l) ('mean'), sum(l) / N ('batchmean', N = X's
    first dimension); X@GRAD = -Target dLoss (0 where Target <= 0), scaled as the reduction
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import float_input, like

REDUCTIONS = ("none", "batchmean", "mean", "sum")
op = register_op("kldiv_loss", inputs=["X", "Target"], outputs=["Loss"],
                 attrs={"reduction": "mean"}, doc=__doc__)

@op.shape_rule
def _(op):
    x, t, reduction = float_input(op), op.in_var("Target"), op.attr("reduction")
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {list(REDUCTIONS)}, got {reduction!r}")
    if tuple(t.shape) != tuple(x.shape) or t.dtype != x.dtype:
        raise ValueError(f"Target ('{t.name}') must be like X ('{x.name}'), {x.dtype}"
                         f"{list(x.shape)}, got {t.dtype}{list(t.shape)}")
    return like(x) if reduction == "none" else like(x, shape=(1,))


op.default_grad(inputs=("X", "Target"), dout="Loss")


def _scale(x, reduction):
    n = x.size if reduction == "mean" else x.shape[0] if reduction == "batchmean" else 1
    return x.dtype.type(1 / max(n, 1))

@op.kernel("float32", "float64")
def kldiv_loss(x, target, *, reduction):
    xp = get_array_module(x)
    pos = target > 0
    safe = xp.where(pos, target, 1)  # no log of 0 or of a negative, no 0 * inf
    loss = xp.where(pos, safe * (xp.log(safe) - x), 0).astype(x.dtype, copy=False)
    if reduction == "none":
        return loss
    return xp.reshape(loss.sum() * _scale(x, reduction), (1,)).astype(x.dtype)

grad = register_op("kldiv_loss_grad", inputs=["X", "Target", grad_name("Loss")],
                   outputs=[grad_name("X") + "?"], attrs={"reduction": "mean"})

@grad.kernel("float32", "float64")
def kldiv_loss_grad(x, target, dloss, *, reduction):
    xp = get_array_module(x)
    g = xp.where(target > 0, -target, 0).astype(x.dtype, copy=False)
    if reduction == "none":
        return g * dloss
    return g * (dloss.reshape(()) * _scale(x, reduction))
