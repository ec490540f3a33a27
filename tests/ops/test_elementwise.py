import numpy as np
import pytest

from minifluid.testing import check_grad, check_output, run_op

OPS = {"elementwise_add": np.add, "elementwise_sub": np.subtract,
       "elementwise_mul": np.multiply, "elementwise_div": np.divide}
CASES = [  # x shape, y shape, axis, y as numpy broadcasts it
    ((2, 3, 4), (2, 3, 4), -1, (2, 3, 4)),
    ((2, 3, 4), (4,), -1, (4,)),
    ((2, 3, 4), (3,), 1, (3, 1)),
    ((2, 3, 4), (2, 3), 0, (2, 3, 1)),
    ((2, 3, 4), (3, 4), 1, (3, 4)),
    ((5, 3), (1, 3), -1, (1, 3)),
    ((5, 1), (1, 3), -1, (1, 3)),  # both broadcast
]
# Y with more dimensions than X: X lines up with Y from `axis` (x as numpy broadcasts it).
SWAPPED = [((4,), (2, 3, 4), -1, (4,)), ((3,), (2, 3, 4), 1, (3, 1)),
           ((2, 3), (2, 3, 4), 0, (2, 3, 1)), ((3, 1), (2, 3, 4), 1, (3, 1)),
           ((), (2, 3), -1, ())]


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("xs,ys,axis,yb", CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_forward_matches_numpy_broadcasting(rng, op, xs, ys, axis, yb, dtype):
    x = rng.uniform(0.5, 2, xs).astype(dtype)
    y = rng.uniform(0.5, 2, ys).astype(dtype)
    want = OPS[op](x.astype(np.float64), y.reshape(yb)).astype(dtype)
    check_output(op, {"X": x, "Y": y}, {"Out": want}, {"axis": axis}, rtol=1e-6)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("xs,ys,axis,yb", CASES)
def test_gradients(rng, op, xs, ys, axis, yb):
    x, y = rng.uniform(0.5, 2, xs), rng.uniform(0.5, 2, ys)
    check_grad(op, {"X": x, "Y": y}, {"axis": axis}, inputs_to_check=("X", "Y"))


def test_integer_add():
    x = np.arange(6, dtype=np.int64).reshape(2, 3)
    check_output("elementwise_add", {"X": x, "Y": np.array([1, 2, 3])}, {"Out": x + [1, 2, 3]})


def test_bad_axis_is_a_build_error(fresh):
    import minifluid as fluid
    x = fluid.layers.data("x", [3, 4])
    y = fluid.layers.data("y", [5], append_batch_size=False)
    with pytest.raises(ValueError, match=r"shapes \[-1, 3, 4\] and \[1, 1, 5\] do not "
                                         r"broadcast"):
        fluid.layers.elementwise_add(x, y)
    with pytest.raises(ValueError, match="axis 3 does not fit Y"):
        fluid.layers.elementwise_add(x, fluid.layers.data("z", [4], append_batch_size=False),
                                     axis=3)


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_integer_division_truncates_toward_zero(rng, dtype):
    x = rng.integers(-50, 50, (4, 6)).astype(dtype)
    y = rng.integers(1, 9, 6).astype(dtype) * np.array([1, -1, 1, -1, 1, -1], dtype)
    want = np.array([[int(a / b) for a, b in zip(row, y)] for row in x.tolist()], dtype)
    check_output("elementwise_div", {"X": x, "Y": y}, {"Out": want})
    info = np.iinfo(dtype)  # the extremes, where a float quotient would round
    x = np.array([info.max, info.min, info.min + 1, -7, 7, 0], dtype)
    y = np.array([2, 3, -2, 2, -2, -5], dtype)
    want = np.array([(abs(a) // abs(b)) * (1 if (a < 0) == (b < 0) else -1)
                     for a, b in zip(x.tolist(), y.tolist())], dtype)
    check_output("elementwise_div", {"X": x, "Y": y}, {"Out": want})


def test_integer_division_by_zero_is_an_error_naming_the_op():
    x, y = np.array([4, 5, 6], np.int64), np.array([2, 0, 3], np.int64)
    with pytest.raises(ValueError, match=r"elementwise_div: integer division by zero \(1 of "
                                         r"Y's 3 elements are 0\)"):
        run_op("elementwise_div", {"X": x, "Y": y})


@pytest.mark.parametrize("op", OPS)
def test_0d_operands_have_0d_gradients(rng, op):
    x, y = np.array(1.5), np.array(-0.8)
    check_output(op, {"X": x, "Y": y}, {"Out": OPS[op](x, y)})
    check_grad(op, {"X": x, "Y": y}, inputs_to_check=("X", "Y"))
    x = rng.uniform(0.5, 2, (2, 3))
    check_grad(op, {"X": x, "Y": y}, inputs_to_check=("X", "Y"))  # a 0-d Y broadcast


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("xs,ys,axis,xb", SWAPPED)
def test_a_y_with_more_dimensions_than_x(rng, op, xs, ys, axis, xb):
    x, y = rng.uniform(0.5, 2, xs), rng.uniform(0.5, 2, ys)
    want = OPS[op](x.reshape(xb), y)
    check_output(op, {"X": x, "Y": y}, {"Out": want}, {"axis": axis}, rtol=1e-12)
    check_grad(op, {"X": x, "Y": y}, {"axis": axis}, inputs_to_check=("X", "Y"))


def test_an_x_that_does_not_fit_a_larger_y_is_a_build_error(fresh):
    import minifluid as fluid
    x = fluid.data("x", [4], "float32")
    y = fluid.data("y", [2, 3, 4], "float32")
    with pytest.raises(ValueError, match=r"elementwise_mul: .*axis 3 does not fit X of shape "
                                         r"\[4\] into Y of shape \[2, 3, 4\]"):
        fluid.layers.elementwise_mul(x, y, axis=3)
    assert fluid.layers.elementwise_mul(x, y).shape == (2, 3, 4)
