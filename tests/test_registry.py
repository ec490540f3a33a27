"""A user's own op, registered from the user's module, as the README shows."""
import unittest

import numpy as np
import pytest

import minifluid as fluid
from minifluid.layers.helper import generate_layer
from minifluid.registry import get_kernel, register_op
from minifluid.testing import OpTest, check_grad, check_output

op = register_op("test_scaled_square", inputs=["X"], outputs=["Out"], attrs={"factor": 1.0},
                 doc="Out = factor * X**2")


@op.shape_rule
def _(op):
    x = op.in_var("X")
    return x.shape, x.dtype


op.default_grad(inputs=("X",), grads=("X",))


@op.kernel("float32", "float64")
def _(x, *, factor):
    return factor * x * x


grad = register_op("test_scaled_square_grad", inputs=["X", "Out@GRAD"], outputs=["X@GRAD?"],
                   attrs={"factor": 1.0})


@grad.kernel("float64")
def _(x, dout, *, factor):
    return 2 * factor * x * dout


scaled_square = generate_layer("test_scaled_square", "x, factor, name")


def test_user_op_runs_through_layers_executor_and_backward(fresh, rng):
    x = fluid.layers.data("x", [3], "float64")
    x.stop_gradient = False
    y = scaled_square(x, factor=3.0)
    assert y.name == "test_scaled_square_0.tmp_0" and scaled_square.__doc__ == op.doc
    dx, = fluid.gradients(fluid.layers.reduce_sum(y), [x])
    xs = rng.normal(size=(2, 3))
    out, g = fluid.Executor().run(fresh, {"x": xs}, [y, dx])
    np.testing.assert_allclose(out, 3 * xs**2)
    np.testing.assert_allclose(g, 6 * xs)


def test_user_op_with_the_testing_helpers(rng):
    x = rng.normal(size=(2, 3))
    check_output("test_scaled_square", {"X": x}, {"Out": 2 * x**2}, {"factor": 2.0})
    check_grad("test_scaled_square", {"X": x}, {"factor": 2.0})


def test_a_missing_kernel_names_op_place_dtype_and_what_is_registered(fresh):
    with pytest.raises(NotImplementedError, match="op 'test_scaled_square_grad' has no kernel "
                                                  "for place 'cpu' and dtype 'float32'; "
                                                  "registered kernels: any/float64 "
                                                  r"\(op registered at .*test_registry.py:"):
        get_kernel("test_scaled_square_grad", "cpu", "float32")
    x = fluid.layers.data("x", [3])
    x.stop_gradient = False
    dx, = fluid.gradients(fluid.layers.reduce_sum(scaled_square(x)), [x])
    with pytest.raises(NotImplementedError, match="no kernel for place 'cpu' and dtype "
                                                  "'float32'"):
        fluid.Executor().run(fresh, {"x": np.ones((1, 3), np.float32)}, [dx])


def test_registration_errors():
    with pytest.raises(ValueError, match="unknown place kind 'tpu'"):
        op.kernel("float32", place="tpu")
    with pytest.raises(ValueError, match=r"kernel dtypes must be .* \(name a place with "):
        op.kernel("cpu", "float32")
    with pytest.raises(ValueError, match="'axis' is neither an input slot nor an attr"):
        generate_layer("test_scaled_square", "x, axis")


class TestPortedFromPaddle(OpTest):
    """A test written as for Paddle's OpTest: setUp, then check_output / check_grad. pytest
    runs it as it is, and so does unittest (below)."""

    def setUp(self):
        self.op_type = "test_scaled_square"
        x = np.random.default_rng(0).normal(size=(3, 4))
        self.inputs = {"X": x}
        self.attrs = {"factor": 2.0}
        self.outputs = {"Out": 2.0 * x * x}

    def test_check_output(self):
        self.check_output(atol=1e-12)

    def test_check_grad(self):
        self.check_grad(["X"], "Out", max_relative_error=0.005, numeric_grad_delta=1e-5)


class _WrongOutput(TestPortedFromPaddle):
    __test__ = False  # it must fail: run only by the test below

    def setUp(self):
        super().setUp()
        self.outputs = {"Out": 2.01 * self.inputs["X"] ** 2}

    test_check_grad = None


def test_a_paddle_style_optest_runs_under_unittest():
    # Both the right test and the wrong one run; the wrong one fails (a test that cannot
    # fail is no test).
    for case, failures in ((TestPortedFromPaddle, 0), (_WrongOutput, 1)):
        result = unittest.TestResult()
        unittest.defaultTestLoader.loadTestsFromTestCase(case).run(result)
        assert result.testsRun == (2 if failures == 0 else 1)
        assert len(result.failures) + len(result.errors) == failures, result.errors


off = register_op("test_off_square", inputs=["X"], outputs=["Out"], doc="Out = X**2, with a "
                  "gradient 1% off, to show that the checks catch it")


off.shape_rule(lambda op: (op.in_var("X").shape, op.in_var("X").dtype))
off.default_grad()
off.kernel("float64", place="cpu")(lambda x: x * x)  # a CPU-only op
register_op("test_off_square_grad", inputs=["X", "Out@GRAD"], outputs=["X@GRAD?"]).kernel(
    "float64", place="cpu")(lambda x, dout: 2.02 * x * dout)


def test_paddles_max_relative_error_rule():
    x = np.array([[0.5, -2.0, 3.0], [1e-5, 2e-4, 0.0]])  # small ones get an absolute bound
    with pytest.raises(AssertionError, match="relative error 0.01 > max_relative_error 0.005"):
        check_grad("test_off_square", {"X": x}, max_relative_error=0.005)
    check_grad("test_off_square", {"X": x}, max_relative_error=0.011)


def test_op_tests_skip_places_without_kernels_for_the_op(monkeypatch):
    # On a machine with a GPU, an op registered for the CPU only is still tested, on the CPU.
    monkeypatch.setattr(fluid.testing, "available_places",
                        lambda: [fluid.CPUPlace(), fluid.CUDAPlace(0)])
    x = np.array([0.5, -2.0, 3.0])
    check_output("test_off_square", {"X": x}, {"Out": x * x})
    check_grad("test_off_square", {"X": x}, max_relative_error=0.011)
    with pytest.raises(AssertionError, match="relative error"):  # the CPU check still runs
        check_grad("test_off_square", {"X": x}, max_relative_error=0.005)
