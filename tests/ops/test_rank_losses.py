"""margin_rank_loss, rank_loss and bpr_loss against float64 formulas written here, with
float64 gradient checks, extreme scores in every dtype, and their layers."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid import layers
from minifluid.testing import check_grad, check_output, run_op

DTYPES = ["float16", "float32", "float64"]
BIG = {"float16": 3e4, "float32": 1e38, "float64": 1e307}


def softplus64(z):
    return np.logaddexp(0.0, z)  # numpy's own, independent of the kernels' form


# margin_rank_loss

def _pairs(rng, n=6):
    x1, x2 = rng.normal(size=(n, 1)), rng.normal(size=(n, 1))
    label = np.where(rng.random((n, 1)) < 0.5, -1.0, 1.0)
    return x1, x2, label


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_margin_rank_loss(rng, dtype):
    x1, x2, label = _pairs(rng, 20)
    loss = np.maximum(0.0, -label * (x1 - x2) + 0.3)
    c = {"X1": x1.astype(dtype), "X2": x2.astype(dtype), "Label": label.astype(dtype)}
    check_output("margin_rank_loss", c, {"Activated": (loss > 0).astype(dtype),
                                         "Out": loss.astype(dtype)}, {"margin": 0.3},
                 rtol=1e-5, atol=1e-6)


def test_margin_rank_loss_gradients(rng):
    x1, x2, label = _pairs(rng)
    x1[np.abs(-label * (x1 - x2) + 0.3) < 1e-2] += 0.05  # off the hinge
    inputs = {"X1": x1, "X2": x2, "Label": label}
    check_grad("margin_rank_loss", inputs, {"margin": 0.3}, inputs_to_check=("X1", "X2"))
    check_grad("margin_rank_loss", inputs, {"margin": 0.3}, inputs_to_check=("X2",))


@pytest.mark.parametrize("dtype", DTYPES)
def test_margin_rank_loss_far_out_and_empty(dtype):
    big = BIG[dtype]
    x1, x2 = np.array([[big], [-big]], dtype), np.zeros((2, 1), dtype)
    out = run_op("margin_rank_loss", {"X1": x1, "X2": x2, "Label": np.ones((2, 1), dtype)},
                 outputs=("Activated", "Out"))
    np.testing.assert_array_equal(out["Out"], np.array([[0], [big]], dtype))
    np.testing.assert_array_equal(out["Activated"], np.array([[0], [1]], dtype))
    empty = np.zeros((0, 1), dtype)
    out = run_op("margin_rank_loss", {"X1": empty, "X2": empty, "Label": empty},
                 outputs=("Out",))["Out"]
    assert out.shape == (0, 1)


# rank_loss

@pytest.mark.parametrize("shapes", [((8, 1),) * 3, ((8,), (8, 1), (8,)), ((8,),) * 3])
def test_rank_loss(rng, shapes):
    label = rng.choice([0.0, 0.5, 1.0], 8)
    left, right = rng.normal(size=8) * 3, rng.normal(size=8) * 3
    o = left - right
    want = np.log(1 + np.exp(o)) - label * o
    inputs = {"Label": label.reshape(shapes[0]), "Left": left.reshape(shapes[1]),
              "Right": right.reshape(shapes[2])}
    check_output("rank_loss", inputs, {"Out": want.reshape(shapes[0])}, rtol=1e-12)
    check_output("rank_loss", {k: v.astype("float32") for k, v in inputs.items()},
                 {"Out": want.reshape(shapes[0]).astype("float32")}, rtol=1e-5, atol=1e-6)
    check_grad("rank_loss", inputs, inputs_to_check=("Left", "Right"))
    check_grad("rank_loss", inputs, inputs_to_check=("Right",))


@pytest.mark.parametrize("dtype", DTYPES)
def test_rank_loss_far_out_is_linear_not_inf(dtype):
    big = BIG[dtype] / 2
    left = np.array([[big], [big], [-big], [0.0]], dtype)
    right = np.array([[-big], [-big], [big], [0.0]], dtype)
    label = np.array([[1.0], [0.5], [1.0], [0.0]], dtype)
    out = run_op("rank_loss", {"Label": label, "Left": left, "Right": right})["Out"]
    # o = 2 big: the loss is (1 - label) o, which exp(o) would make inf
    want = np.array([[0.0], [big], [2 * big], [np.log(2)]])
    np.testing.assert_allclose(out.astype(np.float64), want, rtol=2e-3)
    g = run_op("rank_loss_grad", {"Label": label, "Left": left, "Right": right,
                                  "Out@GRAD": np.ones_like(label)},
               outputs=("Left@GRAD", "Right@GRAD"))
    np.testing.assert_allclose(g["Left@GRAD"].astype(np.float64), [[0], [0.5], [-1], [0.5]],
                               atol=1e-3)
    np.testing.assert_array_equal(g["Right@GRAD"], -g["Left@GRAD"])


def test_rank_loss_shapes_are_checked(fresh):
    label = fluid.data("label", [4, 1], "float32")
    with pytest.raises(ValueError, match="rank_loss.*Left.*\\[N\\] or \\[N, 1\\]"):
        layers.rank_loss(label, fluid.data("l", [4, 2], "float32"), label)
    with pytest.raises(ValueError, match="rank_loss.*one batch size"):
        layers.rank_loss(label, fluid.data("l3", [3, 1], "float32"), label)
    with pytest.raises(TypeError, match="rank_loss.*'right' must be a Variable"):
        layers.rank_loss(label, label, np.ones((4, 1), "float32"))


# bpr_loss

def bpr64(x, label):
    n, d = x.shape
    out = np.zeros((n, 1))
    for i in range(n):
        p = x[i, label[i, 0]]
        out[i, 0] = sum(-np.log(1 / (1 + np.exp(-(p - x[i, j]))))
                        for j in range(d) if j != label[i, 0]) / (d - 1)
    return out


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bpr_loss(rng, dtype):
    x, label = rng.normal(size=(12, 5)) * 2, rng.integers(0, 5, (12, 1))
    check_output("bpr_loss", {"X": x.astype(dtype), "Label": label},
                 {"Y": bpr64(x, label).astype(dtype)}, rtol=1e-5 if dtype == "float32" else 1e-12)


def test_bpr_loss_gradient_and_rank_3(rng):
    x, label = rng.normal(size=(6, 4)), rng.integers(0, 4, (6, 1))
    check_grad("bpr_loss", {"X": x, "Label": label}, output_names=("Y",))
    x3, label3 = rng.normal(size=(2, 3, 4)), rng.integers(0, 4, (2, 3, 1))
    check_output("bpr_loss", {"X": x3, "Label": label3},
                 {"Y": bpr64(x3.reshape(6, 4), label3.reshape(6, 1)).reshape(2, 3, 1)},
                 rtol=1e-12)
    check_grad("bpr_loss", {"X": x3, "Label": label3}, output_names=("Y",))


@pytest.mark.parametrize("dtype", DTYPES)
def test_bpr_loss_far_out_is_linear_not_inf(dtype):
    big = BIG[dtype] / 2
    x = np.array([[-big, big, 0.0], [big, -big, 0.0]], dtype)
    label = np.array([[0], [0]])
    out = run_op("bpr_loss", {"X": x, "Label": label}, outputs=("Y",))["Y"]
    # row 0: the positive is far below both negatives: (2 big + big) / 2; row 1: far above: ~0
    np.testing.assert_allclose(out.astype(np.float64), [[1.5 * big], [0.0]], rtol=2e-3,
                               atol=1e-3)
    g = run_op("bpr_loss_grad", {"X": x, "Label": label, "Y@GRAD": np.ones((2, 1), dtype)},
               outputs=("X@GRAD",))["X@GRAD"]
    np.testing.assert_allclose(g.astype(np.float64), [[-1, 0.5, 0.5], [0, 0, 0]], atol=1e-3)


def test_bpr_loss_refuses_bad_labels_and_one_class():
    with pytest.raises(ValueError, match=r"class indices in \[0, 3\), got \[3\]"):
        run_op("bpr_loss", {"X": np.zeros((2, 3)), "Label": np.array([[0], [3]])},
               outputs=("Y",))
    with pytest.raises(ValueError, match="D >= 2"):
        run_op("bpr_loss", {"X": np.zeros((2, 1)), "Label": np.zeros((2, 1), "int64")},
               outputs=("Y",))
    out = run_op("bpr_loss", {"X": np.zeros((0, 3)), "Label": np.zeros((0, 1), "int64")},
                 outputs=("Y",))["Y"]
    assert out.shape == (0, 1)


# the layers

def test_layers_build_fluid_ops_and_run(rng):
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        label = fluid.data("label", [None, 1], "float32")
        left = fluid.data("left", [None, 1], "float32")
        right = fluid.data("right", [None, 1], "float32")
        scores = fluid.data("scores", [None, 4], "float32")
        pos = fluid.data("pos", [None, 1], "int64")
        outs = [layers.margin_rank_loss(label, left, right), layers.rank_loss(label, left, right),
                layers.bpr_loss(scores, pos)]
        assert [v.name for v in outs] == ["margin_rank_loss_0.tmp_0", "rank_loss_0.tmp_0",
                                          "bpr_loss_0.tmp_0"]
        ops = main.global_block().ops
        assert [op.type for op in ops] == ["margin_rank_loss", "rank_loss", "bpr_loss"]
        assert ops[0].attr("margin") == pytest.approx(0.1)
        assert ops[0].output("Activated") == ["margin_rank_loss_0.tmp_1"]
        with pytest.raises(TypeError, match="margin_rank_loss.*'right'.*float32"):
            layers.margin_rank_loss(label, left, fluid.data("r64", [None, 1], "float64"))
        with pytest.raises(TypeError, match="bpr_loss.*'label'"):
            layers.bpr_loss(scores, label)
        with pytest.raises(ValueError, match="bpr_loss.*Label.*X's shape"):
            layers.bpr_loss(scores, fluid.data("p2", [None, 2], "int64"))
    n = 7
    feed = {"label": np.where(rng.random((n, 1)) < 0.5, -1.0, 1.0).astype("float32"),
            "left": rng.normal(size=(n, 1)).astype("float32"),
            "right": rng.normal(size=(n, 1)).astype("float32"),
            "scores": rng.normal(size=(n, 4)).astype("float32"),
            "pos": rng.integers(0, 4, (n, 1))}
    got = fluid.Executor(fluid.CPUPlace()).run(main, feed=feed, fetch_list=outs)
    f = {k: v.astype(np.float64) if v.dtype.kind == "f" else v for k, v in feed.items()}
    o = f["left"] - f["right"]
    np.testing.assert_allclose(got[0], np.maximum(0, -f["label"] * o + 0.1), rtol=1e-5,
                               atol=1e-7)
    np.testing.assert_allclose(got[1], softplus64(o) - f["label"] * o, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[2], bpr64(f["scores"], f["pos"]), rtol=1e-5)
