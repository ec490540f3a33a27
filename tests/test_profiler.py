"""fluid.profiler (minifluid/profiler.py): real per-op timings of the executor's runs, the
report as fluid 1.8 printed it (written here from its profiler_helper.h: the header, the
columns Event/Calls/Total/Min./Max./Ave./Ratio., 12-wide columns, 'thread0::' names, the
sort orders) and the Chrome trace at profile_path."""
import json
import re
import threading
import time

import numpy as np
import pytest

import minifluid as fluid
from minifluid import profiler, registry
from minifluid.registry import register_op

HEADER = ["", "------------------------->     Profiling Report     <-------------------------", ""]
COLUMNS = ["Event", "Calls", "Total", "Min.", "Max.", "Ave.", "Ratio."]


@pytest.fixture
def sleepy():
    """A test-only op whose kernel takes 3 ms: a time the report must show."""
    op = register_op("test_sleep_3ms", inputs=["X"], no_grad="a test op")
    op.shape_rule(lambda op: (op.in_var("X").shape, op.in_var("X").dtype))

    @op.kernel("float32", "float64")
    def _(x):
        time.sleep(0.003)
        return x + 1
    yield "test_sleep_3ms"
    del registry.OPS["test_sleep_3ms"]


def _net(sleep_op=None):
    main, startup = fluid.Program(), fluid.Program()
    main.random_seed = startup.random_seed = 7  # the same parameters in every net
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        x = fluid.data("x", [None, 4], "float32")
        h = fluid.layers.fc(x, 3, act="relu")
        if sleep_op:
            out = main.global_block().create_var("slept")
            main.global_block().append_op(sleep_op, {"X": h}, {"Out": out})
            h = out
        loss = fluid.layers.mean(h)
        fluid.optimizer.SGD(0.1).minimize(loss)
    scope = fluid.Scope()
    exe = fluid.Executor()
    exe.run(startup, scope=scope)
    return main, loss, scope, exe


def _rows(text):
    """{event: (calls, total, min, max, ave, ratio)} of the last table, in printed order."""
    lines = text.split("\n")
    start = max(i for i, line in enumerate(lines) if line.startswith("Event"))
    rows = {}
    for line in lines[start + 1:]:
        if not line.strip():
            break
        name, calls, *nums = line.split()
        rows[name] = (int(calls), *map(float, nums))
    return rows


def _feed():
    return {"x": np.ones((8, 4), "float32")}


def test_the_report_is_fluids_and_its_numbers_add_up(tmp_path, capsys):
    main, loss, scope, exe = _net()
    path = tmp_path / "profile"
    with profiler.profiler("CPU", "total", str(path)):
        for _ in range(5):
            exe.run(main, _feed(), [loss], scope=scope)
    text = capsys.readouterr().out
    lines = text.split("\n")
    assert lines[:7] == HEADER + ["Place: CPU", "Time unit: ms",
                                  "Sorted by total time in descending order in the same "
                                  "thread", ""]
    head = next(line for line in lines if line.startswith("Event"))
    assert head.split() == COLUMNS
    width = head.index("Calls")
    assert [head.index(c) for c in COLUMNS[1:]] == [width + 12 * k for k in range(6)]
    rows = _rows(text)
    ops = [op.type for op in main.global_block().ops]
    assert set(rows) == {f"thread0::{t}" for t in ops}
    for name, (calls, total, lo, hi, ave, ratio) in rows.items():
        assert calls == 5 * ops.count(name.split("::")[1])
        assert 0 < lo <= ave <= hi and ave == pytest.approx(total / calls, rel=1e-4)
    totals = [r[1] for r in rows.values()]
    assert totals == sorted(totals, reverse=True)
    assert sum(r[5] for r in rows.values()) == pytest.approx(1, abs=1e-4)
    # Total time is the runs' own (kernels and framework); computation is the kernels'
    total_line = next(line for line in lines if line.startswith("Total time: "))
    computation = re.search(r"(?m)^  Computation time +Total: (\S+) +Ratio: [\d.e+-]+%$", text)
    overhead = re.search(r"(?m)^  Framework overhead +Total: (\S+) +Ratio: [\d.e+-]+%$", text)
    assert float(computation.group(1)) == pytest.approx(sum(totals), rel=1e-3)
    assert float(overhead.group(1)) > 0  # gathering inputs, checking outputs, freeing
    assert float(total_line.split()[-1]) == pytest.approx(
        float(computation.group(1)) + float(overhead.group(1)), rel=1e-3)
    assert not profiler.on


