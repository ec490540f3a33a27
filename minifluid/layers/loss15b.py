"""fluid 1.8's ranking and other losses (its layers/loss.py, layers/nn.py and
layers/detection.py): margin_rank_loss, rank_loss, bpr_loss."""
from __future__ import annotations

from ..checks import check_float, check_var_dtype
from ..framework import Variable
from .loss15 import _one_op

__all__ = ["margin_rank_loss", "rank_loss", "bpr_loss"]

FLOATS = ("float16", "float32", "float64")


def margin_rank_loss(label, left, right, margin=0.1, name=None) -> Variable:
    """max(0, -label * (left - right) + margin), elementwise: the hinge loss of a pair of
    scores `left`, `right` ([N, 1] float32) whose order `label` gives (+1: left ranks
    higher, -1: right does).

    Example:
        out = fluid.layers.margin_rank_loss(label, left, right, margin=0.1)
    """
    where = "margin_rank_loss"
    for arg, v in (("label", label), ("left", left), ("right", right)):
        check_var_dtype(where, arg, v, ("float32",))
    margin = check_float(where, "margin", margin)
    return _one_op(where, where, {"X1": ("left", left), "X2": ("right", right),
                                  "Label": ("label", label)},
                   ["Out", "Activated"], {"margin": margin}, name)["Out"]


def rank_loss(label, left, right, name=None) -> Variable:
    """RankNet's loss log(1 + exp(o)) - label * o of o = left - right, for the probability
    `label` that left ranks higher (0, 0.5 or 1); each [N, 1] (or [N]) float32.

    Example:
        out = fluid.layers.rank_loss(label, left, right)
    """
    where = "rank_loss"
    for arg, v in (("label", label), ("left", left), ("right", right)):
        check_var_dtype(where, arg, v, ("float32",))
    return _one_op(where, where, {"Label": ("label", label), "Left": ("left", left),
                                  "Right": ("right", right)}, ["Out"], {}, name)["Out"]


def bpr_loss(input, label, name=None) -> Variable:
    """Bayesian personalised ranking: per row of `input` ([N, D] scores), the mean over the
    D - 1 other classes j of -log(sigmoid(input[label] - input[j])), for the positive class
    `label` ([N, 1] int64). Returns [N, 1].

    Example:
        cost = fluid.layers.bpr_loss(input=predict, label=label)
    """
    where = "bpr_loss"
    check_var_dtype(where, "input", input, FLOATS)
    check_var_dtype(where, "label", label, ("int64", "int32"))
    return _one_op(where, where, {"X": ("input", input), "Label": ("label", label)}, ["Y"], {},
                   name)["Y"]
