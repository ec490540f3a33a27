"""log_loss, huber_loss, smooth_l1_loss, kldiv_loss and the mse_loss layer, against float64
formulas written here, with float64 gradient checks and extreme inputs in every dtype."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid import layers
from minifluid.testing import check_grad, check_output, run_op

DTYPES = ["float16", "float32", "float64"]
RTOL = {"float16": 2e-3, "float32": 1e-5, "float64": 1e-12}


def huber(r, delta):
    return np.where(np.abs(r) <= delta, 0.5 * r * r, delta * (np.abs(r) - 0.5 * delta))


def smooth(d, sigma2):
    return np.where(np.abs(d) < 1 / sigma2, 0.5 * sigma2 * d * d, np.abs(d) - 0.5 / sigma2)


# log_loss

@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_log_loss(rng, dtype):
    p, y = rng.uniform(0.05, 0.95, (20, 1)), rng.integers(0, 2, (20, 1)).astype(float)
    want = -y * np.log(p + 1e-4) - (1 - y) * np.log(1 - p + 1e-4)
    check_output("log_loss", {"Predicted": p.astype(dtype), "Labels": y.astype(dtype)},
                 {"Loss": want.astype(dtype)}, rtol=RTOL[dtype] * 10)
    if dtype == "float64":
        check_grad("log_loss", {"Predicted": p, "Labels": y}, inputs_to_check=("Predicted",),
                   output_names=("Loss",))


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_loss_of_certain_predictions_is_finite(dtype):
    p, y = np.array([[0.0], [1.0], [0.0], [1.0]], dtype), np.array([[1], [0], [0], [1]], dtype)
    out = run_op("log_loss", {"Predicted": p, "Labels": y}, outputs=("Loss",))["Loss"]
    assert np.isfinite(out).all()
    assert np.isclose(float(out[0, 0]), -np.log(1e-4), rtol=1e-3) and abs(float(out[2, 0])) < 1e-3
    g = run_op("log_loss_grad", {"Predicted": p, "Labels": y, "Loss@GRAD": np.ones_like(p)},
               outputs=("Predicted@GRAD",))["Predicted@GRAD"]
    assert np.isfinite(g).all()


# huber_loss

@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_huber_loss(rng, dtype):
    x, y = rng.normal(size=(6, 3)) * 2, rng.normal(size=(6, 3)) * 2
    check_output("huber_loss", {"X": x.astype(dtype), "Y": y.astype(dtype)},
                 {"Out": huber(y - x, 1.5).astype(dtype), "Residual": (y - x).astype(dtype)},
                 {"delta": 1.5}, rtol=RTOL[dtype] * 10, atol=1e-5)


def test_huber_loss_gradients(rng):
    x, y = rng.normal(size=(5, 4)) * 2, rng.normal(size=(5, 4)) * 2
    x[np.abs(y - x) - 0.7 < 1e-3] += 0.01  # keep off the kink at |r| = delta
    check_grad("huber_loss", {"X": x, "Y": y}, {"delta": 0.7}, inputs_to_check=("X", "Y"))
    check_grad("huber_loss", {"X": x, "Y": y}, {"delta": 0.7}, inputs_to_check=("Y",))


@pytest.mark.parametrize("dtype,big", [("float16", 6e4), ("float32", 1e38), ("float64", 1e308)])
def test_huber_loss_is_linear_and_finite_far_out(dtype, big):
    x = np.array([[big], [-big], [0.0]], dtype)
    y = np.zeros_like(x)
    out = run_op("huber_loss", {"X": x, "Y": y}, outputs=("Out", "Residual"))["Out"]
    assert np.isfinite(out).all()  # |r| - delta / 2, not r^2 / 2, which overflows
    assert out[2, 0] == 0 and np.isclose(float(out[0, 0]), float(np.asarray(big, dtype)) - 0.5,
                                         rtol=1e-3)


# smooth_l1_loss

@pytest.mark.parametrize("weights", [False, True])
def test_smooth_l1_loss(rng, weights):
    x, y = rng.normal(size=(4, 3, 2)), rng.normal(size=(4, 3, 2))
    inputs, iw, ow = {"X": x, "Y": y}, 1.0, 1.0
    if weights:
        iw, ow = rng.uniform(0.5, 2, x.shape), rng.uniform(0.5, 2, x.shape)
        inputs.update(InsideWeight=iw, OutsideWeight=ow)
    d = (x - y) * iw
    want = (smooth(d, 4.0) * ow).reshape(4, -1).sum(1, keepdims=True)
    check_output("smooth_l1_loss", inputs, {"Diff": d, "Out": want}, {"sigma": 2.0},
                 rtol=1e-12)
    check_grad("smooth_l1_loss", inputs, {"sigma": 2.0}, inputs_to_check=("X", "Y"))


@pytest.mark.parametrize("dtype,big", [("float16", 3e4), ("float32", 1e38), ("float64", 1e307)])
def test_smooth_l1_loss_is_finite_far_out(dtype, big):
    x = np.array([[big, 0.0], [-big, 0.25]], dtype)
    out = run_op("smooth_l1_loss", {"X": x, "Y": np.zeros_like(x)}, outputs=("Diff", "Out"))
    assert np.isfinite(out["Out"]).all() and np.isclose(float(out["Out"][1, 0]),
                                                       big - 0.5 + 0.25 ** 2 / 2, rtol=1e-3)


# kldiv_loss

@pytest.mark.parametrize("reduction", ["none", "batchmean", "mean", "sum"])
def test_kldiv_loss(rng, reduction):
    x, t = rng.normal(size=(3, 4, 2)), rng.uniform(-0.5, 1, (3, 4, 2))
    t[0, 0, 0] = 0.0
    l = np.zeros_like(t)  # noqa: E741
    pos = t > 0
    l[pos] = t[pos] * (np.log(t[pos]) - x[pos])
    want = {"none": l, "sum": l.sum(), "mean": l.mean(), "batchmean": l.sum() / 3}[reduction]
    check_output("kldiv_loss", {"X": x, "Target": t}, {"Loss": np.reshape(want, l.shape
                 if reduction == "none" else (1,))}, {"reduction": reduction}, rtol=1e-12)
    check_grad("kldiv_loss", {"X": x, "Target": t}, {"reduction": reduction},
               output_names=("Loss",))


@pytest.mark.parametrize("dtype", DTYPES)
def test_kldiv_loss_zero_and_negative_targets_give_zero_not_nan(dtype):
    x = np.array([[-1e4, 0.0, 3.0]], dtype) if dtype != "float16" else np.array(
        [[-6e4, 0.0, 3.0]], dtype)
    t = np.array([[0.0, -1.0, 1.0]], dtype)
    out = run_op("kldiv_loss", {"X": x, "Target": t}, {"reduction": "none"},
                 outputs=("Loss",))["Loss"]
    np.testing.assert_allclose(out, np.array([[0, 0, -3]], dtype))


def test_empty_batches():
    out = run_op("kldiv_loss", {"X": np.zeros((0, 3)), "Target": np.zeros((0, 3))},
                 {"reduction": "batchmean"}, outputs=("Loss",))["Loss"]
    assert out.shape == (1,) and out[0] == 0
    out = run_op("smooth_l1_loss", {"X": np.zeros((0, 3)), "Y": np.zeros((0, 3))},
                 outputs=("Diff", "Out"))["Out"]
    assert out.shape == (0, 1)


# the layers

def test_layers_build_fluid_ops_and_run(rng):
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        x = fluid.data("x", [None, 1], "float32")
        y = fluid.data("y", [None, 1], "float32")
        prob = layers.sigmoid(x)
        outs = [layers.log_loss(prob, y), layers.huber_loss(x, y, 1.0), layers.smooth_l1(x, y),
                layers.kldiv_loss(x, prob, reduction="sum"), layers.mse_loss(x, y)]
        assert outs[1].name == "huber_loss_0.tmp_1"  # Residual is tmp_0, as in fluid
        assert [op.type for op in main.global_block().ops][-3:] == [
            "elementwise_sub", "square", "reduce_mean"]
        with pytest.raises(TypeError, match="log_loss.*input"):
            layers.log_loss(fluid.data("d", [None, 1], "float64"), y)
        with pytest.raises(ValueError, match="kldiv_loss.*reduction"):
            layers.kldiv_loss(x, y, reduction="avg")
        with pytest.raises(ValueError, match="smooth_l1.*sigma"):
            layers.smooth_l1(x, y, sigma=0.0)
    exe = fluid.Executor(fluid.CPUPlace())
    xs, ys = rng.normal(size=(8, 1)).astype("float32"), rng.integers(0, 2, (8, 1)).astype(
        "float32")
    got = exe.run(main, feed={"x": xs, "y": ys}, fetch_list=outs)
    x64, y64 = xs.astype(np.float64), ys.astype(np.float64)
    p = 1 / (1 + np.exp(-x64))
    np.testing.assert_allclose(got[0], -y64 * np.log(p + 1e-4) - (1 - y64) * np.log(1 - p + 1e-4),
                               rtol=1e-5)
    np.testing.assert_allclose(got[1], huber(y64 - x64, 1.0), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got[2], smooth(x64 - y64, 1.0), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got[3], [(p * (np.log(p) - x64)).sum()], rtol=1e-5)
    np.testing.assert_allclose(got[4], [((x64 - y64) ** 2).mean()], rtol=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_huge_sigma_and_delta_stay_finite(dtype):
    x, y = np.array([[2.0, -1e-3]], dtype), np.zeros((1, 2), dtype)
    out = run_op("smooth_l1_loss", {"X": x, "Y": y}, {"sigma": 2.0 ** 70},
                 outputs=("Diff", "Out"))["Out"]
    assert np.isclose(float(out[0, 0]), 2.0 + 1e-3, rtol=1e-5)  # the loss is |diff|
    out = run_op("huber_loss", {"X": x, "Y": y}, {"delta": 1e300}, outputs=("Out", "Residual"))
    np.testing.assert_allclose(out["Out"], x.astype(np.float64) ** 2 / 2, rtol=1e-6)
