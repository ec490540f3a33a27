"""The adagrad op (ops/adagrad.py) and fluid.optimizer.Adagrad, against fluid 1.8's formulas
computed here in float64 numpy, step by step:

    moment += grad^2;  param -= lr * grad / (sqrt(moment) + epsilon)

dense and sparse (a SelectedRows grad updates only its rows, repeated rows summed first),
with the optimizer's L2 decay and a per-parameter one (which wins over the optimizer's).
"""
import numpy as np
import pytest

import minifluid as fluid
from minifluid.op import Operator
from minifluid.testing import build_op, run_op


def _step(p, g, m, lr, eps):
    m = m + g * g
    return p - lr * g / (np.sqrt(m) + eps), m


# --- the op

@pytest.mark.parametrize("dtype,rtol", [("float64", 1e-14), ("float32", 1e-6)])
def test_dense_steps_follow_the_formula(rng, dtype, rtol):
    p, m = rng.normal(size=(4, 5)).astype(dtype), np.full((4, 5), 0.1, dtype)
    want_p, want_m = p.astype(np.float64), m.astype(np.float64)
    for _ in range(3):
        g = rng.normal(size=(4, 5)).astype(dtype)
        out = run_op("adagrad", {"Param": p.copy(), "Grad": g, "Moment": m.copy(),
                                 "LearningRate": np.array([0.3], dtype)},
                     {"epsilon": 1e-6}, ("ParamOut", "MomentOut"))
        want_p, want_m = _step(want_p, g.astype(np.float64), want_m, 0.3, 1e-6)
        assert out["ParamOut"].dtype == dtype
        np.testing.assert_allclose(out["ParamOut"], want_p, rtol=rtol)
        np.testing.assert_allclose(out["MomentOut"], want_m, rtol=rtol)
        p, m = out["ParamOut"], out["MomentOut"]


def test_zero_huge_and_tiny_gradients_on_a_zero_moment_stay_finite():
    # the step is at most lr in size: |g| / (|g| + eps)
    out = run_op("adagrad", {"Param": np.ones(3), "Grad": np.array([0.0, 1e150, -1e-150]),
                             "Moment": np.zeros(3), "LearningRate": np.array([1.0])},
                 {}, ("ParamOut", "MomentOut"))
    np.testing.assert_allclose(out["ParamOut"], [1.0, 0.0, 1.0 + 1e-150 / (1e-150 + 1e-6)])


def _sparse(rows, value, height, param, moment, lr=0.5, eps=1e-6):
    scope, place = fluid.Scope(), fluid.CPUPlace()
    g = scope.var("Grad").get_selected_rows()
    g.set_height(height)
    g.set_rows(rows)
    g.get_tensor().set(value, place)
    for name, v in (("Param", param), ("Moment", moment), ("LearningRate", np.array([lr]))):
        scope.var(name).get_tensor().set(v, place)
    Operator("adagrad", Param="Param", Grad="Grad", Moment="Moment", LearningRate="LearningRate",
             ParamOut="Param", MomentOut="Moment", epsilon=eps).run(scope, place)
    return (np.array(scope.find_var("Param").get_tensor()),
            np.array(scope.find_var("Moment").get_tensor()))


def test_sparse_updates_only_the_rows_given_repeats_merged_first(rng):
    p, m = rng.normal(size=(6, 3)), np.full((6, 3), 0.2)
    rows, value = [4, 1, 4], rng.normal(size=(3, 3))
    got_p, got_m = _sparse(rows, value, 6, p, m)
    dense = np.zeros((6, 3))
    np.add.at(dense, rows, value)  # row 4 is value[0] + value[2], squared once
    want_p, want_m = p.copy(), m.copy()
    touched = [1, 4]
    want_p[touched], want_m[touched] = _step(p[touched], dense[touched], m[touched], 0.5, 1e-6)
    np.testing.assert_allclose(got_m, want_m, rtol=1e-14)
    np.testing.assert_allclose(got_p, want_p, rtol=1e-14)
    untouched = [0, 2, 3, 5]
    np.testing.assert_array_equal(got_p[untouched], p[untouched])
    np.testing.assert_array_equal(got_m[untouched], m[untouched])


