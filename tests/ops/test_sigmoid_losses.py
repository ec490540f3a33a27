"""sigmoid_focal_loss and teacher_student_sigmoid_loss against float64 formulas written
here, with float64 gradient checks, far-out logits in every dtype, and their layers."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid import layers
from minifluid.testing import check_grad, check_output, run_op

DTYPES = ["float16", "float32", "float64"]
BIG = {"float16": 3e4, "float32": 1e38, "float64": 1e307}


def sigmoid64(x):
    return 0.5 * (1 + np.tanh(x / 2))  # another form than the kernels'


# sigmoid_focal_loss

def focal64(x, label, fg, gamma, alpha):
    n, d = x.shape
    p = sigmoid64(x)
    cls = np.arange(1, d + 1)[None, :]
    pos = label == cls
    neg = (label != -1) & ~pos
    fg = max(int(fg[0]), 1)
    # -log p and -log(1 - p) as numpy's logaddexp gives them
    return (pos * alpha / fg * (1 - p) ** gamma * np.logaddexp(0, -x)
            + neg * (1 - alpha) / fg * p ** gamma * np.logaddexp(0, x))


def _focal_inputs(rng, n=8, d=5):
    x = rng.normal(size=(n, d)) * 2
    label = rng.integers(-1, d + 1, (n, 1)).astype("int32")
    fg = np.array([(label > 0).sum()], "int32")
    return x, label, fg


@pytest.mark.parametrize("gamma,alpha", [(2.0, 0.25), (0.0, 0.5), (1.5, 1.0)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_focal_loss(rng, dtype, gamma, alpha):
    x, label, fg = _focal_inputs(rng)
    attrs = {"gamma": gamma, "alpha": alpha}
    check_output("sigmoid_focal_loss", {"X": x.astype(dtype), "Label": label, "FgNum": fg},
                 {"Out": focal64(x, label, fg, gamma, alpha).astype(dtype)}, attrs,
                 rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-7)
    if dtype == "float64":
        check_grad("sigmoid_focal_loss", {"X": x, "Label": label, "FgNum": fg}, attrs)


def test_sigmoid_focal_loss_without_foreground_divides_by_one(rng):
    x = rng.normal(size=(3, 2))
    label = np.array([[0], [-1], [0]], "int32")
    out = run_op("sigmoid_focal_loss", {"X": x, "Label": label, "FgNum": np.array([0], "int32")})
    np.testing.assert_allclose(out["Out"], focal64(x, label, [1], 2.0, 0.25), rtol=1e-12)
    assert (out["Out"][1] == 0).all()  # an ignored row


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_focal_loss_far_out_is_linear_not_capped(dtype):
    big = BIG[dtype]
    x = np.array([[-big, big], [big, -big]], dtype)
    label = np.array([[1], [1]], "int32")  # row 0: the positive far wrong; row 1: far right
    inputs = {"X": x, "Label": label, "FgNum": np.array([1], "int32")}
    out = run_op("sigmoid_focal_loss", inputs, {"gamma": 2.0, "alpha": 0.25})["Out"]
    # -log p = big for the wrong positive (fluid's clamp of p at FLT_MIN gives 21.8);
    # the wrong negative (class 2 of row 0) costs 0.75 big
    np.testing.assert_allclose(out.astype(np.float64), [[0.25 * big, 0.75 * big], [0, 0]],
                               rtol=2e-3)
    g = run_op("sigmoid_focal_loss_grad", {**inputs, "Out@GRAD": np.ones_like(x)},
               {"gamma": 2.0, "alpha": 0.25}, outputs=("X@GRAD",))["X@GRAD"]
    np.testing.assert_allclose(g.astype(np.float64), [[-0.25, 0.75], [0, 0]], atol=1e-3)


def test_sigmoid_focal_loss_refuses_bad_labels():
    with pytest.raises(ValueError, match=r"-1 \(ignored\).*\[1, 2\], got \[3\]"):
        run_op("sigmoid_focal_loss", {"X": np.zeros((2, 2)), "Label": np.array([[1], [3]],
                                      "int32"), "FgNum": np.array([1], "int32")})
    out = run_op("sigmoid_focal_loss", {"X": np.zeros((0, 2)), "Label": np.zeros((0, 1), "int32"),
                                        "FgNum": np.array([0], "int32")})["Out"]
    assert out.shape == (0, 2)


# teacher_student_sigmoid_loss

def teacher64(x, z):
    sp = np.logaddexp(0, x)
    return np.where(z < -1, sp, np.where(z < 0, sp - x, np.where(
        z < 1, 2 * sp - z * x, 2 * sp - x - (z - 1) * x)))


def _teacher_inputs(rng, n=16):
    x = rng.normal(size=(n, 1)) * 3
    z = np.concatenate([[-2.0, -1.0, -2.0, -1.0], rng.uniform(0, 2, n - 4)]).reshape(n, 1)
    return x, z


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_teacher_student_sigmoid_loss(rng, dtype):
    x, z = _teacher_inputs(rng)
    check_output("teacher_student_sigmoid_loss", {"X": x.astype(dtype), "Label": z.astype(dtype)},
                 {"Y": teacher64(x, z).astype(dtype)},
                 rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-6)
    if dtype == "float64":
        check_grad("teacher_student_sigmoid_loss", {"X": x, "Label": z},
                   output_names=("Y",))


def test_teacher_student_gradient_is_zero_at_and_beyond_the_bounds(rng):
    x = np.array([[-20.0], [-2.0], [2.0], [2.0], [20.0]])
    z = np.array([[0.5], [0.5], [0.5], [-2.0], [0.5]])
    g = run_op("teacher_student_sigmoid_loss_grad", {"X": x, "Label": z,
                                                     "Y@GRAD": np.full((5, 1), 2.0)},
               {"soft_max_up_bound": 3.0, "soft_max_lower_bound": -3.0},
               outputs=("X@GRAD",))["X@GRAD"]
    p = sigmoid64(x)
    np.testing.assert_allclose(g, [[0], 2 * (2 * p[1] - 0.5), 2 * (2 * p[2] - 0.5), 2 * p[3],
                                   [0]], rtol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_teacher_student_far_out_is_linear_not_inf(dtype):
    big = BIG[dtype] / 2
    x = np.array([[big], [-big], [big], [-big]], dtype)
    z = np.array([[-1.0], [-2.0], [1.5], [0.5]], dtype)
    y = run_op("teacher_student_sigmoid_loss", {"X": x, "Label": z}, outputs=("Y",))["Y"]
    np.testing.assert_allclose(y.astype(np.float64), [[0], [0], [0.5 * big], [0.5 * big]],
                               rtol=2e-3, atol=1e-3)


# the layers

def test_layers_build_fluid_ops_and_run(rng):
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        x = fluid.data("x", [None, 5], "float32")
        label = fluid.data("label", [None, 1], "int32")
        fg = fluid.data("fg", [1], "int32")
        s = fluid.data("s", [None, 1], "float64")
        z = fluid.data("z", [None, 1], "float64")
        outs = [layers.sigmoid_focal_loss(x, label, fg),
                layers.teacher_student_sigmoid_loss(s, z)]
        assert [v.name for v in outs] == ["sigmoid_focal_loss_0.tmp_0",
                                          "teacher_student_sigmoid_loss_0.tmp_0"]
        ops = main.global_block().ops
        assert (ops[0].attr("gamma"), ops[0].attr("alpha")) == (2.0, 0.25)
        assert (ops[1].attr("soft_max_up_bound"), ops[1].attr("soft_max_lower_bound")) == (
            15.0, -15.0)
        with pytest.raises(TypeError, match="sigmoid_focal_loss.*'label'.*int32"):
            layers.sigmoid_focal_loss(x, fluid.data("l64", [None, 1], "int64"), fg)
        with pytest.raises(ValueError, match="sigmoid_focal_loss.*'alpha'"):
            layers.sigmoid_focal_loss(x, label, fg, alpha=1.5)
        with pytest.raises(ValueError, match="teacher_student_sigmoid_loss.*lower_bound"):
            layers.teacher_student_sigmoid_loss(s, z, 1.0, 2.0)
        with pytest.raises(ValueError, match="teacher_student_sigmoid_loss.*X.*\\[N, 1\\]"):
            layers.teacher_student_sigmoid_loss(fluid.data("s2", [None, 2], "float64"), z)
    xs, ls, fgs = _focal_inputs(rng, 6)
    ss, zs = _teacher_inputs(rng, 6)
    got = fluid.Executor(fluid.CPUPlace()).run(
        main, feed={"x": xs.astype("float32"), "label": ls, "fg": fgs, "s": ss, "z": zs},
        fetch_list=outs)
    np.testing.assert_allclose(got[0], focal64(xs.astype("float32").astype(np.float64), ls, fgs,
                                               2.0, 0.25), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got[1], teacher64(ss, zs), rtol=1e-12)
