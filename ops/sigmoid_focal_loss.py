"""sigmoid_focal_loss: the focal loss of per-class logits X ([N, D]) for the class Label
([N, 1] int32: 1..D a foreground class, 0 background, -1 ignored), normalised by the number
of foreground anchors FgNum ([1] int32, at least 1). With p = sigmoid(X[n, d]):

    Out = alpha / fg (1 - p)^gamma (-log p)           where Label = d + 1
          (1 - alpha) / fg p^gamma (-log(1 - p))      where Label != d + 1 and Label != -1
          0                                           where Label = -1
    X@GRAD = -dOut alpha / fg (1 - p)^gamma (1 - p - gamma p log p)           (the first)
             dOut (1 - alpha) / fg p^gamma (p - gamma (1 - p) log(1 - p))    (the second)

-log p = softplus(-x) and -log(1 - p) = softplus(x), and p, 1 - p are sigmoids of x and -x,
so that no exp overflows and a far-out logit gives a loss linear in it (fluid clamps p at
FLT_MIN instead, which caps the loss at 87 alpha / fg).
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import float_input, like, sigmoid, softplus

op = register_op("sigmoid_focal_loss", inputs=["X", "Label", "FgNum"], outputs=["Out"],
                 attrs={"gamma": 2.0, "alpha": 0.25}, doc=__doc__)


@op.shape_rule
def _(op):
    x, label, fg = float_input(op), op.in_var("Label"), op.in_var("FgNum")
    for slot, v in (("Label", label), ("FgNum", fg)):
        if v.dtype.name != "int32":
            raise TypeError(f"{slot} ('{v.name}') must be an int32 tensor, got {v.dtype}")
    if not x.shape or len(label.shape) != len(x.shape) or label.shape[-1] not in (1, -1) or any(
            -1 not in (a, b) and a != b for a, b in zip(x.shape[:-1], label.shape[:-1])):
        raise ValueError(f"Label ('{label.name}') must be X's shape with 1 last, X ('{x.name}') "
                         f"of shape [N, D]; got {list(label.shape)} and {list(x.shape)}")
    if len(fg.shape) != 1:
        raise ValueError(f"FgNum ('{fg.name}') must be 1-D ([1]), got {list(fg.shape)}")
    return like(x)


op.default_grad(inputs=("X", "Label", "FgNum"), grads=("X",))


def _parts(x, label, fg_num, alpha):
    """X as [rows, D] and logistic pieces: where each element is its row's class, where it
    is a negative, and the positive and negative scales alpha / fg, (1 - alpha) / fg."""
    xp = get_array_module(x)
    d = x.shape[-1]
    x2, lab = x.reshape(-1, d), label.reshape(-1, 1)
    bad = (lab < -1) | (lab > d)
    if bool(bad.any()):
        raise ValueError(f"sigmoid_focal_loss: Label must hold -1 (ignored), 0 (background) or "
                         f"a class in [1, {d}], got {lab[bad][:5].tolist()}")
    pos = lab == xp.arange(1, d + 1)
    neg = (lab != -1) & ~pos
    fg = xp.maximum(fg_num.reshape(-1)[:1], 1).astype(x.dtype)
    return x2, pos, neg, x.dtype.type(alpha) / fg, x.dtype.type(1 - alpha) / fg


@op.kernel("float32", "float64")
def sigmoid_focal_loss(x, label, fg_num, *, gamma, alpha):
    xp = get_array_module(x)
    x2, pos, neg, s_pos, s_neg = _parts(x, label, fg_num, alpha)
    g = x.dtype.type(gamma)
    out = xp.where(pos, s_pos * sigmoid(-x2) ** g * softplus(-x2), 0)
    out = out + xp.where(neg, s_neg * sigmoid(x2) ** g * softplus(x2), 0)
    return out.reshape(x.shape).astype(x.dtype, copy=False)


grad = register_op("sigmoid_focal_loss_grad",
                   inputs=["X", "Label", "FgNum", grad_name("Out")], outputs=[grad_name("X")],
                   attrs={"gamma": 2.0, "alpha": 0.25})


@grad.shape_rule
def _(op):
    return {grad_name("X"): like(op.in_var("X"))}


@grad.kernel("float32", "float64")
def sigmoid_focal_loss_grad(x, label, fg_num, dout, *, gamma, alpha):
    xp = get_array_module(x)
    x2, pos, neg, s_pos, s_neg = _parts(x, label, fg_num, alpha)
    g = x.dtype.type(gamma)
    p, q = sigmoid(x2), sigmoid(-x2)  # p and 1 - p, each accurate where it is tiny
    # log p = -softplus(-x), log(1 - p) = -softplus(x): finite where p or 1 - p is 0
    d_pos = -s_pos * q ** g * (q + g * p * softplus(-x2))
    d_neg = s_neg * p ** g * (p + g * q * softplus(x2))
    dx = xp.where(pos, d_pos, 0) + xp.where(neg, d_neg, 0)
    return (dx.reshape(x.shape) * dout).astype(x.dtype, copy=False)