def test_sparse_equals_dense_on_the_rows_it_touches(rng):
    p, m, value = rng.normal(size=(5, 2)), np.full((5, 2), 0.3), rng.normal(size=(2, 2))
    got_p, _ = _sparse([0, 3], value, 5, p, m)
    dense = np.zeros((5, 2))
    dense[[0, 3]] = value
    want = run_op("adagrad", {"Param": p.copy(), "Grad": dense, "Moment": m.copy(),
                              "LearningRate": np.array([0.5])}, {}, ("ParamOut", "MomentOut"))
    np.testing.assert_allclose(got_p, want["ParamOut"], rtol=1e-14)


def test_a_sparse_grad_of_another_height_is_a_build_error():
    with pytest.raises(ValueError, match=r"adagrad: Grad .*\[7, 2\]\) does not match Param"):
        _sparse([0], np.ones((1, 2)), 7, np.ones((5, 2)), np.ones((5, 2)))


@pytest.mark.parametrize("slot,shape", [("Moment", (2, 4)), ("Grad", (3,)),
                                        ("LearningRate", (2,))])
def test_mismatched_inputs_are_build_errors(slot, shape):
    ins = {"Param": np.ones((2, 3)), "Grad": np.ones((2, 3)), "Moment": np.ones((2, 3)),
           "LearningRate": np.ones(1)}
    ins[slot] = np.ones(shape)
    with pytest.raises(ValueError, match=rf"adagrad.*{slot}"):
        build_op("adagrad", ins, {}, ("ParamOut", "MomentOut"))


# --- the optimizer

def _model(decay=None, opt_decay=None, init_acc=0.0):
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        x = fluid.data("x", [None, 3], "float64")
        z = fluid.data("z", [None, 1], "float64")
        logit = fluid.layers.fc(x, 1, param_attr=fluid.ParamAttr(
            "w", fluid.initializer.Constant(0.1), regularizer=decay), bias_attr=False)
        loss = fluid.layers.mean(fluid.layers.sigmoid_cross_entropy_with_logits(logit, z))
        opt = fluid.optimizer.AdagradOptimizer(learning_rate=0.2, regularization=opt_decay,
                                               initial_accumulator_value=init_acc)
        ops, _ = opt.minimize(loss)
    return main, startup, loss, ops


def _grad(w, xv, zv):
    return xv.T @ (1 / (1 + np.exp(-(xv @ w))) - zv) / len(xv)


@pytest.mark.parametrize("decay,opt_decay,coeff", [
    (None, None, 0.0),
    (None, 0.05, 0.05),         # the optimizer's L2Decay
    (0.3, None, 0.3),           # ParamAttr(regularizer=...)
    (0.3, 0.05, 0.3),           # both: the parameter's wins, as in fluid
])
def test_minimize_follows_fluids_steps(rng, decay, opt_decay, coeff):
    l2 = fluid.regularizer.L2DecayRegularizer
    main, startup, loss, ops = _model(decay and l2(decay), opt_decay and l2(opt_decay), 0.1)
    assert [op.type for op in ops] == ["adagrad"]
    scope, exe = fluid.Scope(), fluid.Executor()
    exe.run(startup, scope=scope)
    w, m = np.full((3, 1), 0.1), np.full((3, 1), 0.1)
    for _ in range(4):
        xv = rng.normal(size=(8, 3))
        zv = (xv @ np.array([[1.0], [-2.0], [0.5]]) > 0).astype(np.float64)
        exe.run(main, {"x": xv, "z": zv}, [loss], scope=scope)
        w, m = _step(w, _grad(w, xv, zv) + coeff * w, m, 0.2, 1e-6)
    np.testing.assert_allclose(scope._vars["w"], w, rtol=1e-12)
    np.testing.assert_allclose(scope._vars["w_moment_0"], m, rtol=1e-12)


def test_the_accumulator_is_a_persistable_moment_set_by_the_startup_program():
    main, startup, _, ops = _model(init_acc=0.25)
    m = main.global_block().var("w_moment_0")
    assert m.persistable and list(m.shape) == [3, 1]
    assert ops[0].input("Moment") == ["w_moment_0"] and ops[0].output("MomentOut") == \
        ["w_moment_0"] and ops[0].attr("epsilon") == 1e-6
    fill, = [o for o in startup.global_block().ops if o.output("Out") == ["w_moment_0"]]
    assert fill.type == "fill_constant" and fill.attr("value") == 0.25
    assert fluid.optimizer.Adagrad is fluid.optimizer.AdagradOptimizer


