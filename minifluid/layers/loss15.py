"""fluid 1.8's losses and metric layers (its layers/loss.py, layers/nn.py and
layers/metric_op.py): cross_entropy, softmax_with_cross_entropy, accuracy, auc, log_loss,
huber_loss, smooth_l1, kldiv_loss, mse_loss."""
from __future__ import annotations

from ..checks import (check_bool, check_float, check_int, check_str, check_var_dtype,
                      check_variable)
from ..framework import Variable, default_startup_program, unique_name
from .helper import LayerHelper, building

__all__ = ["cross_entropy", "softmax_with_cross_entropy", "accuracy", "auc", "log_loss",
           "huber_loss", "smooth_l1", "kldiv_loss", "mse_loss"]

IGNORE_INDEX = -100  # fluid's kIgnoreIndex
FLOATS = ("float16", "float32", "float64")
INT32 = (-2 ** 31, 2 ** 31 - 1)


def _label(where, label, soft_label):
    """Class indices, or with soft_label probabilities; the error says which was asked."""
    try:
        return check_var_dtype(where, "label", label,
                               FLOATS if soft_label else ("int32", "int64"))
    except TypeError as e:
        raise TypeError(f"{e} (soft_label={soft_label})") from None


def cross_entropy(input, label, soft_label=False, ignore_index=IGNORE_INDEX) -> Variable:
    """The cross entropy of probabilities `input` ([..., D]) against `label`: class indices
    ([..., 1] int64) or, with soft_label, probabilities ([..., D]). Returns [..., 1].

    Built as fluid 1.8 builds it: hard labels append a cross_entropy2 op
    ('cross_entropy2_0.tmp_0'), soft ones a cross_entropy op. A label equal to ignore_index
    gives a loss (and gradient) of 0.

    Example:
        predict = fluid.layers.fc(input=x, size=10, act='softmax')
        cost = fluid.layers.cross_entropy(input=predict, label=label)
    """
    where = "cross_entropy"
    check_var_dtype(where, "input", input, FLOATS)
    check_bool(where, "soft_label", soft_label)
    _label(where, label, soft_label)
    check_int(where, "ignore_index", ignore_index, *INT32)
    try:
        with building():
            return _cross_entropy(input, label, soft_label, int(ignore_index))
    except ValueError as e:  # the op's slots are X and Label: say which arguments they are
        raise ValueError(f"{where}(input='{input.name}', label='{label.name}'): {e}") from None


def _cross_entropy(input, label, soft_label, ignore_index):
    if not soft_label:
        helper = LayerHelper("cross_entropy2")
        out, xshape, match_x = helper.tmp(), helper.tmp(), helper.tmp()
        helper.append_op("cross_entropy2", {"X": input, "Label": label},
                         {"Y": out, "MatchX": match_x, "XShape": xshape},
                         {"ignore_index": ignore_index})
        return out
    helper = LayerHelper("cross_entropy")
    out = helper.tmp()
    helper.append_op("cross_entropy", {"X": input, "Label": label}, {"Y": out},
                     {"soft_label": True, "ignore_index": ignore_index})
    return out


def softmax_with_cross_entropy(logits, label, soft_label=False, ignore_index=IGNORE_INDEX,
                               numeric_stable_mode=True, return_softmax=False, axis=-1):
    """softmax(logits) along `axis` and its cross entropy against `label` (int64 class
    indices with 1 at `axis`, or with soft_label probabilities of logits' shape), computed
    from the log-softmax so that large logits neither overflow nor give log(0).

    Returns the loss (logits' shape with 1 at `axis`), or (loss, softmax) with
    return_softmax.

    Example:
        fc = fluid.layers.fc(input=data, size=100)
        out = fluid.layers.softmax_with_cross_entropy(logits=fc, label=label)
    """
    where = "softmax_with_cross_entropy"
    check_var_dtype(where, "logits", logits, FLOATS)
    check_bool(where, "soft_label", soft_label)
    _label(where, label, soft_label)
    check_int(where, "ignore_index", ignore_index, *INT32)
    check_bool(where, "numeric_stable_mode", numeric_stable_mode)
    check_bool(where, "return_softmax", return_softmax)
    rank = len(logits.shape)
    check_int(where, "axis", axis, -rank, rank - 1)
    with building():
        helper = LayerHelper(where)
        softmax, loss = helper.tmp(), helper.tmp()
        helper.append_op(where, {"Logits": logits, "Label": label},
                         {"Softmax": softmax, "Loss": loss},
                         {"soft_label": bool(soft_label), "ignore_index": int(ignore_index),
                          "numeric_stable_mode": bool(numeric_stable_mode), "axis": int(axis)})
    return (loss, softmax) if return_softmax else loss


