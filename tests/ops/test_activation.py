import inspect
import math
import warnings

import numpy as np
import pytest

import minifluid as fluid
from minifluid.backward import gradients
from minifluid.executor import Executor, Scope
from minifluid.framework import Program, program_guard
from minifluid.ops.activation import NAMES
from minifluid.place import CPUPlace
from minifluid.registry import OPS
from minifluid.testing import build_op, check_grad, check_output, run_op

erf64 = np.vectorize(math.erf, otypes=[np.float64])
erfc64 = np.vectorize(math.erfc, otypes=[np.float64])


def c_round(x):  # C's round: half away from zero, written from its definition
    return np.vectorize(lambda v: math.copysign(math.floor(abs(v) + 0.5)
                                                if abs(v) % 1 != 0.5 else abs(v) + 0.5, v)
                        if math.isfinite(v) else v, otypes=[np.float64])(x)


def softplus(x):  # a different stable form from the kernel's max(x, 0) + log1p(exp(-|x|))
    return np.logaddexp(0, x)


def sigmoid(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) /
                    (1 + np.exp(-np.abs(x))))


SELU = (1.0507009873554804934193349852946, 1.6732632423543772848170429916717)
# op: (attrs, float64 reference, (low, high) of test inputs; kinks are kept away from)
REF = {
    "sigmoid": ({}, sigmoid, (-4, 4)),
    "relu": ({}, lambda x: np.where(x > 0, x, 0), (-3, 3)),
    "tanh": ({}, lambda x: np.sign(x) * -np.expm1(-2 * np.abs(x)) / (1 + np.exp(-2 * np.abs(x))),
             (-3, 3)),
    "exp": ({}, lambda x: np.e ** x, (-3, 3)),
    "log": ({}, lambda x: np.log2(x) * math.log(2), (0.1, 5)),
    "log1p": ({}, lambda x: np.vectorize(math.log1p)(x), (-0.9, 5)),
    "sqrt": ({}, lambda x: x ** 0.5, (0.1, 5)),
    "rsqrt": ({}, lambda x: x ** -0.5, (0.1, 5)),
    "abs": ({}, lambda x: np.where(x < 0, -x, x), (-3, 3)),
    "ceil": ({}, lambda x: -np.floor(-x), (-3, 3)),
    "floor": ({}, lambda x: -np.ceil(-x), (-3, 3)),
    "round": ({}, c_round, (-3, 3)),
    "sign": ({}, lambda x: (x > 0) * 1.0 - (x < 0), (-3, 3)),
    "reciprocal": ({}, lambda x: x ** -1.0, (0.2, 3)),
    "square": ({}, lambda x: x ** 2, (-3, 3)),
    "sin": ({}, np.vectorize(math.sin), (-3, 3)),
    "cos": ({}, np.vectorize(math.cos), (-3, 3)),
    "asin": ({}, np.vectorize(math.asin), (-0.9, 0.9)),
    "acos": ({}, np.vectorize(math.acos), (-0.9, 0.9)),
    "atan": ({}, np.vectorize(math.atan), (-3, 3)),
    "softplus": ({}, softplus, (-5, 5)),
    "softsign": ({}, lambda x: x / (1 + np.where(x < 0, -x, x)), (-3, 3)),
    "logsigmoid": ({}, lambda x: -softplus(-x), (-5, 5)),
    "tanh_shrink": ({}, lambda x: x - np.vectorize(math.tanh)(x), (-3, 3)),
    "erf": ({}, erf64, (-3, 3)),
    "gelu": ({"approximate": False}, lambda x: x * (1 + erf64(x / math.sqrt(2))) / 2, (-4, 4)),
    "pow": ({"factor": 2.5}, lambda x: np.exp(2.5 * np.log(x)), (0.1, 3)),
    "leaky_relu": ({"alpha": 0.1}, lambda x: np.maximum(x, 0.1 * x), (-3, 3)),
    "elu": ({"alpha": 1.5}, lambda x: np.where(x > 0, x, 1.5 * (np.exp(x) - 1)), (-3, 3)),
    "selu": ({}, lambda x: SELU[0] * np.where(x > 0, x, SELU[1] * (np.exp(x) - 1)), (-3, 3)),
    "relu6": ({"threshold": 2.0}, lambda x: np.minimum(np.maximum(x, 0), 2.0), (-3, 3)),
    "brelu": ({"t_min": -1.0, "t_max": 2.0}, lambda x: np.minimum(np.maximum(x, -1), 2),
              (-3, 3)),
    "soft_relu": ({"threshold": 2.0}, lambda x: np.log(1 + np.exp(np.clip(x, -2, 2))), (-3, 3)),
    "stanh": ({"scale_a": 0.67, "scale_b": 1.7159}, lambda x: 1.7159 * np.tanh(0.67 * x),
              (-3, 3)),
    "hard_sigmoid": ({"slope": 0.2, "offset": 0.5},
                     lambda x: np.minimum(np.maximum(0.2 * x + 0.5, 0), 1), (-4, 4)),
    "swish": ({"beta": 1.5}, lambda x: x / (1 + np.exp(-1.5 * x)), (-4, 4)),
    "thresholded_relu": ({"threshold": 0.5}, lambda x: np.where(x > 0.5, x, 0), (-3, 3)),
    "hard_shrink": ({"threshold": 0.5}, lambda x: np.where(np.abs(x) > 0.5, x, 0), (-3, 3)),
    "softshrink": ({"lambda": 0.5}, lambda x: np.sign(x) * np.maximum(np.abs(x) - 0.5, 0),
                   (-3, 3)),
    "hard_swish": ({"threshold": 6.0, "scale": 6.0, "offset": 3.0},
                   lambda x: x * np.minimum(np.maximum(x + 3, 0), 6) / 6, (-5, 5)),
}
KINKS = {"relu": [0], "abs": [0], "ceil": [], "leaky_relu": [0], "elu": [0], "selu": [0],
         "relu6": [0, 2], "brelu": [-1, 2], "soft_relu": [-2, 2], "hard_sigmoid": [-2.5, 2.5],
         "thresholded_relu": [0.5], "hard_shrink": [-0.5, 0.5], "softshrink": [-0.5, 0.5],
         "hard_swish": [-3, 3], "round": [], "sign": [0]}
