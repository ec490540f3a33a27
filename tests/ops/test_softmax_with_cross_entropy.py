"""softmax_with_cross_entropy: hard and soft labels, ignore_index, every axis, extreme
logits, against float64 formulas written here (log-sum-exp by a loop over the max)."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid import layers
from minifluid.testing import check_grad, check_output, run_op

OP = "softmax_with_cross_entropy"


def log_softmax(z, axis):
    z = z.astype(np.float64)
    m = z.max(axis=axis, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))


def hard_loss(z, label, axis, ignore_index=-100):
    logp = np.moveaxis(log_softmax(z, axis), axis, -1)
    lab = np.moveaxis(label, axis, -1)[..., 0]
    out = np.zeros(lab.shape)
    for idx in np.ndindex(lab.shape):
        if lab[idx] != ignore_index:
            out[idx] = -logp[idx + (lab[idx],)]
    return np.expand_dims(out, axis)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_hard_labels_every_axis(rng, dtype, axis):
    z = rng.normal(size=(3, 4, 5)).astype(dtype)
    lshape = list(z.shape)
    lshape[axis] = 1
    label = rng.integers(0, z.shape[axis], lshape)
    want = {"Softmax": np.exp(log_softmax(z, axis)).astype(dtype),
            "Loss": hard_loss(z, label, axis).astype(dtype)}
    check_output(OP, {"Logits": z, "Label": label}, want, {"axis": axis},
                 rtol=1e-5 if dtype == "float32" else 1e-12)
    if dtype == "float64":
        check_grad(OP, {"Logits": z, "Label": label}, {"axis": axis},
                   inputs_to_check=("Logits",), output_names=("Loss",))


def test_soft_labels_and_their_exact_gradient(rng):
    z = rng.normal(size=(4, 6))
    label = rng.uniform(0, 1, (4, 6))  # not normalised: the gradient is the exact one
    want = -(label * log_softmax(z, -1)).sum(-1, keepdims=True)
    check_output(OP, {"Logits": z, "Label": label}, {"Loss": want}, {"soft_label": True},
                 rtol=1e-12)
    check_grad(OP, {"Logits": z, "Label": label}, {"soft_label": True},
               inputs_to_check=("Logits",), output_names=("Loss",))


def test_ignore_index(rng):
    z, label = rng.normal(size=(6, 3)), np.array([[0], [2], [2], [1], [2], [0]])
    check_output(OP, {"Logits": z, "Label": label}, {"Loss": hard_loss(z, label, -1, 2)},
                 {"ignore_index": 2}, rtol=1e-12)
    check_grad(OP, {"Logits": z, "Label": label}, {"ignore_index": 2},
               inputs_to_check=("Logits",), output_names=("Loss",))
    g = run_op(OP + "_grad", {"Softmax": np.full((6, 3), 1 / 3), "Label": label,
                              "Loss@GRAD": np.ones((6, 1))}, {"ignore_index": 2},
               outputs=("Logits@GRAD",))["Logits@GRAD"]
    assert (g[label[:, 0] == 2] == 0).all() and np.allclose(g[0], [-2 / 3, 1 / 3, 1 / 3])


@pytest.mark.parametrize("dtype,big", [("float16", 3e4), ("float32", 1e4), ("float64", 710.0),
                                       ("float64", 1e300)])
def test_extreme_logits_stay_finite(dtype, big):
    z = np.array([[big, -big, 0.0], [-big, -big, -big]], dtype)
    out = run_op(OP, {"Logits": z, "Label": np.array([[1], [2]])},
                 outputs=("Softmax", "Loss"))
    assert np.isfinite(out["Softmax"]).all() and np.isfinite(out["Loss"]).all()
    # the unlikely class costs 2 big (in float16 too: 6e4 < its max 65504)
    assert np.isclose(float(out["Loss"][0, 0]), 2 * float(np.asarray(big, dtype)), rtol=1e-3)
    assert np.isclose(float(out["Loss"][1, 0]), np.log(3), rtol=1e-3)


def test_empty_batch():
    out = run_op(OP, {"Logits": np.zeros((0, 4)), "Label": np.zeros((0, 1), np.int64)},
                 outputs=("Softmax", "Loss"))
    assert out["Softmax"].shape == (0, 4) and out["Loss"].shape == (0, 1)


def test_label_out_of_range_is_a_clear_error():
    with pytest.raises(Exception, match=r"Label holds 3; class indices must be in \[0, 3\)"):
        run_op(OP, {"Logits": np.zeros((2, 3)), "Label": np.array([[1], [3]])},
               outputs=("Softmax", "Loss"))


def test_layer_names_return_softmax_and_errors(rng):
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        x = fluid.data("x", [None, 5], "float32")
        label = fluid.data("label", [None, 1], "int64")
        loss, soft = layers.softmax_with_cross_entropy(x, label, return_softmax=True)
        assert (soft.name, loss.name) == ("softmax_with_cross_entropy_0.tmp_0",
                                          "softmax_with_cross_entropy_0.tmp_1")
        assert loss.shape == (-1, 1) and soft.shape == (-1, 5)
        with pytest.raises(ValueError, match="softmax_with_cross_entropy.*axis"):
            layers.softmax_with_cross_entropy(x, label, axis=2)
        with pytest.raises(TypeError, match="softmax_with_cross_entropy.*label"):
            layers.softmax_with_cross_entropy(x, x)
        with pytest.raises(ValueError, match="Label .* does not fit"):
            layers.softmax_with_cross_entropy(x, fluid.data("l3", [None, 5], "int64"))
    exe = fluid.Executor(fluid.CPUPlace())
    xs, ys = rng.normal(size=(4, 5)).astype("float32"), rng.integers(0, 5, (4, 1))
    got = exe.run(main, feed={"x": xs, "label": ys}, fetch_list=[loss])[0]
    assert np.allclose(got, hard_loss(xs, ys, -1), rtol=1e-5)
