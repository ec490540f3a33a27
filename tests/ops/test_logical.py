"""The logical ops (logical_and, logical_or, logical_xor, logical_not) and their layers,
against numpy's on every combination of bool inputs."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid.testing import check_output, run_op

OPS = {"logical_and": np.logical_and, "logical_or": np.logical_or,
       "logical_xor": np.logical_xor}


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("shape", [(4,), (2, 2), (), (0, 3)])
def test_binary_truth_tables(op, shape):
    n = int(np.prod(shape))
    x = np.resize([True, True, False, False], n).reshape(shape)
    y = np.resize([True, False, True, False], n).reshape(shape)
    want = np.array([a and b if op == "logical_and" else a or b if op == "logical_or"
                     else a != b for a, b in zip(x.ravel().tolist(), y.ravel().tolist())],
                    bool).reshape(shape)
    check_output(op, {"X": x, "Y": y}, {"Out": want})


def test_not_and_y_read_flat_in_x_shape(rng):
    x = rng.random((3, 4)) < 0.5
    check_output("logical_not", {"X": x}, {"Out": ~x})
    y = rng.random((12,)) < 0.5
    check_output("logical_xor", {"X": x, "Y": y}, {"Out": x != y.reshape(3, 4)})


def test_build_errors(fresh):
    x, b = fluid.data("x", [2], "bool"), fluid.data("b", [3], "bool")
    i = fluid.data("i", [2], "int32")
    with pytest.raises(TypeError, match=r"logical_or: argument 'y' must be a Variable of bool"):
        fluid.layers.logical_or(x, i)
    with pytest.raises(TypeError, match=r"logical_not: argument 'x' must be a Variable of bool"):
        fluid.layers.logical_not(i)
    with pytest.raises(ValueError, match=r"logical_and.*must hold as many elements"):
        fluid.layers.logical_and(x, b)
    with pytest.raises(TypeError, match="out"):
        fluid.layers.logical_xor(x, x, out=1)
    with pytest.raises(ValueError, match=r"logical_and.*must hold as many elements"):
        run_op("logical_and", {"X": np.ones(2, bool), "Y": np.ones(3, bool)})


def test_layers_run_and_write_out(fresh):
    x, y = fluid.data("x", [-1, 2], "bool"), fluid.data("y", [-1, 2], "bool")
    out = fluid.layers.fill_constant([2, 2], "bool", 0)
    assert fluid.layers.logical_and(x, y, out=out) is out
    n = fluid.layers.logical_not(fluid.layers.logical_or(x, y), name="nor")
    assert n.name == "nor" and n.stop_gradient and n.shape == (-1, 2)
    xv, yv = np.array([[True, False], [True, True]]), np.array([[False, False], [True, False]])
    a, b = fluid.Executor().run(fresh, {"x": xv, "y": yv}, [out, n])
    np.testing.assert_array_equal(a, xv & yv)
    np.testing.assert_array_equal(b, ~(xv | yv))
