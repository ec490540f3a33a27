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
