"""prelu and maxout against float64 numpy formulas (loops for maxout), their gradients,
extreme inputs and the layers."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid import layers
from minifluid.testing import check_grad, check_output


def prelu_reference(x, alpha, mode):
    x = x.astype(np.float64)
    if mode == "channel":
        a = alpha.reshape((1, x.shape[1]) + (1,) * (x.ndim - 2))
    elif mode == "element":
        a = alpha.reshape((1,) + x.shape[1:])
    else:
        a = alpha.item()
    return np.where(x > 0, x, 0) + np.where(x > 0, 0, x) * a


def alpha_for(rng, mode, x_shape):
    shape = {"all": (1,), "channel": (1, x_shape[1], 1, 1), "element": (1,) + x_shape[1:]}[mode]
    return rng.uniform(-1, 1, shape)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode", ["all", "channel", "element"])
@pytest.mark.parametrize("shape", [(2, 5, 3, 4), (3, 4), (1, 3, 2, 2, 2, 2), (0, 4, 2)])
def test_prelu_matches_numpy(rng, dtype, mode, shape):
    x = rng.uniform(-2, 2, shape).astype(dtype)
    a = alpha_for(rng, mode, shape).astype(dtype)
    check_output("prelu", {"X": x, "Alpha": a}, {"Out": prelu_reference(x, a, mode).astype(dtype)},
                 attrs={"mode": mode}, rtol=1e-6)


@pytest.mark.parametrize("mode", ["all", "channel", "element"])
def test_prelu_gradient_check(rng, mode):
    x = rng.uniform(-1, 1, (2, 3, 4))
    x[np.abs(x) < 0.05] = 0.3  # the kink at 0 has no derivative
    ins = {"X": x, "Alpha": alpha_for(rng, mode, x.shape)}
    check_grad("prelu", ins, attrs={"mode": mode}, inputs_to_check=("X", "Alpha"))
    check_grad("prelu", ins, attrs={"mode": mode}, inputs_to_check=("Alpha",))


def test_prelu_of_extremes_and_bad_alphas(fresh):
    x = np.array([[3e38, -3e38, 0.0, -0.0, -1e-45]], np.float32)
    check_output("prelu", {"X": x, "Alpha": np.array([0.5], np.float32)},
                 {"Out": np.array([[3e38, -1.5e38, 0, 0, -0.0]], np.float32)},
                 attrs={"mode": "all"})
    v = fluid.data("v", [None, 3, 2], "float32")
    with pytest.raises(ValueError, match=r"Alpha \('a'\) of shape \[1, 2\] must hold 3 values"):
        fluid.default_main_program().global_block().append_op(
            "prelu", {"X": v, "Alpha": fluid.data("a", [1, 2], "float32")}, {"Out": "o"},
            {"mode": "channel"})


def test_the_prelu_layer_learns_its_slope(fresh):
    x = fluid.data("x", [None, 2, 3], "float32")
    y = layers.prelu(x, "channel", param_attr=fluid.ParamAttr(name="alpha"))
    e = layers.prelu(x, mode="element")
    params = {p.name: p.shape for p in fluid.default_main_program().global_block()
              .all_parameters()}
    assert params == {"alpha": (1, 2, 1, 1), "prelu_1.w_0": (1, 2, 3)}
    with pytest.raises(ValueError, match="prelu: argument 'mode' must be one of"):
        layers.prelu(x, "any")
    with pytest.raises(TypeError, match="prelu: argument 'x'"):
        layers.prelu(layers.cast(x, "int32"), "all")
    target = layers.elementwise_mul(x, layers.fill_constant([1], "float32", 1.0))
    loss = layers.mean(layers.square(layers.elementwise_sub(y, target)))  # slope 1 is best
    fluid.optimizer.SGD(1.0).minimize(loss)
    exe = fluid.Executor(fluid.CPUPlace())
    exe.run(fluid.default_startup_program())
    xv = -np.abs(np.random.default_rng(0).normal(size=(4, 2, 3))).astype(np.float32)
    got_y, got_e = exe.run(feed={"x": xv}, fetch_list=[y, e])
    np.testing.assert_allclose(got_y, 0.25 * xv, rtol=1e-6)
    np.testing.assert_allclose(got_e, 0.25 * xv, rtol=1e-6)
    for _ in range(50):
        exe.run(feed={"x": xv}, fetch_list=[loss])
    alpha = np.array(fluid.global_scope().find_var("alpha").get_tensor())
    np.testing.assert_allclose(alpha, 1.0, atol=0.05)


def maxout_reference(x, groups, axis):
    x = np.moveaxis(x.astype(np.float64), axis, 1)
    out = np.empty((x.shape[0], x.shape[1] // groups) + x.shape[2:])
    for c in range(out.shape[1]):
        out[:, c] = x[:, c * groups:(c + 1) * groups].max(axis=1)
    return np.moveaxis(out, 1, axis)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape, groups, axis", [((3, 6, 2, 2), 2, 1), ((3, 2, 2, 6), 3, 3),
                                                 ((3, 2, 2, 6), 6, -1), ((4, 8), 4, 1),
                                                 ((0, 4, 3), 2, 1)])
def test_maxout_matches_numpy(rng, dtype, shape, groups, axis):
    x = rng.normal(size=shape).astype(dtype)
    check_output("maxout", {"X": x}, {"Out": maxout_reference(x, groups, axis).astype(dtype)},
                 attrs={"groups": groups, "axis": axis})


def test_maxout_gradient_check_and_ties(rng):
    x = rng.permutation(48).reshape(2, 6, 2, 2) / 7.0  # distinct values: a smooth max
    check_grad("maxout", {"X": x}, attrs={"groups": 3, "axis": 1})
    check_grad("maxout", {"X": x}, attrs={"groups": 2, "axis": 3})
    # a tie gives the whole gradient to the first maximum, as fluid does; infinities pass
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup):
        v = fluid.data("v", [1, 4], "float64")
        v.stop_gradient = False
        out = layers.maxout(v, groups=4)
        dv, = fluid.gradients(layers.reduce_sum(out), v)
    exe = fluid.Executor(fluid.CPUPlace())
    for row, want_out, want_dv in (([2, 5, 5, 1], 5, [0, 1, 0, 0]),
                                   ([-np.inf, np.inf, 3, np.inf], np.inf, [0, 1, 0, 0])):
        got_out, got_dv = exe.run(main, {"v": np.array([row], np.float64)}, [out, dv])
        assert got_out.tolist() == [[want_out]] and got_dv.tolist() == [want_dv]


def test_the_maxout_layer(fresh):
    x = fluid.data("x", [None, 4, 3, 6], "float32")
    a, b = layers.maxout(x, groups=2), layers.maxout(x, groups=3, axis=-1)
    assert a.shape == (-1, 2, 3, 6) and b.shape == (-1, 4, 3, 2)
    with pytest.raises(ValueError, match=r"maxout: argument 'axis' must be 1 \(NCHW\)"):
        layers.maxout(x, groups=2, axis=2)
    with pytest.raises(ValueError, match=r"maxout: argument 'groups' \(3\) must divide the 4"):
        layers.maxout(x, groups=3)
    with pytest.raises(ValueError, match="maxout: argument 'groups' must be an int >= 2"):
        layers.maxout(x, groups=1)
    exe = fluid.Executor(fluid.CPUPlace())
    xv = np.random.default_rng(0).normal(size=(2, 4, 3, 6)).astype(np.float32)
    got_a, got_b = exe.run(feed={"x": xv}, fetch_list=[a, b])
    np.testing.assert_array_equal(got_a, maxout_reference(xv, 2, 1))
    np.testing.assert_array_equal(got_b, maxout_reference(xv, 3, 3))


def test_prelu_of_float16_keeps_a_float32_slope(fresh):
    x = fluid.data("x", [None, 3], "float16")
    x.stop_gradient = False
    y = layers.prelu(x, "channel")
    alpha = fluid.default_main_program().global_block().var("prelu_0.w_0")
    assert alpha.dtype == np.float32 and y.dtype == np.float16
    dx, da = fluid.gradients(layers.reduce_sum(layers.cast(y, "float32")), [x, alpha])
    exe = fluid.Executor(fluid.CPUPlace())
    exe.run(fluid.default_startup_program())
    xv = np.array([[1, -2, 3], [-1, -1, 2]], np.float16)
    got_y, got_dx, got_da = exe.run(feed={"x": xv}, fetch_list=[y, dx, da])
    np.testing.assert_array_equal(got_y, np.where(xv > 0, xv, 0.25 * xv))
    np.testing.assert_array_equal(got_dx, np.where(xv > 0, 1, 0.25).astype(np.float16))
    assert got_da.dtype == np.float32 and got_da.ravel().tolist() == [-1, -3, 0]
