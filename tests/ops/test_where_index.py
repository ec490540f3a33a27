"""where_index (layers.where): coordinates of the true elements, against a Python scan in
row-major order."""
import itertools

import numpy as np
import pytest

import minifluid as fluid
from minifluid.testing import check_output


def ref(c):
    return np.array([idx for idx in itertools.product(*map(range, c.shape)) if c[idx]],
                    np.int64).reshape(-1, c.ndim)


@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 4), (0, 3), (5, 1, 2)])
@pytest.mark.parametrize("dtype", ["bool", "int32", "int64", "float32", "float64"])
def test_coordinates(rng, shape, dtype):
    c = (rng.random(shape) < 0.4).astype(dtype) * (rng.integers(1, 5, shape) if dtype != "bool"
                                                   else True)
    c = c.astype(dtype)
    check_output("where_index", {"Condition": c}, {"Out": ref(c)})


def test_all_false_and_all_true():
    check_output("where_index", {"Condition": np.zeros((2, 3), bool)},
                 {"Out": np.zeros((0, 2), np.int64)})
    check_output("where_index", {"Condition": np.ones(3, bool)},
                 {"Out": np.array([[0], [1], [2]], np.int64)})
    check_output("where_index", {"Condition": np.array([np.nan, 0.0, -0.0, 1e-300])},
                 {"Out": np.array([[0], [3]], np.int64)})  # nan is non-zero


def test_layer(fresh):
    x = fluid.data("x", [-1, 3], "float32")
    idx = fluid.layers.where(x > 0.5)
    assert idx.shape == (-1, 2) and idx.dtype == np.int64 and idx.stop_gradient
    xv = np.array([[1, 0, 2], [0, 0, 3]], np.float32)
    got, = fluid.Executor().run(fresh, {"x": xv}, [idx])
    np.testing.assert_array_equal(got, [[0, 0], [0, 2], [1, 2]])
    with pytest.raises(TypeError, match=r"where: argument 'condition' must be a Variable"):
        fluid.layers.where([10])
    with pytest.raises(TypeError, match=r"where: argument 'condition' must be a Variable of "
                                        r"bool, got 'x' of float32"):
        fluid.layers.where(x)
    with pytest.raises(ValueError, match=r"where_index.*must have rank >= 1"):
        fluid.layers.where(fluid.data("s", [], "bool"))
