"""rank_loss: RankNet's pairwise loss of scores Left, Right for the target probability Label
(1: Left ranks higher, 0: Right does, 0.5: unknown), with o = Left - Right:

    Out        = log(1 + exp(o)) - Label o
    Left@GRAD  = dOut (sigmoid(o) - Label);   Right@GRAD = -Left@GRAD

Each input is [N] or [N, 1]; Out has Label's shape. log(1 + exp(o)) is computed as
max(o, 0) + log1p(exp(-|o|)), so that a large |o| neither overflows nor loses the loss.
"""
from minifluid.registry import grad_name, register_op

from .rules import float_input, like, sigmoid, softplus

op = register_op("rank_loss", inputs=["Label", "Left", "Right"], outputs=["Out"], doc=__doc__)


@op.shape_rule
def _(op):
    vs = [float_input(op, s) for s in ("Label", "Left", "Right")]
    for slot, v in zip(("Label", "Left", "Right"), vs):
        if len(v.shape) not in (1, 2) or (len(v.shape) == 2 and v.shape[1] not in (1, -1)):
            raise ValueError(f"{slot} ('{v.name}') must be [N] or [N, 1], got {list(v.shape)}")
    n = {v.shape[0] for v in vs} - {-1}
    if len(n) > 1:
        raise ValueError(f"Label, Left and Right must have one batch size, got "
                         f"{[list(v.shape) for v in vs]}")
    if len({v.dtype for v in vs}) != 1:
        raise TypeError(f"Label, Left and Right must have one dtype, got "
                        f"{[str(v.dtype) for v in vs]}")
    return like(vs[0])


op.default_grad(inputs=("Label", "Left", "Right"), grads=("Left", "Right"))


def _o(left, right):
    return left.reshape(-1) - right.reshape(-1)


@op.kernel("float32", "float64")
def rank_loss(label, left, right):
    o = _o(left, right)
    return (softplus(o) - label.reshape(-1) * o).reshape(label.shape)


grad = register_op("rank_loss_grad", inputs=["Label", "Left", "Right", grad_name("Out")],
                   outputs=[grad_name("Left") + "?", grad_name("Right") + "?"],
                   wants_outputs=True)


@grad.shape_rule
def _(op):
    return {grad_name(s): like(op.in_var(s)) for s in ("Left", "Right")}


@grad.kernel("float32", "float64")
def rank_loss_grad(label, left, right, dout, *, wanted=(True, True)):
    g = dout.reshape(-1) * (sigmoid(_o(left, right)) - label.reshape(-1))
    return (g.reshape(left.shape) if wanted[0] else None,
            -g.reshape(right.shape) if wanted[1] else None)
