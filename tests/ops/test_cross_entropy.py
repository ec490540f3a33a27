"""cross_entropy (soft and hard labels) and cross_entropy2 (fluid 1.8's hard-label form),
against float64 formulas written here."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid import layers
from minifluid.testing import check_grad, check_output, run_op


def probs(rng, shape, dtype="float64"):
    p = rng.uniform(0.1, 1.0, shape)
    return (p / p.sum(-1, keepdims=True)).astype(dtype)


def hard_loss(x, label, ignore_index=-100):
    """-log x[label] per row, 0 for an ignored row, in float64 by a loop."""
    d = x.shape[-1]
    x2, lab = x.reshape(-1, d).astype(np.float64), label.reshape(-1)
    return np.array([0.0 if k == ignore_index else -np.log(x2[i, k]) for i, k in enumerate(lab)])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(6, 5), (2, 3, 4)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_hard_labels_both_ops(rng, dtype, shape, drop_last):
    x = probs(rng, shape, dtype)
    lead = shape[:-1]
    label = rng.integers(0, shape[-1], lead if drop_last else lead + (1,))
    y_shape = lead if drop_last else lead + (1,)
    want = hard_loss(x, label).reshape(y_shape).astype(dtype)
    rtol = 1e-5 if dtype == "float32" else 1e-12
    check_output("cross_entropy", {"X": x, "Label": label}, {"Y": want}, rtol=rtol)
    match = np.take_along_axis(x.reshape(-1, shape[-1]), label.reshape(-1, 1), 1)
    check_output("cross_entropy2", {"X": x, "Label": label},
                 {"Y": want, "MatchX": match.reshape(lead + (1,))}, rtol=rtol)


def test_ignore_index_rows_give_zero_loss_and_gradient(rng):
    x, label = probs(rng, (8, 4)), np.array([[0], [3], [1], [3], [2], [3], [0], [1]])
    want = hard_loss(x, label, ignore_index=3).reshape(8, 1)
    assert (want[label[:, 0] == 3] == 0).all()
    for op in ("cross_entropy", "cross_entropy2"):
        check_output(op, {"X": x, "Label": label}, {"Y": want}, {"ignore_index": 3})
        check_grad(op, {"X": x, "Label": label}, {"ignore_index": 3}, output_names=("Y",))
    dy = np.ones((8, 1))
    dx = run_op("cross_entropy_grad", {"X": x, "Label": label, "Y@GRAD": dy},
                {"ignore_index": 3}, outputs=("X@GRAD",))["X@GRAD"]
    assert (dx[label[:, 0] == 3] == 0).all()
    assert np.allclose(dx[0, 0], -1 / x[0, 0])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_soft_labels(rng, dtype):
    x, label = probs(rng, (2, 3, 7), dtype), probs(rng, (2, 3, 7), dtype)
    want = -(label.astype(np.float64) * np.log(x.astype(np.float64))).sum(-1, keepdims=True)
    check_output("cross_entropy", {"X": x, "Label": label}, {"Y": want.astype(dtype)},
                 {"soft_label": True}, rtol=1e-5 if dtype == "float32" else 1e-12)


def test_gradients_float64(rng):
    x, soft = probs(rng, (4, 5)), probs(rng, (4, 5))
    check_grad("cross_entropy", {"X": x, "Label": soft}, {"soft_label": True},
               output_names=("Y",))
    hard = rng.integers(0, 5, (4, 1))
    check_grad("cross_entropy", {"X": x, "Label": hard}, output_names=("Y",))
    check_grad("cross_entropy2", {"X": x.reshape(2, 2, 5), "Label": hard.reshape(2, 2)},
               output_names=("Y",))


@pytest.mark.filterwarnings("ignore:overflow encountered in cast")  # float16's 1e20
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_zero_probability_is_finite_as_fluid_clips_log(dtype):
    # -log(0) is fluid's 1e20 (TolerableValue); a zero soft label times log(0) is 0, not nan
    x = np.array([[0.0, 1.0], [0.5, 0.5]], dtype)
    y = run_op("cross_entropy2", {"X": x, "Label": np.array([[0], [1]])},
               outputs=("Y", "MatchX", "XShape"))["Y"]
    want = 1e20 if dtype != "float16" else np.inf  # 1e20 rounds to inf in float16
    assert y[0, 0] == np.asarray(want, dtype) and np.isclose(y[1, 0], np.log(2), rtol=1e-3)
    y = run_op("cross_entropy", {"X": x, "Label": np.array([[0.0, 1.0], [1.0, 0.0]], dtype)},
               {"soft_label": True}, outputs=("Y",))["Y"]
    assert np.isfinite(y).all() and y[0, 0] == 0
    dx = run_op("cross_entropy_grad", {"X": x, "Label": np.array([[0.0, 1.0], [1.0, 0.0]],
                                                                   dtype),
                                       "Y@GRAD": np.ones((2, 1), dtype)},
                {"soft_label": True}, outputs=("X@GRAD",))["X@GRAD"]
    assert np.isfinite(dx).all() and dx[0, 0] == 0


def test_cross_entropy_grad2_reads_match_x_not_x(rng):
    # fluid 1.8 names it cross_entropy_grad2; X's shape comes from XShape
    match, label = rng.uniform(0.1, 1, (2, 3, 1)), np.array([[0, 4, 2], [3, 3, 1]])
    dy = rng.normal(size=(2, 3))
    dx = run_op("cross_entropy_grad2", {"MatchX": match, "Label": label,
                                        "XShape": np.zeros((0, 2, 3, 5)), "Y@GRAD": dy},
                {"ignore_index": 3}, outputs=("X@GRAD",))["X@GRAD"]
    want = np.zeros((2, 3, 5))
    for i, j in np.ndindex(2, 3):
        if label[i, j] != 3:
            want[i, j, label[i, j]] = -dy[i, j] / match[i, j, 0]
    np.testing.assert_allclose(dx, want, rtol=1e-12)


def test_empty_batch():
    out = run_op("cross_entropy2", {"X": np.zeros((0, 4)), "Label": np.zeros((0, 1), np.int64)},
                 outputs=("Y", "MatchX", "XShape"))
    assert out["Y"].shape == (0, 1) and out["MatchX"].shape == (0, 1)


def test_label_out_of_range_is_a_clear_error():
    with pytest.raises(Exception, match=r"cross_entropy2: Label holds 4; class indices must "
                                        r"be in \[0, 4\)"):
        run_op("cross_entropy2", {"X": np.full((2, 4), 0.25), "Label": np.array([[1], [4]])},
               outputs=("Y", "MatchX", "XShape"))


def test_layer_builds_fluid_ops_and_trains_through_softmax(rng):
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        x = fluid.data("x", [None, 3], "float32")
        label = fluid.data("label", [None, 1], "int64")
        prob = layers.fc(x, 4, act="softmax")
        hard = layers.cross_entropy(prob, label)
        soft = layers.cross_entropy(prob, prob, soft_label=True)
        assert hard.name == "cross_entropy2_0.tmp_0" and hard.shape == (-1, 1)
        assert soft.name == "cross_entropy_0.tmp_0" and soft.shape == (-1, 1)
        assert [op.type for op in main.global_block().ops][-2:] == ["cross_entropy2",
                                                                     "cross_entropy"]
        loss = layers.mean(hard)
        fluid.optimizer.SGD(0.5).minimize(loss)
    exe = fluid.Executor(fluid.CPUPlace())
    exe.run(startup)
    xs, ys = rng.normal(size=(16, 3)).astype("float32"), rng.integers(0, 4, (16, 1))
    first = exe.run(main, feed={"x": xs, "label": ys}, fetch_list=[loss])[0]
    for _ in range(20):
        last = exe.run(main, feed={"x": xs, "label": ys}, fetch_list=[loss])[0]
    assert last < first


def test_layer_errors_at_build_time():
    with fluid.program_guard(fluid.Program(), fluid.Program()):
        x = fluid.data("x", [None, 3], "float32")
        with pytest.raises(TypeError, match="cross_entropy.*input"):
            layers.cross_entropy(fluid.data("i", [None, 3], "int32"),
                                 fluid.data("l", [None, 1], "int64"))
        with pytest.raises(TypeError, match="cross_entropy.*label"):
            layers.cross_entropy(x, x)  # float label without soft_label
        with pytest.raises(ValueError, match="Label .* does not fit"):
            layers.cross_entropy(x, fluid.data("l2", [None, 2], "int64"))
