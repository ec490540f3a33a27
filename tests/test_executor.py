import gc
import os
import re
import threading
import warnings
import weakref

import numpy as np
import pytest

import minifluid as fluid
from minifluid.fetched import FetchedArray
from minifluid import executor as executor_mod


def _loss_program():
    x = fluid.layers.data("x", [10])
    y = fluid.layers.data("label", [10])
    loss = fluid.layers.sigmoid_cross_entropy_with_logits(x, y)
    return x, y, fluid.layers.reduce_sum(loss)


def _feed(n=4, dtype="float32"):
    rng = np.random.default_rng(0)
    return {"x": rng.normal(size=(n, 10)).astype(dtype),
            "label": rng.integers(0, 2, (n, 10)).astype(dtype)}


def _ref_total(feed):
    x, z = feed["x"].astype(np.float64), feed["label"].astype(np.float64)
    return np.sum(z * np.logaddexp(0, -x) + (1 - z) * np.logaddexp(0, x))


def test_run_returns_numpy_results(fresh, place):
    _, _, total = _loss_program()
    exe = fluid.Executor(place)
    assert exe.run(fluid.default_startup_program()) == []
    feed = _feed()
    out, = exe.run(fresh, feed=feed, fetch_list=[total])
    assert isinstance(out, np.ndarray) and out.shape == (1,) and out.dtype == np.float32
    np.testing.assert_allclose(out[0], _ref_total(feed), rtol=1e-6)
    by_name, = exe.run(feed=feed, fetch_list=[total.name])  # default program, name fetch
    np.testing.assert_array_equal(by_name, out)


def test_plans_are_compiled_once_and_recompiled_when_the_program_changes(fresh, monkeypatch):
    compiled = []
    real = executor_mod._Plan

    class Counting(real):
        def __init__(self, *a):
            compiled.append(a[1:3])
            super().__init__(*a)

    monkeypatch.setattr(executor_mod, "_Plan", Counting)
    _, _, total = _loss_program()
    exe = fluid.Executor()
    feed = _feed()
    for _ in range(3):
        exe.run(fresh, feed, [total])
    assert len(compiled) == 1
    exe.run(fresh, feed, [total.name, "x"])  # other fetches: another plan
    assert len(compiled) == 2
    m = fluid.layers.mean(total)  # changing the program invalidates its plans
    out = exe.run(fresh, feed, [total, m])
    assert len(compiled) == 3
    np.testing.assert_allclose(out[1], out[0], rtol=1e-6)
    exe.run(fresh, feed, [total])
    assert len(compiled) == 4


def test_marking_a_variable_persistable_recompiles(fresh):
    _, _, total = _loss_program()
    exe, scope, feed = fluid.Executor(), fluid.Scope(), _feed()
    exe.run(fresh, feed, [total], scope=scope)
    assert scope.find_var(total.name) is None
    total.persistable = True  # now the run writes it back to the scope
    value, = exe.run(fresh, feed, [total], scope=scope)
    np.testing.assert_array_equal(np.array(scope.find_var(total.name).get_tensor()), value)


def test_only_needed_ops_run_and_dead_values_are_freed(fresh):
    x, _, total = _loss_program()
    x.stop_gradient = False
    dx, = fluid.gradients(total, x)
    feed = _feed()
    plan = executor_mod._Plan(fresh, tuple(feed), (total.name,), fluid.CPUPlace())
    assert [s.type for s in plan.steps] == ["sigmoid_cross_entropy_with_logits",
                                               "reduce_sum"]
    assert plan.steps[1].free  # the elementwise loss dies after reduce_sum reads it
    plan = executor_mod._Plan(fresh, tuple(feed), (total.name, dx.name), fluid.CPUPlace())
    assert len(plan.steps) == 5


def test_feed_dtype_mismatch_names_variable_and_both_dtypes(fresh):
    _, _, total = _loss_program()
    with pytest.raises(ValueError, match="feed 'x': the variable is declared float32 but the "
                                         "fed array is float64"):
        fluid.Executor().run(fresh, {**_feed(), "x": _feed(dtype="float64")["x"]}, [total])