ZERO_GRAD = ("ceil", "floor", "round", "sign")


def test_every_activation_has_a_reference():
    assert set(NAMES) == set(REF)


def inputs(rng, op, shape=(4, 5)):
    lo, hi = REF[op][2]
    x = rng.uniform(lo, hi, shape)
    for k in KINKS.get(op, []):  # 0.05 from each kink, so central differences see one side
        near = np.abs(x - k) < 0.05
        x[near] = k + 0.1
    if op in ("ceil", "floor", "round"):  # away from the jumps too
        x = np.floor(x) + 0.25 + 0.5 * (x - np.floor(x))
    return x


@pytest.mark.parametrize("op", REF)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_forward_against_a_float64_formula(rng, op, dtype):
    attrs, ref, _ = REF[op]
    x = inputs(rng, op).astype(dtype)
    tol = 2e-6 if dtype == "float32" else 1e-13
    check_output(op, {"X": x}, {"Out": ref(x.astype(np.float64)).astype(dtype)}, attrs,
                 atol=tol, rtol=tol)


@pytest.mark.parametrize("op", REF)
def test_gradient_in_float64(rng, op):
    attrs = REF[op][0]
    check_grad(op, {"X": inputs(rng, op, (3, 4))}, attrs)


@pytest.mark.parametrize("op,attrs,x", [
    # threshold != scale: the gradient above the threshold is threshold / scale (fluid: 1)
    ("hard_swish", {"threshold": 4.0, "scale": 5.0, "offset": 1.0}, [-3, -0.5, 1.5, 4, 6]),
    # alpha > 1 keeps Out and its gradient consistent
    ("leaky_relu", {"alpha": 3.0}, [-2, -0.5, 0.5, 2]),
    # a clipped x < -threshold has gradient 0 (fluid's Out-vs-threshold mask gives it one)
    ("soft_relu", {"threshold": 1.0}, [-3, -1.5, -0.5, 0.5, 1.5, 3]),
    ("selu", {"scale": 2.0, "alpha": 0.5}, [-2, -0.5, 0.5, 2]),
    ("swish", {"beta": -0.7}, [-3, -1, 0.2, 4]),
])
def test_gradient_with_other_attrs(op, attrs, x):
    check_grad(op, {"X": np.array(x, np.float64)}, attrs)


