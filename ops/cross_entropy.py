"""cross_entropy and cross_entropy2: the loss of probabilities X against labels, per row of
X's last dimension (D classes). Label is [..., 1] or [...] of ints (hard) or [..., D] of
probabilities (soft, cross_entropy only); Y is [..., 1] (or [...] for a [...] Label).

    hard   Y = -log(X[label])          dX[label] = -dY / X[label]    (0 where label = ignore_index)
    soft   Y = -sum_j Label_j log X_j  dX = -dY Label / X            (0 where Label_j = 0)

As in fluid, log(0) = -inf is taken as -1e20 (its TolerableValue), so X = 0 gives a finite
loss of 1e20 and a zero soft label times log(0) gives 0, not nan. cross_entropy2 is the
hard-label form fluid 1.8's layer builds: it also writes MatchX (X[label], [..., 1]) and
XShape ([0] + X.shape, no elements), which its gradient reads instead of X.
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import float_input, like

APPROX_INF = 1e20  # fluid's kApproInf


def _rows(op):
    """X and Label, checked as fluid's CrossEntropyOpBase::InferShape checks them, and the
    shape of Y: Label's, with a last dimension of 1 where Label has X's rank."""
    x, label = float_input(op), op.in_var("Label")
    soft = op.attr("soft_label") if "soft_label" in op.attrs else False
    rank, where = len(x.shape), f"X ('{x.name}') of shape {list(x.shape)}"
    if rank == 0:
        raise ValueError(f"X ('{x.name}') must have at least 1 dimension, got a scalar")
    if soft:
        if label.dtype != x.dtype or tuple(label.shape) != tuple(x.shape):
            raise ValueError(f"with soft_label, Label ('{label.name}') must be like {where} "
                             f"and of its dtype {x.dtype}, got {label.dtype}"
                             f"{list(label.shape)}")
        return x, (*x.shape[:-1], 1)
    if label.dtype.name not in ("int32", "int64"):
        raise TypeError(f"Label ('{label.name}') must be an int32/int64 tensor of class "
                        f"indices (or set soft_label), got {label.dtype}")
    lead = tuple(label.shape[:-1]) if len(label.shape) == rank else tuple(label.shape)
    if len(label.shape) not in (rank, rank - 1) or (len(label.shape) == rank and
                                                    label.shape[-1] not in (1, -1)) or \
            any(a != b and -1 not in (a, b) for a, b in zip(lead, x.shape[:-1])):
        raise ValueError(f"Label ('{label.name}') of shape {list(label.shape)} does not fit "
                         f"{where}: expected {list(x.shape[:-1]) + [1]} or "
                         f"{list(x.shape[:-1])}")
    return x, (*lead, 1) if len(label.shape) == rank else lead


def _tolerable_log(xp, x):
    with np.errstate(divide="ignore", invalid="ignore"):
        return xp.clip(xp.log(x), -APPROX_INF, APPROX_INF)


def _hard(x, label, ignore_index, op_type):
    """X as rows [N, D], the labels [N], which of them count, and X[label] (0 where not)."""
    xp = get_array_module(x)
    d = x.shape[-1]
    x2, lab = x.reshape(-1, d), label.reshape(-1).astype(np.int64)
    valid = lab != ignore_index
    if bool(((lab < 0) | (lab >= d))[valid].any()):  # a read of the device on GPU
        bad = lab[valid & ((lab < 0) | (lab >= d))][0]
        raise ValueError(f"{op_type}: Label holds {int(bad)}; class indices must be in "
                         f"[0, {d}) or equal ignore_index {ignore_index}")
    safe = xp.where(valid, lab, 0)
    match = xp.where(valid, x2[xp.arange(x2.shape[0]), safe], 0).astype(x.dtype, copy=False)
    return x2, safe, valid, match


def _hard_loss(xp, match, valid):
    return xp.where(valid, -_tolerable_log(xp, match), 0).astype(match.dtype, copy=False)


def _hard_grad(xp, shape, dtype, safe, valid, match, dy):
    dx = xp.zeros((int(np.prod(shape[:-1])), shape[-1]), dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = xp.where(valid, -dy.reshape(-1) / xp.where(valid, match, 1), 0)
    dx[xp.arange(dx.shape[0]), safe] = g
    return dx.reshape(shape)


ATTRS = {"soft_label": False, "ignore_index": -100}
op = register_op("cross_entropy", inputs=["X", "Label"], outputs=["Y"], attrs=ATTRS,
                 doc=__doc__)


@op.shape_rule
def _(op):
    x, shape = _rows(op)
    return like(x, shape=shape)


op.default_grad(inputs=("X", "Label"), dout="Y")


@op.kernel("float32", "float64")
def cross_entropy(x, label, *, soft_label, ignore_index):
    xp = get_array_module(x)
    if soft_label:
        logs = _tolerable_log(xp, x)
        with np.errstate(invalid="ignore"):
            terms = xp.where(label == 0, 0, label * logs)  # 0 log 0 is 0
        return -terms.sum(axis=-1, keepdims=True)
    _, _, valid, match = _hard(x, label, ignore_index, "cross_entropy")
    shape = label.shape[:-1] + (1,) if label.ndim == x.ndim else label.shape
    return _hard_loss(xp, match, valid).reshape(shape)


grad = register_op("cross_entropy_grad", inputs=["X", "Label", grad_name("Y")],
                   outputs=[grad_name("X") + "?"], attrs=ATTRS)


@grad.kernel("float32", "float64")
def cross_entropy_grad(x, label, dy, *, soft_label, ignore_index):
    xp = get_array_module(x)
    if soft_label:
        with np.errstate(divide="ignore", invalid="ignore"):
            return xp.where(label == 0, 0, -dy * label / x).astype(x.dtype, copy=False)
    _, safe, valid, match = _hard(x, label, ignore_index, "cross_entropy_grad")
    return _hard_grad(xp, x.shape, x.dtype, safe, valid, match, dy)


op2 = register_op("cross_entropy2", inputs=["X", "Label"], outputs=["Y", "MatchX", "XShape"],
                  attrs={"ignore_index": -100}, doc=__doc__)


@op2.shape_rule
def _(op):
    x, shape = _rows(op)
    return {"Y": like(x, shape=shape), "MatchX": like(x, shape=(*x.shape[:-1], 1)),
            "XShape": like(x, shape=(0, *x.shape))}


@op2.grad_maker
def _(op):
    return [dict(type="cross_entropy_grad2",
                 inputs={"MatchX": op.output("MatchX"), "Label": op.input("Label"),
                         "XShape": op.output("XShape"),
                         grad_name("Y"): [grad_name(n) for n in op.output("Y")]},
                 outputs={grad_name("X"): [grad_name(n) for n in op.input("X")]},
                 attrs=dict(op.attrs))]


@op2.kernel("float32", "float64")
def cross_entropy2(x, label, *, ignore_index):
    xp = get_array_module(x)
    _, _, valid, match = _hard(x, label, ignore_index, "cross_entropy2")
    shape = label.shape[:-1] + (1,) if label.ndim == x.ndim else label.shape
    return (_hard_loss(xp, match, valid).reshape(shape), match.reshape(x.shape[:-1] + (1,)),
            xp.empty((0,) + x.shape, x.dtype))


# fluid 1.8 names this grad op cross_entropy_grad2 (not cross_entropy2_grad)
grad2 = register_op("cross_entropy_grad2",
                    inputs=["MatchX", "Label", "XShape", grad_name("Y")],
                    outputs=[grad_name("X") + "?"], attrs={"ignore_index": -100})


@grad2.shape_rule
def _(op):
    xshape = op.in_var("XShape")
    return tuple(xshape.shape[1:]), xshape.dtype, xshape.lod_level


@grad2.kernel("float32", "float64")
def cross_entropy_grad2(match_x, label, xshape, dy, *, ignore_index):
    xp = get_array_module(match_x)
    shape = xshape.shape[1:]
    lab = label.reshape(-1).astype(np.int64)
    valid = lab != ignore_index
    return _hard_grad(xp, shape, match_x.dtype, xp.where(valid, lab, 0), valid,
                      match_x.reshape(-1), dy)