def test_fluid_data_checks_fed_shape_layers_data_does_not(fresh):
    a = fluid.data("a", [None, 3])
    b = fluid.layers.data("b", [3])
    ma, mb = fluid.layers.mean(a), fluid.layers.mean(b)
    exe = fluid.Executor()
    with pytest.raises(ValueError, match=r"feed 'a': the variable is declared with shape "
                                         r"\[-1, 3\] but the fed array has shape \[2, 4\]"):
        exe.run(fresh, {"a": np.ones((2, 4), np.float32)}, [ma])
    with pytest.raises(ValueError, match=r"declared with shape \[-1, 3\] .* \[2, 3, 1\]"):
        exe.run(fresh, {"a": np.ones((2, 3, 1), np.float32)}, [ma])
    # fluid 1.x scripts feed [N, 3, 1, 1] into shape=[3]
    out, = exe.run(fresh, {"b": np.full((2, 3, 1, 1), 2, np.float32)}, [mb])
    assert out[0] == 2


def test_lists_and_scalars_are_converted_with_the_variable_dtype(fresh):
    a = fluid.data("a", [2], "float64")
    out, = fluid.Executor().run(fresh, {"a": [1, 2]}, [fluid.layers.mean(a)])
    assert out.dtype == np.float64 and out[0] == 1.5


def test_unknown_feed_warns_and_is_ignored(fresh):
    _, _, total = _loss_program()
    with pytest.warns(UserWarning, match="feed 'nope' is not a variable of the program"):
        fluid.Executor().run(fresh, {**_feed(), "nope": np.ones(3)}, [total])


def test_missing_feed_names_variable_and_op(fresh):
    _, _, total = _loss_program()
    with pytest.raises(ValueError, match="variable 'label' is needed by op "
                                         "'sigmoid_cross_entropy_with_logits' created at .*"
                                         "test_executor.py.* but was not fed"):
        fluid.Executor().run(fresh, {"x": _feed()["x"]}, [total])


def test_unknown_fetch_names_it(fresh):
    _loss_program()
    with pytest.raises(ValueError, match="fetch target 'nope' is not a variable"):
        fluid.Executor().run(fresh, _feed(), ["nope"])
    with pytest.raises(TypeError, match="fetch_list items must be Variables or names, got int"):
        fluid.Executor().run(fresh, _feed(), [3])


def test_bad_arguments_to_run(fresh):
    with pytest.raises(TypeError, match="program must be a Program or CompiledProgram, got str"):
        fluid.Executor().run("main")
    with pytest.raises(TypeError, match="feed must be a dict"):
        fluid.Executor().run(fresh, [1, 2])
    with pytest.raises(TypeError, match="place must be CPUPlace"):
        fluid.Executor("cpu")


def test_parameters_live_in_the_scope(fresh):
    block = fresh.global_block()
    w = block.create_parameter("w", [3], "float32")
    m = fluid.layers.mean(w)
    exe = fluid.Executor()
    with pytest.raises(RuntimeError, match="variable 'w' has no value in the scope: run the "
                                           "startup program first"):
        exe.run(fresh, fetch_list=[m])
    scope = fluid.Scope()
    scope.var("w").get_tensor().set(np.array([1, 2, 3], np.float32), fluid.CPUPlace())
    with fluid.scope_guard(scope):
        assert fluid.global_scope() is scope
        out, wv = exe.run(fresh, fetch_list=[m, w])
    assert out[0] == 2 and list(wv) == [1, 2, 3]
    assert fluid.global_scope() is not scope
    np.testing.assert_array_equal(np.array(scope.find_var("w").get_tensor()), [1, 2, 3])
    assert fluid.global_scope().find_var("w") is None
    out, = exe.run(fresh, fetch_list=[m], scope=scope)
    assert out[0] == 2


