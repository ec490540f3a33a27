"""reduce_max, reduce_min, reduce_prod, reduce_all, reduce_any, and what the whole family
shares with Paddle 1.8: the op's attr defaults, out_dtype, the layers' attrs."""
import numpy as np
import pytest

from minifluid.registry import get_op
from minifluid.testing import build_op, check_grad, check_output

from test_reduce_sum import CASES, _want

NUMPY = {"reduce_max": np.max, "reduce_min": np.min, "reduce_prod": np.prod,
         "reduce_all": np.all, "reduce_any": np.any}


def _attrs(dim, keep_dim, reduce_all):
    return dict(dim=dim, keep_dim=keep_dim, reduce_all=reduce_all)


@pytest.mark.parametrize("op", ["reduce_max", "reduce_min", "reduce_prod"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64"])
@pytest.mark.parametrize("dim,keep_dim,reduce_all,axis", CASES)
def test_forward(rng, op, dtype, dim, keep_dim, reduce_all, axis):
    x = (rng.uniform(0.5, 1.5, (2, 3, 4)) if dtype[0] == "f" else
         rng.integers(-3, 4, (2, 3, 4))).astype(dtype)
    want = _want(x, axis, keep_dim, reduce_all, NUMPY[op]).astype(dtype)
    check_output(op, {"X": x}, {"Out": want}, _attrs(dim, keep_dim, reduce_all), rtol=1e-6)


@pytest.mark.parametrize("op", ["reduce_all", "reduce_any"])
@pytest.mark.parametrize("dim,keep_dim,reduce_all,axis", CASES)
def test_logical(rng, op, dim, keep_dim, reduce_all, axis):
    x = rng.random((2, 3, 4)) < 0.7
    want = _want(x, axis, keep_dim, reduce_all, NUMPY[op]).astype(bool)
    check_output(op, {"X": x}, {"Out": want}, _attrs(dim, keep_dim, reduce_all))


@pytest.mark.parametrize("op", ["reduce_max", "reduce_min", "reduce_prod"])
@pytest.mark.parametrize("dim,keep_dim,reduce_all,axis", CASES)
def test_gradient_check(rng, op, dim, keep_dim, reduce_all, axis):
    # distinct values (no ties) away from 0, where max, min and prod are smooth
    x = rng.permutation(np.linspace(0.5, 1.5, 24)).reshape(2, 3, 4)
    check_grad(op, {"X": x}, _attrs(dim, keep_dim, reduce_all))


def _grad(op, x, dout, attrs, extra=()):
    from minifluid.testing import run_op
    ins = {"X": x, **dict(extra), "Out@GRAD": dout}
    return run_op(op + "_grad", ins, attrs, outputs=("X@GRAD",))["X@GRAD"]


def test_max_and_min_give_the_whole_gradient_to_every_tied_element():
    x = np.array([[3.0, 1.0, 3.0], [2.0, 2.0, 0.5]])
    dout = np.array([10.0, 20.0])
    attrs = _attrs([1], False, False)
    got = _grad("reduce_max", x, dout, attrs, {"Out": x.max(1)})
    np.testing.assert_array_equal(got, [[10, 0, 10], [20, 20, 0]])
    got = _grad("reduce_min", x, dout, attrs, {"Out": x.min(1)})
    np.testing.assert_array_equal(got, [[0, 10, 0], [0, 0, 20]])


@pytest.mark.parametrize("row,want", [
    ([2.0, 3.0, 4.0], [12.0, 8.0, 6.0]),   # no zero: Out / X
    ([2.0, 0.0, 4.0], [0.0, 8.0, 0.0]),    # one zero: the others' product there, 0 elsewhere
    ([0.0, 3.0, 0.0], [0.0, 0.0, 0.0]),    # two zeros: 0 everywhere
    ([1e200, 1e-200, 5.0], [5e-200, 5e200, 1.0]),  # partial products stay finite
])
def test_prod_gradient_with_zeros_is_the_product_of_the_others(row, want):
    x = np.array([row, [1.0, 2.0, 3.0]])
    got = _grad("reduce_prod", x, np.array([1.0, 1.0]), _attrs([1], False, False))
    np.testing.assert_allclose(got, [want, [6.0, 3.0, 2.0]], rtol=1e-12)
    assert np.isfinite(got).all()


def test_prod_gradient_check_through_a_zero(rng):
    x = rng.uniform(0.5, 1.5, (3, 4))
    x[1, 2] = 0.0
    for dim in ([0], [1], [0, 1]):
        check_grad("reduce_prod", {"X": x}, _attrs(dim, False, False))


def test_the_max_or_min_of_no_elements_is_the_reducers_starting_value():
    x = np.zeros((0, 3), np.float32)
    check_output("reduce_max", {"X": x}, {"Out": np.full(3, -np.inf, np.float32)}, {"dim": [0]})
    check_output("reduce_min", {"X": x.astype(np.int32)},
                 {"Out": np.full(3, np.iinfo(np.int32).max, np.int32)}, {"dim": [0]})
    check_output("reduce_prod", {"X": x}, {"Out": np.ones(3, np.float32)}, {"dim": [0]})
    check_output("reduce_any", {"X": x.astype(bool)}, {"Out": np.zeros(3, bool)}, {"dim": [0]})


def test_attr_defaults_are_paddles():
    for op in ("reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod",
               "reduce_all", "reduce_any"):
        assert get_op(op).attrs == {"dim": [0], "keep_dim": False, "reduce_all": False,
                                    "in_dtype": -1, "out_dtype": -1}, op
    x = np.arange(6.0).reshape(2, 3)
    check_output("reduce_sum", {"X": x}, {"Out": x.sum(0)})  # the default dim [0]


@pytest.mark.parametrize("out_dtype", [6, "float64"])  # Paddle's VarType.FP64, or a name
def test_out_dtype_sets_the_result_and_accumulator_dtype(rng, out_dtype):
    x = rng.normal(size=(3, 4)).astype(np.float32)
    attrs = {"dim": [1], "out_dtype": out_dtype}
    check_output("reduce_sum", {"X": x}, {"Out": x.astype(np.float64).sum(1)}, attrs,
                 rtol=1e-12)
    check_grad("reduce_sum", {"X": x}, attrs)
    i = rng.integers(-5, 5, (3, 4)).astype(np.int32)
    check_output("reduce_sum", {"X": i}, {"Out": i.sum(1).astype(np.int64)},
                 {"dim": [1], "out_dtype": 3})


def test_bad_attrs_are_build_errors():
    x = {"X": np.ones((2, 3))}
    with pytest.raises(ValueError, match=r"reduce_max: dim \[2\] is out of range for X"):
        build_op("reduce_max", x, {"dim": [2]})
    with pytest.raises(ValueError, match=r"op 'reduce_sum': out_dtype must be a dtype name"):
        build_op("reduce_sum", x, {"out_dtype": 7})
    with pytest.raises(ValueError, match=r"op 'reduce_max': out_dtype is not one of"):
        build_op("reduce_max", x, {"out_dtype": "float128"})
    with pytest.raises(TypeError, match=r"op 'reduce_max': out_dtype must be an int"):
        build_op("reduce_max", x, {"out_dtype": 6.0})
    with pytest.raises(TypeError, match=r"reduce_all: X \('X'\) must be a bool tensor, got "
                                        r"float64"):
        build_op("reduce_all", x, {})


@pytest.mark.parametrize("layer", ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min",
                                   "reduce_prod", "reduce_all", "reduce_any"])
def test_layers_write_fluids_attrs_and_run(fresh, rng, layer):
    import minifluid as fluid
    dtype = "bool" if layer in ("reduce_all", "reduce_any") else "float32"
    x = fluid.data("x", [2, 3, 4], dtype)
    f = getattr(fluid.layers, layer)
    outs = [f(x), f(x, dim=1), f(x, dim=[-1, 0], keep_dim=True), f(x, dim=[0, 1, 2])]
    attrs = [op.attrs for op in fluid.default_main_program().global_block().ops]
    assert [(a["dim"], a["reduce_all"]) for a in attrs] == [
        ([0], True), ([1], False), ([2, 0], False), ([0, 1, 2], True)]
    assert [o.shape for o in outs] == [(1,), (2, 4), (1, 3, 1), (1,)]
    a = rng.random((2, 3, 4)) < 0.5 if dtype == "bool" else rng.uniform(0.5, 1.5, (2, 3, 4))
    got = fluid.Executor().run(feed={"x": a.astype(dtype)}, fetch_list=outs)
    ref = {"reduce_sum": np.sum, "reduce_mean": np.mean, **NUMPY}[layer]
    for value, axis, keep in zip(got, [None, 1, (2, 0), None], [False, False, True, False]):
        want = ref(a.astype(dtype), axis=axis, keepdims=keep)
        np.testing.assert_allclose(value, np.reshape(want, value.shape), rtol=1e-5)
    with pytest.raises(TypeError, match=f"{layer}: argument 'input' must be"):
        f(fluid.data("s", [2], "bool" if dtype != "bool" else "float32"))
