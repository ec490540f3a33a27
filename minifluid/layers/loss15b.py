"""fluid 1.8's ranking and other losses (its layers/loss.py, layers/nn.py and
layers/detection.py): margin_rank_loss, rank_loss, bpr_loss, sigmoid_focal_loss,
teacher_student_sigmoid_loss."""
from __future__ import annotations

from ..checks import check_float, check_var_dtype
from ..framework import Variable
from .loss15 import _one_op

__all__ = ["margin_rank_loss", "rank_loss", "bpr_loss", "sigmoid_focal_loss",
           "teacher_student_sigmoid_loss"]

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


def sigmoid_focal_loss(x, label, fg_num, gamma=2.0, alpha=0.25) -> Variable:
    """The focal loss (Lin et al. 2017) of per-class logits `x` ([N, D] float32/float64)
    for `label` ([N, 1] int32: a class in 1..D, 0 background, -1 ignored), elementwise
    ([N, D]) and divided by the foreground count `fg_num` ([1] int32; at least 1). `gamma`
    (>= 0) down-weights easy examples, `alpha` (in [0, 1]) weighs positives against
    negatives.

    Example:
        loss = fluid.layers.sigmoid_focal_loss(x=logits, label=label, fg_num=fg_num,
                                               gamma=2.0, alpha=0.25)
    """
    where = "sigmoid_focal_loss"
    check_var_dtype(where, "x", x, ("float32", "float64"))
    check_var_dtype(where, "label", label, ("int32",))
    check_var_dtype(where, "fg_num", fg_num, ("int32",))
    gamma = check_float(where, "gamma", gamma, lo=0.0)
    alpha = check_float(where, "alpha", alpha, lo=0.0, hi=1.0)
    return _one_op(where, where, {"X": ("x", x), "Label": ("label", label),
                                  "FgNum": ("fg_num", fg_num)},
                   ["Out"], {"gamma": gamma, "alpha": alpha})["Out"]


def teacher_student_sigmoid_loss(input, label, soft_max_up_bound=15.0,
                                 soft_max_lower_bound=-15.0) -> Variable:
    """A sigmoid cross entropy of logits `input` ([N, 1] float32/float64) against a click
    and, where there is one, a teacher's probability q, packed in `label` ([N, 1]): -2 (no
    q, no click), -1 (no q, a click), q (no click) or 1 + q (a click). The gradient sees
    input clipped to [soft_max_lower_bound, soft_max_up_bound] and is 0 at the bounds and
    beyond. Returns [N, 1].

    Example:
        cost = fluid.layers.teacher_student_sigmoid_loss(input=similarity, label=label)
    """
    where = "teacher_student_sigmoid_loss"
    check_var_dtype(where, "input", input, ("float32", "float64"))
    check_var_dtype(where, "label", label, ("float32", "float64"))
    up = check_float(where, "soft_max_up_bound", soft_max_up_bound)
    lo = check_float(where, "soft_max_lower_bound", soft_max_lower_bound, hi=up, open_hi=True)
    return _one_op(where, where, {"X": ("input", input), "Label": ("label", label)}, ["Y"],
                   {"soft_max_up_bound": up, "soft_max_lower_bound": lo})["Y"]
