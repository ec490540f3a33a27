"""auc: the area under the ROC curve of Predict's last column (the positive class's
probability) against Label, from counts per bucket int(p * num_thresholds) that persist
across batches in StatPos / StatNeg (the op writes StatPosOut / StatNegOut, which fluid's
layer makes the same variables).

    slide_steps = 0   Stat = [1, num_thresholds + 1]: every batch's counts added to it
    slide_steps = s   Stat = [(s + 1) (num_thresholds + 1) + 1]: s windows of counts, then
                      their sum, then a step counter; each batch replaces the oldest window
    AUC               trapezoids over the buckets from the highest, normalised by
                      #positives x #negatives (0 when either is 0), in float64

Like fluid's op it computes the ROC area whatever `curve` says. No gradient (a metric).
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import register_op

op = register_op("auc", inputs=["Predict", "Label", "StatPos", "StatNeg"],
                 outputs=["AUC", "StatPosOut", "StatNegOut"],
                 attrs={"curve": "ROC", "num_thresholds": 2 ** 12 - 1, "slide_steps": 1},
                 doc=__doc__, no_grad="a metric: fluid has no auc_grad")


def stat_size(num_thresholds, slide_steps):
    """The number of counts StatPos and StatNeg hold."""
    buckets = num_thresholds + 1
    return buckets if slide_steps == 0 else (1 + slide_steps) * buckets + 1


@op.shape_rule
def _(op):
    predict, label = op.in_var("Predict"), op.in_var("Label")
    t, s = op.attr("num_thresholds"), op.attr("slide_steps")
    if predict.dtype.kind != "f":
        raise TypeError(f"Predict ('{predict.name}') must be a float tensor, got "
                        f"{predict.dtype}")
    if len(predict.shape) != 2:
        raise ValueError(f"Predict ('{predict.name}') must be 2-D ([N, 2] or [N, 1]), got "
                         f"shape {list(predict.shape)}")
    if label.dtype.name not in ("int32", "int64"):
        raise TypeError(f"Label ('{label.name}') must be int32/int64, got {label.dtype}")
    if t < 1 or s < 0:
        raise ValueError(f"num_thresholds must be >= 1 and slide_steps >= 0, got {t} and {s}")
    specs = {"AUC": ((1,), np.float64)}
    # with slide_steps=0 fluid's layer gives the window op t + 2 counts: the last is unused
    sizes = (stat_size(t, s),) if s else (t + 1, t + 2)
    for slot in ("StatPos", "StatNeg"):
        v = op.in_var(slot)
        if v.dtype != np.int64 or int(np.prod(v.shape)) not in sizes:
            raise ValueError(f"{slot} ('{v.name}') must be int64 with "
                             f"{' or '.join(map(str, sizes))} elements (num_thresholds={t}, "
                             f"slide_steps={s}), got {v.dtype}{list(v.shape)}")
        specs[slot + "Out"] = (v.shape, v.dtype)
    return specs


def area(pos, neg):
    """The ROC area of bucket counts, from the highest bucket down (float64)."""
    xp = get_array_module(pos)
    tp = xp.cumsum(pos[::-1].astype(np.float64))
    fp = xp.cumsum(neg[::-1].astype(np.float64))
    tp_prev, fp_prev = xp.concatenate([tp[:1] * 0, tp[:-1]]), xp.concatenate([fp[:1] * 0,
                                                                               fp[:-1]])
    total = (xp.abs(fp - fp_prev) * (tp + tp_prev) / 2).sum()
    n_pos, n_neg = float(tp[-1]), float(fp[-1])  # a read of the device on GPU
    return total / n_pos / n_neg if n_pos > 0 and n_neg > 0 else total * 0


@op.kernel("float32", "float64")
def auc(predict, label, stat_pos, stat_neg, *, curve, num_thresholds, slide_steps):
    xp = get_array_module(predict)
    p = predict[:, -1] if predict.size else predict.reshape(-1)
    if bool(((p < 0) | (p > 1) | (p != p)).any()):  # a read of the device on GPU
        raise ValueError("auc: Predict must hold probabilities in [0, 1]; its last column "
                         f"holds {p[(p < 0) | (p > 1) | (p != p)][0]}")
    bucket = (p * num_thresholds).astype(np.int64)  # truncation, as fluid's int cast
    is_pos = label.reshape(-1) != 0
    b = num_thresholds + 1
    new_pos = xp.bincount(bucket[is_pos], minlength=b).astype(np.int64)
    new_neg = xp.bincount(bucket[~is_pos], minlength=b).astype(np.int64)
    pos, neg = stat_pos.reshape(-1).copy(), stat_neg.reshape(-1).copy()
    if slide_steps == 0:
        pos[:b] += new_pos
        neg[:b] += new_neg
        return area(pos[:b], neg[:b]).reshape(1), pos.reshape(stat_pos.shape), neg.reshape(
            stat_neg.shape)
    step = int(pos[-1]) % slide_steps  # the window to replace: the oldest
    cur, total = slice(step * b, (step + 1) * b), slice(slide_steps * b, (slide_steps + 1) * b)
    for stat, new in ((pos, new_pos), (neg, new_neg)):
        stat[total] += new - stat[cur]
        stat[cur] = new
        stat[-1] += 1
    return area(pos[total], neg[total]).reshape(1), pos.reshape(stat_pos.shape), neg.reshape(
        stat_neg.shape)
