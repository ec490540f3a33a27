"""cos_sim and norm (l2_normalize) against float64 numpy formulas, their gradients, extreme
inputs and the layers."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid import layers
from minifluid.testing import check_grad, check_output


def cos_reference(x, y):
    rx = x.reshape(len(x), int(np.prod(x.shape[1:]))).astype(np.float64)
    ry = y.reshape(len(y), int(np.prod(y.shape[1:]))).astype(np.float64)
    xn = np.sqrt(np.einsum("ij,ij->i", rx, rx))[:, None]
    yn = np.sqrt(np.einsum("ij,ij->i", ry, ry))[:, None]
    return np.einsum("ij,ij->i", rx, np.broadcast_to(ry, rx.shape))[:, None] / xn / yn, xn, yn


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("xs, ys", [((6, 20), (6, 20)), ((6, 20), (1, 20)),
                                    ((4, 3, 5), (4, 3, 5)), ((4, 3, 5), (1, 3, 5)),
                                    ((0, 3), (1, 3)), ((1, 4), (1, 4))])
def test_cos_sim_matches_numpy(rng, dtype, xs, ys):
    x, y = rng.normal(size=xs).astype(dtype), rng.normal(size=ys).astype(dtype)
    out, xn, yn = cos_reference(x, y)
    check_output("cos_sim", {"X": x, "Y": y},
                 {"Out": out.astype(dtype), "XNorm": xn.astype(dtype), "YNorm": yn.astype(dtype)},
                 rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("ys", [(5, 3, 2), (1, 3, 2)])
def test_cos_sim_gradient_check(rng, ys):
    ins = {"X": rng.normal(size=(5, 3, 2)), "Y": rng.normal(size=ys)}
    check_grad("cos_sim", ins, inputs_to_check=("X", "Y"))
    check_grad("cos_sim", ins, inputs_to_check=("Y",))


def test_cos_sim_of_huge_and_tiny_rows_stays_finite():
    # |x|^2 overflows float32 beyond 1.8e19; the cosine of parallel rows is 1 at any scale
    x = np.array([[3e30, -4e30], [3e-30, 4e-30]], np.float32)
    y = np.array([[6e25, -8e25], [-3e20, -4e20]], np.float32)
    check_output("cos_sim", {"X": x, "Y": y},
                 {"Out": np.array([[1], [-1]], np.float32),
                  "XNorm": np.array([[5e30], [5e-30]], np.float32),
                  "YNorm": np.array([[1e26], [5e20]], np.float32)}, rtol=1e-5)
    x64 = np.array([[1e200, 1e200], [1e-200, -1e-200]])
    check_output("cos_sim", {"X": x64, "Y": np.array([[1.0, 0.0]])},
                 {"Out": np.sqrt([[0.5], [0.5]]), "XNorm": np.array([[np.sqrt(2) * 1e200],
                                                                    [np.sqrt(2) * 1e-200]])},
                 rtol=1e-12)


def test_cos_sim_refuses_mismatched_shapes_at_build_time(fresh):
    x = fluid.data("x", [None, 4], "float32")
    with pytest.raises(ValueError, match=r"cos_sim.*dimensions \[-1, 4\] after the first"):
        layers.cos_sim(x, fluid.data("y", [None, 5], "float32"))
    with pytest.raises(ValueError, match="batch of X's or 1"):
        layers.cos_sim(fluid.data("a", [3, 4], "float32"), fluid.data("b", [2, 4], "float32"))
    with pytest.raises(TypeError, match="cos_sim: argument 'Y'"):
        layers.cos_sim(x, fluid.data("i", [None, 4], "int64"))


def test_the_cos_sim_layer_runs_and_trains(fresh):
    x, y = fluid.data("x", [None, 3], "float32"), fluid.data("y", [1, 3], "float32")
    h = layers.fc(x, 3, bias_attr=False,  # a seeded start: the climb is then deterministic
                  param_attr=fluid.ParamAttr(initializer=fluid.initializer.Xavier(seed=3)))
    out = layers.cos_sim(h, y)
    assert out.shape == (-1, 1)
    loss = layers.mean(layers.scale(out, -1.0))
    fluid.optimizer.SGD(0.5).minimize(loss)
    exe = fluid.Executor(fluid.CPUPlace())
    exe.run(fluid.default_startup_program())
    feed = {"x": np.array([[1, 0, 0], [0, 1, 1]], np.float32),
            "y": np.array([[1, -2, 0.5]], np.float32)}
    # .copy(): np.array of a scope tensor aliases the parameter, which sgd updates in place
    w = np.array(fluid.global_scope().find_var("fc_0.w_0").get_tensor()).copy()
    got, = exe.run(feed=feed, fetch_list=[out])
    np.testing.assert_allclose(got, cos_reference(feed["x"] @ w, feed["y"])[0], rtol=1e-5,
                               atol=1e-6)  # float32: a cosine near 0 has absolute error
    for _ in range(30):
        exe.run(feed=feed, fetch_list=[loss])
    assert -exe.run(feed=feed, fetch_list=[loss])[0] > max(0.99, got.mean())  # it climbs


def l2_reference(x, axis, eps):
    n = np.sqrt((x.astype(np.float64) ** 2).sum(axis=axis, keepdims=True) + eps)
    return x / n, n


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape, axis", [((2, 3, 4, 5), 1), ((5, 3, 9), 0), ((5, 3, 2), -1),
                                         ((7,), 0), ((0, 4), 1), ((3, 0), 1)])
def test_norm_matches_numpy(rng, dtype, shape, axis):
    x = rng.normal(size=shape).astype(dtype)
    out, n = l2_reference(x, axis, 1e-10)
    check_output("norm", {"X": x}, {"Out": out.astype(dtype), "Norm": n.astype(dtype)},
                 attrs={"axis": axis, "epsilon": 1e-10}, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_norm_gradient_check(rng, axis):
    check_grad("norm", {"X": rng.normal(size=(3, 4, 2))}, attrs={"axis": axis, "epsilon": 1e-6})


def test_norm_of_extreme_values():
    # huge rows do not overflow in the squares; a zero row is 0 / sqrt(epsilon) = 0, and
    # epsilon dominates a tiny one
    x = np.array([[3e30, 4e30], [0, 0], [3e-30, -4e-30]], np.float32)
    check_output("norm", {"X": x},
                 {"Out": np.array([[0.6, 0.8], [0, 0], [3e-25, -4e-25]], np.float32),
                  "Norm": np.array([[5e30], [1e-5], [1e-5]], np.float32)},
                 attrs={"axis": 1, "epsilon": 1e-10}, rtol=1e-5)
    x64 = np.array([[1e300, -1e300]])
    check_output("norm", {"X": x64}, {"Out": np.sqrt([[0.5, 0.5]]) * [[1, -1]]},
                 attrs={"axis": 1}, rtol=1e-12)
    check_grad("norm", {"X": np.array([[0.0, 0.0], [1e-3, 2e-3]])},
               attrs={"axis": 1, "epsilon": 1e-6})


def test_the_l2_normalize_layer(fresh):
    x = fluid.data("x", [None, 3], "float32")
    v = fluid.data("v", [4], "float32")
    y, w = layers.l2_normalize(x, axis=1), layers.l2_normalize(v, axis=5)  # 1-D: axis 0
    z = layers.l2_normalize(x, axis=None, epsilon=0.5, name="z")
    assert y.shape == (-1, 3) and z.name == "z"
    with pytest.raises(ValueError,
                       match="l2_normalize: argument 'axis' must be an int >= -2 and <= 1"):
        layers.l2_normalize(x, axis=2)
    with pytest.raises(TypeError, match="l2_normalize: argument 'x'"):
        layers.l2_normalize(fluid.data("i", [3], "int64"), axis=0)
    exe = fluid.Executor(fluid.CPUPlace())
    xv, vv = np.array([[3, 4, 0], [1, 1, 1]], np.float32), np.array([0, 2, 0, 0], np.float32)
    got_y, got_w, got_z = exe.run(feed={"x": xv, "v": vv}, fetch_list=[y, w, z])
    np.testing.assert_allclose(got_y, l2_reference(xv, 1, 1e-12)[0], rtol=1e-6)
    np.testing.assert_allclose(got_w, [0, 1, 0, 0], rtol=1e-6)
    np.testing.assert_allclose(got_z, l2_reference(xv, 1, 0.5)[0], rtol=1e-6)
