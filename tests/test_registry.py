"""A user's own op, registered from the user's module, as the README shows."""
import contextlib
import unittest
import warnings
from unittest import mock

import numpy as np
import pytest

import minifluid as fluid
from minifluid.layers.helper import generate_layer
from minifluid.place import PLACES
from minifluid.registry import OPS, get_kernel, get_op, register_op
from minifluid.ops.rules import like
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


# The vocabulary: shape rules return specs, places are data, float16 is a policy.

def _with_op(type, rule, kernels=(), inputs=("X",), outputs=("Out",)):
    """Register a throwaway op with `rule` and (dtypes, place, fn) kernels."""
    opdef = register_op(type, inputs=list(inputs), outputs=list(outputs),
                        no_grad="a test op")
    opdef.shape_rule(rule)
    for dtypes, place, fn in kernels:
        opdef.kernel(*dtypes, place=place)(fn)
    return opdef


def test_a_rule_gives_shape_dtype_and_lod_by_returning_them(fresh):
    _with_op("test_spec_two", lambda op: {"Out": like(op.in_var("X"), shape=(-1, 2)),
                                          "Mask": ((3,), "uint8")}, outputs=("Out", "Mask"))
    x = fluid.layers.data("x", [4], lod_level=1)
    block = fresh.global_block()
    out, mask = block.create_var("o"), block.create_var("m")
    block.append_op("test_spec_two", {"X": [x]}, {"Out": [out], "Mask": [mask]})
    assert (out.shape, out.dtype, out.lod_level) == ((-1, 2), np.float32, 1)  # LoD shared
    assert (mask.shape, mask.dtype, mask.lod_level) == ((3,), np.uint8, 0)


def test_a_rule_returning_nonsense_is_named_with_its_line(fresh):
    _with_op("test_spec_bad", lambda op: "float32")
    x = fluid.layers.data("x", [4])
    with pytest.raises(TypeError, match=r"the shape rule of op 'test_spec_bad' \(\S*"
                                        r"test_registry.py:\d+\) gave output Out 'float32'"):
        fresh.global_block().append_op("test_spec_bad", {"X": [x]}, {"Out": ["o"]})
    assert not fresh.global_block().has_var("o")  # a failed op leaves nothing behind


def test_a_refusing_rule_names_op_inputs_and_line_and_chains_its_own_error(fresh):
    def rule(op):
        raise ValueError("X must be square")
    _with_op("test_spec_refuses", rule)
    x = fluid.layers.data("x", [4, 3])
    with pytest.raises(ValueError) as e:
        fresh.global_block().append_op("test_spec_refuses", {"X": [x]}, {"Out": ["o"]})
    msg = str(e.value)
    assert msg.startswith("test_spec_refuses: X must be square\n  inputs X: float32[-1, 4, 3]")
    assert "test_registry.py" in msg.splitlines()[-1]  # the user's line
    assert isinstance(e.value.__cause__, ValueError)  # the rule's own, with its traceback


class _HostPlace:
    """A third, numpy-compatible place: its arrays are numpy's, it has no kernels of its own."""
    kind, numpy_compatible, xp, array_type = "host", True, np, np.ndarray
    to_device = to_numpy = staticmethod(np.asarray)
    device_context = staticmethod(contextlib.nullcontext)
    check = staticmethod(lambda: None)
    usable = staticmethod(lambda: True)


def test_generic_kernels_serve_a_new_place_and_a_places_own_kernel_wins(fresh, rng):
    _with_op("test_place_sq", lambda op: like(op.in_var("X")),
             [(("float32", "float64"), None, lambda x: x * x),
              (("float64",), "cpu", lambda x: x * x + 1)])  # the CPU's own: takes precedence
    monkey_places = dict(PLACES, host=_HostPlace)
    with mock.patch.dict("minifluid.place.PLACES", monkey_places):
        x = fluid.layers.data("x", [3], "float64")
        y = fluid.layers.data("y", [3], "float32")
        block = fresh.global_block()
        block.append_op("test_place_sq", {"X": [x]}, {"Out": ["ox"]})
        block.append_op("test_place_sq", {"X": [y]}, {"Out": ["oy"]})
        xs = rng.normal(size=(2, 3))
        host, = fluid.Executor(_HostPlace()).run(fresh, {"x": xs}, ["ox"])
        cpu, = fluid.Executor(fluid.CPUPlace()).run(fresh, {"x": xs}, ["ox"])
        np.testing.assert_allclose(host, xs * xs)
        np.testing.assert_allclose(cpu, xs * xs + 1)
        ys = xs.astype(np.float32)  # float32: the generic kernel on both
        np.testing.assert_allclose(fluid.Executor(fluid.CPUPlace()).run(fresh, {"y": ys},
                                                                        ["oy"])[0], ys * ys)