def test_soft_relu_gradient_is_zero_where_x_is_clipped():
    x = np.array([-50.0, -3.0, 3.0, 50.0])
    out = run_op("soft_relu", {"X": x}, {"threshold": 2.0})["Out"]
    dx = run_op("soft_relu_grad", {"Out": out, "Out@GRAD": np.ones(4)}, {"threshold": 2.0},
                ("X@GRAD",))["X@GRAD"]
    np.testing.assert_array_equal(dx, np.zeros(4))


@pytest.mark.parametrize("op", ZERO_GRAD)
def test_the_rounding_ops_and_sign_have_zero_gradients_as_in_fluid(op):
    x = np.array([-1.7, -0.3, 0.2, 2.6])
    program, feed, outs = build_op(op, {"X": x}, stop_gradient=False)
    with program_guard(program, Program()):
        dx, = gradients([outs["Out"]], [program.global_block().var("X")])
    assert program.global_block().ops[-1].type == f"{op}_grad"
    got, = Executor(CPUPlace()).run(program, feed, [dx], scope=Scope())
    np.testing.assert_array_equal(got, np.zeros(4))


# What fluid 1.8's grad op reads besides Out@GRAD (its kDepX / kDepOut / kNoDeps).
READS_OUT = {"sigmoid", "relu", "tanh", "exp", "sqrt", "rsqrt", "reciprocal", "selu", "relu6",
             "soft_relu", "hard_sigmoid"}


@pytest.mark.parametrize("op", REF)
def test_the_grad_op_reads_what_fluids_reads(op):
    reads = "Out" if op in READS_OUT else None if op in ZERO_GRAD else "X"
    extra = ["FactorTensor"] if op == "pow" else []
    assert OPS[op + "_grad"].inputs == ([reads] if reads else []) + extra + ["Out@GRAD"]


def test_round_is_half_away_from_zero():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999999999999994, -0.49999999999999994,
                  4503599627370497.0, -0.0])
    out = run_op("round", {"X": x})["Out"]
    np.testing.assert_array_equal(out, [-3, -2, -1, 1, 2, 3, 0, -0.0, 4503599627370497.0, -0.0])
    assert np.signbit(out[-1])


def test_erf_accuracy_against_math_erf():
    """erf and the erfc the exact gelu uses, at 20001 points in [-6, 6] and in the tails,
    in ulps of math's value (the kernel calls math's functions per element in numpy)."""
    x = np.concatenate([np.linspace(-6, 6, 20001), -np.geomspace(1e-300, 27, 2000)])
    for name, ref in (("erf", math.erf), ("erfc", math.erfc)):
        got = getattr(__import__("minifluid.ops.activation", fromlist=["x"]), name)(x)
        want = np.array([ref(v) for v in x])
        ulps = np.abs(got - want) / np.spacing(np.abs(want))
        assert ulps.max() <= 1, (name, ulps.max())
    out = run_op("erf", {"X": x})["Out"]
    np.testing.assert_array_equal(out, [math.erf(v) for v in x])