def test_kernel_errors_name_the_op_shapes_and_line(fresh, monkeypatch):
    x = fluid.layers.data("x", [10])
    y = fluid.layers.data("y", [10])
    total = fluid.layers.reduce_sum(fluid.layers.sigmoid_cross_entropy_with_logits(x, y))

    def failing(*args, **kw):
        raise ValueError("the kernel refuses")

    kernels = fluid.registry.OPS["sigmoid_cross_entropy_with_logits"].kernels
    monkeypatch.setitem(kernels, ("cpu", "float32"), failing)
    with pytest.raises(ValueError) as e:
        fluid.Executor().run(fresh, {"x": np.zeros((2, 10), np.float32),
                                     "y": np.zeros((2, 10), np.float32)}, [total])
    msg = str(e.value)
    assert "op 'sigmoid_cross_entropy_with_logits' created at" in msg
    assert "X: float32[2, 10], Label: float32[2, 10]" in msg
    assert "ValueError: the kernel refuses" in msg
    assert "total = fluid.layers.reduce_sum(" in msg
    # the kernel is named, and its own exception (with its traceback) is chained
    assert re.search(rf"in its kernel \S*test_executor.py:{failing.__code__.co_firstlineno}:", msg)
    assert str(e.value.__cause__) == "the kernel refuses"
    assert e.value.__cause__.__traceback__.tb_next is not None  # down to the kernel's line


def test_a_label_fed_with_another_shape_is_refused_by_the_shape_rule(fresh):
    # a layers.data feed is not checked against its declaration (fluid feeds [N, 3, 1, 1]
    # into shape=[3]); the ops downstream re-run their shape rules on the shapes fed
    x = fluid.layers.data("x", [10])
    y = fluid.layers.data("y", [10])
    total = fluid.layers.reduce_sum(fluid.layers.sigmoid_cross_entropy_with_logits(x, y))
    with pytest.raises(ValueError) as e:
        fluid.Executor().run(fresh, {"x": np.zeros((2, 10), np.float32),
                                     "y": np.zeros((2, 5, 2), np.float32)}, [total])
    msg = str(e.value)
    assert "op 'sigmoid_cross_entropy_with_logits' created at" in msg
    assert "must have the same shape, got [-1, 10] and [-1, 5, 2]" in msg
    assert "feed 'y' is declared with shape [-1, 10] but fed with shape [2, 5, 2]" in msg
    assert "total = fluid.layers.reduce_sum(" in msg


def test_return_numpy_false_keeps_device_arrays(fresh, place):
    _, _, total = _loss_program()
    out, = fluid.Executor(place).run(fresh, _feed(), [total], return_numpy=False)
    assert out.__class__ is fluid.LoDTensor  # as fluid 1.8, holding the array where it is
    assert type(out._array).__module__.split(".")[0] == ("numpy" if place.kind == "cpu"
                                                         else "cupy")


def test_no_warnings_on_a_plain_run(fresh):
    _, _, total = _loss_program()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fluid.Executor().run(fresh, _feed(), [total])


def test_fetched_parameters_are_copies(fresh):
    w = fresh.global_block().create_parameter("w", [2], "float32")
    m = fluid.layers.mean(w)
    scope = fluid.Scope()
    scope.var("w").get_tensor().set(np.ones(2, np.float32))
    exe = fluid.Executor()
    wv, = exe.run(fresh, fetch_list=[w], scope=scope)
    wv[:] = 5
    out, = exe.run(fresh, fetch_list=m, scope=scope)  # a single Variable is accepted
    assert out[0] == 1


def test_fetched_feeds_and_repeated_fetches_are_arrays_of_their_own(fresh):
    x = fluid.data("x", [2], "float32")
    m = fluid.layers.mean(x)
    xv = np.ones(2, np.float32)
    a, b, c, d = fluid.Executor().run(fresh, {"x": xv}, [x, m, m, x])
    assert not np.shares_memory(a, xv) and not np.shares_memory(d, xv) and b is not c
    np.testing.assert_array_equal(a, xv)