def test_float16_is_computed_in_float32_unless_an_op_has_its_own(fresh):
    seen = []

    def square(x):
        seen.append(x.dtype)
        return x * x, (x > 0).astype(np.uint8)
    _with_op("test_half_sq", lambda op: {"Out": like(op.in_var("X")),
                                         "Mask": like(op.in_var("X"), dtype="uint8")},
             [(("float32",), None, square)], outputs=("Out", "Mask"))
    x = fluid.layers.data("x", [2], "float16")
    fresh.global_block().append_op("test_half_sq", {"X": [x]}, {"Out": ["o"], "Mask": ["m"]})
    xs = np.array([[3.0, -0.5]], np.float16)
    out, mask = fluid.Executor().run(fresh, {"x": xs}, ["o", "m"])
    assert seen == [np.float32] and out.dtype == np.float16 and mask.dtype == np.uint8
    np.testing.assert_array_equal(out, (xs.astype(np.float32) ** 2).astype(np.float16))
    np.testing.assert_array_equal(mask, [[1, 0]])
    own = get_op("test_half_sq").kernel("float16")(lambda x: (x, x.astype(np.uint8)))
    assert get_kernel("test_half_sq", fluid.CPUPlace(), "float16") is own


def test_registering_over_one_of_minifluids_ops_warns_and_a_users_own_does_not():
    saved = OPS["scale"]
    try:
        with pytest.warns(RuntimeWarning, match=r"op 'scale' is one of minifluid's own "
                                                r"\(registered at ops/scale.py:\d+\)"):
            register_op("scale", inputs=["X"])
    finally:
        OPS["scale"] = saved
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        register_op("test_user_again", inputs=["X"])
        register_op("test_user_again", inputs=["X"])  # iterating on one's own op is quiet


def test_the_float16_policy_rounds_back_only_outputs_declared_float16(fresh):
    # Adam in float16 with float32 learning rate and beta powers (mixed precision's layout)
    block, rng = fresh.global_block(), np.random.default_rng(5)
    vals = {n: rng.uniform(0.1, 1, 4).astype("float16") for n in ("P", "G", "M1", "M2")}
    vals.update(LR=np.array([0.1], "float32"), B1=np.array([0.9], "float32"),
                B2=np.array([0.999], "float32"))
    v = {n: fluid.data(n, list(a.shape), a.dtype.name) for n, a in vals.items()}
    block.append_op("adam", {"Param": v["P"], "Grad": v["G"], "LearningRate": v["LR"],
                             "Moment1": v["M1"], "Moment2": v["M2"], "Beta1Pow": v["B1"],
                             "Beta2Pow": v["B2"]},
                    {"ParamOut": "p", "Moment1Out": "m1", "Moment2Out": "m2",
                     "Beta1PowOut": "b1", "Beta2PowOut": "b2"})
    f = {n: a.astype(np.float64) for n, a in vals.items()}
    p, b1 = fluid.Executor().run(fresh, vals, ["p", "b1"])
    assert (p.dtype, b1.dtype) == (np.float16, np.float32)
    assert all((vals[n] == f[n]).all() for n in vals)  # the fed arrays are left alone
    m1, m2 = 0.9 * f["M1"] + 0.1 * f["G"], 0.999 * f["M2"] + 0.001 * f["G"] ** 2
    root = np.sqrt(1 - f["B2"])
    want = f["P"] - 0.1 * root / (1 - f["B1"]) * m1 / (np.sqrt(m2) + 1e-8 * root)
    np.testing.assert_allclose(p, want, rtol=2e-3)  # float16's precision
    np.testing.assert_allclose(b1, [0.81], rtol=1e-6)


@pytest.mark.parametrize("spec,words", [((( 2.7, 3), "float32"), "gave output Out"),
                                        (((2, 3), None), "gave output Out"),
                                        ([((2,), "float32")], "gave 1 specs for output Out's 2")])
def test_a_spec_that_is_not_exactly_shapes_and_dtypes_is_refused(fresh, spec, words):
    _with_op("test_spec_strict", lambda op: {"Out": spec}, outputs=("Out*",))
    x = fluid.layers.data("x", [4])
    with pytest.raises(TypeError, match=words):
        fresh.global_block().append_op("test_spec_strict", {"X": [x]}, {"Out": ["a", "b"]})