def accuracy(input, label, k=1, correct=None, total=None) -> Variable:
    """The fraction of rows of `input` ([N, D] scores) whose `label` ([N, 1] int64) is among
    their k highest scores, as fluid 1.8 builds it: a top_k op, then an accuracy op. Its
    Correct and Total counts (int32 [1]) go to `correct` and `total` when given; an int64
    variable given there (youtube_dnn's `create_tensor(dtype='int64')`) holds int32 counts
    afterwards, as the tensor fluid's kernel wrote into it did.

    Example:
        predict = fluid.layers.fc(input=x, size=10, act='softmax')
        acc = fluid.layers.accuracy(input=predict, label=label, k=5)
    """
    where = "accuracy"
    check_var_dtype(where, "input", input, FLOATS)
    check_var_dtype(where, "label", label, ("int32", "int64"))
    width = input.shape[-1] if input.shape else 0
    check_int(where, "k", k, 1, width if width > 0 else None)
    for arg, v in (("correct", correct), ("total", total)):
        if check_variable(where, arg, v, none=True) is not None and \
                v.dtype.name not in ("int32", "int64"):
            raise TypeError(f"{where}: argument '{arg}' must be an int32 or int64 Variable, got "
                            f"'{v.name}' of {v.dtype}")
    try:
        with building():
            helper = LayerHelper(where)
            top = LayerHelper("top_k")
            values, indices = top.tmp(), top.tmp()
            top.append_op("top_k", {"X": input}, {"Out": values, "Indices": indices},
                          {"k": int(k)})
            acc = helper.tmp()
            correct = helper.tmp() if correct is None else correct
            total = helper.tmp() if total is None else total
            helper.append_op("accuracy", {"Out": values, "Indices": indices, "Label": label},
                             {"Accuracy": acc, "Correct": correct, "Total": total})
    except ValueError as e:  # the ops' slots are X and Label: say which arguments they are
        raise ValueError(f"{where}(input='{input.name}', label='{label.name}'): {e}") from None
    return acc


def auc(input, label, curve="ROC", num_thresholds=2 ** 12 - 1, topk=1, slide_steps=1):
    """The area under the ROC curve of `input`'s last column (the positive class's
    probability, [N, 2] or [N, 1]) against `label` ([N, 1] int), as fluid 1.8 builds it: two
    auc ops over bucket counts kept in persistable int64 variables (zeroed by the startup
    program), one over the last `slide_steps` batches and one over every batch run.

    Returns (auc over every batch, auc over the window, [window positives, window
    negatives, all positives, all negatives]). `topk` is accepted and unused, as in fluid;
    so is `curve` ('ROC' or 'PR'): the op computes the ROC area.

    Example:
        auc_out, batch_auc, _ = fluid.layers.auc(input=predict, label=label)
    """
    where = "auc"
    check_var_dtype(where, "input", input, ("float32", "float64"))
    check_var_dtype(where, "label", label, ("int32", "int64"))
    check_str(where, "curve", curve, choices=("ROC", "PR"))
    num_thresholds = check_int(where, "num_thresholds", num_thresholds, 1, 2 ** 26)
    check_int(where, "topk", topk, 1)
    slide_steps = check_int(where, "slide_steps", slide_steps, 0, 2 ** 16)
    window = [(1 + slide_steps) * (num_thresholds + 1) + 1]
    try:
        with building():
            helper = LayerHelper(where)
            auc_out, batch_auc = helper.tmp(), helper.tmp()
            stats = [_zeroed_stat(helper, shape) for shape in
                     (window, window, [1, num_thresholds + 1], [1, num_thresholds + 1])]
            for out, (pos, neg), steps in ((batch_auc, stats[:2], slide_steps),
                                           (auc_out, stats[2:], 0)):
                helper.append_op("auc", {"Predict": input, "Label": label, "StatPos": pos,
                                         "StatNeg": neg},
                                 {"AUC": out, "StatPosOut": pos, "StatNegOut": neg},
                                 {"curve": curve, "num_thresholds": num_thresholds,
                                  "slide_steps": steps})
    except ValueError as e:
        raise ValueError(f"{where}(input='{input.name}', label='{label.name}'): {e}") from None
    return auc_out, batch_auc, stats


def _zeroed_stat(helper, shape):
    """A persistable int64 variable of the main program, set to 0 by the startup one."""
    name = unique_name.generate(f"{helper.name}.tmp")
    var = helper.main.global_block().create_var(name, tuple(shape), "int64", persistable=True,
                                                stop_gradient=True)
    startup = default_startup_program().global_block()
    svar = startup.create_var(name, tuple(shape), "int64", persistable=True)
    startup.append_op("fill_constant", outputs={"Out": svar},
                      attrs={"shape": list(shape), "dtype": "int64", "value": 0.0})
    return var


