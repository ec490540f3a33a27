"""elementwise_max, _min, _pow, _mod, _floordiv against per-element Python formulas (fluid
1.8's C semantics written out), their broadcasting, gradients and extremes."""

import numpy as np
import pytest

import minifluid as fluid
from minifluid.testing import check_grad, check_output, run_op

CASES = [  # x shape, y shape, axis
    ((3, 4), (3, 4), -1), ((2, 3, 4), (4,), -1), ((2, 3, 4), (3,), 1), ((2, 3, 4), (2, 3), 0),
    ((5, 1), (1, 3), -1), ((4,), (2, 3, 4), -1), ((), (), -1), ((0, 3), (3,), -1)]


def c_trunc_div(a, b):
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def c_mod(a, b):  # C's %: the sign of a
    return a - b * c_trunc_div(a, b)


REF = {  # per element, on Python floats / ints
    "elementwise_max": lambda a, b: a if a > b else b,
    "elementwise_min": lambda a, b: a if a < b else b,
    "elementwise_pow": lambda a, b: a ** b,
    "elementwise_mod": lambda a, b: c_mod(a, b) if isinstance(a, int) else a % b,
    "elementwise_floordiv": c_trunc_div}


def reference(op, x, y, axis, dtype):
    """Y lined up with X at axis (X with Y where Y has more dims), then REF per element."""
    small, big = (y, x) if y.ndim <= x.ndim else (x, y)
    ax = big.ndim - small.ndim if axis == -1 else axis
    s = small.reshape((1,) * ax + small.shape + (1,) * (big.ndim - ax - small.ndim))
    xb, yb = np.broadcast_arrays(big, s) if y.ndim <= x.ndim else np.broadcast_arrays(s, big)
    fn = REF[op]
    out = [fn(a, b) for a, b in zip(xb.ravel().tolist(), yb.ravel().tolist())]
    return np.array(out, np.float64).reshape(xb.shape).astype(dtype) if out else \
        np.zeros(xb.shape, dtype)


def inputs(rng, op, xs, ys, dtype):
    if np.dtype(dtype).kind == "i":
        x, y = rng.integers(-50, 50, xs), rng.integers(1, 9, ys) * rng.choice([-1, 1], ys)
        if op == "elementwise_pow":
            x, y = rng.integers(-5, 6, xs), rng.integers(0, 4, ys)
        return x.astype(dtype), y.astype(dtype)
    x = rng.uniform(-3, 3, xs)
    y = rng.uniform(0.5, 2, ys) * rng.choice([-1, 1], ys)
    if op == "elementwise_pow":
        x, y = rng.uniform(0.1, 3, xs), rng.uniform(-2, 2, ys)
    return x.astype(dtype), y.astype(dtype)


