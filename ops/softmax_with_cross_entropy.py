"""softmax_with_cross_entropy: softmax of Logits along `axis` and its cross entropy against
Label, from the log-softmax, so that no logit overflows and no probability underflows to a
log(0):

    logp     = Logits - max - log(sum(exp(Logits - max)))     (along axis)
    Softmax  = exp(logp)
    hard     Loss = -logp[Label]               (0 where Label = ignore_index)
    soft     Loss = -sum(Label logp)
    hard     Logits@GRAD = dLoss (Softmax - onehot(Label))     (0 where ignored)
    soft     Logits@GRAD = dLoss (Softmax sum(Label) - Label)

Label has Logits' shape with 1 at `axis` (ints, hard) or Logits' shape (soft); Loss has
Logits' shape with 1 at `axis`. numeric_stable_mode is accepted as fluid's is; the log-softmax
form is always the stable one. The soft gradient is the exact one: for labels that sum to 1
(fluid's case) it is fluid's Softmax - Label.
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import float_input, like, same_as

ATTRS = {"soft_label": False, "ignore_index": -100, "numeric_stable_mode": True, "axis": -1}
op = register_op("softmax_with_cross_entropy", inputs=["Logits", "Label"],
                 outputs=["Softmax", "Loss"], attrs=ATTRS, doc=__doc__)


@op.shape_rule
def _(op):
    x, label = float_input(op, "Logits"), op.in_var("Label")
    rank, axis = len(x.shape), op.attr("axis")
    if not -rank <= axis < rank:
        raise ValueError(f"axis {axis} is out of range for Logits ('{x.name}') of rank {rank}")
    axis %= rank
    loss = tuple(1 if i == axis else d for i, d in enumerate(x.shape))
    soft = op.attr("soft_label")
    if soft and label.dtype != x.dtype:
        raise TypeError(f"with soft_label, Label ('{label.name}') must have Logits' dtype "
                        f"{x.dtype}, got {label.dtype}")
    if not soft and label.dtype.name not in ("int32", "int64"):
        raise TypeError(f"Label ('{label.name}') must be an int32/int64 tensor of class "
                        f"indices (or set soft_label), got {label.dtype}")
    want = x.shape if soft else loss
    if len(label.shape) != rank or any(a != b and -1 not in (a, b)
                                       for a, b in zip(label.shape, want)):
        raise ValueError(f"Label ('{label.name}') of shape {list(label.shape)} does not fit "
                         f"Logits ('{x.name}') of shape {list(x.shape)} with axis={axis}: "
                         f"expected {list(want)}")
    return {"Softmax": like(x), "Loss": like(x, shape=loss)}


op.default_grad(inputs=("Label",), grads=("Logits",), outputs=("Softmax",),
                dout="Loss")


def _labels(xp, label, n, axis, ignore_index):
    """The hard labels, which of them count, and the labels with ignored ones as 0."""
    lab = label.astype(np.int64, copy=False)
    valid = lab != ignore_index
    if bool(((lab < 0) | (lab >= n))[valid].any()):  # a read of the device on GPU
        bad = lab[valid & ((lab < 0) | (lab >= n))][0]
        raise ValueError(f"softmax_with_cross_entropy: Label holds {int(bad)}; class indices "
                         f"must be in [0, {n}) or equal ignore_index {ignore_index}")
    return valid, xp.where(valid, lab, 0)


@op.kernel("float32", "float64")
def softmax_with_cross_entropy(logits, label, *, soft_label, ignore_index, numeric_stable_mode,
                               axis):
    xp = get_array_module(logits)
    axis %= logits.ndim
    if logits.size == 0:
        return xp.empty_like(logits), xp.zeros(label.shape[:axis] + (1,) + label.shape[
            axis + 1:], logits.dtype)
    shifted = logits - logits.max(axis=axis, keepdims=True)
    logp = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
    if soft_label:
        loss = -(label * logp).sum(axis=axis, keepdims=True)
    else:
        valid, safe = _labels(xp, label, logits.shape[axis], axis, ignore_index)
        picked = xp.take_along_axis(logp, safe, axis=axis)
        loss = xp.where(valid, -picked, 0).astype(logits.dtype, copy=False)
    return xp.exp(logp), loss


grad = register_op("softmax_with_cross_entropy_grad",
                   inputs=["Softmax", "Label", grad_name("Loss")],
                   outputs=[grad_name("Logits") + "?"], attrs=ATTRS)
grad.shape_rule(same_as("Softmax"))


@grad.kernel("float32", "float64")
def softmax_with_cross_entropy_grad(softmax, label, dloss, *, soft_label, ignore_index,
                                    numeric_stable_mode, axis):
    xp = get_array_module(softmax)
    axis %= softmax.ndim
    if soft_label:
        return dloss * (softmax * label.sum(axis=axis, keepdims=True) - label)
    if softmax.size == 0:
        return xp.empty_like(softmax)
    valid, safe = _labels(xp, label, softmax.shape[axis], axis, ignore_index)
    classes = xp.arange(softmax.shape[axis]).reshape(
        [-1 if i == axis else 1 for i in range(softmax.ndim)])
    return (softmax - (classes == safe)) * xp.where(valid, dloss, 0)
