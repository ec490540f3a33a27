"""fluid 1.8's ranking and other losses (its layers/loss.py, layers/nn.py and
layers/detection.py): margin_rank_loss, rank_loss, bpr_loss, sigmoid_focal_loss,
teacher_student_sigmoid_loss, and npair_loss and dice_loss, which fluid composes of other
layers, as these do."""
from __future__ import annotations

from ..checks import check_float, check_name, check_var_dtype
from ..framework import Variable
from .helper import building
from .loss15 import _one_op

__all__ = ["margin_rank_loss", "rank_loss", "bpr_loss", "sigmoid_focal_loss",
           "teacher_student_sigmoid_loss", "npair_loss", "dice_loss"]

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


def npair_loss(anchor, positive, labels, l2_reg=0.002) -> Variable:
    """The N-pair loss (Sohn 2016) of embeddings `anchor` and `positive` ([B, D] float32 or
    float64) with class `labels` ([B]): the soft-label cross entropy of softmax(anchor
    positive^T) rows against the rows of same-class indicators, each normalised to sum 1,
    averaged, plus l2_reg / 4 times the mean squared norms of anchor and positive. Returns
    [1].

    Composed of other layers as fluid 1.8 composes it; the [B, B] label matrix is labels
    broadcast against their transpose (fluid uses expand), so B may be unknown until the
    program runs.

    Example:
        loss = fluid.layers.npair_loss(anchor, positive, labels, l2_reg=0.002)
    """
    from .. import layers  # the package: these layers live in several modules
    where = "npair_loss"
    check_var_dtype(where, "anchor", anchor, ("float32", "float64"))
    check_var_dtype(where, "positive", positive, ("float32", "float64"))
    check_var_dtype(where, "labels", labels, ("float32", "float64", "int64"))
    l2_reg = check_float(where, "l2_reg", l2_reg)
    _npair_shapes(anchor, positive, labels)
    dtype = anchor.dtype.name
    def mean_square_norm(v):
        return layers.reduce_mean(layers.reduce_sum(layers.square(v), 1))

    with building():
        col = layers.reshape(labels, [-1, 1])
        grid = layers.elementwise_add(col, layers.scale(layers.transpose(col, [1, 0]), 0.0))
        same = layers.cast(layers.equal(grid, layers.transpose(grid, [1, 0])), dtype)  # [B, B]
        targets = layers.elementwise_div(same, layers.reduce_sum(same, dim=1, keep_dim=True))
        l2 = layers.scale(layers.elementwise_add(mean_square_norm(anchor),
                                                 mean_square_norm(positive)), 0.25 * l2_reg)
        similarity = layers.matmul(anchor, positive, transpose_y=True)
        ce = layers.softmax_with_cross_entropy(similarity, targets, soft_label=True)  # [B, 1]
        ce = layers.reduce_mean(layers.reduce_sum(layers.elementwise_mul(targets, ce), 0))
        return layers.elementwise_add(l2, ce)


def _npair_shapes(anchor, positive, labels):
    a, p, lab = (list(v.shape) for v in (anchor, positive, labels))
    if len(a) != 2 or a[0] == 0 or len(p) != 2 or any(
            -1 not in (i, j) and i != j for i, j in zip(a, p)):
        raise ValueError(f"npair_loss: arguments 'anchor' and 'positive' must be [B, D] "
                         f"embeddings of one shape, got {a} and {p}")
    if anchor.dtype != positive.dtype:
        raise TypeError(f"npair_loss: arguments 'anchor' and 'positive' must have one dtype, "
                        f"got {anchor.dtype} and {positive.dtype}")
    if not (len(lab) == 1 or (len(lab) == 2 and lab[1] == 1)) or -1 not in (lab[0], a[0]) \
            and lab[0] != a[0]:
        raise ValueError(f"npair_loss: argument 'labels' must be [B] (B = {a[0]}, anchor's "
                         f"rows), got {lab}")


def dice_loss(input, label, epsilon=0.00001, name=None) -> Variable:
    """1 - 2 |X . Y| / (|X| + |Y| + epsilon), averaged over the batch: the Dice loss of
    probabilities `input` ([N, ..., D] float32/float64) against class ids `label`
    ([N, ..., 1] int64/int32), one-hot encoded; sums run over every dimension but the first.
    Returns [1].

    Composed of other layers as fluid 1.8 composes it (one_hot, reduce_sum, reduce_mean);
    `name` is checked and, as in fluid, not used.

    Example:
        loss = fluid.layers.dice_loss(input=fluid.layers.sigmoid(x), label=label)
    """
    from .. import layers  # the package: these layers live in several modules
    where = "dice_loss"
    check_var_dtype(where, "input", input, ("float32", "float64"))
    check_var_dtype(where, "label", label, ("int64", "int32"))
    epsilon = check_float(where, "epsilon", epsilon, lo=0.0)
    check_name(where, name)  # and unused, as in fluid: the loss is reduce_mean's output
    shape, lshape = list(input.shape), list(label.shape)
    if len(shape) < 2 or shape[-1] < 1 or len(lshape) != len(shape) or lshape[-1] != 1 or any(
            -1 not in (i, j) and i != j for i, j in zip(shape[:-1], lshape[:-1])):
        raise ValueError(f"dice_loss: argument 'label' must be [N, ..., 1] for argument "
                         f"'input' [N, ..., D] (D known), got {lshape} and {shape}")
    dims = list(range(1, len(shape)))
    with building():
        onehot = layers.cast(layers.one_hot(label, depth=shape[-1]), input.dtype.name)
        inse = layers.reduce_sum(layers.elementwise_mul(input, onehot), dim=dims)
        denominator = layers.elementwise_add(layers.reduce_sum(input, dim=dims),
                                             layers.reduce_sum(onehot, dim=dims))
        score = layers.elementwise_div(layers.scale(inse, 2.0),
                                       layers.scale(denominator, 1.0, epsilon))
        return layers.reduce_mean(layers.scale(score, -1.0, 1.0))
