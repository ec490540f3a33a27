import numpy as np
import pytest
from reference import sigmoid

import minifluid as fluid


def _data(n=10):
    x = fluid.layers.data("x", [n], "float64")
    z = fluid.layers.data("z", [n], "float64")
    return x, z


def _feed(rng, n=10):
    return {"x": rng.normal(size=(3, n)), "z": rng.integers(0, 2, (3, n)).astype(np.float64)}


def test_fan_out_gradients_are_summed(fresh, rng):
    x, z = _data()
    x.stop_gradient = False
    loss = fluid.layers.sigmoid_cross_entropy_with_logits(x, z)
    t1 = fluid.layers.reduce_sum(loss)
    t2 = fluid.layers.mean(loss)  # loss feeds two ops
    l2 = fluid.layers.reduce_sum(fluid.layers.sigmoid_cross_entropy_with_logits(x, x))
    dx, = fluid.gradients([t1, t2, l2], [x])  # and x feeds two ops
    types = [op.type for op in fresh.global_block().ops]
    assert types.count("sum") == 2
    feed = _feed(rng)
    g, = fluid.Executor().run(fresh, feed, [dx])
    s = sigmoid(feed["x"])
    want = (s - feed["z"]) * (1 + 1 / 30) + (s - feed["x"])
    np.testing.assert_allclose(g, want, rtol=1e-10)


def test_stop_gradient_and_no_grad_set_block_gradients(fresh, rng):
    x, z = _data()
    x.stop_gradient = False
    loss = fluid.layers.sigmoid_cross_entropy_with_logits(x, z)
    blocked = fluid.layers.mean(loss)
    assert fluid.gradients(fluid.layers.reduce_sum(loss), [x], no_grad_set={loss.name}) == [None]
    loss.stop_gradient = True
    assert fluid.gradients(blocked, [x]) == [None]


def test_target_gradients_weight_the_targets(fresh, rng):
    x, z = _data()
    w = fluid.layers.data("w", [10], "float64")
    loss = fluid.layers.sigmoid_cross_entropy_with_logits(x, z)
    dx, = fluid.gradients([loss], [x], target_gradients=[w])
    f = _feed(rng)
    wv = rng.uniform(size=(3, 10))
    g, = fluid.Executor().run(fresh, {**f, "w": wv}, [dx])
    np.testing.assert_allclose(g, wv * (sigmoid(f["x"]) - f["z"]), rtol=1e-10)
    with pytest.raises(ValueError, match="1 targets but 2 target_gradients"):
        fluid.gradients([loss], [x], target_gradients=[w, w])


def test_append_backward_returns_parameter_gradient_pairs(fresh, rng):
    block = fresh.global_block()
    wp = block.create_parameter("w", [3, 10], "float64")
    z = fluid.layers.data("z", [3, 10], "float64", append_batch_size=False)
    loss = fluid.layers.mean(fluid.layers.sigmoid_cross_entropy_with_logits(wp, z))
    pairs = fluid.backward.append_backward(loss)
    assert [(p.name, g.name) for p, g in pairs] == [("w", "w@GRAD")]
    scope = fluid.Scope()
    wv = rng.normal(size=(3, 10))
    scope.var("w").get_tensor().set(wv)
    zv = rng.integers(0, 2, (3, 10)).astype(np.float64)
    g, = fluid.Executor().run(fresh, {"z": zv}, [pairs[0][1]], scope=scope)
    np.testing.assert_allclose(g, (sigmoid(wv) - zv) / 30, rtol=1e-10)
    assert fluid.append_backward is fluid.backward.append_backward


def test_append_backward_needs_a_one_element_loss(fresh):
    x, z = _data()
    rows = fluid.layers.reduce_sum(fluid.layers.sigmoid_cross_entropy_with_logits(x, z), dim=1)
    with pytest.raises(ValueError, match=r"the loss must have exactly one element, but "
                                         r"'reduce_sum_0.tmp_0' has shape \[-1\]"):
        fluid.backward.append_backward(rows)
    with pytest.raises(TypeError, match="argument .loss. must be a Variable"):
        fluid.backward.append_backward(np.zeros(1))


def test_gradients_of_an_unrelated_input_is_none(fresh):
    x, z = _data()
    other = fluid.layers.data("other", [10])
    total = fluid.layers.reduce_sum(fluid.layers.sigmoid_cross_entropy_with_logits(x, z))
    dx, do = fluid.gradients(total, [x, other])
    assert dx is not None and do is None


