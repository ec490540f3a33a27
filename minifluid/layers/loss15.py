"""fluid 1.8's classification losses and metrics layers (its layers/loss.py and
layers/metric_op.py): cross_entropy, softmax_with_cross_entropy."""
from __future__ import annotations

from ..checks import check_bool, check_int, check_var_dtype
from ..framework import Variable
from .helper import LayerHelper, building

__all__ = ["cross_entropy", "softmax_with_cross_entropy"]

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
