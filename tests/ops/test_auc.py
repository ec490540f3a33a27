"""auc: bucket counts kept across batches (global and a sliding window), against an
independent ROC area (pairwise: P(score_pos > score_neg) + ties / 2, per bucket)."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid import layers
from minifluid.testing import check_output, run_op


def pairwise_auc(p, label, t):
    """The bucketed ROC area by counting pairs: what the trapezoids compute."""
    b = np.floor(p * t).astype(int)
    pos, neg = b[label == 1], b[label == 0]
    if len(pos) == 0 or len(neg) == 0:
        return 0.0
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return wins / len(pos) / len(neg)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_global_auc_op(rng, dtype):
    t = 50
    p = rng.random((64, 2)).astype(dtype)
    label = rng.integers(0, 2, (64, 1))
    zeros = np.zeros((1, t + 1), np.int64)
    out = run_op("auc", {"Predict": p, "Label": label, "StatPos": zeros, "StatNeg": zeros},
                 {"num_thresholds": t, "slide_steps": 0},
                 outputs=("AUC", "StatPosOut", "StatNegOut"))
    assert np.isclose(out["AUC"][0], pairwise_auc(p[:, 1].astype(np.float64), label[:, 0], t),
                      rtol=1e-12)
    assert out["AUC"].dtype == np.float64
    assert out["StatPosOut"].sum() == label.sum() and out["StatNegOut"].sum() == 64 - label.sum()


def test_one_class_only_gives_zero_and_bad_probabilities_are_refused():
    t, zeros = 10, np.zeros((1, 11), np.int64)
    inputs = {"Predict": np.full((3, 1), 0.5, np.float32), "Label": np.ones((3, 1), np.int64),
              "StatPos": zeros, "StatNeg": zeros}
    check_output("auc", inputs, {"AUC": np.zeros(1)}, {"num_thresholds": t, "slide_steps": 0})
    inputs["Predict"] = np.array([[0.5], [1.5], [0.0]], np.float32)
    with pytest.raises(Exception, match=r"auc: Predict must hold probabilities in \[0, 1\]"):
        run_op("auc", inputs, {"num_thresholds": t, "slide_steps": 0},
               outputs=("AUC", "StatPosOut", "StatNegOut"))


def test_layer_keeps_counts_across_batches_and_a_window(rng):
    t, steps = 20, 2
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        p = fluid.data("p", [None, 2], "float32")
        y = fluid.data("y", [None, 1], "int64")
        auc_all, auc_window, stats = layers.auc(p, y, num_thresholds=t, slide_steps=steps)
        assert [v.persistable for v in stats] == [True] * 4
        assert stats[0].shape == ((steps + 1) * (t + 1) + 1,) and stats[2].shape == (1, t + 1)
    exe = fluid.Executor(fluid.CPUPlace())
    exe.run(startup)
    batches = [(rng.random((16, 2)).astype("float32"), rng.integers(0, 2, (16, 1)))
               for _ in range(4)]
    metric = fluid.metrics.Auc("auc", num_thresholds=t)
    for i, (ps, ys) in enumerate(batches):
        got_all, got_window = exe.run(main, feed={"p": ps, "y": ys},
                                      fetch_list=[auc_all, auc_window])
        seen = batches[:i + 1]
        window = seen[-steps:]
        cat = lambda bs: (np.concatenate([b[0][:, 1] for b in bs]).astype(np.float64),  # noqa
                          np.concatenate([b[1][:, 0] for b in bs]))
        assert np.isclose(got_all[0], pairwise_auc(*cat(seen), t), rtol=1e-12)
        assert np.isclose(got_window[0], pairwise_auc(*cat(window), t), rtol=1e-12)
        metric.update(ps, ys)
        assert np.isclose(metric.eval(), got_all[0], rtol=1e-12)


def test_layer_with_no_window_gives_both_aucs_over_every_batch(rng):
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup):
        p = fluid.data("p", [None, 2], "float32")
        y = fluid.data("y", [None, 1], "int64")
        auc_all, auc_window, _ = layers.auc(p, y, num_thresholds=30, slide_steps=0)
    exe = fluid.Executor(fluid.CPUPlace())
    exe.run(startup)
    for _ in range(3):
        ps, ys = rng.random((8, 2)).astype("float32"), rng.integers(0, 2, (8, 1))
        a, w = exe.run(main, feed={"p": ps, "y": ys}, fetch_list=[auc_all, auc_window])
        assert a[0] == w[0]


def test_layer_errors():
    with fluid.program_guard(fluid.Program(), fluid.Program()):
        p = fluid.data("p", [None, 2], "float32")
        with pytest.raises(TypeError, match="auc.*label"):
            layers.auc(p, fluid.data("y", [None], "float32"))
        with pytest.raises(ValueError, match="auc.*curve"):
            layers.auc(p, fluid.data("y2", [None, 1], "int64"), curve="XY")
