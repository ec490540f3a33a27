import warnings

import numpy as np
import pytest

from minifluid.testing import check_grad, check_output, run_op

REF = {
    "sigmoid": lambda x: np.exp(-np.logaddexp(0, -x)),
    "relu": lambda x: np.maximum(x, 0),
    "tanh": np.tanh,
}


@pytest.mark.parametrize("op", REF)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_forward(rng, op, dtype):
    x = rng.normal(0, 3, (4, 5)).astype(dtype)
    check_output(op, {"X": x}, {"Out": REF[op](x.astype(np.float64)).astype(dtype)},
                 atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("op", REF)
def test_gradient(rng, op):
    x = rng.normal(0, 2, (3, 4))
    x[np.abs(x) < 0.05] = 0.5  # keep relu away from its kink
    check_grad(op, {"X": x})


def test_sigmoid_is_silent_and_exact_at_extremes():
    x = np.array([-1e4, -100, 0, 100, 1e4], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = run_op("sigmoid", {"X": x})["Out"]
    np.testing.assert_array_equal(out, [0, 0, 0.5, 1, 1])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_small_sigmoids_keep_their_relative_accuracy(dtype):
    x = np.array([-5, -13.6, -20, -40, -80] + ([-300, -700] if dtype == "float64" else []),
                 dtype)
    out = run_op("sigmoid", {"X": x})["Out"]
    np.testing.assert_allclose(out, REF["sigmoid"](x.astype(np.float64)),
                               rtol=4 * np.finfo(dtype).eps, atol=0)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax(rng, axis):
    x = rng.normal(0, 3, (3, 4, 5))
    x[0, 0, 0] = 1000  # no overflow
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    check_output("softmax", {"X": x}, {"Out": e / e.sum(axis=axis, keepdims=True)},
                 {"axis": axis}, rtol=1e-10, atol=1e-14)
    check_grad("softmax", {"X": rng.normal(size=(2, 3, 4))}, {"axis": axis})


@pytest.mark.parametrize("op", REF)
def test_a_0d_input_gives_a_0d_array(op):
    x = np.array(-0.75)
    out = run_op(op, {"X": x})["Out"]
    assert np.shape(out) == () and out.dtype == np.float64
    np.testing.assert_allclose(out, REF[op](x), rtol=1e-15)
    check_grad(op, {"X": x})


@pytest.mark.parametrize("shape,axis", [((3, 0), -1), ((0, 4), 0), ((2, 0, 3), 1)])
def test_softmax_over_a_size_0_axis_is_empty(fresh, shape, axis):
    import minifluid as fluid
    check_output("softmax", {"X": np.zeros(shape, np.float32)},
                 {"Out": np.zeros(shape, np.float32)}, {"axis": axis})
    x = fluid.data("x", list(shape), "float32")
    x.stop_gradient = False
    out = fluid.layers.softmax(x, axis=axis)
    dx, = fluid.gradients(fluid.layers.reduce_sum(out), [x])
    got, = fluid.Executor().run(fresh, {"x": np.zeros(shape, np.float32)}, [dx])
    assert got.shape == shape and got.dtype == np.float32
