"""The compare ops (less_than, less_equal, greater_than, greater_equal, equal, not_equal) and
their layers, against numpy's operators on float64 copies, and the `<` ... `>=` operators."""
import operator

import numpy as np
import pytest

import minifluid as fluid
from minifluid.testing import check_output, run_op

OPS = {"less_than": operator.lt, "less_equal": operator.le, "greater_than": operator.gt,
       "greater_equal": operator.ge, "equal": operator.eq, "not_equal": operator.ne}
CASES = [  # x shape, y shape, axis, y as numpy broadcasts it
    ((4, 5), (4, 5), -1, (4, 5)), ((2, 3, 4), (4,), -1, (4,)), ((2, 3, 4), (3,), 1, (3, 1)),
    ((2, 3, 4), (2, 3), 0, (2, 3, 1)), ((5, 3), (1, 3), -1, (1, 3)), ((), (), -1, ()),
    ((0, 3), (3,), -1, (3,))]


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("xs,ys,axis,yb", CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64"])
def test_matches_numpy(rng, op, xs, ys, axis, yb, dtype):
    # few distinct values, so that ties (where < and <= differ) are common
    x = rng.integers(-2, 3, xs).astype(dtype)
    y = rng.integers(-2, 3, ys).astype(dtype)
    want = OPS[op](x.astype(np.float64), y.reshape(yb).astype(np.float64))
    check_output(op, {"X": x, "Y": y}, {"Out": np.asarray(want)}, {"axis": axis})


@pytest.mark.parametrize("op", OPS)
def test_extremes_nan_and_inf(op):
    x = np.array([np.nan, np.inf, -np.inf, 1e308, 0.0, -0.0, np.nan])
    y = np.array([np.nan, np.inf, 1.0, np.inf, -0.0, 0.0, 1.0])
    check_output(op, {"X": x, "Y": y}, {"Out": OPS[op](x, y)})
    big = np.array([2 ** 62 + 1, -2 ** 63], np.int64)  # not exact in float64
    other = np.array([2 ** 62, -2 ** 63], np.int64)
    check_output(op, {"X": big, "Y": other}, {"Out": OPS[op](big, other)})


def test_y_must_broadcast_to_x_and_share_its_dtype(fresh):
    x = fluid.data("x", [3, 1], "float32")
    with pytest.raises(ValueError, match=r"less_than.*Y \('y'\) of shape \[3, 4\] does not "
                                         r"broadcast to X \('x'\) of shape \[3, 1\]"):
        fluid.layers.less_than(x, fluid.data("y", [3, 4], "float32"))
    with pytest.raises(ValueError, match="Y has more dimensions"):
        fluid.layers.equal(x, fluid.data("z", [2, 3, 1], "float32"))
    with pytest.raises(TypeError, match=r"must have one dtype"):
        fluid.layers.greater_than(x, fluid.data("w", [3, 1], "float64"))
    with pytest.raises(TypeError, match=r"less_equal: argument 'y' must be a Variable of "
                                        r"float32, float64, int32, int64, got 'b' of bool"):
        fluid.layers.less_equal(x, fluid.data("b", [3, 1], "bool"))
    with pytest.raises(TypeError, match="force_cpu"):
        fluid.layers.less_than(x, x, force_cpu=1)
    with pytest.raises(TypeError, match="cond"):
        fluid.layers.not_equal(x, x, cond=1)


def test_layers_write_cond_and_run(fresh):
    x, y = fluid.data("x", [-1, 3], "float32"), fluid.data("y", [3], "float32")
    cond = fluid.layers.fill_constant([2, 3], "bool", 0)
    got = fluid.layers.greater_equal(x, y, cond=cond)
    out = fluid.layers.less_than(x, y, force_cpu=True)
    eq = fluid.layers.elementwise_equal(x, x)
    assert got is cond and cond.dtype == np.bool_ and out.dtype == np.bool_
    assert out.shape == (-1, 3) and out.stop_gradient and eq.stop_gradient
    xv, yv = np.array([[1, 2, 3], [3, 2, 1]], np.float32), np.array([2, 2, 2], np.float32)
    c, o, e = fluid.Executor().run(fresh, {"x": xv, "y": yv}, [cond, out, eq])
    np.testing.assert_array_equal(c, xv >= yv)
    np.testing.assert_array_equal(o, xv < yv)
    assert e.all() and e.dtype == np.bool_


@pytest.mark.parametrize("sym, op", [(operator.lt, "less_than"), (operator.le, "less_equal"),
                                     (operator.gt, "greater_than"),
                                     (operator.ge, "greater_equal")])
def test_operators_build_compare_ops(fresh, sym, op):
    x, y = fluid.data("x", [-1, 3], "float32"), fluid.data("y", [-1, 3], "float32")
    outs = [sym(x, y), sym(x, 1.5), sym(1.5, x), sym(x, np.float32(2)), sym(x, np.array([1.0]))]
    assert all(o.dtype == np.bool_ and o.stop_gradient for o in outs)
    assert op in [o.type for o in fresh.global_block().ops]
    xv = np.array([[1, 1.5, 2], [3, -1, 1.5]], np.float32)
    yv = np.array([[1.5, 1.5, 1.5], [2, 0, 3]], np.float32)
    got = fluid.Executor().run(fresh, {"x": xv, "y": yv}, outs)
    for g, w in zip(got, [sym(xv, yv), sym(xv, 1.5), sym(1.5, xv), sym(xv, 2), sym(xv, 1.0)]):
        np.testing.assert_array_equal(g, w)


def test_operators_on_an_int_variable_take_integral_numbers(fresh):
    x = fluid.data("x", [3], "int64")
    out = x < 2
    np.testing.assert_array_equal(
        fluid.Executor().run(fresh, {"x": np.array([1, 2, 3])}, [out])[0], [True, False, False])
    before = len(fresh.global_block().ops)
    with pytest.raises(ValueError, match=r"Variable\.__lt__ \(<\).*must be integral"):
        x < 2.5
    with pytest.raises(TypeError, match=r"Variable\.__ge__ \(>=\): the other operand"):
        x >= [1, 2, 3]
    assert len(fresh.global_block().ops) == before


def test_a_kernel_given_a_y_that_does_not_broadcast_names_the_op():
    with pytest.raises(ValueError, match=r"equal.*does not broadcast"):
        run_op("equal", {"X": np.ones((2, 1)), "Y": np.ones((2, 3))})


def test_cond_must_be_bool(fresh):
    x = fluid.data("x", [3], "float32")
    with pytest.raises(TypeError, match=r"equal: argument 'cond' must be a Variable of bool, "
                                        r"got 'x' of float32"):
        fluid.layers.equal(x, x, cond=x)
