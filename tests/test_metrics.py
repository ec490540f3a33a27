"""fluid.metrics: Accuracy, Precision, Recall, Auc and CompositeMetric, against counts
written here."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid import metrics


def test_accuracy_is_the_weighted_mean_and_resets():
    acc = fluid.metrics.Accuracy()
    acc.update(value=0.5, weight=10)
    acc.update(value=np.array([1.0], np.float32), weight=30)
    assert np.isclose(acc.eval(), (5 + 30) / 40)
    assert acc.get_config()["name"] == "Accuracy" and acc.get_config()["states"]["weight"] == 40
    acc.reset()
    assert (acc.value, acc.weight) == (0.0, 0.0)
    with pytest.raises(ValueError, match="Accuracy.eval: there is no data"):
        acc.eval()
    for bad in ("1", None):
        with pytest.raises(ValueError, match="Accuracy.update: 'weight'"):
            acc.update(0.5, bad)
    with pytest.raises(ValueError, match="'weight' must be >= 0"):
        acc.update(0.5, -1)


def test_precision_recall_and_composite(rng):
    preds = rng.random((40, 1))
    labels = rng.integers(0, 2, (40, 1))
    p, y = (preds[:, 0] >= 0.5).astype(int), labels[:, 0]  # rint: 0.5 rounds to 0, see below
    p[preds[:, 0] == 0.5] = 0
    tp, fp, fn = ((p == 1) & (y == 1)).sum(), ((p == 1) & (y == 0)).sum(), \
        ((p == 0) & (y == 1)).sum()
    comp = metrics.CompositeMetric()
    comp.add_metric(metrics.Precision())
    comp.add_metric(metrics.Recall())
    comp.update(preds[:20], labels[:20])
    comp.update(preds[20:], labels[20:])
    assert np.allclose(comp.eval(), [tp / (tp + fp), tp / (tp + fn)])
    comp.reset()
    assert comp.eval() == [0.0, 0.0]
    with pytest.raises(ValueError, match="add_metric: 'metric' must be a MetricBase"):
        comp.add_metric(object())
    with pytest.raises(ValueError, match="Precision.update: 'preds' must be a numpy ndarray"):
        metrics.Precision().update([1], labels)


def test_auc_metric_is_the_pairwise_bucketed_area(rng):
    t = 100
    auc = metrics.Auc("auc", num_thresholds=t)
    p, y = rng.random((60, 2)), rng.integers(0, 2, (60, 1))
    auc.update(p[:30], y[:30])
    auc.update(p[30:], y[30:])
    b = np.floor(p[:, 1] * t).astype(int)
    pos, neg = b[y[:, 0] == 1], b[y[:, 0] == 0]
    want = ((pos[:, None] > neg).sum() + 0.5 * (pos[:, None] == neg).sum()) / len(pos) / len(neg)
    assert np.isclose(auc.eval(), want, rtol=1e-12)
    assert isinstance(auc._stat_pos, list) and len(auc._stat_pos) == t + 1
    auc.reset()
    assert auc.eval() == 0.0
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        auc.update(np.array([[0.0, 2.0]]), np.array([[1]]))