def test_a_second_backward_pass_gets_its_own_gradient_names(fresh, rng):
    x = fluid.data("x", [3], "float64")
    x.stop_gradient = False
    a = fluid.layers.reduce_sum(fluid.layers.sigmoid(x))
    b = fluid.layers.reduce_sum(fluid.layers.tanh(x))
    ga, = fluid.gradients([a], [x])
    gb, = fluid.gradients([b], [x])
    assert ga.name == "x@GRAD" and gb.name != ga.name
    xv = rng.normal(size=3)
    da, db = fluid.Executor().run(fresh, {"x": xv}, [ga, gb])
    np.testing.assert_allclose(da, sigmoid(xv) * (1 - sigmoid(xv)), rtol=1e-12)
    np.testing.assert_allclose(db, 1 - np.tanh(xv) ** 2, rtol=1e-12)


def test_gradients_of_gradients_say_they_are_unsupported(fresh):
    x = fluid.data("x", [3], "float64")
    x.stop_gradient = False
    dx, = fluid.gradients(fluid.layers.reduce_sum(fluid.layers.sigmoid(x)), [x])
    with pytest.raises(NotImplementedError, match="gradients of gradients"):
        fluid.gradients(dx, [x])


def _reshaped_by_a_tensor(fresh):
    """x [2, 6] reshaped by the int32 tensor s: the output's shape is known at run time only."""
    x = fluid.data("x", [2, 6], "float64")
    x.stop_gradient = False
    s = fluid.data("s", [2], "int32")
    block = fresh.global_block()
    out, xshape = block.create_var("out"), block.create_var("xshape")
    block.append_op("reshape2", {"X": [x], "Shape": [s]}, {"Out": [out], "XShape": [xshape]},
                    {"shape": [0, -1]})
    assert out.shape == (-1, -1)
    return x, out


def test_a_target_gradient_of_known_shape_fits_a_target_known_at_run_time(fresh, rng):
    x, out = _reshaped_by_a_tensor(fresh)
    w = fluid.data("w", [3, 4], "float64")
    dx, = fluid.gradients([out], [x], target_gradients=[w])
    assert dx.shape == (2, 6)
    xv, wv = rng.normal(size=(2, 6)), rng.normal(size=(3, 4))
    g, = fluid.Executor().run(fresh, {"x": xv, "s": np.array([3, 4], "int32"), "w": wv}, [dx])
    np.testing.assert_array_equal(g, wv.reshape(2, 6))  # reshape's gradient: dOut reshaped


def test_a_target_gradient_of_another_run_time_shape_is_refused_when_run(fresh, rng):
    x, out = _reshaped_by_a_tensor(fresh)
    w = fluid.data("w", [3, 4], "float64")
    dx, = fluid.gradients([out], [x], target_gradients=[w])
    feed = {"x": rng.normal(size=(2, 6)), "s": np.array([4, 3], "int32"),
            "w": rng.normal(size=(3, 4))}
    with pytest.raises(ValueError, match=r"target_gradient 'w' has shape \[3, 4\] at run time, "
                                         r"its target 'out' has \[4, 3\]"):
        fluid.Executor().run(fresh, feed, [dx])


def test_a_target_gradient_that_cannot_fit_is_refused_at_build_time(fresh):
    x, out = _reshaped_by_a_tensor(fresh)
    for shape in ([12], [3, 4, 1]):  # another rank than the target's
        w = fluid.data(f"w{len(shape)}", shape, "float64")
        with pytest.raises(ValueError, match=rf"target_gradient 'w{len(shape)}' has shape "
                                             rf"\{shape}, target 'out' has \[-1, -1\]"):
            fluid.gradients([out], [x], target_gradients=[w])
    y = fluid.data("y", [2, 3], "float64")
    y.stop_gradient = False
    w = fluid.data("w", [3, 2], "float64")
    with pytest.raises(ValueError, match=r"target_gradient 'w' has shape \[3, 2\], target "
                                         r"'scale_0.tmp_0' has \[2, 3\]"):
        fluid.gradients([fluid.layers.scale(y, 2.0)], [y], target_gradients=[w])


def test_a_target_gradient_known_at_run_time_fits_a_known_target(fresh, rng):
    y = fluid.data("y", [2, 3], "float64")
    y.stop_gradient = False
    w = fluid.data("w", [-1, 3], "float64")  # the batch of w is given when run
    dy, = fluid.gradients([fluid.layers.scale(y, 2.0)], [y], target_gradients=[w])
    assert dy.shape == (2, 3)
    yv, wv = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    g, = fluid.Executor().run(fresh, {"y": yv, "w": wv}, [dy])
    np.testing.assert_allclose(g, 2 * wv, rtol=1e-12)
    with pytest.raises(ValueError, match=r"target_gradient 'w' has shape \[4, 3\] at run time"):
        fluid.Executor().run(fresh, {"y": yv, "w": rng.normal(size=(4, 3))}, [dy])
