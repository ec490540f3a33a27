"""Variable arithmetic with numpy operands: numpy defers to Variable (no arrays of Variables),
numpy numbers and one-number arrays act as numbers, other arrays are a clear TypeError."""
import operator

import numpy as np
import pytest

import minifluid as fluid

OPS = [operator.add, operator.sub, operator.mul, operator.truediv]


def _ops(program):
    return len(program.global_block().ops)


@pytest.mark.parametrize("op", OPS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("reverse", [False, True], ids=["var_first", "array_first"])
@pytest.mark.parametrize("arr", [np.ones(3), np.ones((2, 3), np.float32), np.zeros(0),
                                 np.array([True]), np.array(["a"])], ids=repr)
def test_an_array_is_refused_in_either_order_and_adds_no_op(fresh, op, reverse, arr):
    x = fluid.layers.data("x", [3], "float64")
    before = _ops(fresh)
    with pytest.raises(TypeError, match=r"Variable\.__r?\w+__ \(.\): the other operand must be "
                                        r"a Variable or a real number .* got a numpy array "
                                        r"of shape .*Variable 'x'"):
        op(arr, x) if reverse else op(x, arr)
    assert _ops(fresh) == before


@pytest.mark.parametrize("other", [[1.0, 2.0, 3.0], (1.0,), "2", None, True, np.bool_(True),
                                   1j, object()], ids=repr)
def test_other_kinds_are_refused_naming_what_was_given(fresh, other):
    x = fluid.layers.data("x", [3], "float64")
    for op in OPS:
        for args in ((x, other), (other, x)):
            with pytest.raises(TypeError, match=rf"Variable\..*got .*\({type(other).__name__}\)"):
                op(*args)
    assert _ops(fresh) == 0


def test_numpy_ufuncs_called_directly_refuse_a_variable(fresh):
    x = fluid.layers.data("x", [3], "float64")
    with pytest.raises(TypeError, match="does not support ufuncs"):
        np.add(np.ones(3), x)
    assert _ops(fresh) == 0


@pytest.mark.parametrize("op", OPS, ids=lambda f: f.__name__)
def test_numpy_numbers_and_one_number_arrays_act_as_the_number(fresh, rng, op):
    # fluid 1.x took any operand float() accepts as a constant; the values are the number's.
    x = fluid.layers.data("x", [3], "float64")
    numbers = [np.float32(2.5), np.float64(2.5), np.int64(3), np.array(2.5), np.array([4]),
               np.ones((1, 1), np.float32) * 2]
    outs = [op(x, n) for n in numbers] + [op(n, x) for n in numbers]
    assert all(isinstance(o, fluid.Variable) and o.shape == (-1, 3) for o in outs)
    assert _ops(fresh) == 2 * len(numbers) + sum(op is operator.truediv for _ in numbers)
    xv = rng.uniform(1, 2, (2, 3))
    got = fluid.Executor().run(fresh, {"x": xv}, outs)
    want = [op(xv, float(np.asarray(n).item())) for n in numbers] + \
           [op(float(np.asarray(n).item()), xv) for n in numbers]
    for g, w in zip(got, want):
        assert isinstance(g, np.ndarray) and g.dtype == np.float64
        np.testing.assert_allclose(g, w, rtol=1e-6)  # np.float32(2.5) is exact; the rest too


@pytest.mark.parametrize("name, op, op_type", [
    ("__lt__", operator.lt, "less_than"), ("__le__", operator.le, "less_equal"),
    ("__gt__", operator.gt, "greater_than"), ("__ge__", operator.ge, "greater_equal")])
def test_ordering_comparisons_build_fluids_compare_ops(fresh, name, op, op_type):
    # the results are checked in tests/ops/test_compare.py
    x, y = fluid.layers.data("x", [3]), fluid.layers.data("y", [3])
    out = op(x, y)
    assert out.dtype == np.bool_ and fresh.global_block().ops[-1].type == op_type
    before = _ops(fresh)
    for bad in (np.ones(3), "1", None):
        with pytest.raises(TypeError, match=rf"Variable\.{name} \(.*\): the other operand"):
            op(x, bad)
    assert _ops(fresh) == before


def test_equality_with_an_array_is_identity_not_an_array(fresh):
    x = fluid.layers.data("x", [3])
    assert (x == np.ones(3)) is False and (np.ones(3) == x) is False
    assert (x != np.ones(3)) is True and (np.ones(3) != x) is True
    assert x == x and x in [np.ones(3), x]
    assert _ops(fresh) == 0


def test_an_integer_variable_takes_integral_numbers_and_divides_truncating(fresh):
    x = fluid.layers.data("x", [4], "int64")
    outs = [x / 2, x / np.int32(-2), 7 / x, x * 3, x + np.array(2.0), 1 - x, x * np.float64(2)]
    assert all(o.dtype == np.int64 for o in outs)
    xv = np.array([[7, -7, 3, -1]])
    got = fluid.Executor().run(fresh, {"x": xv}, outs)
    trunc = lambda a, b: np.trunc(np.asarray(a, np.float64) / b).astype(np.int64)  # noqa: E731
    want = [trunc(xv, 2), trunc(xv, -2), trunc(7, xv), xv * 3, xv + 2, 1 - xv, xv * 2]
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    before = _ops(fresh)
    for bad in (lambda: x * 0.5, lambda: x / 2.5, lambda: 0.5 + x, lambda: x - np.float32(0.1)):
        with pytest.raises(ValueError, match=r"Variable 'x' is int64, so the number must be "
                                             r"integral, got .*cast it first"):
            bad()
    assert _ops(fresh) == before


def test_power_floor_division_and_modulo_build_fluids_elementwise_ops(fresh):
    # the formulas are checked in tests/ops/test_elementwise_math.py
    x, i = fluid.layers.data("x", [3]), fluid.layers.data("i", [3], "int64")
    outs = [x ** 2, 2 ** x, x ** x, x % 1.5, i // 2, i // i, i % -3]
    assert [o.dtype for o in outs] == [np.float32] * 4 + [np.int64] * 3
    xv, iv = np.array([[0.5, 2, -3]], np.float32), np.array([[7, -7, 3]])
    got = fluid.Executor().run(fresh, {"x": xv, "i": iv}, outs)
    want = [xv ** 2, 2 ** xv, xv ** xv, np.fmod(1.5 + np.fmod(xv, 1.5), 1.5),
            np.array([[3, -3, 1]]), np.ones((1, 3)), np.fmod(iv, -3)]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6)
    before = _ops(fresh)
    with pytest.raises(TypeError, match=r"elementwise_floordiv.*must be int32 or int64"):
        x // 2
    with pytest.raises(TypeError, match=r"unsupported operand"):
        2 // i
    with pytest.raises(ValueError, match=r"Variable\.__mod__ \(%\).*must be integral"):
        i % 2.5
    assert _ops(fresh) == before