def test_exact_gelu_keeps_relative_accuracy_for_very_negative_x():
    # Phi(-10) = 7.619853024160527e-24 (erfc(10 / sqrt 2) / 2); 1 + erf(-10 / sqrt 2) is 0.
    x = np.array([-10.0, -30.0])
    out = run_op("gelu", {"X": x})["Out"]
    np.testing.assert_allclose(out[0], -10 * 7.619853024160527e-24, rtol=1e-14)
    assert out[1] < 0 and np.isfinite(out[1])
    np.testing.assert_allclose(out[1], -30 * 0.5 * math.erfc(30 / math.sqrt(2)), rtol=1e-14)


def test_approximate_gelu(rng):
    x = rng.uniform(-4, 4, (3, 5))
    t = np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))
    check_output("gelu", {"X": x}, {"Out": 0.5 * x * (1 + t)}, {"approximate": True},
                 rtol=1e-13, atol=1e-14)
    check_grad("gelu", {"X": x}, {"approximate": True})
    exact = run_op("gelu", {"X": x})["Out"]
    assert np.max(np.abs(exact - 0.5 * x * (1 + t))) < 1e-3  # the two forms agree roughly


# Extreme inputs: the op's output and gradient must be finite where the math is. Ops with a
# bounded domain get the extremes of their domain instead.
# (The gradients of rsqrt and reciprocal pass float32's range below 1e-12.)
DOMAIN = {"log": (1e-30, 1), "log1p": (-0.999, 1), "sqrt": (1e-30, 1), "rsqrt": (1e-12, 1),
          "reciprocal": (1e-12, 1), "asin": (-0.999, 0.999), "acos": (-0.999, 0.999),
          "pow": (1e-30, 1)}


