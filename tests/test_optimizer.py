import numpy as np
import pytest

import minifluid as fluid


def _model(rng):
    """A linear model y = x @ w with a known w, and its data."""
    x = fluid.layers.data("x", [3], "float64")
    z = fluid.layers.data("z", [1], "float64")
    logit = fluid.layers.fc(x, 1, param_attr=fluid.ParamAttr(
        "w", fluid.initializer.Constant(0.1)), bias_attr=False)
    loss = fluid.layers.mean(fluid.layers.sigmoid_cross_entropy_with_logits(logit, z))
    xv = rng.normal(size=(8, 3))
    zv = (xv @ np.array([[1.0], [-2.0], [0.5]]) > 0).astype(np.float64)
    return loss, {"x": xv, "z": zv}


def _grad(w, xv, zv):
    return xv.T @ (1 / (1 + np.exp(-(xv @ w))) - zv) / len(xv)


@pytest.mark.parametrize("make,step", [
    (lambda: fluid.optimizer.SGD(0.5), lambda w, g, s: w - 0.5 * g),
    (lambda: fluid.optimizer.SGD(0.5, regularization=fluid.regularizer.L2Decay(0.1)),
     lambda w, g, s: w - 0.5 * (g + 0.1 * w)),
])
def test_minimize_applies_the_update(fresh, rng, make, step):
    loss, feed = _model(rng)
    opt_ops, params_grads = make().minimize(loss)
    assert [(p.name, g.name) for p, g in params_grads] == [("w", "w@GRAD")]
    assert [op.type for op in opt_ops] == ["sgd"]
    exe = fluid.Executor()
    exe.run(fluid.default_startup_program())
    w = np.full((3, 1), 0.1)
    for _ in range(3):
        exe.run(fresh, feed, [loss])
        w = step(w, _grad(w, feed["x"], feed["z"]), None)
    np.testing.assert_allclose(np.array(fluid.global_scope().find_var("w").get_tensor()), w,
                               rtol=1e-12)


def test_momentum_and_adam_follow_their_formulas(rng):
    for make in (lambda: fluid.optimizer.Momentum(0.1, 0.9, use_nesterov=True),
                 lambda: fluid.optimizer.Adam(0.1)):
        main, startup = fluid.Program(), fluid.Program()
        with fluid.program_guard(main, startup), fluid.unique_name.guard():
            loss, feed = _model(rng)
            make().minimize(loss)
        scope, exe = fluid.Scope(), fluid.Executor()
        exe.run(startup, scope=scope)
        w, v, m1, m2 = np.full((3, 1), 0.1), 0, 0, 0
        for t in range(1, 4):
            exe.run(main, feed, [loss], scope=scope)
            g = _grad(w, feed["x"], feed["z"])
            if "Momentum" in repr(make()):
                v = 0.9 * v + g
                w = w - 0.1 * (g + 0.9 * v)
            else:
                m1, m2 = 0.9 * m1 + 0.1 * g, 0.999 * m2 + 0.001 * g * g
                lr_t = 0.1 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
                w = w - lr_t * m1 / (np.sqrt(m2) + 1e-8 * np.sqrt(1 - 0.999 ** t))
        np.testing.assert_allclose(scope._vars["w"], w, rtol=1e-10)


def test_learning_rate_variable_and_parameter_factor(fresh, rng):
    lr = fluid.layers.create_global_var([1], 0.5, "float64", persistable=True, name="lr")
    x = fluid.layers.data("x", [3], "float64")
    z = fluid.layers.data("z", [1], "float64")
    logit = fluid.layers.fc(x, 1, param_attr=fluid.ParamAttr(
        "w", fluid.initializer.Constant(0.1), learning_rate=0.2), bias_attr=False)
    loss = fluid.layers.mean(fluid.layers.sigmoid_cross_entropy_with_logits(logit, z))
    fluid.optimizer.SGD(lr).minimize(loss)
    exe = fluid.Executor()
    exe.run(fluid.default_startup_program())
    xv, zv = rng.normal(size=(4, 3)), np.ones((4, 1))
    exe.run(fresh, {"x": xv, "z": zv}, [loss])
    w = np.full((3, 1), 0.1)
    np.testing.assert_allclose(fluid.global_scope()._vars["w"], w - 0.5 * 0.2 * _grad(w, xv, zv))


