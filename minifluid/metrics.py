"""fluid 1.8's fluid.metrics: host-side accumulators of per-batch results (numpy arrays
fetched from the executor) across batches.

    acc = fluid.metrics.Accuracy()
    for batch in reader():
        value, = exe.run(main, feed=batch, fetch_list=[acc_var])
        acc.update(value=value, weight=len(batch))
    print(acc.eval())

Wrong arguments raise ValueError, as fluid's do (its tests check for ValueError).
"""
from __future__ import annotations

import copy

import numpy as np

__all__ = ["MetricBase", "CompositeMetric", "Precision", "Recall", "Accuracy", "Auc",
           "ChunkEvaluator", "EditDistance"]


def _is_array(v) -> bool:
    return isinstance(v, (np.ndarray, np.generic))


def _is_number(v) -> bool:  # what fluid accepts as a weight: an int, float or [1] array
    return (isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)) \
        or (isinstance(v, np.ndarray) and v.shape == (1,))


def _arrays(where, preds, labels, preds_name="preds"):
    if not _is_array(labels):
        raise ValueError(f"{where}.update: 'labels' must be a numpy ndarray, got "
                         f"{type(labels).__name__}")
    if not _is_array(preds):
        raise ValueError(f"{where}.update: '{preds_name}' must be a numpy ndarray, got "
                         f"{type(preds).__name__}")
    if len(preds) != len(labels):
        raise ValueError(f"{where}.update: {preds_name} has {len(preds)} rows, labels "
                         f"{len(labels)}")