def test_the_times_are_measured(sleepy, capsys, tmp_path):
    main, loss, scope, exe = _net(sleepy)
    with profiler.profiler("CPU", "max", str(tmp_path / "p")):
        for _ in range(3):
            exe.run(main, _feed(), [loss], scope=scope)
    rows = _rows(capsys.readouterr().out)
    calls, total, lo, hi, ave, ratio = rows["thread0::test_sleep_3ms"]
    assert calls == 3 and lo >= 3.0 and ratio > 0.5  # the kernel sleeps 3 ms
    assert list(rows)[0] == "thread0::test_sleep_3ms"  # sorted by max, descending
    events = json.loads((tmp_path / "p").read_text())["traceEvents"]
    slept = [e for e in events if e["name"] == "test_sleep_3ms"]
    assert len(slept) == 3 and all(e["dur"] >= 3000 and e["args"]["kernel_ms"] >= 3.0
                                   for e in slept)


def test_the_chrome_trace_holds_every_op_of_every_run(tmp_path, capsys):
    main, loss, scope, exe = _net()
    path = tmp_path / "deep" / "trace.json"
    profiler.start_profiler("CPU")
    for _ in range(2):
        exe.run(main, _feed(), [loss], scope=scope)
    profiler.stop_profiler(None, str(path))
    trace = json.loads(path.read_text())
    assert trace["displayTimeUnit"] == "ms"
    ops = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert [e["name"] for e in ops] == [op.type for op in main.global_block().ops] * 2
    assert all(e["pid"] == 0 and e["tid"] == 0 and e["dur"] >= 0 for e in ops)
    starts = [e["ts"] for e in ops]
    assert starts == sorted(starts) and starts[0] >= 0
    assert {"name": "process_name", "ph": "M", "pid": 0, "args": {"name": "/host:CPU"}} in \
        trace["traceEvents"]
    # sorted_key None: the order in which events first ended, the program's order here
    names = [n.split("::")[1] for n in _rows(capsys.readouterr().out)]
    assert names == list(dict.fromkeys(op.type for op in main.global_block().ops))


def test_reset_start_stop_and_errors(tmp_path, capsys):
    main, loss, scope, exe = _net()
    with pytest.raises(ValueError, match="'CPU', 'GPU' or 'All'"):
        profiler.start_profiler("TPU")
    with pytest.raises(ValueError, match="sorted_key must be None or in"):
        with profiler.profiler("CPU", sorted_key="fastest"):
            pass
    assert not profiler.on
    profiler.stop_profiler()  # off: nothing, as fluid
    assert capsys.readouterr().out == ""
    profiler.start_profiler("CPU")
    profiler.start_profiler("All")  # on already: nothing changes
    exe.run(main, _feed(), [loss], scope=scope)
    profiler.reset_profiler()
    for _ in range(2):
        exe.run(main, _feed(), [loss], scope=scope)
    profiler.stop_profiler("calls", str(tmp_path / "p"))
    rows = _rows(capsys.readouterr().out)
    assert rows["thread0::mul"][0] == 2  # the run before the reset is forgotten
    calls = [r[0] for r in rows.values()]
    assert calls == sorted(calls, reverse=True)