def test_bad_learning_rates():
    with pytest.raises(TypeError, match="learning_rate must be a float or a Variable, got int "
                                        r"1 \(write 1.0\)"):
        fluid.optimizer.SGD(1)
    with pytest.raises(TypeError, match="got str"):
        fluid.optimizer.Adam("0.1")
    with pytest.raises(ValueError,
                       match="argument .learning_rate. must be a finite number >= 0, got -0.1"):
        fluid.optimizer.Momentum(-0.1, 0.9)
    with pytest.raises(TypeError, match="got bool"):
        fluid.optimizer.SGD(True)
    assert fluid.optimizer.SGD(np.float32(0.5)).learning_rate == 0.5
    fluid.optimizer.SGD(0.0)  # a frozen run, as fluid allows


def test_minimize_needs_a_scalar_loss(fresh):
    x = fluid.layers.data("x", [3])
    cost = fluid.layers.fc(x, 1)
    with pytest.raises(ValueError, match=r"the loss must have exactly one element, but "
                                         r"'fc_0.tmp_1' has shape \[-1, 1\]"):
        fluid.optimizer.SGD(0.1).minimize(cost)


def test_a_second_minimize_still_updates_shared_parameters(fresh, rng):
    x = fluid.layers.data("x", [3], "float64")
    h = fluid.layers.fc(x, 4, param_attr="shared", bias_attr=False)
    loss1 = fluid.layers.mean(fluid.layers.fc(h, 1, bias_attr=False))
    fluid.optimizer.SGD(0.1).minimize(loss1)
    loss2 = fluid.layers.mean(fluid.layers.fc(h, 1, bias_attr=False))
    _, params_grads = fluid.optimizer.SGD(0.1).minimize(loss2)
    assert "shared" in [p.name for p, _ in params_grads]


def test_param_attr_names_share_a_parameter(fresh):
    x = fluid.layers.data("x", [3])
    a = fluid.layers.fc(x, 2, param_attr=fluid.ParamAttr(name="w"), bias_attr=False)
    b = fluid.layers.fc(x, 2, param_attr=fluid.ParamAttr(name="w"), bias_attr=False)
    assert [p.name for p in fresh.all_parameters()] == ["w"]
    exe = fluid.Executor()
    exe.run(fluid.default_startup_program())
    av, bv = exe.run(fresh, {"x": np.ones((1, 3), np.float32)}, [a, b])
    np.testing.assert_array_equal(av, bv)
    with pytest.raises(ValueError, match=r"parameter 'w' is shared but has float32\[3, 2\], "
                                         r"here float32\[3, 5\] is needed"):
        fluid.layers.fc(x, 5, param_attr=fluid.ParamAttr(name="w"))


def test_a_fetched_view_of_a_parameter_keeps_its_forward_value(fresh):
    x = fluid.layers.data("x", [2], "float64")
    out = fluid.layers.fc(x, 2, param_attr=fluid.ParamAttr(
        "w", fluid.initializer.Constant(1.0)), bias_attr=False)
    flat = fluid.layers.reshape(fresh.global_block().var("w"), [-1])
    fluid.optimizer.SGD(0.5).minimize(fluid.layers.mean(out))
    exe = fluid.Executor()
    exe.run(fluid.default_startup_program())
    got, = exe.run(fresh, {"x": np.ones((1, 2))}, [flat])
    np.testing.assert_array_equal(got, np.ones(4))
    exe.run(fresh, {"x": np.ones((1, 2))}, [flat])
    np.testing.assert_array_equal(got, np.ones(4))