class MetricBase:
    """A metric's states are its attributes without a leading underscore: reset() zeroes
    them (ints to 0, floats to 0.0, arrays to zeros, anything else to None) and
    get_config() returns {'name', 'states'}. Subclasses define update() and eval()."""

    def __init__(self, name=None):
        self._name = str(name) if name is not None else self.__class__.__name__

    def __str__(self) -> str:
        return self._name

    def _states(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def reset(self):
        for attr, value in self._states().items():
            if isinstance(value, (bool, np.bool_)):
                zero = False
            elif isinstance(value, int):
                zero = 0
            elif isinstance(value, float):
                zero = 0.0
            elif _is_array(value):
                zero = np.zeros_like(value)
            else:
                zero = None
            setattr(self, attr, zero)

    def get_config(self) -> dict:
        return {"name": self._name, "states": copy.deepcopy(self._states())}

    def update(self, preds, labels):
        raise NotImplementedError(f"{self.__class__.__name__} does not define update()")

    def eval(self):
        raise NotImplementedError(f"{self.__class__.__name__} does not define eval()")


class CompositeMetric(MetricBase):
    """Several metrics updated with the same (preds, labels); eval() lists their results."""

    def __init__(self, name=None):
        super().__init__(name)
        self._metrics = []

    def add_metric(self, metric):
        if not isinstance(metric, MetricBase):
            raise ValueError(f"CompositeMetric.add_metric: 'metric' must be a MetricBase, got "
                             f"{type(metric).__name__}")
        self._metrics.append(metric)

    def update(self, preds, labels):
        for m in self._metrics:
            m.update(preds, labels)

    def eval(self) -> list:
        return [m.eval() for m in self._metrics]

    def reset(self):
        for m in self._metrics:
            m.reset()


def _binary(where, preds, labels):
    """Predictions rounded to 0/1 (np.rint) and labels, both flat."""
    _arrays(where, preds, labels)
    return np.rint(preds).astype(np.int32).reshape(len(preds), -1)[:, 0], \
        np.asarray(labels).reshape(len(labels), -1)[:, 0]


class Precision(MetricBase):
    """tp / (tp + fp) of two-class predictions (probabilities, rounded), 0.0 before any
    positive prediction."""

    def __init__(self, name=None):
        super().__init__(name)
        self.tp = 0  # true positives
        self.fp = 0  # false positives

    def update(self, preds, labels):
        pred, label = _binary("Precision", preds, labels)
        self.tp += int(((pred == 1) & (label == 1)).sum())
        self.fp += int(((pred == 1) & (label != 1)).sum())

    def eval(self) -> float:
        n = self.tp + self.fp
        return float(self.tp) / n if n != 0 else 0.0


class Recall(MetricBase):
    """tp / (tp + fn) of two-class predictions (probabilities, rounded), 0.0 before any
    positive label."""

    def __init__(self, name=None):
        super().__init__(name)
        self.tp = 0  # true positives
        self.fn = 0  # false negatives

    def update(self, preds, labels):
        pred, label = _binary("Recall", preds, labels)
        self.tp += int(((label == 1) & (pred == 1)).sum())
        self.fn += int(((label == 1) & (pred != 1)).sum())

    def eval(self) -> float:
        n = self.tp + self.fn
        return float(self.tp) / n if n != 0 else 0.0


class Accuracy(MetricBase):
    """The weighted mean of per-batch accuracies: update(value, weight) with the value of
    layers.accuracy and the batch size."""

    def __init__(self, name=None):
        super().__init__(name)
        self.value = 0.0
        self.weight = 0.0

    def update(self, value, weight):
        if not (_is_number(value) or isinstance(value, np.ndarray)):
            raise ValueError(f"Accuracy.update: 'value' must be a number (int, float) or a "
                             f"numpy ndarray, got {type(value).__name__}")
        if not _is_number(weight):
            raise ValueError(f"Accuracy.update: 'weight' must be a number (int, float), got "
                             f"{type(weight).__name__}")
        if np.any(np.asarray(weight) < 0):
            raise ValueError(f"Accuracy.update: 'weight' must be >= 0, got {weight}")
        self.value += value * weight
        self.weight += weight

    def eval(self):
        if np.all(np.asarray(self.weight) == 0):
            raise ValueError("Accuracy.eval: there is no data: update() it with the output "
                             "of layers.accuracy and a weight > 0 first")
        return self.value / self.weight


class Auc(MetricBase):
    """The area under the ROC curve of preds[:, 1] (the positive class's probability)
    against 0/1 labels, from counts in num_thresholds + 1 buckets int(p * num_thresholds),
    as the auc op computes it."""

    def __init__(self, name=None, curve="ROC", num_thresholds=4095):
        super().__init__(name)
        if curve not in ("ROC", "PR"):
            raise ValueError(f"Auc: 'curve' must be 'ROC' or 'PR', got {curve!r}")
        if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, (int, np.integer)) \
                or num_thresholds < 1:
            raise ValueError(f"Auc: 'num_thresholds' must be an int >= 1, got "
                             f"{num_thresholds!r}")
        self._curve = curve
        self._num_thresholds = int(num_thresholds)
        self._stat_pos = [0] * (self._num_thresholds + 1)
        self._stat_neg = [0] * (self._num_thresholds + 1)

    def reset(self):  # fluid's leaves the (underscored) counts; a reset that resets them
        self._stat_pos = [0] * (self._num_thresholds + 1)
        self._stat_neg = [0] * (self._num_thresholds + 1)

    def update(self, preds, labels):
        _arrays("Auc", preds, labels, "predictions")
        p = np.asarray(preds, np.float64)[:, 1]
        if ((p < 0) | (p > 1) | np.isnan(p)).any():
            raise ValueError("Auc.update: predictions[:, 1] must be probabilities in [0, 1]")
        bucket = (p * self._num_thresholds).astype(np.int64)
        pos = np.asarray(labels).reshape(len(labels), -1)[:, 0] != 0
        n = self._num_thresholds + 1
        for stat, counts in ((self._stat_pos, np.bincount(bucket[pos], minlength=n)),
                             (self._stat_neg, np.bincount(bucket[~pos], minlength=n))):
            for i in np.flatnonzero(counts):
                stat[i] += float(counts[i])

    @staticmethod
    def trapezoid_area(x1, x2, y1, y2):
        return abs(x1 - x2) * (y1 + y2) / 2.0

    def eval(self) -> float:
        tp = np.cumsum(np.asarray(self._stat_pos, np.float64)[::-1])
        fp = np.cumsum(np.asarray(self._stat_neg, np.float64)[::-1])
        tp_prev, fp_prev = np.concatenate([[0.0], tp[:-1]]), np.concatenate([[0.0], fp[:-1]])
        area = float((np.abs(fp - fp_prev) * (tp + tp_prev) / 2).sum())
        return area / tp[-1] / fp[-1] if tp[-1] > 0 and fp[-1] > 0 else 0.0


