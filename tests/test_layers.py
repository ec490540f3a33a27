import numpy as np
import pytest

import minifluid as fluid


def test_fc_names_shapes_and_startup_initialisers(fresh):
    x = fluid.layers.data("x", [3, 4])
    out = fluid.layers.fc(x, 5, num_flatten_dims=2, act="relu")
    assert out.shape == (-1, 3, 5)
    params = {p.name: p.shape for p in fresh.all_parameters()}
    assert params == {"fc_0.w_0": (4, 5), "fc_0.b_0": (5,)}
    startup = fluid.default_startup_program().global_block()
    assert [op.type for op in startup.ops] == ["uniform_random", "fill_constant"]
    limit = np.sqrt(6 / (4 + 5))  # Xavier
    assert startup.ops[0].attrs["min"] == pytest.approx(-limit)
    assert [op.type for op in fresh.global_block().ops] == ["mul", "elementwise_add", "relu"]


def test_fc_computes_x_w_plus_b(fresh, rng):
    x = fluid.layers.data("x", [4], "float64")
    out = fluid.layers.fc(x, 3, param_attr=fluid.ParamAttr(
        name="w", initializer=fluid.initializer.Normal(0, 1, seed=3)),
        bias_attr=fluid.initializer.Constant(0.5))
    exe = fluid.Executor()
    scope = fluid.Scope()
    exe.run(fluid.default_startup_program(), scope=scope)
    xv = rng.normal(size=(2, 4))
    got, = exe.run(fresh, {"x": xv}, [out], scope=scope)
    w = np.array(scope.find_var("w").get_tensor())
    np.testing.assert_allclose(got, xv @ w + 0.5, rtol=1e-12)


def test_fc_with_several_inputs_and_no_bias(fresh):
    a, b = fluid.layers.data("a", [3]), fluid.layers.data("b", [2])
    out = fluid.layers.fc([a, b], 4, bias_attr=False)
    assert out.shape == (-1, 4)
    assert sorted(p.name for p in fresh.all_parameters()) == ["fc_0.w_0", "fc_0.w_1"]
    assert [op.type for op in fresh.global_block().ops] == ["mul", "mul", "sum"]


def test_fc_errors(fresh):
    x = fluid.layers.data("x", [3])
    with pytest.raises(ValueError, match="fc: argument .size. must be an int >= 1, got 0"):
        fluid.layers.fc(x, 0)
    with pytest.raises(ValueError, match="argument .act. must be None or one of .*, got 'swash'"):
        fluid.layers.fc(x, 2, act="swash")
    with pytest.raises(TypeError, match="fc: argument 'input' must be a Variable"):
        fluid.layers.fc(np.ones((2, 3)), 2)
    with pytest.raises(TypeError, match="argument 'param_attr' must be None, a bool, a ParamAttr"):
        fluid.layers.fc(x, 2, param_attr=3)


def test_random_seed_makes_initial_parameters_repeatable():
    def build():
        main, startup = fluid.Program(), fluid.Program()
        main.random_seed = startup.random_seed = 42
        with fluid.program_guard(main, startup), fluid.unique_name.guard():
            fluid.layers.fc(fluid.layers.data("x", [8]), 4)
            fluid.layers.fc(fluid.layers.data("y", [8]), 4)
        scope = fluid.Scope()
        fluid.Executor().run(startup, scope=scope)
        return {k: v.copy() for k, v in scope._vars.items()}
    first, second = build(), build()
    for k in first:
        np.testing.assert_array_equal(first[k], second[k])
    assert not np.array_equal(first["fc_0.w_0"], first["fc_1.w_0"])  # same shape, differ


def test_one_op_layers(fresh, rng):
    x = fluid.layers.data("x", [4], "float64")
    y = fluid.layers.data("y", [4], "float64")
    outs = [fluid.layers.sigmoid(x), fluid.layers.tanh(x), fluid.layers.relu(x),
            fluid.layers.softmax(x), fluid.layers.elementwise_mul(x, y, act="relu"),
            fluid.layers.scale(x, 2.0, 1.0), fluid.layers.reshape(x, [0, 2, 2]),
            fluid.layers.concat([x, y], axis=1), fluid.layers.cast(x, "float32"),
            fluid.layers.matmul(x, y, transpose_y=True),
            fluid.layers.fill_constant([2], "int64", 3)]
    xv, yv = rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    got = fluid.Executor().run(fresh, {"x": xv, "y": yv}, outs)
    e = np.exp(xv - xv.max(1, keepdims=True))
    want = [1 / (1 + np.exp(-xv)), np.tanh(xv), np.maximum(xv, 0), e / e.sum(1, keepdims=True),
            np.maximum(xv * yv, 0), 2 * xv + 1, xv.reshape(2, 2, 2), np.hstack([xv, yv]),
            xv.astype("float32"), xv @ yv.T, np.array([3, 3])]
    for g, w, v in zip(got, want, outs):
        assert g.shape == w.shape and g.dtype == w.dtype, v.name
        np.testing.assert_allclose(g, w, rtol=1e-6)


