"""SelectedRows (fluid's sparse rows): in a Scope, through Operator, in the ops that take them
(sgd, momentum, adam, scale, sum), and refused by name everywhere else. References are dense
numpy formulas written here."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid.op import Operator
from minifluid.selected_rows import SelectedRows, merge_add

PLACE = fluid.CPUPlace()


def _sparse(scope, name, rows, value, height=10):
    sr = scope.var(name).get_selected_rows()
    sr.set_height(height)
    sr.set_rows(rows)
    sr.get_tensor().set(value, PLACE)
    return sr


def _dense(scope, name, value):
    scope.var(name).get_tensor().set(value, PLACE)


def test_the_scope_holds_one_selected_rows_per_variable_and_handles_see_its_value():
    scope, rng = fluid.Scope(), np.random.default_rng(0)
    sr = _sparse(scope, "g", [1, 3], rng.normal(size=(2, 4)))
    assert scope.var("g").get_selected_rows() is sr
    assert (sr.height(), sr.rows(), sr.shape, sr.dtype) == (10, [1, 3], (10, 4), np.float64)
    handle = sr.get_tensor()
    sr.get_tensor().set(np.ones((2, 4)), PLACE)
    np.testing.assert_array_equal(np.array(handle), np.ones((2, 4)))  # read when used
    _dense(scope, "w", np.zeros(3))
    with pytest.raises(TypeError, match="variable 'w' holds a dense tensor, not SelectedRows"):
        scope.var("w").get_selected_rows()


def test_repeated_rows_add_up_and_merging_gives_each_row_once():
    value = np.arange(12.0).reshape(3, 4)
    sr = SelectedRows([4, 1, 4], 6, value)
    want = np.zeros((6, 4))
    for r, v in zip([4, 1, 4], value):
        want[r] += v
    np.testing.assert_array_equal(sr.to_dense(), want)
    merged = sr.merged()
    assert merged.rows() == [1, 4]
    np.testing.assert_array_equal(merged.value, want[[1, 4]])
    total = merge_add([sr, SelectedRows([], 6, value), SelectedRows([0], 6, value[:1])])
    assert total.rows() == [0, 1, 4]  # an input with no rows adds nothing
    np.testing.assert_array_equal(total.to_dense(), want + np.eye(6, 1) @ value[:1])


@pytest.mark.parametrize("repeat", [False, True])
def test_sparse_sgd_updates_only_the_rows_given(repeat):
    scope, rng = fluid.Scope(), np.random.default_rng(1)
    rows = [0, 4, 4] if repeat else [0, 4, 7]
    grad, param = rng.normal(size=(3, 5)).astype("float32"), rng.normal(size=(10, 5))
    _sparse(scope, "Grad", rows, grad)
    _dense(scope, "Param", param.astype("float32"))
    _dense(scope, "LR", np.array([0.5], "float32"))
    Operator("sgd", Param="Param", Grad="Grad", LearningRate="LR", ParamOut="Param").run(
        scope, PLACE)
    want = param.copy()
    for r, g in zip(rows, grad):
        want[r] -= 0.5 * g
    np.testing.assert_allclose(np.array(scope.find_var("Param").get_tensor()), want, rtol=1e-6)


def test_sparse_sgd_of_a_sparse_param_updates_its_own_rows_and_refuses_others():
    scope = fluid.Scope()
    param = _sparse(scope, "Param", [2, 5, 9], np.ones((3, 4), "float32"), height=10)
    _sparse(scope, "Grad", [9, 2], np.full((2, 4), 2.0, "float32"))
    _dense(scope, "LR", np.array([0.25], "float32"))
    op = Operator("sgd", Param="Param", Grad="Grad", LearningRate="LR", ParamOut="Param")
    op.run(scope, PLACE)
    np.testing.assert_array_equal(param.value, [[0.5] * 4, [1.0] * 4, [0.5] * 4])
    _sparse(scope, "Grad", [3], np.ones((1, 4), "float32"))
    with pytest.raises(ValueError, match=r"Grad has rows \[3\] that the SelectedRows Param "
                                         r"does not hold \(its rows: \[2, 5, 9\]\)"):
        op.run(scope, PLACE)


def test_sparse_momentum_and_adam_match_their_dense_formulas():
    rng = np.random.default_rng(2)
    rows, grad = [1, 6, 1], rng.normal(size=(3, 4))
    dense = SelectedRows(rows, 8, grad).to_dense()
    p0, v0 = rng.normal(size=(8, 4)), rng.uniform(size=(8, 4))
    scope = fluid.Scope()
    _sparse(scope, "G", rows, grad, height=8)
    for name, value in (("P", p0), ("V", v0), ("LR", np.array([0.1]))):
        _dense(scope, name, value)
    Operator("momentum", Param="P", Grad="G", Velocity="V", LearningRate="LR", ParamOut="P",
             VelocityOut="V", mu=0.9).run(scope, PLACE)
    v = 0.9 * v0 + dense
    np.testing.assert_allclose(np.array(scope.find_var("V").get_tensor()), v)
    np.testing.assert_allclose(np.array(scope.find_var("P").get_tensor()), p0 - 0.1 * v)

    for lazy in (False, True):
        scope = fluid.Scope()
        _sparse(scope, "G", rows, grad, height=8)
        m1, m2 = rng.normal(size=(8, 4)), rng.uniform(size=(8, 4))
        for name, value in (("P", p0), ("M1", m1), ("M2", m2), ("LR", np.array([0.1])),
                            ("B1", np.array([0.9 ** 3])), ("B2", np.array([0.999 ** 3]))):
            _dense(scope, name, value)
        Operator("adam", Param="P", Grad="G", LearningRate="LR", Moment1="M1", Moment2="M2",
                 Beta1Pow="B1", Beta2Pow="B2", ParamOut="P", Moment1Out="M1",
                 Moment2Out="M2", Beta1PowOut="B1", Beta2PowOut="B2", lazy_mode=lazy).run(
            scope, PLACE)
        a, b = 0.9 * m1 + 0.1 * dense, 0.999 * m2 + 0.001 * dense ** 2
        root = np.sqrt(1 - 0.999 ** 3)
        p = p0 - 0.1 * root / (1 - 0.9 ** 3) * a / (np.sqrt(b) + 1e-8 * root)
        kept = np.isin(np.arange(8), rows) if lazy else np.ones(8, bool)  # lazy: given rows
        got = {n: np.array(scope.find_var(n).get_tensor()) for n in ("P", "M1", "M2")}
        np.testing.assert_allclose(got["P"], np.where(kept[:, None], p, p0), rtol=1e-12)
        np.testing.assert_allclose(got["M1"], np.where(kept[:, None], a, m1), rtol=1e-12)
        np.testing.assert_allclose(got["M2"], np.where(kept[:, None], b, m2), rtol=1e-12)


def test_scale_keeps_the_rows_and_sum_merges_or_densifies():
    scope, rng = fluid.Scope(), np.random.default_rng(3)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(3, 3))
    _sparse(scope, "a", [1, 2], a, height=4)
    _sparse(scope, "b", [2, 0, 2], b, height=4)
    out = scope.var("out").get_selected_rows()
    Operator("scale", X="a", Out="out", scale=3.0, bias=1.0).run(scope, PLACE)
    assert (out.rows(), out.height()) == ([1, 2], 4)
    np.testing.assert_allclose(out.value, 3 * a + 1)
    total = scope.var("total").get_selected_rows()
    Operator("sum", X=["a", "b"], Out="total").run(scope, PLACE)
    want = SelectedRows([1, 2], 4, a).to_dense() + SelectedRows([2, 0, 2], 4, b).to_dense()
    assert total.rows() == [0, 1, 2]
    np.testing.assert_allclose(total.to_dense(), want)
    d = rng.normal(size=(4, 3))
    _dense(scope, "d", d)
    Operator("sum", X=["d", "b"], Out="dense").run(scope, PLACE)  # a dense first: dense out
    np.testing.assert_allclose(np.array(scope.find_var("dense").get_tensor()),
                               d + SelectedRows([2, 0, 2], 4, b).to_dense())


def test_a_selected_rows_where_an_op_takes_dense_tensors_is_refused_by_name(fresh):
    scope = fluid.Scope()
    _sparse(scope, "x", [0], np.ones((1, 3), "float32"))
    with pytest.raises(TypeError, match=r"input X names 'x', a SelectedRows \(op 'relu' "
                                        r"takes dense tensors there; its sparse slots: none\)"):
        Operator("relu", X="x", Out="y").run(scope, PLACE)
    x = fluid.data("x", [None, 3])
    y = fluid.layers.relu(x)
    with pytest.raises(TypeError, match="feed 'x' is a SelectedRows .*dense tensors only"):
        fluid.Executor().run(fresh, {"x": SelectedRows([0], 4, np.ones((1, 3), "float32"))},
                             [y])


def test_bad_sparse_rows_are_refused_naming_the_variable(fresh):
    scope = fluid.Scope()
    _dense(scope, "Param", np.zeros((4, 3), "float32"))
    _dense(scope, "LR", np.array([1.0], "float32"))
    sgd = Operator("sgd", Param="Param", Grad="Grad", LearningRate="LR", ParamOut="Param")
    for rows, value, height, message in (
            ([-1], np.ones((1, 3)), 4, r"row ids \[-1\] are outside \[0, 4\)"),
            ([0, 1], np.ones((3, 3)), 4, "one value row per row id; it has 2 ids and a value "
                                         r"of shape \[3, 3\]"),
            ([0], np.ones((1, 3)), 1, r"sgd: Grad \('Grad', float32\[1, 3\]\) does not match "
                                      r"Param \('Param', float32\[4, 3\]\)"),  # when built
            ([0], np.ones((1, 1)), 4, r"Grad \('Grad', float32\[4, 1\]\) does not match")):
        _sparse(scope, "Grad", rows, value.astype("float32"), height=height)
        with pytest.raises(ValueError, match=message):
            sgd.run(scope, PLACE)
    np.testing.assert_array_equal(np.array(scope.find_var("Param").get_tensor()), 0)
    # declared [-1, 3]: a height other than the Param's is found by the kernel
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup):
        w = fluid.layers.create_global_var([4, 3], 0.0, "float32", persistable=True, name="w")
        g = fluid.data("w_grad", [-1, 3])
        lr = fluid.layers.fill_constant([1], "float32", 0.5)
        main.global_block().append_op("sgd", {"Param": [w], "Grad": [g], "LearningRate": [lr]},
                                      {"ParamOut": [w]})
    exe = fluid.Executor()
    exe.run(startup)
    with pytest.raises(ValueError, match=r"sgd: Grad is a SelectedRows standing for shape "
                                         r"\[2, 3\] \(height 2\), but Param has shape \[4, 3\]"):
        exe.run(main, {"w_grad": SelectedRows([1], 2, np.ones((1, 3), "float32"))}, [w])
    x = fluid.data("g", [4, 3])
    total = fluid.layers.sums([x, x])
    with pytest.raises(ValueError, match=r"feed 'g' is a SelectedRows standing for shape "
                                         r"\[4, 1\]; the variable is declared \[4, 3\]"):
        fluid.Executor().run(fresh, {"g": SelectedRows([0], 4, np.ones((1, 1), "float32"))},
                             [total])


def test_a_sparse_value_made_inside_a_program_that_reaches_a_dense_op_is_named(fresh):
    g = fluid.data("g", [4, 3])
    doubled = fluid.layers.scale(g, 2.0)  # sparse in, sparse out
    y = fluid.layers.relu(doubled)
    with pytest.raises(TypeError, match=r"op 'relu' created at .*\n.*SelectedRows float32"
                                        r"\[4, 3\]\n  \(input X is a SelectedRows, sparse rows, "
                                        r"which op 'relu' does not take\)"):
        fluid.Executor().run(fresh, {"g": SelectedRows([1], 4, np.ones((1, 3), "float32"))},
                             [y])
    np.testing.assert_array_equal(fluid.Executor().run(
        fresh, {"g": SelectedRows([1], 4, np.ones((1, 3), "float32"))}, [doubled])[0].value,
        [[2.0] * 3])


def test_a_sparse_value_in_the_scope_keeps_its_object_and_handles_see_updates(fresh):
    p = fluid.layers.create_global_var([4, 3], 0.0, "float32", persistable=True, name="p")
    scope = fluid.Scope()
    sr = _sparse(scope, "p", [2], np.ones((1, 3), "float32"), height=4)
    handle = sr.get_tensor()
    doubled = fluid.layers.scale(p, 2.0)
    block = fresh.global_block()
    block.append_op("scale", {"X": [doubled]}, {"Out": [p]}, {"scale": 1.0})  # p = 2 p
    exe = fluid.Executor()
    for want in (2.0, 4.0):
        exe.run(fresh, scope=scope)
        assert scope.var("p").get_selected_rows() is sr
        np.testing.assert_array_equal(np.array(handle), [[want] * 3])
    with pytest.raises(TypeError, match="variable 'p' holds a SelectedRows: read its value"):
        np.array(scope.find_var("p").get_tensor())
