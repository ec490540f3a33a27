"""cumsum against Python's running sums per line, in every mode, its gradient (a reversed
cumsum) and extremes."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid.testing import check_grad, check_output


def ref(x, axis, exclusive, reverse):
    """Python's running sum along axis, line by line, in float64 (ints in int64)."""
    moved = np.moveaxis(x, axis, -1)
    out = np.zeros(moved.shape, np.float64 if x.dtype.kind == "f" else np.int64)
    for idx in np.ndindex(moved.shape[:-1]):
        line = moved[idx].tolist()
        order = range(len(line) - 1, -1, -1) if reverse else range(len(line))
        total = 0
        for i in order:
            if exclusive:
                out[idx + (i,)] = total
                total += line[i]
            else:
                total += line[i]
                out[idx + (i,)] = total
    return np.moveaxis(out, -1, axis).astype(x.dtype)


MODES = [(False, False), (True, False), (False, True), (True, True)]


@pytest.mark.parametrize("shape,axis", [((5, 6, 4), 2), ((5, 6, 4), 0), ((5, 6, 4), -2),
                                        ((7,), -1), ((3, 0), 1), ((0, 3), 1)])
@pytest.mark.parametrize("exclusive,reverse", MODES)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64"])
def test_forward(rng, shape, axis, exclusive, reverse, dtype):
    x = rng.uniform(-5, 5, shape).astype(dtype)
    check_output("cumsum", {"X": x}, {"Out": ref(x, axis, exclusive, reverse)},
                 {"axis": axis, "exclusive": exclusive, "reverse": reverse}, rtol=1e-5,
                 atol=1e-5)


@pytest.mark.parametrize("exclusive,reverse", MODES)
@pytest.mark.parametrize("shape,axis", [((3, 4, 2), 1), ((6,), 0), ((2, 5), -1)])
def test_gradient(rng, shape, axis, exclusive, reverse):
    check_grad("cumsum", {"X": rng.normal(size=shape)},
               {"axis": axis, "exclusive": exclusive, "reverse": reverse})


def test_exclusive_sums_do_not_round_through_a_subtraction():
    x = np.array([1.0, 1e20, 1.0])
    check_output("cumsum", {"X": x}, {"Out": np.array([0.0, 1.0, 1e20 + 1])},
                 {"exclusive": True}, rtol=0, atol=0)
    check_output("cumsum", {"X": x}, {"Out": np.array([1e20 + 1, 1.0, 0.0])},
                 {"exclusive": True, "reverse": True}, rtol=0, atol=0)


def test_layer(fresh):
    x = fluid.data("x", [-1, 3], "float32")
    out = fluid.layers.cumsum(x, axis=0, reverse=True)
    last = fluid.layers.cumsum(x)
    assert fresh.global_block().ops[-1].attr("axis") == -1
    xv = np.array([[1, 2, 3], [4, 5, 6]], np.float32)
    a, b = fluid.Executor().run(fresh, {"x": xv}, [out, last])
    np.testing.assert_array_equal(a, [[5, 7, 9], [4, 5, 6]])
    np.testing.assert_array_equal(b, [[1, 3, 6], [4, 9, 15]])
    with pytest.raises(ValueError, match=r"cumsum.*axis 2 is out of range for X \('x'\) of "
                                         r"shape \[-1, 3\]"):
        fluid.layers.cumsum(x, axis=2)
    with pytest.raises(TypeError, match=r"cumsum: argument 'x' must be a Variable"):
        fluid.layers.cumsum([1, 2, 3], axis=0)
    with pytest.raises(TypeError, match=r"cumsum: argument 'exclusive'"):
        fluid.layers.cumsum(x, exclusive=1)
