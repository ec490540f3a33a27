"""Feeds shaped otherwise than declared (project issue 13, item 5).

A layers.data feed is not refused for its shape (fluid 1.x scripts feed [N, C, 1, 1] into a
variable declared [C]); instead the executor re-runs the shape rules of the ops downstream
of it on the shapes fed, as fluid's run-time InferShape did, in a plan built once per fed
shape signature. A feed that fits its declaration takes the ordinary plan.
"""
import gc
import weakref

import numpy as np
import pytest

import minifluid as fluid


def _loss_program():
    x = fluid.layers.data("x", [10])
    label = fluid.layers.data("label", [10])
    loss = fluid.layers.mean(fluid.layers.sigmoid_cross_entropy_with_logits(x, label))
    return loss


def _only_plan(exe, program):
    plan, = [plan for ref, plan in exe._plans.values() if ref() is program]
    return plan


@pytest.mark.parametrize("shape", [(8, 1), (10,), (8, 10, 1)])
def test_a_label_of_the_wrong_shape_is_refused_naming_the_loss_op_its_line_and_both_shapes(
        fresh, shape):
    loss = _loss_program()
    exe = fluid.Executor()
    with pytest.raises(ValueError) as e:
        exe.run(fresh, {"x": np.zeros((8, 10), np.float32),
                        "label": np.zeros(shape, np.float32)}, [loss])
    msg = str(e.value)
    assert "op 'sigmoid_cross_entropy_with_logits' created at" in msg
    assert "test_runtime_shapes.py" in msg and "loss = fluid.layers.mean(" in msg
    assert (f"feed 'label' is declared with shape [-1, 10] but fed with shape {list(shape)}"
            in msg)
    assert "must have the same shape" in msg
    assert _only_plan(exe, fresh)._special == {}  # a refused shape leaves no plan behind


def test_fc_flattens_a_4d_feed_declared_2d_as_fluid_did(fresh, place):
    x = fluid.layers.data("x", [100])
    out = fluid.layers.fc(x, size=3, act="relu")
    exe = fluid.Executor(place)
    exe.run(fluid.default_startup_program())
    scope = fluid.global_scope()
    w = np.array(scope.find_var("fc_0.w_0").get_tensor(), np.float64)
    b = np.array(scope.find_var("fc_0.b_0").get_tensor(), np.float64)
    rng = np.random.default_rng(0)
    for n in (2, 6, 0):  # one specialised plan serves every batch size, empty included
        feed = rng.normal(size=(2 * n, 100, 1, 1)).astype(np.float32)
        got, = exe.run(fresh, {"x": feed}, [out])
        want = np.maximum(feed.reshape(2 * n, 100).astype(np.float64) @ w + b, 0)
        assert got.shape == (2 * n, 3)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert list(_only_plan(exe, fresh)._special) == [(("x", (-1, 100, 1, 1)),)]


def test_fc_trains_on_a_4d_feed_declared_2d(fresh):
    x = fluid.layers.data("x", [4])
    y = fluid.layers.data("y", [1])
    d = fluid.layers.fc(x, size=1) - y
    loss = fluid.layers.mean(d * d)
    fluid.optimizer.SGD(learning_rate=0.1).minimize(loss)
    exe = fluid.Executor()
    exe.run(fluid.default_startup_program())
    rng = np.random.default_rng(1)
    xs = rng.normal(size=(32, 4, 1, 1)).astype(np.float32)
    ys = xs.reshape(32, 4) @ np.array([[1.0], [-2.0], [0.5], [3.0]], np.float32)
    losses = [exe.run(fresh, {"x": xs, "y": ys}, [loss])[0][0] for _ in range(30)]
    assert np.isfinite(losses).all() and losses[-1] < 0.1 * losses[0]


def test_a_feed_that_fits_its_declaration_takes_the_ordinary_plan(fresh):
    loss = _loss_program()
    exe = fluid.Executor()
    for n in (1, 8, 0):
        exe.run(fresh, {"x": np.zeros((n, 10), np.float32),
                        "label": np.zeros((n, 10), np.float32)}, [loss])
    assert _only_plan(exe, fresh)._special == {}


def test_specialised_plans_are_bounded_and_reused(fresh):
    x = fluid.layers.data("x", [3])
    m = fluid.layers.mean(x)
    exe = fluid.Executor()
    limit = fluid.executor._Plan.max_specialised
    for k in range(1, limit + 5):
        for n in (2, 5):  # the batch size does not make another plan
            out, = exe.run(fresh, {"x": np.full((n, 3, k), 2.0, np.float32)}, [m])
            assert out[0] == 2
    special = _only_plan(exe, fresh)._special
    assert len(special) == limit
    assert list(special)[-1] == (("x", (-1, 3, limit + 4)),)  # the oldest went first


def test_a_changed_known_dim_downstream_is_refused_at_compile_time(fresh):
    # relu promises [-1, 3]; fed [N, 3, 2] it would give a 3-D output the program below it
    # was not built for
    x = fluid.layers.data("x", [3])
    y = fluid.layers.relu(x)
    with pytest.raises(ValueError) as e:
        fluid.Executor().run(fresh, {"x": np.ones((2, 3, 2), np.float32)}, [y])
    msg = str(e.value)
    assert "op 'relu' created at" in msg
    assert "would have shape [-1, 3, 2], but the program was built for [-1, 3]" in msg
    assert "feed 'x' is declared with shape [-1, 3] but fed with shape [2, 3, 2]" in msg


def test_fluid_data_still_refuses_a_misfit_feed(fresh):
    x = fluid.data("x", [None, 100])
    out = fluid.layers.fc(x, size=3)
    exe = fluid.Executor()
    exe.run(fluid.default_startup_program())
    with pytest.raises(ValueError, match=r"feed 'x': the variable is declared with shape "
                                         r"\[-1, 100\] but the fed array has shape "
                                         r"\[2, 100, 1, 1\]"):
        exe.run(fresh, {"x": np.ones((2, 100, 1, 1), np.float32)}, [out])


def test_specialised_plans_hold_no_program():
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup):
        m = fluid.layers.mean(fluid.layers.data("x", [3]))
    exe = fluid.Executor()
    exe.run(main, {"x": np.ones((2, 3, 1, 1), np.float32)}, [m])
    (_, plan), = exe._plans.values()
    assert len(plan._special) == 1
    ref = weakref.ref(main)
    del main, m
    gc.collect()
    assert ref() is None
    exe.run(fluid.Program())  # a lookup drops the dead program's plans
    assert all(r() is not None for r, _ in exe._plans.values())


def test_a_feed_of_another_rank_can_be_reshaped(fresh):
    """reshape2's XShape records its input's shape; it does not make a misfit feed fail."""
    x = fluid.layers.data("x", [3, 4])
    y = fluid.layers.reshape(x, [-1, 12])
    xv = np.arange(48, dtype="float32").reshape(4, 4, 3)  # declared [-1, 3, 4]
    got, = fluid.Executor().run(fresh, {"x": xv}, [y])
    np.testing.assert_array_equal(got, xv.reshape(-1, 12))
