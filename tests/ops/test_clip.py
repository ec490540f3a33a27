"""clip and clip_by_norm against per-element / float64 numpy formulas, clip's gradient, its
Min and Max tensors, clip_by_norm's extremes and SelectedRows input."""
import math

import numpy as np
import pytest

import minifluid as fluid
from minifluid.op import Operator
from minifluid.testing import check_grad, check_output, run_op


def clip_ref(x, lo, hi):
    return np.array([lo if v < lo else hi if v > hi else v for v in x.ravel().tolist()],
                    np.float64).reshape(x.shape)


def norm_ref(x, max_norm):
    n = math.sqrt(sum(v * v for v in x.astype(np.float64).ravel().tolist()))
    return x.astype(np.float64) * (max_norm / n if n > max_norm else 1.0)


@pytest.mark.parametrize("shape", [(10, 10), (4, 3, 2), (), (0, 3)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_clip_forward(rng, shape, dtype):
    x = rng.uniform(-2, 2, shape).astype(dtype)
    check_output("clip", {"X": x}, {"Out": clip_ref(x, -0.5, 0.7).astype(dtype)},
                 {"min": -0.5, "max": 0.7})
    lo, hi = np.array([0.1], dtype), np.array([0.2], dtype)  # the tensors win over the attrs
    check_output("clip", {"X": x, "Min": lo, "Max": hi},
                 {"Out": clip_ref(x, float(lo[0]), float(hi[0])).astype(dtype)},
                 {"min": -0.5, "max": 0.7})


def test_clip_extremes_and_nan():
    x = np.array([-np.inf, np.inf, np.nan, -1e308, 1e308, 0.3])
    check_output("clip", {"X": x}, {"Out": np.array([-1, 1, np.nan, -1, 1, 0.3])},
                 {"min": -1.0, "max": 1.0})


@pytest.mark.parametrize("shape", [(4, 5), (3,), ()])
def test_clip_gradient(rng, shape):
    # kept away from the bounds, where the gradient jumps
    x = rng.choice([-1.5, -0.9, -0.2, 0.1, 0.4, 1.3], shape) + rng.uniform(-0.05, 0.05, shape)
    check_grad("clip", {"X": x}, {"min": -0.5, "max": 0.6})
    got = run_op("clip_grad", {"X": x, "Out@GRAD": np.full(np.shape(x), 2.0)},
                 {"min": -0.5, "max": 0.6}, outputs=("X@GRAD",))["X@GRAD"]
    np.testing.assert_array_equal(got, np.where((x > -0.5) & (x < 0.6), 2.0, 0.0))


def test_clip_errors(fresh):
    x = fluid.data("x", [3], "float32")
    with pytest.raises(ValueError, match=r"clip: argument 'min' must be less than 'max'"):
        fluid.layers.clip(x, 1.0, 1.0)
    with pytest.raises(TypeError, match=r"clip: argument 'x' must be a Variable of float16, "
                                        r"float32, float64, got 'i' of int32"):
        fluid.layers.clip(fluid.data("i", [3], "int32"), -1.0, 1.0)
    with pytest.raises(ValueError, match=r"clip: min must be less than max, got min=0.5"):
        run_op("clip", {"X": np.ones(2), "Min": np.array([0.5]), "Max": np.array([0.5])})
    out = fluid.layers.clip(x, -1, 2, name="c")
    got, = fluid.Executor().run(fresh, {"x": np.array([-3, 1, 3], np.float32)}, [out])
    np.testing.assert_array_equal(got, [-1, 1, 2])


@pytest.mark.parametrize("shape", [(100,), (16, 16), (4, 8, 16), (0,)])
@pytest.mark.parametrize("max_norm", [0.1, 1.0, 1e20])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_clip_by_norm(rng, shape, max_norm, dtype):
    x = rng.uniform(-1, 1, shape).astype(dtype)
    check_output("clip_by_norm", {"X": x}, {"Out": norm_ref(x, max_norm).astype(dtype)},
                 {"max_norm": max_norm}, rtol=1e-5)


def test_clip_by_norm_neither_overflows_nor_underflows():
    for scale in (1e20, 1e-30):  # the float32 sum of squares would be inf, or 0
        x = (np.array([3.0, -4.0]) * scale).astype(np.float32)
        want = np.array([0.6, -0.8], np.float32) * np.float32(min(1.0, 5 * scale))
        check_output("clip_by_norm", {"X": x}, {"Out": want}, {"max_norm": 1.0}, rtol=1e-6,
                     atol=0)
    check_output("clip_by_norm", {"X": np.zeros(3)}, {"Out": np.zeros(3)}, {"max_norm": 1.0})


def test_clip_by_norm_merges_selected_rows():
    scope, place = fluid.Scope(), fluid.CPUPlace()
    x = scope.var("X").get_selected_rows()
    x.set_height(5)
    x.set_rows([0, 0, 3])
    value = np.array([[3.0, 0.0], [0.0, 4.0], [0.0, 0.0]])
    x.get_tensor().set(value, place)
    out = scope.var("Out").get_selected_rows()
    Operator("clip_by_norm", X="X", Out="Out", max_norm=1.0).run(scope, place)
    assert out.rows() == [0, 3] and out.height() == 5
    np.testing.assert_allclose(np.array(out.get_tensor()), [[0.6, 0.8], [0.0, 0.0]])


def test_clip_by_norm_errors(fresh):
    x = fluid.data("x", [3], "float32")
    with pytest.raises(ValueError, match=r"clip_by_norm: argument 'max_norm' must be"):
        fluid.layers.clip_by_norm(x, 0.0)
    with pytest.raises(TypeError, match=r"clip_by_norm: argument 'x' must be a Variable of "
                                        r"float32, float64"):
        fluid.layers.clip_by_norm(fluid.data("i", [3], "int64"), 1.0)