def test_feed_errors_for_none_and_ragged_lists(fresh):
    m = fluid.layers.mean(fluid.data("a", [None, 2]))
    exe = fluid.Executor()
    with pytest.raises(ValueError, match="feed 'a' is None"):
        exe.run(fresh, {"a": None}, [m])
    with pytest.raises(ValueError, match="feed 'a': cannot make a float32 array of the fed "
                                         "list"):
        exe.run(fresh, {"a": [[1, 2], [3]]}, [m])


def test_unknown_feed_warning_points_at_the_callers_line(fresh):
    _, _, total = _loss_program()
    with pytest.warns(UserWarning) as record:
        fluid.Executor().run(fresh, {**_feed(), "nope": np.ones(3)}, [total])
    assert record[0].filename == __file__


def test_missing_kernel_names_the_op_and_line(fresh):
    a = fluid.data("a", [3], "int8")
    m = fluid.layers.scale(a)  # no int8 kernel for scale
    with pytest.raises(NotImplementedError, match=r"(?s)dtype 'int8'.*needed by op "
                                                  r"'scale' created at "
                                                  r".*scale\(a\)"):
        fluid.Executor().run(fresh, {"a": np.ones(3, np.int8)}, [m])


def test_a_scope_value_of_another_dtype_is_an_error(fresh):
    w = fresh.global_block().create_parameter("w", [2], "float32")
    m = fluid.layers.mean(w)
    scope = fluid.Scope()
    scope.var("w").get_tensor().set(np.ones(2))  # float64
    with pytest.raises(ValueError, match="variable 'w' holds float64 in the scope but the "
                                         "program declares float32"):
        fluid.Executor().run(fresh, fetch_list=[m], scope=scope)


def test_a_feed_that_would_broadcast_silently_is_caught(fresh):
    x = fluid.layers.data("x", [1])
    y = fluid.layers.data("y", [1])
    diff = fluid.layers.elementwise_sub(x, y)  # built for [-1, 1]
    with pytest.raises(ValueError) as e:
        fluid.Executor().run(fresh, {"x": np.ones((5, 1), np.float32),
                                     "y": np.ones(5, np.float32)}, [diff])  # y is [5]
    msg = str(e.value)
    assert "op 'elementwise_sub' created at" in msg and "X: float32[5, 1], Y: float32[5]" in msg
    assert "its output Out is float32[5, 5], but the program was built for float32[-1, 1]" \
        in msg


def _rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.parametrize("case", ["clone for test", "new program", "new feed names"])
def test_the_plan_cache_keeps_no_program_alive_and_stays_bounded(case):
    main = fluid.Program()
    with fluid.program_guard(main, fluid.Program()), fluid.unique_name.guard():
        m = fluid.layers.mean(fluid.data("x", [None, 2]))
    exe, feed = fluid.Executor(), {"x": np.ones((2, 2), np.float32)}
    refs, rss = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the unknown feed names of the third case
        for k in range(3000):
            program, f, fetch = main, feed, m.name
            if case == "clone for test":
                program = main.clone(for_test=True)
            elif case == "new program":
                program = fluid.Program()
                with fluid.program_guard(program, fluid.Program()), fluid.unique_name.guard():
                    fetch = fluid.layers.mean(fluid.data("x", [None, 2]))
            else:
                f = {**feed, f"unknown_{k}": 1}
            out, = exe.run(program, f, [fetch])
            assert out[0] == 1
            refs.append(weakref.ref(program))
            assert len(exe._plans) <= exe.max_plans
            if k % 1000 == 999 and os.path.exists("/proc/self/statm"):
                gc.collect()
                rss.append(_rss_mb())
    del program
    gc.collect()
    live = {id(p) for p in (r() for r in refs) if p is not None}
    assert len(live) <= 1  # main itself, in the third case
    if rss:
        assert rss[-1] - rss[0] < 2, rss  # it grew ~15 MB per 1000 runs with a leak