def _count(where, arg, v):
    """A count given as a number or a numpy array (layers' [1] outputs), as a Python number."""
    if not (_is_number(v) or isinstance(v, np.ndarray)):
        raise ValueError(f"{where}.update: '{arg}' must be a number (int, float) or a numpy "
                         f"ndarray, got {type(v).__name__}")
    total = np.asarray(v).sum()
    return int(total) if total.dtype.kind in "iub" else float(total)


class ChunkEvaluator(MetricBase):
    """Precision, recall and F1 of chunks over batches, from the counts layers.chunk_eval
    returns: update(num_infer_chunks, num_label_chunks, num_correct_chunks) adds them up;
    eval() -> (precision, recall, f1), each 0 where its denominator (for F1, the correct
    count) is 0.

    Example:
        metric = fluid.metrics.ChunkEvaluator()
        n_infer, n_label, n_correct = exe.run(feed=..., fetch_list=outs[3:])
        metric.update(n_infer, n_label, n_correct)
        precision, recall, f1 = metric.eval()
    """

    def __init__(self, name=None):
        super().__init__(name)
        self.num_infer_chunks = 0
        self.num_label_chunks = 0
        self.num_correct_chunks = 0

    def update(self, num_infer_chunks, num_label_chunks, num_correct_chunks):
        self.num_infer_chunks += _count("ChunkEvaluator", "num_infer_chunks", num_infer_chunks)
        self.num_label_chunks += _count("ChunkEvaluator", "num_label_chunks", num_label_chunks)
        self.num_correct_chunks += _count("ChunkEvaluator", "num_correct_chunks",
                                          num_correct_chunks)

    def eval(self):
        correct = float(self.num_correct_chunks)
        precision = correct / self.num_infer_chunks if self.num_infer_chunks else 0
        recall = correct / self.num_label_chunks if self.num_label_chunks else 0
        f1 = 2 * precision * recall / (precision + recall) if self.num_correct_chunks else 0
        return precision, recall, f1


class EditDistance(MetricBase):
    """The mean edit distance and the fraction of sequences not matched exactly, over
    batches: update(distances, seq_num) with layers.edit_distance's two outputs (distances
    [N, 1], and N); eval() -> (avg_distance, avg_instance_error).

    Example:
        metric = fluid.metrics.EditDistance("edit")
        distances, seq_num = exe.run(feed=..., fetch_list=[distance, sequence_num])
        metric.update(distances, seq_num)
        avg_distance, instance_error = metric.eval()
    """

    def __init__(self, name=None):
        super().__init__(name)
        self.total_distance = 0.0
        self.seq_num = 0
        self.instance_error = 0

    def update(self, distances, seq_num):
        if not _is_array(distances):
            raise ValueError(f"EditDistance.update: 'distances' must be a numpy ndarray, got "
                             f"{type(distances).__name__}")
        if not _is_number(seq_num):
            raise ValueError(f"EditDistance.update: 'seq_num' must be a number (int, float), "
                             f"got {type(seq_num).__name__}")
        seq_num = _count("EditDistance", "seq_num", seq_num)
        distances = np.asarray(distances)
        self.seq_num += seq_num
        self.instance_error += seq_num - int((distances == 0).sum())
        self.total_distance += float(distances.sum())

    def eval(self):
        if self.seq_num == 0:
            raise ValueError("EditDistance.eval: there is no data: update() it with the "
                             "outputs of layers.edit_distance first")
        return self.total_distance / self.seq_num, self.instance_error / float(self.seq_num)