def _one_op(where, op_type, inputs, outputs, attrs, name=None):
    """Append one op whose outputs are new variables named in `outputs`' order; the op's
    shape errors name the layer's arguments (`inputs` maps slot -> (argument, Variable))."""
    try:
        with building():
            helper = LayerHelper(where, name)
            outs = {slot: helper.tmp() for slot in outputs}
            helper.append_op(op_type, {s: v for s, (_, v) in inputs.items() if v is not None},
                             outs, attrs)
    except ValueError as e:
        args = ", ".join(f"{a}='{v.name}'" for a, v in inputs.values() if v is not None)
        raise ValueError(f"{where}({args}): {e}") from None
    return outs


def log_loss(input, label, epsilon=1e-4, name=None) -> Variable:
    """The negative log likelihood of probabilities `input` ([N, 1] float32) for 0/1
    `label` ([N, 1] float32), with `epsilon` inside the logs.

    Example:
        prob = fluid.layers.sigmoid(fluid.layers.fc(x, 1))
        cost = fluid.layers.log_loss(input=prob, label=label)
    """
    where = "log_loss"
    check_var_dtype(where, "input", input, ("float32",))
    check_var_dtype(where, "label", label, ("float32",))
    epsilon = check_float(where, "epsilon", epsilon, lo=0.0)
    return _one_op(where, "log_loss", {"Predicted": ("input", input),
                                       "Labels": ("label", label)},
                   ["Loss"], {"epsilon": epsilon}, name)["Loss"]


def huber_loss(input, label, delta) -> Variable:
    """The Huber loss of the residual label - input, elementwise: quadratic within `delta`,
    linear beyond.

    Example:
        loss = fluid.layers.huber_loss(input=predict, label=label, delta=1.0)
    """
    where = "huber_loss"
    check_var_dtype(where, "input", input, ("float32", "float64"))
    check_var_dtype(where, "label", label, ("float32", "float64"))
    delta = check_float(where, "delta", delta, lo=0.0)
    outs = _one_op(where, "huber_loss", {"X": ("input", input), "Y": ("label", label)},
                   ["Residual", "Out"], {"delta": delta})
    return outs["Out"]


def smooth_l1(x, y, inside_weight=None, outside_weight=None, sigma=None) -> Variable:
    """Per row ([N, 1]), the sum of the smooth L1 loss of (x - y) * inside_weight, each term
    times outside_weight; quadratic within 1 / sigma^2 (sigma defaults to 1.0).

    Example:
        loss = fluid.layers.smooth_l1(x=predict, y=label)
    """
    where = "smooth_l1"
    check_var_dtype(where, "x", x, ("float32", "float64"))
    check_var_dtype(where, "y", y, ("float32", "float64"))
    check_var_dtype(where, "inside_weight", inside_weight, ("float32", "float64"), none=True)
    check_var_dtype(where, "outside_weight", outside_weight, ("float32", "float64"), none=True)
    sigma = 1.0 if sigma is None else check_float(where, "sigma", sigma, lo=0.0, open_lo=True)
    outs = _one_op(where, "smooth_l1_loss",
                   {"X": ("x", x), "Y": ("y", y), "InsideWeight": ("inside_weight", inside_weight),
                    "OutsideWeight": ("outside_weight", outside_weight)},
                   ["Diff", "Out"], {"sigma": sigma})
    return outs["Out"]


def kldiv_loss(x, target, reduction="mean", name=None) -> Variable:
    """The Kullback-Leibler divergence loss of `target` from exp(`x`) (x holds
    log-probabilities), elementwise ('none') or reduced ('mean', 'batchmean', 'sum').

    Example:
        loss = fluid.layers.kldiv_loss(x=log_prob, target=target, reduction='batchmean')
    """
    where = "kldiv_loss"
    check_var_dtype(where, "x", x, ("float32", "float64"))
    check_var_dtype(where, "target", target, ("float32", "float64"))
    check_str(where, "reduction", reduction, choices=("none", "batchmean", "mean", "sum"))
    return _one_op(where, "kldiv_loss", {"X": ("x", x), "Target": ("target", target)},
                   ["Loss"], {"reduction": reduction}, name)["Loss"]


def mse_loss(input, label) -> Variable:
    """The mean of (input - label)^2, built as fluid 1.8 builds it: reduce_mean of
    square_error_cost.

    Example:
        loss = fluid.layers.mse_loss(input=predict, label=label)
    """
    from . import nn
    from .loss import square_error_cost
    check_var_dtype("mse_loss", "input", input, ("float32", "float64"))
    check_var_dtype("mse_loss", "label", label, ("float32", "float64"))
    with building():
        return nn.reduce_mean(square_error_cost(input, label))