def test_a_profiled_run_computes_and_fails_as_an_unprofiled_one(tmp_path, capsys):
    main, loss, plain_scope, exe = _net()
    main2, loss2, profiled_scope, _ = _net()
    feed = {"x": np.random.default_rng(0).standard_normal((8, 4)).astype("float32")}
    plain = [exe.run(main, feed, [loss], scope=plain_scope)[0] for _ in range(3)]
    with profiler.profiler("CPU", profile_path=str(tmp_path / "p")):
        profiled = [exe.run(main2, feed, [loss2], scope=profiled_scope)[0] for _ in range(3)]
        with pytest.raises(ValueError) as profiled_error:  # a feed of another width
            exe.run(main2, {"x": np.ones((2, 5), "float32")}, [loss], scope=profiled_scope)
    with pytest.raises(ValueError) as plain_error:
        exe.run(main, {"x": np.ones((2, 5), "float32")}, [loss], scope=plain_scope)
    np.testing.assert_array_equal(np.concatenate(plain), np.concatenate(profiled))
    assert str(profiled_error.value) == str(plain_error.value)


def test_threads_get_their_own_tables_and_a_merged_one(tmp_path, capsys):
    main, loss, scope, exe = _net()
    with profiler.profiler("CPU", "total", str(tmp_path / "p")):
        exe.run(main, _feed(), [loss], scope=scope)
        t = threading.Thread(target=lambda: exe.run(main, _feed(), [loss], scope=scope))
        t.start()
        t.join()
    text = capsys.readouterr().out
    merged, per_thread = text.split("Note! This Report merge all thread info into one.")[1:][0], \
        text
    assert "thread0::mul" in per_thread and "thread1::mul" in per_thread
    assert re.search(r"(?m)^mul\s+2\s", merged)  # both threads' calls in one row


@pytest.mark.parametrize("state", ["GPU", "All"])
def test_device_times_on_a_gpu(place, state, tmp_path, capsys):
    if place.kind != "cuda":
        pytest.skip("device times need a GPU place")
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        x = fluid.data("x", [None, 512], "float32")
        y = fluid.layers.matmul(x, x, transpose_y=True)
        loss = fluid.layers.mean(y)
    exe = fluid.Executor(place)
    feed = {"x": np.ones((2048, 512), "float32")}
    exe.run(main, feed, [loss])  # compiled and warm
    with profiler.profiler(state, "total", str(tmp_path / "p")):
        for _ in range(3):
            exe.run(main, feed, [loss])
    text = capsys.readouterr().out
    assert f"Place: {'CUDA' if state == 'GPU' else 'All'}" in text
    if state == "All":
        assert "CPU Time (Ratio)" in text and "GPU Time (Ratio)" in text
    trace = json.loads((tmp_path / "p").read_text())["traceEvents"]
    kernels = [e for e in trace if e.get("cat") == "Kernel"]
    assert {e["name"] for e in kernels} >= {"matmul", "mean"}
    assert all(e["pid"] == 1 and e["dur"] > 0 for e in kernels)
    print(text, file=__import__("sys").stderr)


def test_a_kernel_error_in_a_profiled_run_names_the_op_as_the_executor_does(tmp_path, capsys):
    op = register_op("test_refuses", inputs=["X"], no_grad="a test op")
    op.shape_rule(lambda op: (op.in_var("X").shape, op.in_var("X").dtype))

    @op.kernel("float32", "float64")
    def _(x):
        raise ValueError("this kernel refuses")
    try:
        main = fluid.Program()
        with fluid.program_guard(main, fluid.Program()):
            x = fluid.data("x", [2], "float32")
            main.global_block().append_op("test_refuses", {"X": x}, {"Out": "out"})
        exe = fluid.Executor()
        messages = []
        for profiled in (False, True):
            if profiled:
                profiler.start_profiler("CPU")
            with pytest.raises(ValueError) as e:
                exe.run(main, {"x": np.ones(2, "float32")}, ["out"])
            messages.append(str(e.value))
        profiler.stop_profiler(None, str(tmp_path / "p"))
        assert messages[0] == messages[1] and "op 'test_refuses' created at" in messages[1]
        assert "this kernel refuses" in messages[1]
    finally:
        profiler.stop_profiler(None, str(tmp_path / "p"))
        del registry.OPS["test_refuses"]
