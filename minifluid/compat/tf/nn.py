"""tf.nn.sigmoid_cross_entropy_with_logits and tf.nn.weighted_cross_entropy_with_logits, as
TensorFlow spells them, over minifluid's sigmoid_cross_entropy_with_logits op.

    sigmoid_cross_entropy_with_logits:  max(x, 0) - x z + log(1 + exp(-|x|))
    weighted_cross_entropy_with_logits: the same with pos_weight on the positive term,
        (1 - z) x + (1 + (pos_weight - 1) z) (log(1 + exp(-|x|)) + max(-x, 0))
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ...checks import check_variable
from ...framework import Variable, same_shape
from ...layers.helper import append_layer_op, building, free_name
from ...layers.tensor import fill_constant

__all__ = ["sigmoid_cross_entropy_with_logits", "weighted_cross_entropy_with_logits"]


def _shape(v):
    return "(" + ", ".join("None" if d == -1 else str(d) for d in v.shape) + \
        ("," if len(v.shape) == 1 else "") + ")"


def _check(where, labels, logits):
    for arg, v in (("labels", labels), ("logits", logits)):
        check_variable(where, arg, v)
    if labels.dtype != logits.dtype:
        raise TypeError(f"{where}: labels ('{labels.name}') must have the dtype of logits "
                        f"('{logits.name}', {logits.dtype}), got {labels.dtype}")
    if not same_shape(labels.shape, logits.shape):
        raise ValueError(f"{where}: logits and labels must have the same shape "
                         f"({_shape(logits)} vs {_shape(labels)})")


def sigmoid_cross_entropy_with_logits(*args, labels=None, logits=None, name=None):
    """The elementwise logistic loss; keyword arguments only, as TensorFlow 1.x enforced.

    Example:
        loss = tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x)
    """
    if args:
        raise TypeError("sigmoid_cross_entropy_with_logits takes keyword arguments only: "
                        "labels=..., logits=...")
    _check("sigmoid_cross_entropy_with_logits", labels, logits)
    return append_layer_op("sigmoid_cross_entropy_with_logits",
                           {"X": ("logits", logits), "Label": ("labels", labels)}, {},
                           free_name("sigmoid_cross_entropy_with_logits", name))


def weighted_cross_entropy_with_logits(labels, logits, pos_weight, name=None):
    """The logistic loss with the positive term weighted by `pos_weight` (a number, as TF
    users usually pass, or a Variable broadcast over the trailing dimensions)."""
    where = "weighted_cross_entropy_with_logits"
    _check(where, labels, logits)
    name = free_name(where, name)
    if isinstance(pos_weight, np.ndarray) and pos_weight.ndim == 0:  # np.array(3.0)
        pos_weight = pos_weight.item()
    if isinstance(pos_weight, numbers.Real) and not isinstance(pos_weight, bool):
        try:
            value = float(pos_weight)
        except OverflowError:  # an int beyond float64
            value = math.inf if pos_weight > 0 else -math.inf
        with np.errstate(over="ignore"):
            rounded = logits.dtype.type(value)
        if np.isinf(rounded) and not (isinstance(pos_weight, float) and math.isinf(pos_weight)):
            raise ValueError(f"{where}: pos_weight {pos_weight!r} does not fit the "
                             f"{logits.dtype} of logits '{logits.name}' (its size must be at "
                             f"most {float(np.finfo(logits.dtype).max)})")
        with building():
            return append_layer_op("sigmoid_cross_entropy_with_logits",
                                   {"X": ("logits", logits), "Label": ("labels", labels),
                                    "PosWeight": ("pos_weight", fill_constant(
                                        [1], logits.dtype, value))}, {}, name)
    if not isinstance(pos_weight, Variable):
        raise TypeError(f"{where}: pos_weight must be a number or a Variable, got "
                        f"{type(pos_weight).__name__}"
                        + (" (for one weight per class, declare a Variable and feed it)"
                           if isinstance(pos_weight, (list, tuple, np.ndarray)) else ""))
    check_variable(where, "pos_weight", pos_weight)
    return append_layer_op("sigmoid_cross_entropy_with_logits",
                           {"X": ("logits", logits), "Label": ("labels", labels),
                            "PosWeight": ("pos_weight", pos_weight)}, {}, name)