def test_the_plan_cache_drops_the_least_recently_used_plan(fresh, monkeypatch):
    compiled = []
    real = executor_mod._Plan

    class Counting(real):
        def __init__(self, *a):
            compiled.append(a[2])
            super().__init__(*a)

    monkeypatch.setattr(executor_mod, "_Plan", Counting)
    x = fluid.data("x", [2])
    a, b, c = (fluid.layers.scale(x, scale=s) for s in (1.0, 2.0, 3.0))
    exe = fluid.Executor()
    exe.max_plans = 2
    feed = {"x": np.ones(2, np.float32)}
    for fetch in (a, b, a, c, a, b):  # c pushes out b, the least recently used; b then c
        exe.run(fresh, feed, [fetch])
    assert compiled == [(n,) for n in (a.name, b.name, c.name, b.name)]
    assert len(exe._plans) == 2


def test_use_program_cache_false_stores_nothing(fresh):
    m = fluid.layers.mean(fluid.data("x", [2]))
    exe = fluid.Executor()
    for _ in range(3):
        out, = exe.run(fresh, {"x": np.array([1, 3], np.float32)}, [m], use_program_cache=False)
        assert out[0] == 2
    assert len(exe._plans) == 0


def test_a_kernel_returning_another_dtype_is_named_as_the_ops_bug(fresh, monkeypatch):
    x = fluid.data("x", [None, 2])
    y = fluid.layers.scale(x, scale=2.0)
    kernels = fluid.registry.OPS["scale"].kernels
    real = kernels[(None, "float32")]  # the generic kernel; a cpu one takes precedence
    monkeypatch.setitem(kernels, ("cpu", "float32"),
                        lambda *a, **k: real(*a, **k).astype(np.float64))
    with pytest.raises(ValueError) as e:
        fluid.Executor().run(fresh, {"x": np.ones((3, 2), np.float32)}, [y])
    msg = str(e.value)
    assert "op 'scale' created at" in msg
    assert ("its output Out is float64[3, 2], but the program was built for float32[-1, 2]: "
            "the kernel of op 'scale' returned float64 where its shape rule promised float32"
            in msg)
    assert "were the inputs fed" not in msg


def _in_threads(*targets):
    """Run each target in its own thread; re-raise the first failure here."""
    errors = []

    def wrap(fn):
        def run():
            try:
                fn()
            except BaseException as e:  # noqa: B902 -- handed to the main thread
                errors.append(e)
        return run
    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    if errors:
        raise errors[0]


def test_scope_guard_is_per_thread(fresh):
    w = fresh.global_block().create_parameter("w", [1], "float32")
    m = fluid.layers.mean(w)
    exe, default = fluid.Executor(), fluid.global_scope()
    barrier = threading.Barrier(3)
    seen = {}

    def guarded(k):
        def run():
            scope = fluid.Scope()
            scope.var("w").get_tensor().set(np.array([k], np.float32))
            with fluid.scope_guard(scope):
                barrier.wait()  # both threads are inside their guards now
                seen[k] = fluid.global_scope() is scope
                out, = exe.run(fresh, fetch_list=[m])  # runs in the thread's own scope
                seen[k, "value"] = out[0]
                barrier.wait()
            barrier.wait()  # both have left their guards
            seen[k, "after"] = fluid.global_scope() is default
        return run

    def unguarded():
        barrier.wait()
        seen["plain"] = fluid.global_scope() is default
        barrier.wait()
        barrier.wait()

    _in_threads(guarded(1), guarded(2), unguarded)
    assert seen == {1: True, 2: True, (1, "value"): 1, (2, "value"): 2, (1, "after"): True,
                    (2, "after"): True, "plain": True}
    assert fluid.global_scope() is default