def test_fc_with_several_inputs_trains_every_weight(fresh, rng):
    a, b = fluid.layers.data("a", [3], "float64"), fluid.layers.data("b", [2], "float64")
    out = fluid.layers.fc([a, b], 1)
    _, params_grads = fluid.optimizer.SGD(0.1).minimize(fluid.layers.mean(out))
    assert sorted(p.name for p, _ in params_grads) == ["fc_0.b_0", "fc_0.w_0", "fc_0.w_1"]
    exe = fluid.Executor()
    exe.run(fluid.default_startup_program())
    av, bv = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    grads = exe.run(fresh, {"a": av, "b": bv}, [g for _, g in params_grads])
    want = {"fc_0.w_0": av.mean(0)[:, None], "fc_0.w_1": bv.mean(0)[:, None],
            "fc_0.b_0": np.ones(1)}
    for (p, _), g in zip(params_grads, grads):
        np.testing.assert_allclose(g, want[p.name], rtol=1e-12)


def test_arithmetic_on_variables(fresh, rng):
    a = fluid.layers.data("a", [3], "float64")
    b = fluid.layers.data("b", [3], "float64")
    outs = [a + b, a - b, a * b, a / b, a + 2, 2 + a, a - 2, 2 - a, a * 3, 3 * a, a / 4,
            4 / a, -a, (a - b) * (a - b)]
    av, bv = rng.uniform(1, 2, (2, 3)), rng.uniform(1, 2, (2, 3))
    got = fluid.Executor().run(fresh, {"a": av, "b": bv}, outs)
    want = [av + bv, av - bv, av * bv, av / bv, av + 2, 2 + av, av - 2, 2 - av, av * 3,
            3 * av, av / 4, 4 / av, -av, (av - bv) ** 2]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12)
    with pytest.raises(TypeError):
        a + "x"
    dx, = fluid.gradients(fluid.layers.mean((a - b) * (a - b)), [a])
    g, = fluid.Executor().run(fresh, {"a": av, "b": bv}, [dx])
    np.testing.assert_allclose(g, 2 * (av - bv) / 6, rtol=1e-12)


def test_fc_activation_output_is_named_as_fluid_names_it(fresh):
    out = fluid.layers.fc(fluid.layers.data("x", [3]), 2, act="relu")
    assert out.name == "fc_0.tmp_2"
    assert fluid.layers.relu(out).name == "relu_0.tmp_0"


def test_numpy_integers_in_shapes_and_dims(fresh, rng):
    # Old scripts often build shapes and dims with numpy; fluid took them.
    x = fluid.layers.data("x", [np.int64(3), np.int32(4)], "float64")
    y = fluid.data("y", [None, np.int64(4)], "float64")
    assert x.shape == (-1, 3, 4) and y.shape == (-1, 4)
    s1 = fluid.layers.reduce_sum(x, dim=np.int64(1))
    s2 = fluid.layers.reduce_mean(x, dim=[np.int64(-1)], keep_dim=True)
    xv = rng.normal(size=(2, 3, 4))
    a, b = fluid.Executor().run(fresh, {"x": xv}, [s1, s2])
    np.testing.assert_allclose(a, xv.sum(1), rtol=1e-12)
    np.testing.assert_allclose(b, xv.mean(-1, keepdims=True), rtol=1e-12)
    with pytest.raises(TypeError, match="argument .dim. must be None, an int or a list of ints"):
        fluid.layers.reduce_sum(x, dim=np.bool_(True))


def test_a_failed_layer_call_leaves_nothing_in_the_program(fresh):
    x = fluid.data("x", [2, 3])
    before = [v.name for v in fresh.list_vars()]
    with pytest.raises(ValueError, match="must have the same shape"):
        fluid.layers.sigmoid_cross_entropy_with_logits(x, fluid.data("z", [2, 4]))
    with pytest.raises(ValueError, match="does not broadcast"):
        fresh.global_block().append_op("elementwise_add", {"X": x, "Y": fresh.global_block()
                                                          .var("z")}, {"Out": "made_here"})
    with pytest.raises(TypeError, match="must be a float tensor"):
        fluid.layers.dropout(fluid.data("i", [2, 3], "int64"), 0.5)  # two outputs, by hand
    with pytest.raises(TypeError, match="must be a float tensor"):  # one name for two outputs
        fresh.global_block().append_op("dropout", {"X": "i"}, {"Out": "t", "Mask": "t"},
                                       {"dropout_prob": 0.5})
    assert [v.name for v in fresh.list_vars()] == before + ["z", "i"]
    assert not fresh.global_block().ops