@pytest.mark.parametrize("op", REF)
@pytest.mark.parametrize("dtype,big", [("float32", 1e4), ("float64", 700.0)])
def test_extreme_inputs_stay_finite_and_silent(op, dtype, big):
    attrs, ref, _ = REF[op]
    if op in DOMAIN:
        lo, hi = DOMAIN[op]
        x = np.array([lo, hi * 0.5, hi, big if hi == 1 else hi], dtype)
    elif op in ("exp", "square"):  # finite up to the dtype's overflow
        x = np.array([-big, 0, 80 if dtype == "float32" else big], dtype)
    else:
        x = np.array([-big, -50, -1, 0, 1, 50, big], dtype)
    program, feed, outs = build_op(op, {"X": x}, attrs, stop_gradient=False)
    with program_guard(program, Program()):
        dx, = gradients([outs["Out"]], [program.global_block().var("X")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, grad = Executor(CPUPlace()).run(program, feed, [outs["Out"], dx], scope=Scope())
    assert np.isfinite(out).all() and np.isfinite(grad).all(), (out, grad)
    with np.errstate(over="ignore"):  # a reference's exp(big) that np.where drops
        want = ref(x.astype(np.float64)).astype(dtype)
    np.testing.assert_allclose(out, want, rtol=2e-6,
                               atol=0 if op in ("gelu", "swish") else 1e-30)


@pytest.mark.parametrize("op", ["sigmoid", "softplus", "logsigmoid", "swish", "gelu",
                                "leaky_relu", "sqrt", "relu6"])
def test_float16_runs_through_float32(op):
    attrs, ref, (lo, hi) = REF[op]
    x = np.linspace(max(lo, 0.1) if op == "sqrt" else lo, hi, 11).astype(np.float16)
    want = ref(x.astype(np.float64)).astype(np.float16)
    check_output(op, {"X": x}, {"Out": want}, attrs, atol=1e-3, rtol=1e-3)
    grad = run_op(op + "_grad", {("Out" if op in READS_OUT else "X"): run_op(op, {"X": x}, attrs)
                                 ["Out"] if op in READS_OUT else x,
                                 "Out@GRAD": np.ones_like(x)}, attrs, ("X@GRAD",))["X@GRAD"]
    assert grad.dtype == np.float16 and np.isfinite(grad).all()


# fluid 1.8's layer signatures (python/paddle/fluid/layers/ops.py and nn.py).
SIGNATURES = {
    **{op: "(x, name=None)" for op in (
        "exp", "log", "sqrt", "rsqrt", "abs", "ceil", "floor", "round", "reciprocal",
        "square", "sin", "cos", "asin", "acos", "atan", "softplus", "softsign", "logsigmoid",
        "tanh_shrink", "sigmoid", "relu", "tanh")},
    # 1.8.5's TestLog1p.test_api passes out=: fluid.layers.log1p was paddle.tensor's log1p
    "log1p": "(x, out=None, name=None)",
    "pow": "(x, factor=1.0, name=None)",  # factor: a number or a float32 Variable
    "leaky_relu": "(x, alpha=0.02, name=None)",
    "elu": "(x, alpha=1.0, name=None)",
    "relu6": "(x, threshold=6.0, name=None)",
    "brelu": "(x, t_min=0.0, t_max=24.0, name=None)",
    "soft_relu": "(x, threshold=40.0, name=None)",
    "stanh": "(x, scale_a=0.67, scale_b=1.7159, name=None)",
    "hard_sigmoid": "(x, slope=0.2, offset=0.5, name=None)",
    "swish": "(x, beta=1.0, name=None)",
    "hard_swish": "(x, threshold=6.0, scale=6.0, offset=3.0, name=None)",
    "selu": "(x, scale=None, alpha=None, name=None)",
    "gelu": "(x, approximate=False)",
    "erf": "(x)",
    "sign": "(x)",
    "softshrink": "(x, alpha=None)",
    "hard_shrink": "(x, threshold=None)",
    "thresholded_relu": "(x, threshold=None)",
}
DEFAULT_ATTRS = {"selu": {"scale": SELU[0], "alpha": SELU[1]}, "softshrink": {"lambda": 0.5},
                 "hard_shrink": {"threshold": 0.5}, "thresholded_relu": {"threshold": 1.0},
                 "gelu": {"approximate": False}}


@pytest.mark.parametrize("op", SIGNATURES)
def test_the_layer_has_fluids_signature_and_defaults(fresh, op):
    layer = getattr(fluid.layers, op)
    assert str(inspect.signature(layer)) == SIGNATURES[op]
    x = fluid.data("x", [None, 3], "float32")
    out = layer(x)
    assert out.shape == (-1, 3) and out.dtype == np.float32
    appended = fresh.global_block().ops[-1]
    assert appended.type == op
    defaults = {p.name: p.default for p in inspect.signature(layer).parameters.values()
                if p.name not in ("x", "name") and p.default is not None}
    assert appended.attrs == {**defaults, **DEFAULT_ATTRS.get(op, {})}
    xv = np.linspace(0.1, 0.9, 6, dtype=np.float32).reshape(2, 3)
    got, = fluid.Executor().run(fresh, {"x": xv}, [out])
    attrs, ref, _ = REF[op]
    if attrs == appended.attrs:  # the reference's attrs are the defaults
        np.testing.assert_allclose(got, ref(xv.astype(np.float64)), rtol=2e-6, atol=1e-7)


def test_layers_pass_attrs_and_names(fresh):
    x = fluid.data("x", [2], "float64")
    y = fluid.layers.leaky_relu(x, alpha=0.5, name="y")
    z = fluid.layers.softshrink(y, alpha=0.25)
    s = fluid.layers.selu(z, alpha=2.0)
    assert y.name == "y"
    ops = fresh.global_block().ops
    assert ops[-3].attrs == {"alpha": 0.5} and ops[-2].attrs == {"lambda": 0.25}
    assert ops[-1].attrs == {"scale": SELU[0], "alpha": 2.0}
    got, = fluid.Executor().run(fresh, {"x": np.array([-1.0, 1.0])}, [s])
    z_want = np.array([-0.25, 0.75])
    np.testing.assert_allclose(got, SELU[0] * np.where(z_want > 0, z_want,
                                                       2.0 * np.expm1(z_want)), rtol=1e-15)


def test_pow_takes_its_exponent_from_factor_tensor(fresh, rng):
    x = rng.uniform(0.5, 2, (3, 4))
    f = np.array([2.5], np.float32)
    check_output("pow", {"X": x, "FactorTensor": f}, {"Out": x ** 2.5}, {"factor": 7.0},
                 rtol=1e-14)
    check_grad("pow", {"X": x, "FactorTensor": f})
    xv = fluid.data("x", [3, 4], "float64")
    factor = fluid.layers.fill_constant([1], "float32", 3.0)
    out = fluid.layers.pow(xv, factor=factor)
    assert fresh.global_block().ops[-1].input("FactorTensor") == [factor.name]
    got, = fluid.Executor().run(fresh, {"x": x}, [out])
    np.testing.assert_allclose(got, x ** 3, rtol=1e-14)
    for bad in (fluid.layers.fill_constant([1], "float64", 3.0),
                fluid.layers.fill_constant([2], "float32", 3.0)):
        with pytest.raises(TypeError, match="pow: argument 'factor' must be a number or a "
                                            "float32 Variable of one element"):
            fluid.layers.pow(xv, factor=bad)


def test_fc_takes_any_activation(fresh):
    x = fluid.data("x", [None, 3], "float32")
    out = fluid.layers.fc(x, 2, act="leaky_relu")
    assert fresh.global_block().ops[-1].type == "leaky_relu"
    assert out.shape == (-1, 2)
    with pytest.raises(ValueError, match="fc: argument 'act' must be None or one of"):
        fluid.layers.fc(x, 2, act="leaky")


@pytest.mark.parametrize("call,cls,pattern", [
    (lambda x: fluid.layers.brelu(x, t_min=3.0, t_max=1.0), ValueError,
     r"brelu: attr 't_min' \(3.0\) must be less than attr 't_max' \(1.0\)"),
    (lambda x: fluid.layers.soft_relu(x, threshold=0.0), ValueError,
     "soft_relu: attr 'threshold' must be > 0, got 0.0"),
    (lambda x: fluid.layers.leaky_relu(x, alpha=float("nan")), ValueError,
     "leaky_relu: attr 'alpha' must be a finite number, got nan"),
    (lambda x: fluid.layers.pow(x, factor="2"), TypeError,
     r"op 'pow': factor must be a number, got '2' \(str\)"),
    (lambda x: fluid.layers.gelu(x, approximate=1), TypeError,
     "op 'gelu': approximate must be a bool, got 1"),
    (lambda x: fluid.layers.softshrink(x, alpha=-0.5), ValueError,
     "softshrink: argument 'alpha' must be a finite number >= 0 or None, got -0.5"),
    (lambda x: fluid.layers.hard_swish(x, scale=0.0), ValueError,
     "hard_swish: attr 'scale' must not be 0"),
    (lambda x: fluid.layers.selu(x, alpha="1"), TypeError,
     "selu: argument 'alpha' must be a finite number, got '1'"),
    (lambda x: fluid.layers.exp(x.name), TypeError, "exp: argument 'x' must be a Variable"),
])
def test_bad_attrs_are_refused_when_the_layer_is_called(fresh, call, cls, pattern):
    x = fluid.data("x", [3], "float32")
    before = len(fresh.global_block().ops), len(fresh.global_block().vars)
    with pytest.raises(cls, match=pattern):
        call(x)
    assert (len(fresh.global_block().ops), len(fresh.global_block().vars)) == before


def test_an_integer_input_is_refused_naming_the_op(fresh):
    x = fluid.data("x", [3], "int64")
    with pytest.raises(TypeError, match="exp: X .* must be a float tensor, got int64"):
        fluid.layers.exp(x)


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
    np.testing.assert_allclose(out, np.exp(-np.logaddexp(0, -x.astype(np.float64))),
                               rtol=4 * np.finfo(dtype).eps, atol=0)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax(rng, axis):
    x = rng.normal(0, 3, (3, 4, 5))
    x[0, 0, 0] = 1000  # no overflow
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    check_output("softmax", {"X": x}, {"Out": e / e.sum(axis=axis, keepdims=True)},
                 {"axis": axis}, rtol=1e-10, atol=1e-14)
    check_grad("softmax", {"X": rng.normal(size=(2, 3, 4))}, {"axis": axis})


@pytest.mark.parametrize("op", ["sigmoid", "relu", "tanh", "gelu", "round", "selu"])
def test_a_0d_input_gives_a_0d_array(op):
    attrs, ref, _ = REF[op]
    x = np.array(-0.75)
    out = run_op(op, {"X": x}, attrs)["Out"]
    assert np.shape(out) == () and out.dtype == np.float64
    np.testing.assert_allclose(out, ref(x), rtol=1e-15)
    check_grad(op, {"X": x}, attrs)


@pytest.mark.parametrize("shape,axis", [((3, 0), -1), ((0, 4), 0), ((2, 0, 3), 1)])
def test_softmax_over_a_size_0_axis_is_empty(fresh, shape, axis):
    check_output("softmax", {"X": np.zeros(shape, np.float32)},
                 {"Out": np.zeros(shape, np.float32)}, {"axis": axis})
    x = fluid.data("x", list(shape), "float32")
    x.stop_gradient = False
    out = fluid.layers.softmax(x, axis=axis)
    dx, = fluid.gradients(fluid.layers.reduce_sum(out), [x])
    got, = fluid.Executor().run(fresh, {"x": np.zeros(shape, np.float32)}, [dx])
    assert got.shape == shape and got.dtype == np.float32


def test_log1p_writes_into_out_as_fluid_18s_does(fresh):
    x = fluid.layers.data("x", [2, 3], append_batch_size=False, dtype="float64")
    res = fluid.layers.data("res", [2, 3], append_batch_size=False, dtype="float64")
    assert fluid.layers.log1p(x, out=res) is res
    a = np.linspace(-0.5, 3.0, 6).reshape(2, 3)
    got, = fluid.Executor().run(fresh, {"x": a}, [res])
    np.testing.assert_allclose(got, [[math.log1p(v) for v in row] for row in a.tolist()],
                               rtol=1e-15)
    with pytest.raises(TypeError, match=r"log1p: argument 'out' must be a Variable of float64, "
                                        r"got 'f' of float32"):
        fluid.layers.log1p(x, out=fluid.data("f", [2, 3], "float32"))
    with pytest.raises(ValueError, match=r"log1p: argument 'out' \('g'\) must have x's shape"):
        fluid.layers.log1p(x, out=fluid.data("g", [3, 2], "float64"))


def test_hard_shrinks_attr_is_threshold_as_in_fluid_18s_op():
    # activation_op.cc's HardShrinkOpMaker: "threshold" (softshrink's is "lambda"). Paddle's
    # own test passes 'lambda', which fluid's Operator dropped unread; minifluid names it.
    x = np.array([-1.0, -0.3, 0.2, 0.8])
    check_output("hard_shrink", {"X": x}, {"Out": np.array([-1.0, 0.0, 0.0, 0.8])},
                 {"threshold": 0.5})
    with pytest.raises(ValueError, match=r"op 'hard_shrink' has no attribute\(s\) \['lambda'\]; "
                                         r"its attributes are \['threshold'\]"):
        build_op("hard_shrink", {"X": x}, {"lambda": 0.5})