def test_a_sparse_embedding_updates_only_the_rows_looked_up():
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        ids = fluid.data("ids", [None, 1], "int64")
        emb = fluid.embedding(ids, [6, 2], is_sparse=True, param_attr=fluid.ParamAttr(
            "emb", fluid.initializer.Constant(1.0)), dtype="float64")
        loss = fluid.layers.mean(emb)
        fluid.optimizer.Adagrad(0.5).minimize(loss)
    scope, exe = fluid.Scope(), fluid.Executor()
    exe.run(startup, scope=scope)
    exe.run(main, {"ids": np.array([[2], [4], [2]])}, [loss], scope=scope)
    g = np.zeros((6, 2))
    np.add.at(g, [2, 4, 2], 1 / 6)  # d mean / d row: 1/6 per element, row 2 looked up twice
    want_w, want_m = _step(np.ones((6, 2)), g, np.zeros((6, 2)), 0.5, 1e-6)
    want_w[[0, 1, 3, 5]] = 1.0  # rows not looked up: untouched (also 1 - 0/(0+eps) = 1)
    np.testing.assert_allclose(scope._vars["emb"], want_w, rtol=1e-14)
    np.testing.assert_allclose(scope._vars["emb_moment_0"], want_m, rtol=1e-14)


@pytest.mark.parametrize("kwargs,err,match", [
    (dict(learning_rate=1), TypeError, r"Adagrad: learning_rate must be a float"),
    (dict(learning_rate=0.1, epsilon=-1.0), ValueError, r"Adagrad: argument 'epsilon'"),
    (dict(learning_rate=0.1, initial_accumulator_value=-1.0), ValueError,
     r"Adagrad: argument 'initial_accumulator_value'"),
    (dict(learning_rate=0.1, regularization="l2"), TypeError,
     r"Adagrad: argument 'regularization'"),
])
def test_argument_errors(kwargs, err, match):
    with pytest.raises(err, match=match):
        fluid.optimizer.Adagrad(**kwargs)


def test_a_wide_deep_configuration_trains_and_its_auc_states_can_be_zeroed(rng):
    # PaddleRec wide_deep's choices: TruncatedNormal weights, an L2 ParamAttr on one, Adagrad
    main, startup = fluid.Program(), fluid.Program()
    main.random_seed = startup.random_seed = 1
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        wide, deep = fluid.data("wide", [None, 4], "float32"), fluid.data("deep", [None, 6],
                                                                         "float32")
        label = fluid.data("label", [None, 1], "float32")

        def fc(x, size, act=None, decay=None):
            init = fluid.initializer.TruncatedNormal(scale=1.0 / np.sqrt(x.shape[1]))
            return fluid.layers.fc(x, size, act=act, param_attr=fluid.ParamAttr(
                initializer=init, regularizer=decay))

        logit = fluid.layers.elementwise_add(
            fc(wide, 1, decay=fluid.regularizer.L2DecayRegularizer(1e-4)),
            fc(fc(deep, 8, "relu"), 1))
        pred = fluid.layers.sigmoid(logit)
        _, _, states = fluid.layers.auc(pred, fluid.layers.cast(label, "int64"))
        loss = fluid.layers.mean(fluid.layers.sigmoid_cross_entropy_with_logits(logit, label))
        fluid.optimizer.AdagradOptimizer(learning_rate=0.1).minimize(loss)
    scope, exe = fluid.Scope(), fluid.Executor()
    exe.run(startup, scope=scope)
    w, d = rng.normal(size=(64, 4)), rng.normal(size=(64, 6))
    y = ((w[:, :1] - d[:, 1:2] + 0.5 * d[:, 2:3]) > 0).astype(np.float32)
    feed = {"wide": w.astype(np.float32), "deep": d.astype(np.float32), "label": y}
    losses = [float(exe.run(main, feed, [loss], scope=scope)[0][0]) for _ in range(30)]
    assert losses[-1] < 0.7 * losses[0], losses
    for s in states:  # as wide_deep's infer.py resets them
        t = scope.var(s.name).get_tensor()
        t.set(np.zeros(t._get_dims(), "int64"), fluid.CPUPlace())
        assert not np.array(t).any()
