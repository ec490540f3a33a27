"""fluid.compiler: a CompiledProgram runs its program; data parallelism over several places is
refused with a clear error (minifluid runs on one place)."""
import numpy as np
import pytest

import minifluid as fluid


def _net():
    x = fluid.data("x", [None, 3])
    w = fluid.layers.fc(x, 2, param_attr=fluid.ParamAttr(
        initializer=fluid.initializer.Constant(0.5)), bias_attr=False)
    loss = fluid.layers.mean(w)
    fluid.optimizer.SGD(0.1).minimize(loss)
    return loss


def test_a_compiled_program_trains_as_its_program_does(fresh):
    loss = _net()
    exe = fluid.Executor(fluid.CPUPlace())
    exe.run(fluid.default_startup_program())
    xs = np.arange(6, dtype=np.float32).reshape(2, 3)
    compiled = fluid.CompiledProgram(fresh).with_data_parallel(
        loss_name=loss.name, build_strategy=fluid.BuildStrategy(),
        exec_strategy=fluid.ExecutionStrategy(), places=[fluid.CPUPlace()])
    first, = exe.run(compiled, {"x": xs}, [loss])
    second, = exe.run(compiled, {"x": xs}, [loss])
    # mean over (2, 2) of x @ W with W = 0.5: then SGD moves W by -0.1 * mean(x) per column
    np.testing.assert_allclose(first, [0.5 * xs.sum(1).mean()], rtol=1e-6)
    w_grad = xs.mean(0) / 2  # d mean / dW[i, j] = mean over rows of x[:, i] / 2 columns
    np.testing.assert_allclose(second, [(xs @ (0.5 - 0.1 * w_grad[:, None] * np.ones((1, 2))))
                                        .mean()], rtol=1e-5)


def test_strategies_keep_known_fields_and_refuse_others():
    bs = fluid.BuildStrategy()
    bs.fuse_all_reduce_ops = True
    bs.reduce_strategy = fluid.BuildStrategy.ReduceStrategy.Reduce
    assert bs.fuse_all_reduce_ops and bs.reduce_strategy == 1
    with pytest.raises(AttributeError, match="BuildStrategy has no field 'fuse_everything'"):
        bs.fuse_everything = True
    es = fluid.ExecutionStrategy()
    es.num_threads = 4
    with pytest.raises(AttributeError, match="ExecutionStrategy has no field"):
        es.threads = 4


def test_several_places_are_refused_not_run_on_one(fresh, monkeypatch):
    _net()
    with pytest.raises(NotImplementedError, match=r"one place, and was given 2 \(places="):
        fluid.CompiledProgram(fresh).with_data_parallel(places=[fluid.CPUPlace()] * 2)
    monkeypatch.setenv("CPU_NUM", "4")
    with pytest.raises(NotImplementedError, match=r"given 4 \(CPU_NUM=4\)"):
        fluid.CompiledProgram(fresh).with_data_parallel()
    with pytest.raises(TypeError, match="argument 'program_or_graph' must be a Program"):
        fluid.CompiledProgram("main")
    with pytest.raises(TypeError, match="'build_strategy' must be a BuildStrategy"):
        fluid.CompiledProgram(fresh, build_strategy={})


def test_with_data_parallel_takes_one_place_given_alone(fresh):
    loss = _net()
    compiled = fluid.CompiledProgram(fresh).with_data_parallel(loss_name=loss.name,
                                                               places=fluid.CPUPlace())
    exe = fluid.Executor(fluid.CPUPlace())
    exe.run(fluid.default_startup_program())
    got, = exe.run(compiled, {"x": np.ones((2, 3), "float32")}, [loss])
    np.testing.assert_allclose(got, [1.5], rtol=1e-6)  # mean of x @ W, W all 0.5