def test_one_executor_trains_in_several_threads_on_their_own_scopes():
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        x, y = fluid.data("x", [None, 3]), fluid.data("y", [None, 1])
        pred = fluid.layers.fc(x, 1, param_attr=fluid.ParamAttr(
            initializer=fluid.initializer.Constant(0.1)))
        err = fluid.layers.elementwise_sub(pred, y)
        loss = fluid.layers.mean(fluid.layers.elementwise_mul(err, err))
        fluid.optimizer.SGD(0.1).minimize(loss)
    params = [p.name for p in main.all_parameters()]
    exe, steps = fluid.Executor(), 50

    def batches(k):
        rng = np.random.default_rng(k)
        return [{"x": rng.normal(size=(4, 3)).astype(np.float32),
                 "y": rng.normal(size=(4, 1)).astype(np.float32)} for _ in range(steps)]

    def train(k, scope, barrier=None):
        exe.run(startup, scope=scope)
        for feed in batches(k):
            if barrier is not None:
                barrier.wait()  # the threads' steps interleave
            exe.run(main, feed, [loss], scope=scope)
        return [np.array(scope.find_var(n).get_tensor()) for n in params]

    alone = [train(k, fluid.Scope()) for k in range(3)]
    barrier, together = threading.Barrier(3), {}
    _in_threads(*(lambda k=k: together.setdefault(k, train(k, fluid.Scope(), barrier))
                  for k in range(3)))
    for k in range(3):
        for a, b in zip(alone[k], together[k]):
            np.testing.assert_array_equal(a, b)
    assert not np.array_equal(alone[0][0], alone[1][0])  # the threads did differ


def test_threads_share_one_executor_and_its_bounded_cache(fresh):
    x = fluid.data("x", [2])
    outs = [fluid.layers.scale(x, scale=float(s)) for s in range(6)]
    exe = fluid.Executor()
    exe.max_plans = 2  # plans are evicted and compiled again all the time
    feed = {"x": np.array([1, 2], np.float32)}

    def work(k):
        def run():
            for i in range(300):
                s = (k + i) % len(outs)
                got, = exe.run(fresh, feed, [outs[s]])
                assert got.tolist() == [s, 2 * s]
        return run
    _in_threads(*(work(k) for k in range(4)))
    assert len(exe._plans) <= 2


@pytest.mark.parametrize("layer", ["relu", "tanh", "sigmoid"])
def test_a_0d_result_is_fetched_as_a_0d_array(fresh, layer):
    x = fluid.data("x", [], "float32")
    y = getattr(fluid.layers, layer)(x)
    got, = fluid.Executor().run(feed={"x": np.array(0.5, "float32")}, fetch_list=[y])
    want = {"relu": 0.5, "tanh": np.tanh(0.5), "sigmoid": 1 / (1 + np.exp(-0.5))}[layer]
    assert got.__class__ is FetchedArray and got.shape == () and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_np_array_of_a_scope_tensor_is_a_copy_that_training_leaves_alone(fresh):
    # youtube_dnn saves np.array(scope.find_var('l4_weight').get_tensor()); SGD updates the
    # parameter in place afterwards, which must not reach that saved array
    x = fluid.data("x", [None, 2], "float32")
    loss = fluid.layers.mean(fluid.layers.fc(x, 1, param_attr="w_fc"))
    fluid.optimizer.SGD(0.5).minimize(loss)
    exe, scope = fluid.Executor(), fluid.Scope()
    with fluid.scope_guard(scope):
        exe.run(fluid.default_startup_program())
        t = scope.find_var("w_fc").get_tensor()
        saved, view = np.array(t), np.asarray(t)
        before = saved.copy()
        exe.run(fresh, feed={"x": np.ones((3, 2), np.float32)})
    np.testing.assert_array_equal(saved, before)
    assert not np.array_equal(view, before)  # asarray is a view of the parameter, as numpy's
    assert np.array(t, dtype=np.float64).dtype == np.float64
    if np.lib.NumpyVersion(np.__version__) >= "2.0.0":  # numpy 1's copy=False: copy if needed
        with pytest.raises(ValueError, match="w_fc.*copy=False"):
            np.array(t, dtype=np.float64, copy=False)