@pytest.mark.parametrize("op", list(REF))
@pytest.mark.parametrize("xs,ys,axis", CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64"])
def test_forward(rng, op, xs, ys, axis, dtype):
    if op == "elementwise_floordiv" and dtype.startswith("float"):
        return
    x, y = inputs(rng, op, xs, ys, dtype)
    want = reference(op, x.astype(np.float64) if dtype[0] == "f" else x, y.astype(np.float64)
                     if dtype[0] == "f" else y, axis, dtype)
    check_output(op, {"X": x, "Y": y}, {"Out": want}, {"axis": axis}, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("op", ["elementwise_max", "elementwise_min", "elementwise_pow"])
@pytest.mark.parametrize("xs,ys,axis", CASES[:6])
def test_gradients(rng, op, xs, ys, axis):
    if op == "elementwise_pow":
        x, y = rng.uniform(0.5, 2, xs), rng.uniform(-2, 2, ys)
    else:  # on two grids 0.12 apart at least, where max and min are differentiable
        x = np.round(rng.uniform(-1, 1, xs) * 4) / 4 + 0.1
        y = np.round(rng.uniform(-1, 1, ys) * 4) / 4 - 0.02
    check_grad(op, {"X": x, "Y": y}, {"axis": axis}, inputs_to_check=("X", "Y"))


def test_max_min_ties_and_nan_follow_the_ternary():
    x, y = np.array([1.0, 2.0, np.nan, 1.0]), np.array([1.0, 3.0, 1.0, np.nan])
    check_output("elementwise_max", {"X": x, "Y": y}, {"Out": np.array([1, 3, 1, np.nan])})
    check_output("elementwise_min", {"X": x, "Y": y}, {"Out": np.array([1, 2, 1, np.nan])})
    # at a tie the gradient goes to Y (X > Y and X < Y are both false), as in fluid
    got = run_op("elementwise_max_grad", {"X": x[:2], "Y": y[:2], "Out@GRAD": np.ones(2)},
                 {"axis": -1}, outputs=("X@GRAD", "Y@GRAD"))
    np.testing.assert_array_equal(got["X@GRAD"], [0, 0])
    np.testing.assert_array_equal(got["Y@GRAD"], [1, 1])


def test_integer_pow_rounds_as_fluid_and_float_extremes():
    x, y = np.array([3, 2, 2, -3, 10, 0], np.int64), np.array([2, -1, 10, 3, 15, 0], np.int64)
    check_output("elementwise_pow", {"X": x, "Y": y},
                 {"Out": np.array([9, 0, 1024, -27, 10 ** 15, 1], np.int64)})
    x, y = np.array([-8.0, 0.0, 1e300, 2.0]), np.array([1 / 3, -1.0, 2.0, -1100.0])
    check_output("elementwise_pow", {"X": x, "Y": y},
                 {"Out": np.array([np.nan, np.inf, np.inf, 0.0])})


def test_mod_and_floordiv_signs_and_extremes():
    info = np.iinfo(np.int64)
    x = np.array([7, -7, 7, -7, info.max, info.min, 0], np.int64)
    y = np.array([3, 3, -3, -3, 2, 3, 5], np.int64)
    check_output("elementwise_mod", {"X": x, "Y": y},
                 {"Out": np.array([c_mod(a, b) for a, b in zip(x.tolist(), y.tolist())])})
    check_output("elementwise_floordiv", {"X": x, "Y": y}, {"Out": np.array(
        [c_trunc_div(a, b) for a, b in zip(x.tolist(), y.tolist())])})
    xf, yf = np.array([7.5, -7.5, 7.5, -7.5, 1e300]), np.array([2.0, 2.0, -2.0, -2.0, 3.0])
    check_output("elementwise_mod", {"X": xf, "Y": yf},
                 {"Out": np.array([a % b for a, b in zip(xf.tolist(), yf.tolist())])})
    assert np.isnan(run_op("elementwise_mod", {"X": np.ones(1), "Y": np.zeros(1)})["Out"]).all()


@pytest.mark.parametrize("op", ["elementwise_mod", "elementwise_floordiv"])
def test_integer_division_by_zero_names_the_op(op):
    with pytest.raises(ValueError, match=rf"{op}: integer division by zero \(1 of Y's 2"):
        run_op(op, {"X": np.array([4, 5]), "Y": np.array([0, 1])})


def test_layers_check_dtypes_and_floordiv_wants_ints(fresh):
    x = fluid.data("x", [-1, 3], "float32")
    with pytest.raises(TypeError, match=r"elementwise_floordiv.*X \('x'\) must be int32 or "
                                        r"int64 .*got float32"):
        fluid.layers.elementwise_floordiv(x, x)
    with pytest.raises(TypeError, match=r"elementwise_max: argument 'y' must be a Variable"):
        fluid.layers.elementwise_max(x, fluid.data("b", [3], "bool"))
    out = fluid.layers.elementwise_min(x, fluid.data("y", [3], "float32"), act="relu")
    xv = np.array([[-1, 2, 5]], np.float32)
    got, = fluid.Executor().run(fresh, {"x": xv, "y": np.array([0, 1, 9], np.float32)}, [out])
    np.testing.assert_array_equal(got, [[0, 1, 5]])
