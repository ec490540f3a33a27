"""bpr_loss: Bayesian personalised ranking, the mean over the D - 1 negative classes j of the
logistic loss of the positive class l = Label's score above each:

    Y       = 1 / (D - 1) sum_{j != l} -log sigmoid(X_l - X_j)
            = 1 / (D - 1) sum_{j != l} softplus(X_j - X_l)
    X@GRAD  = dY / (D - 1) sigmoid(X_j - X_l) at each j != l, minus their sum at l

X is [..., D] scores, Label [..., 1] class indices in [0, D); Y is [..., 1]. softplus is
computed without exp overflow, so a far-out score gives a linear loss, not inf (fluid clamps
exp at 1e20 instead).
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import float_input, like, sigmoid, softplus

op = register_op("bpr_loss", inputs=["X", "Label"], outputs=["Y"], doc=__doc__)


@op.shape_rule
def _(op):
    x, label = float_input(op), op.in_var("Label")
    if label.dtype.name not in ("int32", "int64"):
        raise TypeError(f"Label ('{label.name}') must be an int64 tensor of class indices, got "
                        f"{label.dtype}")
    if not x.shape or len(label.shape) != len(x.shape) or label.shape[-1] not in (1, -1) or any(
            -1 not in (a, b) and a != b for a, b in zip(x.shape[:-1], label.shape[:-1])):
        raise ValueError(f"Label ('{label.name}') must be X's shape with 1 last, X ('{x.name}') "
                         f"of shape [..., D]; got {list(label.shape)} and {list(x.shape)}")
    if x.shape[-1] in (0, 1):
        raise ValueError(f"X ('{x.name}') must have D >= 2 classes (one positive, some "
                         f"negatives) in its last dimension, got {list(x.shape)}")
    return like(x, shape=tuple(x.shape[:-1]) + (1,))


op.default_grad(inputs=("X", "Label"), grads=("X",), dout="Y")


def _rows(x, label):
    """X as [rows, D], the rows' positive class, and X_j - X_l."""
    xp = get_array_module(x)
    d = x.shape[-1]
    if d < 2:
        raise ValueError(f"bpr_loss: X must have D >= 2 classes, got shape {list(x.shape)}")
    x2, lab = x.reshape(-1, d), label.reshape(-1)
    bad = (lab < 0) | (lab >= d)
    if bool(bad.any()):
        raise ValueError(f"bpr_loss: Label must hold class indices in [0, {d}), got "
                         f"{lab[bad][:5].tolist()}")
    rows = xp.arange(x2.shape[0])
    return x2, lab, rows, x2 - x2[rows, lab][:, None]


@op.kernel("float32", "float64")
def bpr_loss(x, label):
    x2, lab, rows, diff = _rows(x, label)
    losses = softplus(diff)
    losses[rows, lab] = 0  # the positive class is no negative of itself
    return (losses.sum(axis=1) / (x.shape[-1] - 1)).reshape(x.shape[:-1] + (1,))


grad = register_op("bpr_loss_grad", inputs=["X", "Label", grad_name("Y")],
                   outputs=[grad_name("X")])


@grad.shape_rule
def _(op):
    return {grad_name("X"): like(op.in_var("X"))}


@grad.kernel("float32", "float64")
def bpr_loss_grad(x, label, dy):
    x2, lab, rows, diff = _rows(x, label)
    g = sigmoid(diff) * (dy.reshape(-1, 1) / x.dtype.type(x.shape[-1] - 1))
    g[rows, lab] = 0
    g[rows, lab] = -g.sum(axis=1)
    return g.reshape(x.shape)
