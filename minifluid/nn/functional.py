"""Paddle 2.x's functional spelling of the loss, building static-graph ops.

    binary_cross_entropy_with_logits(logit, label, weight=None, reduction='mean',
                                     pos_weight=None, name=None)

loss = weight * sigmoid_cross_entropy_with_logits(logit, label, PosWeight=pos_weight), one
fused op (the weight, when given, one multiply more); 'mean' and 'sum' reduce it to a 0-D
result, 'none' keeps it elementwise.
"""
from __future__ import annotations

from ..checks import check_str, check_variable
from ..framework import Variable, same_shape
from ..layers.helper import append_layer_op, building, free_name
from ..layers.nn import sigmoid_cross_entropy_with_logits  # noqa: F401  (Paddle 2.x alias)

__all__ = ["binary_cross_entropy_with_logits", "sigmoid_cross_entropy_with_logits"]

REDUCTIONS = ("none", "mean", "sum")
FLOATS = ("float16", "float32", "float64")


def check_reduction(reduction, where):
    check_str(where, "reduction", reduction)
    if reduction not in REDUCTIONS:
        raise ValueError(f"{where}: reduction must be one of 'none', 'mean' or 'sum', got "
                         f"{reduction!r}")


def _check_float(where, arg, v, logit):
    if not isinstance(v, Variable):
        raise TypeError(f"{where}: '{arg}' must be a Variable, got {type(v).__name__}")
    check_variable(where, arg, v)
    if v.dtype.name not in FLOATS:
        raise TypeError(f"{where}: '{arg}' ('{v.name}') must be float16, float32 or float64, "
                        f"got {v.dtype}")
    if v is not logit and v.dtype != logit.dtype:
        raise TypeError(f"{where}: '{arg}' ('{v.name}') must have the dtype of 'logit' "
                        f"('{logit.name}', {logit.dtype}), got {v.dtype}")


def _check_broadcast(where, arg, v, logit):
    """`v` must broadcast to logit's shape (numpy rules) without growing it. An unknown
    dimension (-1) is left to run time, except in `v` against a 1 in logit: that could only
    grow the loss (per-sample weights [-1] against logits [-1, 1] would make a square)."""
    if len(v.shape) > len(logit.shape) or not all(
            p in (1, d) or d == -1 or (p == -1 and d != 1)
            for p, d in zip(v.shape[::-1], logit.shape[::-1])):
        raise ValueError(f"{where}: {arg} '{v.name}' of shape {list(v.shape)} does not "
                         f"broadcast to logit '{logit.name}' of shape {list(logit.shape)}")


def binary_cross_entropy_with_logits(logit, label, weight=None, reduction="mean",
                                     pos_weight=None, name=None):
    """Sigmoid cross entropy of `logit` against `label`, optionally weighted, reduced.

    Args:
        logit, label: float Variables of one shape and dtype (soft labels allowed).
        weight: optional Variable broadcast against the elementwise loss.
        reduction: 'none', 'mean' or 'sum'; 'mean' and 'sum' give a 0-D result.
        pos_weight: optional Variable weighing the positive term, broadcast over trailing
            dimensions (one weight per class, say).

    Example:
        loss = minifluid.nn.functional.binary_cross_entropy_with_logits(logit, label)
    """
    return _binary_cross_entropy("binary_cross_entropy_with_logits", logit, label, weight,
                                 reduction, pos_weight, name)


def _binary_cross_entropy(where, logit, label, weight, reduction, pos_weight, name):
    check_reduction(reduction, where)
    for arg, v in (("logit", logit), ("label", label), ("weight", weight),
                   ("pos_weight", pos_weight)):
        if v is not None or arg in ("logit", "label"):
            _check_float(where, arg, v, logit)
    if not same_shape(label.shape, logit.shape):
        raise ValueError(f"{where}: label '{label.name}' of shape {list(label.shape)} must "
                         f"have the shape of logit '{logit.name}', {list(logit.shape)}")
    if weight is not None:
        _check_broadcast(where, "weight", weight, logit)
    if pos_weight is not None:
        _check_broadcast(where, "pos_weight", pos_weight, logit)
    name = free_name(where, name)
    with building():
        return _loss(logit, label, weight, reduction, pos_weight, name)


def _loss(logit, label, weight, reduction, pos_weight, name):
    last = reduction == "none" and weight is None
    loss = append_layer_op("sigmoid_cross_entropy_with_logits",
                           {"X": ("logit", logit), "Label": ("label", label),
                            "PosWeight": ("pos_weight", pos_weight)}, {},
                           name if last else None)
    if weight is not None:
        loss = append_layer_op("elementwise_mul", {"X": ("loss", loss), "Y": ("weight", weight)},
                               {"axis": -1}, name if reduction == "none" else None)
    if reduction == "none":
        return loss
    total = append_layer_op("reduce_" + reduction, {"X": ("loss", loss)},
                            {"dim": [], "keep_dim": False, "reduce_all": True})
    return append_layer_op("reshape", {"X": ("loss", total)}, {"shape": []}, name)
